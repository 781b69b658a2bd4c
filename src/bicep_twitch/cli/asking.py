"""``bicep-twitch ask`` on the command line: the banners, the result and the exit status.

The questionnaire itself (:func:`bicep_twitch.predict.ask.next_step`, and the terminal
:class:`~bicep_twitch.predict.ask.Questionnaire` around it) knows nothing of exit statuses.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..core.cases import decode_value
from ..core.triage import safety_reminder
from ..predict.ask import DESCRIBE, AnswerTooLong, EndOfInput, Questionnaire, implied_preconditions, terminal_width, wrap_lines
from ..predict.result import format_result_text
from .usage import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK

# The answers ended before a result: the input was incomplete, which is bad input.
EXIT_INCOMPLETE = EXIT_BAD_INPUT


def ask(
    predictor: Any,
    *,
    stdin: TextIO,
    out: TextIO,
    result_out: TextIO,
    err: TextIO,
    as_json: bool = False,
    echo: bool = False,
    given: dict[str, float] | None = None,
    describe: bool = True,
    width: int | None = None,
) -> int:
    """Run the questionnaire with ``predictor`` and print its result; returns the exit status.

    0 after a result; 2 when the answers end before one (message on ``err``); 130 on Ctrl-C.
    ``given`` (finding id -> encoded value) is what the person already said: only the rest is
    asked. With ``describe`` (default) the person may describe it in their own words right after
    the emergency screen: what is read and kept is not asked again. Lines are wrapped to ``width`` (default the terminal's).
    The result goes to ``result_out``: the text ``predict`` prints, or with ``as_json``
    one JSON object ``{"description", "given", "questions", "skipped", "safety_unknown", "case", "result"}``
    where ``result`` is ``predictor.predict(case).to_dict()``.
    """
    kb = predictor.kb
    start = implied_preconditions(kb, given or {})
    width = width if width is not None else terminal_width()
    questionnaire = Questionnaire(predictor.tree, kb, stdin=stdin, out=out, echo=echo, given=start,
                                  describe=describe, width=width)
    out.write(wrap_lines(
        "Answer one question at a time; ? or an empty line if you don't know; why to hear why a question "
        "is asked; back to take back your last answer; done to skip to the safety questions and the result. "
        "Ctrl-C quits.\n", width))
    for fid in start:
        if fid not in (given or {}):
            out.write(f"   (A follow-up you gave implies that you {kb.findings[fid].yes}.)\n")
    if start:
        n = len(start)
        out.write(f"   {n} answer{'s' * (n != 1)} given up front; they are not asked again.\n")
    out.write("\n")
    try:
        walk = questionnaire.run()
    except (EndOfInput, AnswerTooLong) as exc:
        err.write(f"bicep-twitch ask: {exc}; no result\n")
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        out.write("\n")
        out.flush()
        n = len(questionnaire.walk.answers)
        err.write(f"bicep-twitch ask: interrupted after {n} answer{'s' * (n != 1)}; no result\n")
        return EXIT_INTERRUPTED
    case = walk.case(kb)
    result = predictor.predict(case)
    asked = sum(1 for a in walk.answers if a.asked_for != DESCRIBE)
    unknown = sum(1 for a in walk.answers if a.code != a.code)
    described = len(walk.answers) - asked
    out.write(wrap_lines(
        f"\n{asked} question{'s' * (asked != 1)} asked: {asked - unknown} answered, {unknown} unknown"
        + (f"; {described} read from your description" if described else "")
        + (f"; {len(start)} given up front" if start else "")
        + f" (a full form asks {len(kb.findings)}).\n", width))
    left = questionnaire.safety_unknown()
    # After an emergency the call to action is all that matters now; the reminder would bury it.
    if left and not walk.emergency:
        out.write(wrap_lines(safety_reminder(kb, left) + "\n", width))
    out.write("\n")
    out.flush()
    if as_json:
        record = {
            "description": questionnaire.description,
            "given": {fid: decode_value(kb.findings[fid], x) for fid, x in start.items()},
            "questions": [a.to_dict(kb) for a in walk.answers],
            "skipped": [{"finding": s.finding, "reason": s.reason} for s in walk.skipped],
            "safety_unknown": left,
            "case": case,
            "result": result.to_dict(),
        }
        result_out.write(json.dumps(record, indent=2) + "\n")
    else:
        result_out.write(format_result_text(result).rstrip("\n") + "\n")
    result_out.flush()
    return EXIT_OK
