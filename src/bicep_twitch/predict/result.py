"""What the predictor says about one case: :class:`Result`, and the text ``predict`` prints for it.

Pure Python, like the predictor: nothing here imports numpy, pandas or scikit-learn.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.cases import encode_value
from ..core.knowledge import KnowledgeBase
from ..core.numbers import percent
from ..core.triage import EMERGENCY, SELF_CARE, URGENT, TriageReason, level_words
# The text stays short however deep the tree (the JSON output carries everything); the limits
# live in the spec, which the page reads too.
from ..core.spec import TEXT_AGAINST, TEXT_FOR, TEXT_MIN_FACTOR, TEXT_OPEN
from .explain import Step, summarize
from .reasons import AGAINST, FOR, CauseReasons, OpenQuestion, Reason, cause_reasons, open_questions

WIDTH = 96


@dataclass(frozen=True, repr=False, kw_only=True)
class Result:
    """What the predictor says about one case; built by keyword, every field named.

    Attributes
    ----------
    cause, label : str
        The most likely cause's id and its label.
    probability : float
        Its probability: the mean exact posterior of the training cases that reached the leaf.
    differential : tuple of (str, float)
        Every cause id with its probability, most likely first; they sum to 1.
    path : tuple of Step
        The explanation: one step per decision the tree took, root first.
    triage : str
        The urgency level by the knowledge base's triage rules: ``"self_care"``,
        ``"see_doctor"``, ``"urgent"`` or ``"emergency"``.
    triage_reasons : tuple of TriageReason
        Each rule that fired, the most urgent first: its finding (``None`` for the doctor
        causes), level, words, how soon and the guidance it follows. Empty for self-care.
    how_soon : str
        When to act at this level ("now", "today", "within a few days", ...); empty for self-care.
    safety_net : str
        One sentence on when to seek help if things change (and how soon, at ``see_doctor``).
    red_flags : tuple of str
        Every finding among the user's own answers that raised the level above self-care.
    not_counted : tuple of TriageRule
        Rules whose answer was given but whose exception held, so they raised nothing (e.g.
        weakness the day after hard arm training); the text and the JSON say why.
    advice : str
        Advice for the most likely cause, from the article where it gives some.
    answers : dict
        The answers given (known findings only), in contract form.
    leaf : int
        The tree leaf the case reached.
    error : str or None
        For a case of a batch that could not be read: why. All other fields are then empty
        (``cause`` is ``None``). :meth:`Predictor.predict` raises instead.
    """

    cause: str | None = None
    label: str | None = None
    probability: float | None = None
    differential: tuple[tuple[str, float], ...] = ()
    path: tuple[Step, ...] = ()
    triage: str | None = None
    triage_reasons: tuple[TriageReason, ...] = ()
    how_soon: str = ""
    safety_net: str | None = None
    red_flags: tuple[str, ...] = ()
    not_counted: tuple[Any, ...] = ()
    advice: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    leaf: int | None = None
    kb: KnowledgeBase = field(compare=False)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """False for a batch case that carries an error instead of a prediction."""
        return self.error is None

    @property
    def summary(self) -> tuple[str, ...]:
        """The path in short: one line per finding, repeated splits on a number merged into one range."""
        return summarize(self.path, self.kb)

    @cached_property
    def reasons(self) -> tuple[CauseReasons, ...]:
        """The answers for and against the top cause and the runner-up, strongest first.

        Exact under the knowledge base (see :mod:`bicep_twitch.predict.reasons`); each reason
        carries the article's sentence or the general-knowledge rationale behind it.
        """
        if self.error is not None:
            return ()
        row = self._row
        return tuple(cause_reasons(self.kb, row, cause) for cause, p in self.differential[:2] if p > 0)

    @cached_property
    def open_questions(self) -> tuple[OpenQuestion, ...]:
        """The unanswered findings on the path, the ones that could change the result most first."""
        if self.error is not None:
            return ()
        unanswered = [s.finding for s in self.path if s.value is None]
        return tuple(open_questions(self.kb, self._row, self.cause, unanswered))

    @property
    def _row(self) -> dict[str, float]:
        findings = self.kb.findings
        return {fid: encode_value(findings[fid], v) for fid, v in self.answers.items()}

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain JSON types; each path step both as a sentence and structured."""
        return {
            "cause": self.cause,
            "label": self.label,
            "probability": self.probability,
            "differential": [
                {"cause": c, "label": self.kb.causes[c].label, "probability": p} for c, p in self.differential
            ],
            "path": [step.to_dict() for step in self.path],
            "summary": list(self.summary),
            "reasons": [r.to_dict() for r in self.reasons],
            "surer_if_answered": [q.to_dict() for q in self.open_questions],
            "triage": self.triage,
            "triage_reasons": [r.to_dict() for r in self.triage_reasons],
            "how_soon": self.how_soon,
            "safety_net": self.safety_net,
            "red_flags": list(self.red_flags),
            "not_counted": [{"rule": r.id, "finding": r.finding, "text": r.text,
                             "because": self.kb.triage_exceptions[r.unless].text} for r in self.not_counted],
            "advice": self.advice,
            "answers": dict(self.answers),
            "leaf": self.leaf,
            "error": self.error,
            "disclaimer": self.kb.disclaimer,
        }

    def text(self) -> str:
        """The human text ``bicep-twitch predict`` prints (see :func:`format_result_text`)."""
        return format_result_text(self)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"Result(error={self.error!r})"
        return (
            f"Result(cause={self.cause!r}, probability={self.probability:.3f}, triage={self.triage!r}, "
            f"red_flags={self.red_flags!r}, steps={len(self.path)})"
        )



def _reason_lines(result: Result) -> list[str]:
    """"Why this cause": the strongest answers for and against the top cause, each with its source."""
    if not result.reasons:
        return []
    top = result.reasons[0]
    lines = ["Why this cause: the answers that weigh most, each on its own (by the knowledge base)"]
    strong = [r for r in top.supporting + top.opposing if abs(r.log_odds) >= math.log(TEXT_MIN_FACTOR)]
    supporting = [r for r in strong if r.direction == FOR][:TEXT_FOR]
    opposing = [r for r in strong if r.direction == AGAINST][:TEXT_AGAINST]
    if not strong:
        lines.append("  - none of your answers speaks much for or against it")
    shown: set[str] = set()
    for sign, reasons in (("+", supporting), ("-", opposing)):
        for r in reasons:
            head = f"{r.said} ({_factor_clause(result.kb, r)})"
            lines += textwrap.wrap(head, width=WIDTH, initial_indent=f"  {sign} ", subsequent_indent="    ")
            source = r.source_text
            if source in shown:
                source = "(the same source as above)"
            shown.add(r.source_text)
            lines += textwrap.wrap(source, width=WIDTH, initial_indent="      ", subsequent_indent="      ")
    return lines + [""]


def _factor_clause(kb: KnowledgeBase, r: Reason) -> str:
    if r.source_cause is None or r.source_cause == r.cause:
        return r.factor_words
    other = kb.causes[r.source_cause].label
    return f"{r.factor_words}: it points to {other}" if r.direction == AGAINST else f"{r.factor_words}: less like {other}"


def used_answer_lines(result: Result) -> list[str]:
    """The answers the tree used on the path, one line per finding, repeated splits merged into one range."""
    groups: dict[str, list[Step]] = {}
    for step in result.path:
        groups.setdefault(step.finding, []).append(step)
    return [line for g in groups.values() if g[0].value is not None for line in summarize(g, result.kb)]


def _path_lines(result: Result) -> list[str]:
    """The path for people: the answers the tree used (repeated splits merged into one range),
    then at most a few unanswered questions, those that could change the result most. Every
    step stays in ``result.path`` and the JSON output, however long the path."""
    used = used_answer_lines(result)
    lines = ["The tree's path: your answers it used"]
    if used:
        lines += [f"  - {line}" for line in used]
    elif result.path:
        lines.append("  - none of your answers is tested on this path")
    else:
        lines.append("  - the tree asks nothing: it gives the same answer for every case")
    open_ = result.open_questions
    if open_:
        lines.append("Answering these would make the result surer:")
        lines += [f"  - {q.question}" for q in open_[:TEXT_OPEN]]
        more = len(open_) - TEXT_OPEN
        if more > 0:
            lines.append(f"  and {more} more on this path (the JSON output lists them all)")
    return lines


def triage_lines(result: Result) -> list[str]:
    """What to do: the level in words, each rule that fired with its guidance, and the safety net."""
    kb = result.kb
    head = level_words(kb, result.triage, result.how_soon)
    if result.triage == SELF_CARE:
        lines = [f"What to do: {head}."]
    else:
        lines = [f"What to do: {head}, because:"]
        for r in result.triage_reasons:
            lines += textwrap.wrap(f"{r.text} ({r.level.replace('_', ' ')}, {r.how_soon}; {r.source.name})",
                                   width=WIDTH, initial_indent="  - ", subsequent_indent="    ")
    for r in result.not_counted:
        because = kb.triage_exceptions[r.unless].text
        lines += textwrap.wrap(f"Not counted on its own: {r.text} ({because}).", width=WIDTH, subsequent_indent="  ")
    lines += textwrap.wrap(f"Safety net: {result.safety_net}", width=WIDTH, subsequent_indent="  ")
    return lines


def format_result_text(result: Result, *, top: int = 3) -> str:
    """The human text ``bicep-twitch predict`` prints for one result.

    Cause and probability, the top ``top`` causes, the path, triage with any red flags, the
    advice, and always, last, the note that this is not a diagnosis. At ``urgent`` and
    ``emergency`` the triage (what to do, why, the safety net) comes first, before any cause.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> result = Predictor.load().predict({"movement": "spasm", "weakness": True})
    >>> text = format_result_text(result)
    >>> "see a doctor" in text.lower() and text.rstrip().endswith(".")
    True
    """
    kb = result.kb
    if result.error is not None:
        return f"Could not rank causes for this case: {result.error}\n\n{kb.disclaimer}\n"
    # Causes the tree gives no chance at all are left out of the list, not shown as 0%.
    ranked = [(c, p) for c, p in result.differential[:top] if p > 0]
    # Urgent help comes first: a person in an emergency must not read a ranking of causes before the call to action.
    urgent = result.triage in (URGENT, EMERGENCY)
    lines = triage_lines(result) + [""] if urgent else []
    lines += [f"Most likely: {result.label} ({percent(result.probability)})", "", f"Top {len(ranked)}:"]
    width = max(len(kb.causes[c].label) for c, _ in ranked)
    for rank, (cause, p) in enumerate(ranked, start=1):
        lines.append(f"  {rank}. {kb.causes[cause].label:<{width}}  {percent(p):>4}")
    lines += [""] + _reason_lines(result) + _path_lines(result)
    lines.append("")
    if not urgent:
        lines += triage_lines(result)
    # The cause's advice (e.g. "usually settles") must not read as reassurance next to urgent help.
    first = "Advice for the likely cause, once you have had that help" if urgent else "Advice"
    lines += [f"{first}: {result.advice}", "", kb.disclaimer]
    return "\n".join(lines) + "\n"


__all__ = ["Result", "format_result_text", "triage_lines"]
