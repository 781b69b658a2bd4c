"""Triage and red flags: the one place where the knowledge base's ``triage`` rules are applied.

Every caller goes through :func:`triage`: the predictor for one case, the batch path for a
table of cases, the evaluation on test cases, and the text and pictures that explain a result.
A rule added here reaches all of them.

The same code serves one case and many: ``answer(finding_id)`` returns the encoded answer (a
float, NaN when unknown) or a numpy column of them, and ``is_top(cause_id)`` whether that cause
is the most likely one (a bool, or a bool column). The results combine with ``|``, which
works for both, so nothing here imports numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Callable

from .knowledge import KnowledgeBase, RedFlag

SELF_CARE, SEE_DOCTOR = "self_care", "see_doctor"
DOCTOR_CAUSE_REASON = "the most likely cause is one a doctor should examine"


@dataclass(frozen=True)
class Triage:
    """What the triage rules say about one case (bools) or many (bool arrays).

    Attributes
    ----------
    see_doctor
        Whether the case calls for a doctor.
    doctor_cause_first
        Whether the most likely cause is one of the knowledge base's doctor causes.
    flags
        ``(finding id, raised)`` for every red-flag rule, in knowledge-base order.
    """

    see_doctor: Any
    doctor_cause_first: Any
    flags: tuple[tuple[str, Any], ...]

    @property
    def red_flags(self) -> tuple[str, ...]:
        """For one case: the finding ids whose red flag is raised, in knowledge-base order."""
        return tuple(fid for fid, raised in self.flags if raised)

    @property
    def verdict(self) -> str:
        """For one case: ``"see_doctor"`` or ``"self_care"``."""
        return SEE_DOCTOR if self.see_doctor else SELF_CARE


def flag_raised(flag: RedFlag, x: Any) -> Any:
    """Whether an encoded answer (or a column of them) raises ``flag``; unknown (NaN) never does."""
    return (x == 1.0) if flag.rule == "yes" else (x > flag.value)


def red_flags(kb: KnowledgeBase, answer: Callable[[str], Any]) -> tuple[tuple[str, Any], ...]:
    """``(finding id, raised)`` for every red-flag rule of ``kb``, in knowledge-base order."""
    return tuple((flag.finding, flag_raised(flag, answer(flag.finding))) for flag in kb.red_flags)


def triage(
    kb: KnowledgeBase,
    *,
    is_top: Callable[[str], Any],
    probability: Callable[[str], Any],
    answer: Callable[[str], Any],
) -> Triage:
    """Apply the knowledge base's triage rules to a case (or a column of cases).

    Parameters
    ----------
    kb
        The knowledge base, whose ``see_doctor_causes`` and ``red_flags`` are the rules.
    is_top
        Cause id -> whether it is the most likely cause (bool, or a bool array).
    probability
        Cause id -> its probability (float, or an array), for rules that weigh the differential.
    answer
        Finding id -> the encoded answer (float, NaN when unknown; or an array).

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> t = triage(kb, is_top=lambda c: c == "caffeine", probability=lambda c: 0.0,
    ...            answer=lambda f: 1.0 if f == "weakness" else float("nan"))
    >>> t.verdict, t.red_flags
    ('see_doctor', ('weakness',))
    """
    del probability  # no rule weighs the differential yet; the parameter is where one would
    doctor_first = reduce(or_, (is_top(c) for c in kb.see_doctor_causes), False)
    flags = red_flags(kb, answer)
    see_doctor = reduce(or_, (raised for _, raised in flags), doctor_first)
    return Triage(see_doctor=see_doctor, doctor_cause_first=doctor_first, flags=flags)


def triage_reasons(kb: KnowledgeBase, cause: str | None, flagged: tuple[str, ...]) -> list[str]:
    """Why a case was told to see a doctor, in words: the cause, then each red flag's text."""
    reasons = [DOCTOR_CAUSE_REASON] if cause in kb.see_doctor_causes else []
    text = {flag.finding: flag.text for flag in kb.red_flags}
    return reasons + [text[fid] for fid in flagged]


def is_doctor_cause(kb: KnowledgeBase, cause: str) -> bool:
    """Whether ``cause`` is one the knowledge base sends to a doctor (for legends and colours)."""
    return cause in kb.see_doctor_causes


__all__ = ["SELF_CARE", "SEE_DOCTOR", "Triage", "triage", "red_flags", "flag_raised", "triage_reasons",
           "is_doctor_cause"]
