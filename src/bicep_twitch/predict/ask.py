"""``bicep-twitch ask``: the tree as an adaptive questionnaire.

A person answers only the questions on their own path through the tree, one at a time. The walk
follows the predictor's rule exactly (:meth:`TreeData.child`): a known answer is compared with
the node's cut, and "don't know" goes the way the tree learned for missing values. So every walk
reaches a leaf, and the answers collected give that same leaf, and the same result, in ``predict``.

Two more rules keep the questions sensible and the case valid:

* a finding is asked at most once; when it recurs deeper in the tree the first answer is reused;
* a follow-up finding (``requires`` in the knowledge base, e.g. ``hours_after_workout`` after a
  recent arm workout) is asked only once its precondition holds. The precondition is asked first
  if the walk has not met it yet; when it does not hold (or is unknown) the follow-up is not asked,
  counts as unknown, and the person is told so. The case therefore never contradicts itself.

Before any result, the safety screen (:func:`safety_findings`) asks every red flag and medicine
question not answered yet, whatever the tree's path: real triage screens the red flags before it
reassures anyone. An answer there may change the path; the walk then goes on from the root with
every answer kept, asking only what it has not asked. A person may start from what they already
know (``given``: only the rest is asked), and may type ``why`` at any prompt to hear which causes
the question separates most at that point.

Pure Python: the walk needs only the plain-data tree and the knowledge base.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from ..core.cases import decode_value, parse_text, shown
from .._errors import InvalidCaseError
from ..core.numbers import format_exact, format_number, read_number
from ..core.knowledge import CHOICE, YES_NO, Finding, KnowledgeBase
from ..core.model_folder import check_tree_matches
from ..core.numbers import percent
from ..core.tree import TreeData
from ..core.triage import screening_findings
from .reasons import separated_causes
from .result import format_result_text

NAN = float("nan")
# Typed at a question of the tree: ask no more of them (they count as unknown); the safety
# questions are still asked. Typed at a safety question: ask nothing more at all.
DONE_WORDS = ("done",)
WHY_WORDS = ("why", "why?")
# Medicines that can cause twitching: the safety screen asks them. The knowledge base does not
# list them as triage data yet; when it does, take them from there (see safety_findings).
TREE, SAFETY = "tree", "safety"
EXIT_OK, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 2, 130


@dataclass
class Answer:
    """One question asked and the answer finally accepted (``code`` NaN when unknown)."""

    finding: str
    question: str
    text: str
    code: float
    rejected: list[str] = field(default_factory=list)
    asked_for: str = TREE

    def to_dict(self, kb: KnowledgeBase) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "question": self.question,
            "answer": self.text,
            "value": decode_value(kb.findings[self.finding], self.code),
            "rejected": list(self.rejected),
            "asked_for": self.asked_for,
        }


@dataclass
class Skipped:
    """A follow-up finding that was not asked because its precondition does not hold."""

    finding: str
    reason: str


@dataclass
class Walk:
    """What a walk through the tree asked, and where it ended.

    ``given`` holds what the person said up front (finding id -> code; never asked again);
    ``path`` the node ids visited, root first; ``leaf`` is its last node once the walk is
    ``complete`` (an ended input leaves it incomplete, with ``leaf`` None).
    """

    answers: list[Answer] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    path: list[int] = field(default_factory=list)
    leaf: int | None = None
    given: dict[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.leaf is not None

    def known(self) -> dict[str, float]:
        """Every finding settled so far: given, asked (NaN for "don't know") or skipped (NaN)."""
        known = dict(self.given)
        known.update((s.finding, NAN) for s in self.skipped)
        known.update((a.finding, a.code) for a in self.answers)
        return known

    def case(self, kb: KnowledgeBase) -> dict[str, Any]:
        """The given and asked answers as a case for ``Predictor.predict`` ("don't know" as None)."""
        codes = {**self.given, **{a.finding: a.code for a in self.answers}}
        return {fid: decode_value(kb.findings[fid], code) for fid, code in codes.items()}


class EndOfInput(Exception):
    """The answers ran out before the walk reached a leaf."""


def walk_tree(
    tree: TreeData,
    kb: KnowledgeBase,
    answer: Callable[[Finding], "Answer | float | None"],
    *,
    on_skip: Callable[[Skipped], None] | None = None,
    record: Walk | None = None,
) -> Walk:
    """Walk ``tree`` from the root, calling ``answer(finding)`` for each finding first needed.

    Parameters
    ----------
    tree : TreeData
        The plain-data tree (its ``features`` are knowledge-base finding ids).
    kb : KnowledgeBase
        Gives each finding's type, question and follow-up preconditions.
    answer : callable
        Returns the answer for a finding: an :class:`Answer`, or just its code (NaN for "don't
        know"), or None when the finding is not to be asked at all (unknown, and not recorded as
        asked); called at most once per finding. It may raise (e.g. :class:`EndOfInput`); ``record`` then holds the walk so far.
    on_skip : callable, optional
        Told about each follow-up finding left unasked because its precondition does not hold.
    record : Walk, optional
        Filled in as the walk goes (a new one by default).

    Returns
    -------
    Walk
        The answers in the order asked, the skipped follow-ups, the node path and the leaf.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> from bicep_twitch.core.tree import TreeData
    >>> kb = load_knowledge()
    >>> features = list(kb.finding_ids)
    >>> tree = TreeData.from_arrays(  # root asks about caffeine: up to 4.5 cups left, else right
    ...     features=features, classes=["caffeine", "stress_anxiety"],
    ...     children_left=[1, -1, -1], children_right=[2, -1, -1],
    ...     feature=[features.index("caffeine_cups_per_day"), -2, -2], threshold=[4.5, -2.0, -2.0],
    ...     missing_go_to_left=[True, False, False],
    ...     value=[[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]], n_samples=[10, 5, 5])
    >>> w = walk_tree(tree, kb, lambda finding: 7.0)
    >>> [a.finding for a in w.answers], w.path
    (['caffeine_cups_per_day'], [0, 2])
    """
    check_tree_matches(tree, kb, "this questionnaire")
    walk = record if record is not None else Walk()
    known = walk.known()  # a walk resumed after the safety screen asks nothing twice

    def value_of(fid: str) -> float:
        if fid in known:
            return known[fid]
        f = kb.findings[fid]
        for parent, wanted in f.requires.items():
            parent_code = value_of(parent)  # asks the precondition first when not yet known
            if math.isnan(parent_code) or bool(parent_code) != bool(wanted):
                skipped = Skipped(fid, _skip_reason(f, kb.findings[parent], wanted, parent_code))
                walk.skipped.append(skipped)
                if on_skip is not None:
                    on_skip(skipped)
                known[fid] = NAN
                return NAN
        given = answer(f)
        if given is None:
            known[fid] = NAN
            return NAN
        if not isinstance(given, Answer):
            given = Answer(fid, f.question, "", float(given))
        known[fid] = given.code
        walk.answers.append(given)
        return given.code

    node = 0
    walk.path[:] = [0]
    while not tree.is_leaf(node):
        x = value_of(tree.features[tree.feature[node]])
        node = tree.child(node, x)
        walk.path.append(node)
    walk.leaf = node
    return walk


def _skip_reason(f: Finding, parent: Finding, wanted: Any, parent_code: float) -> str:
    if parent.type == YES_NO:
        condition = parent.yes if wanted else parent.no
        given = "you did not know" if math.isnan(parent_code) else "you answered no" if wanted else "you answered yes"
        return f"'{f.name}' applies only if you {condition}, and {given}; counted as unknown"
    return f"'{f.name}' applies only when '{parent.id}' is {wanted!r}; counted as unknown"


def answer_hint(f: Finding) -> str:
    """The allowed answers, in brackets after a question, e.g. ``(yes or no, ? if unsure)``.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> answer_hint(load_knowledge().findings["caffeine_cups_per_day"])
    '(number, 0-30 cups a day, ? if unsure)'
    """
    if f.type == YES_NO:
        allowed = "yes or no"
    elif f.type == CHOICE:
        allowed = " or ".join(f.choices)
    else:
        # "0-10 out of 10" says the range twice; such questions already give their scale.
        unit = "" if f.unit.startswith("out of") else f" {f.unit}"
        allowed = f"number, {format_number(f.min)}-{format_number(f.max)}{unit}"
    return f"({allowed}, ? if unsure)"


def safety_findings(kb: KnowledgeBase) -> tuple[str, ...]:
    """The findings the safety screen asks before any result: red flags, then medicines.

    Both come from the knowledge base's triage rules (:func:`core.triage.screening_findings`),
    each finding once, red flags first.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> safety_findings(load_knowledge())[-1]
    'takes_synthetic_estrogen'
    """
    return screening_findings(kb)


def answer_error(f: Finding, text: str) -> str:
    """What was wrong with a typed answer, in the question's own words, and what to type instead.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> answer_error(kb.findings["recent_arm_workout"], "maybe")
    "'maybe' is not an answer to this question: please answer yes or no (? if unsure, why to hear why it is asked)"
    >>> answer_error(kb.findings["caffeine_cups_per_day"], "31")
    '31 is more than 30 cups a day: please answer a number from 0 to 30 cups a day (? if unsure, why to hear why it is asked)'
    """
    tail = "(? if unsure, why to hear why it is asked)"
    if f.type == YES_NO:
        return f"{shown(text)} is not an answer to this question: please answer yes or no {tail}"
    if f.type == CHOICE:
        return f"{shown(text)} is not an answer to this question: please answer {' or '.join(f.choices)} {tail}"
    wanted = f"a number from {format_number(f.min)} to {format_number(f.max)} {f.unit}".rstrip()
    number = read_number(text.strip())  # the reader parse_text used: "٥" and "1_0" are no numbers here either
    if number is None:
        if text.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
            return f"{shown(text)} is not a number one can have: please answer {wanted} {tail}"
        return f"{shown(text)} is not a number: please answer {wanted} {tail}"
    side = f"less than {format_number(f.min)}" if number < f.min else f"more than {format_number(f.max)}"
    unit = f" {f.unit}" if f.unit else ""
    return f"{format_exact(number)} is {side}{unit}: please answer {wanted} {tail}"


MAX_ANSWER_CHARS = 1_000  # an answer is a word or a number; a longer line is a pasted file or a stream of junk


class AnswerTooLong(Exception):
    """An answer line longer than ``MAX_ANSWER_CHARS``: the questionnaire ends, exit status 2."""


def read_answer_line(stdin: TextIO, number: int, *, limit: int = MAX_ANSWER_CHARS) -> str:
    """One answer line from ``stdin``, read at most ``limit + 1`` characters at a time ('' at the end).

    A longer line is refused unread beyond the limit and never echoed, so ``ask < /dev/zero``
    or a 200 MB line costs neither memory nor time.

    Raises
    ------
    AnswerTooLong
        The line at question ``number`` is longer than ``limit`` characters.
    """
    line = stdin.readline(limit + 1)
    if len(line) > limit and not (len(line) == limit + 1 and line.endswith("\n")):
        raise AnswerTooLong(
            f"the answer to question {number} is longer than {limit:,} characters (it starts {shown(line[:20])}); "
            "an answer is a word or a number"
        )
    return line


class Questionnaire:
    """Ask the tree's questions, then the safety screen, on text streams; one answer a line.

    Questions, notes about skipped follow-ups, answers to ``why`` and the explanations of bad
    answers go to ``out``; nothing else is written. A bad answer is explained in words and the
    same question asked again.

    Parameters
    ----------
    tree, kb
        The plain-data tree and the knowledge base.
    stdin : text stream
        One answer per line; ``?`` or an empty line means "don't know"; ``why`` asks why this
        question; ``done`` stops the tree's questions (the safety questions still come).
    out : text stream
        Where the questions go.
    echo : bool
        Write each answer after its prompt, so a transcript of piped answers reads like a
        terminal session (a terminal echoes what the person types itself).
    given : mapping, optional
        Findings the person gave up front (finding id -> encoded value); never asked.
    screen : bool
        Ask the safety questions before the walk ends (default); off, only the tree's path.

    Examples
    --------
    >>> import io
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> from bicep_twitch.core.tree import TreeData
    >>> kb = load_knowledge()
    >>> features = list(kb.finding_ids)
    >>> tree = TreeData.from_arrays(
    ...     features=features, classes=["caffeine", "stress_anxiety"],
    ...     children_left=[1, -1, -1], children_right=[2, -1, -1],
    ...     feature=[features.index("caffeine_cups_per_day"), -2, -2], threshold=[4.5, -2.0, -2.0],
    ...     missing_go_to_left=[True, False, False],
    ...     value=[[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]], n_samples=[10, 5, 5])
    >>> out = io.StringIO()
    >>> q = Questionnaire(tree, kb, stdin=io.StringIO("lots\\n7\\n"), out=out, echo=True, screen=False)
    >>> walk = q.run()
    >>> walk.case(kb), walk.leaf
    ({'caffeine_cups_per_day': 7}, 2)
    >>> print(out.getvalue().strip())
    1. How many cups of coffee, energy drinks or the like a day? (number, 0-30 cups a day, ? if unsure)
    > lots
       'lots' is not a number: please answer a number from 0 to 30 cups a day (? if unsure, why to hear why it is asked).
    > 7
    """

    PROMPT = "> "

    def __init__(
        self,
        tree: TreeData,
        kb: KnowledgeBase,
        *,
        stdin: TextIO,
        out: TextIO,
        echo: bool = False,
        given: dict[str, float] | None = None,
        screen: bool = True,
    ):
        self.tree = tree
        self.kb = kb
        self.stdin = stdin
        self.out = out
        self.echo = echo
        self.screen = screen
        self.walk = Walk(given={fid: x for fid, x in (given or {}).items() if x == x})
        self.done = False  # "done" at a tree question: no more of them
        self.stopped = False  # "done" at a safety question: nothing more at all
        self._phase = TREE

    def run(self) -> Walk:
        """Ask until a leaf is reached and the safety screen is through.

        Raises :class:`EndOfInput` if the answers run out first; ``self.walk`` holds what was
        asked so far in either case. A safety answer may change the tree's path: the walk then
        goes on from the root with every answer kept, until nothing new is asked.
        """
        while True:
            walk_tree(self.tree, self.kb, self._ask, on_skip=self._tell_skip, record=self.walk)
            pending = self.pending_safety() if self.screen and not self.stopped else []
            if not pending:
                return self.walk
            self._phase = SAFETY
            n = len(pending)
            self._write(
                f"   Before the result, {n} safety question{'s' * (n != 1)}: each can call for a doctor "
                "whatever else you answered.\n"
            )
            for fid in pending:
                answer = self._ask(self.kb.findings[fid])
                if answer is None:
                    break
                self.walk.answers.append(answer)
            self._phase = TREE

    def pending_safety(self) -> list[str]:
        """The safety findings not given, asked or skipped yet."""
        known = self.walk.known()
        return [fid for fid in safety_findings(self.kb) if fid not in known]

    def safety_unknown(self) -> list[str]:
        """The safety findings that stayed unknown (not asked, "don't know" or after "done")."""
        known = self.walk.known()
        return [fid for fid in safety_findings(self.kb) if known.get(fid, NAN) != known.get(fid, NAN)]

    def _ask(self, f: Finding) -> Answer | None:
        if self.stopped or (self.done and self._phase == TREE):
            return None
        number = len(self.walk.answers) + 1
        self._write(f"{number}. {f.question} {answer_hint(f)}\n")
        rejected: list[str] = []
        while True:
            self._write(self.PROMPT)
            line = read_answer_line(self.stdin, number)
            if not line:  # '' is end of input; an empty answer is '\n'
                self._write("\n")  # end the prompt's line before the closing message
                raise EndOfInput(f"input ended at question {number} ({f.name}), before a result was reached")
            text = line.strip()
            if self.echo:  # a typed escape sequence is shown, never played on the terminal
                self._write((text if text.isprintable() else repr(text)[1:-1]) + "\n")
            if text.lower() in WHY_WORDS:
                self._write(self.why(f))
                continue
            if text.lower() in DONE_WORDS:
                return self._stop(f, text, rejected)
            try:
                code = parse_text(f, _normalise(f, text))
            except InvalidCaseError:
                rejected.append(text)
                self._write(f"   {answer_error(f, text)}.\n")
                continue
            return Answer(f.id, f.question, text, code, rejected, self._phase)

    def _stop(self, f: Finding, text: str, rejected: list[str]) -> Answer:
        if self._phase == SAFETY:
            self.stopped = True
            self._write("   (No more questions: the safety questions left count as unknown.)\n")
        else:
            self.done = True
            self._write("   (No more questions about the path: the rest count as unknown. The safety questions come next.)\n")
        return Answer(f.id, f.question, text, NAN, rejected, self._phase)

    def why(self, f: Finding) -> str:
        """Why ``f`` is asked now: the causes its answer separates most, given the answers so far."""
        known = self.walk.known()
        moved = separated_causes(self.kb, known, f.id)
        lines = ["   Why this question: given your answers so far, it separates these causes most:"]
        for cause, words, before, after in moved:
            lines.append(f"     {self.kb.causes[cause].label}: {percent(before)} now, {percent(after)} if {words}")
        flag = {flag.finding: flag.text for flag in self.kb.red_flags}.get(f.id)
        if flag is not None:
            lines.append(f"   It is also a safety question: if {flag}, see a doctor.")
        elif f.id in {flag.finding for flag in self.kb.medicine_flags}:
            lines.append("   It is also a safety question: a medicine that can cause twitching is for the doctor "
                         "who prescribed it to weigh.")
        lines.append("   (Chances from the knowledge base alone, not the tree.)")
        return "\n".join(lines) + "\n"

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _tell_skip(self, skipped: Skipped) -> None:
        self._write(f"   (Skipped: {skipped.reason}.)\n")


def _normalise(f: Finding, text: str) -> str:
    # Choices are lower-case words; "Spasm" typed at a prompt means "spasm".
    if f.type == CHOICE and text.lower() in f.choices:
        return text.lower()
    return text


def implied_preconditions(kb: KnowledgeBase, given: dict[str, float]) -> dict[str, float]:
    """``given`` with the precondition of every given follow-up added as yes, when not given.

    "Hours after the workout" means there was a workout: asking about it could only contradict.
    """
    out = {fid: x for fid, x in given.items() if x == x}
    for fid in list(out):
        for parent, wanted in kb.findings[fid].requires.items():
            out.setdefault(parent, 1.0 if wanted else 0.0)
    return out


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
) -> int:
    """Run the questionnaire with ``predictor`` and print its result; returns the exit status.

    0 after a result; 2 when the answers end before one (message on ``err``); 130 on Ctrl-C.
    ``given`` (finding id -> encoded value) is what the person already said: only the rest is
    asked. The result goes to ``result_out``: the text ``predict`` prints, or with ``as_json``
    one JSON object ``{"given", "questions", "skipped", "safety_unknown", "case", "result"}``
    where ``result`` is ``predictor.predict(case).to_dict()``.
    """
    kb = predictor.kb
    start = implied_preconditions(kb, given or {})
    questionnaire = Questionnaire(predictor.tree, kb, stdin=stdin, out=out, echo=echo, given=start)
    out.write(
        "Answer one question at a time; ? or an empty line if you don't know; why to hear why a question "
        "is asked; done to skip to the safety questions and the result. Ctrl-C quits.\n"
    )
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
    asked = len(walk.answers)
    unknown = sum(1 for a in walk.answers if a.code != a.code)
    out.write(
        f"\n{asked} question{'s' * (asked != 1)} asked: {asked - unknown} answered, {unknown} unknown"
        + (f"; {len(start)} given up front" if start else "")
        + f" (a full form asks {len(kb.findings)}).\n"
    )
    left = questionnaire.safety_unknown()
    if left:
        flag_text = {flag.finding: flag.text for flag in kb.red_flags}
        names = "; ".join(flag_text.get(fid) or kb.findings[fid].yes for fid in left)
        out.write(f"{len(left)} safety question{'s' * (len(left) != 1)} stayed unknown. "
                  f"See a doctor if any of these applies: {names}.\n")
    out.write("\n")
    out.flush()
    if as_json:
        record = {
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
