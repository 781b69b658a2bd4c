"""Triage and red flags: the one place where the knowledge base's ``triage`` rules are applied.

A case is sent to a doctor when any of these holds (each rule is data in the knowledge base,
with its source):

* the most likely cause is one of the doctor causes, or those causes together are at least
  ``doctor_causes_probability.at_least`` likely (risk-aware: four causes at 20% each are 80%);
* a red flag is present (weakness, atrophy, stiffness, numbness or tingling, long duration);
* the person takes a medicine that can cause twitching: the advice is to talk to the doctor
  who prescribed it, never to stop it on one's own.

``red_flags`` names every finding that triggered one of the last two rules.

Every caller goes through :func:`triage`: the predictor for one case, the batch path for a
table of cases, the evaluation on test cases, and the text and pictures that explain a result.
The same code serves one case and many: ``answer(finding_id)`` returns the encoded answer (a
float, NaN when unknown) or a numpy column of them, ``is_top(cause_id)`` whether that cause is
the most likely one and ``probability(cause_id)`` its probability (scalars, or columns). The
results combine with ``|``, ``+`` and ``>=``, which work for both, so nothing here imports numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Callable, Iterable, Sequence

from .knowledge import KnowledgeBase, RedFlag
from .numbers import percent

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
    doctor_probability
        The doctor causes' probabilities added up.
    doctor_causes_likely
        Whether ``doctor_probability`` reaches the knowledge base's threshold.
    flags
        ``(finding id, raised)`` for every red-flag and medicine rule, in knowledge-base order.
    """

    see_doctor: Any
    doctor_cause_first: Any
    doctor_probability: Any
    doctor_causes_likely: Any
    flags: tuple[tuple[str, Any], ...]

    @property
    def red_flags(self) -> tuple[str, ...]:
        """For one case: the finding ids whose red flag is raised, in knowledge-base order."""
        return tuple(fid for fid, raised in self.flags if raised)

    @property
    def verdict(self) -> str:
        """For one case: ``"see_doctor"`` or ``"self_care"``."""
        return SEE_DOCTOR if self.see_doctor else SELF_CARE


def flag_rules(kb: KnowledgeBase) -> tuple[RedFlag, ...]:
    """Every rule that raises a red flag from one answer: symptoms first, then medicines."""
    return kb.red_flags + kb.medicine_flags


def screening_findings(kb: KnowledgeBase) -> tuple[str, ...]:
    """The findings a questionnaire must ask before reassuring anyone: every red flag and medicine."""
    return tuple(dict.fromkeys(flag.finding for flag in flag_rules(kb)))


def flag_raised(flag: RedFlag, x: Any) -> Any:
    """Whether an encoded answer (or a column of them) raises ``flag``; unknown (NaN) never does."""
    return (x == 1.0) if flag.rule == "yes" else (x > flag.value)


def red_flags(kb: KnowledgeBase, answer: Callable[[str], Any]) -> tuple[tuple[str, Any], ...]:
    """``(finding id, raised)`` for every red-flag and medicine rule of ``kb``, in knowledge-base order."""
    return tuple((flag.finding, flag_raised(flag, answer(flag.finding))) for flag in flag_rules(kb))


def triage(
    kb: KnowledgeBase,
    *,
    is_top: Callable[[str], Any],
    probability: Callable[[str], Any],
    answer: Callable[[str], Any],
    doctor_threshold: float | None = None,
) -> Triage:
    """Apply the knowledge base's triage rules to a case (or a column of cases).

    Parameters
    ----------
    kb
        The knowledge base, whose ``triage`` section holds the rules.
    is_top
        Cause id -> whether it is the most likely cause (bool, or a bool array).
    probability
        Cause id -> its probability (float, or an array).
    answer
        Finding id -> the encoded answer (float, NaN when unknown; or an array).
    doctor_threshold
        Replaces the knowledge base's threshold for the doctor causes together (to measure
        the trade-off of another threshold); ``None`` keeps the knowledge base's.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> p = {"caffeine": 0.4, "medication": 0.35, "autoimmune": 0.2}
    >>> t = triage(kb, is_top=lambda c: c == "caffeine", probability=lambda c: p.get(c, 0.0),
    ...            answer=lambda f: 1.0 if f == "weakness" else float("nan"))
    >>> t.verdict, t.red_flags, round(t.doctor_probability, 2), t.doctor_causes_likely
    ('see_doctor', ('weakness',), 0.55, True)
    """
    threshold = kb.doctor_threshold if doctor_threshold is None else doctor_threshold
    doctor_first = reduce(or_, (is_top(c) for c in kb.see_doctor_causes), False)
    doctor_probability = sum(probability(c) for c in kb.see_doctor_causes)
    likely = doctor_probability >= threshold
    flags = red_flags(kb, answer)
    see_doctor = reduce(or_, (raised for _, raised in flags), doctor_first | likely)
    return Triage(see_doctor=see_doctor, doctor_cause_first=doctor_first, doctor_probability=doctor_probability,
                  doctor_causes_likely=likely, flags=flags)


def doctor_probability(kb: KnowledgeBase, differential: Iterable[tuple[str, float]]) -> float:
    """The doctor causes' probabilities in a differential, added up."""
    return sum(p for c, p in differential if c in kb.see_doctor_causes)


def triage_reasons(kb: KnowledgeBase, cause: str | None, flagged: Sequence[str],
                   differential: Iterable[tuple[str, float]] = ()) -> list[str]:
    """Why a case was told to see a doctor, in words: the causes, then each red flag and medicine.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> triage_reasons(kb, "stress_anxiety", ("takes_diuretic",), [("stress_anxiety", 0.5), ("medication", 0.5)])
    ['the causes a doctor should examine are, together, likely enough (50%)', \
'you take a diuretic, a medicine that can cause twitching']
    """
    reasons = []
    if cause in kb.see_doctor_causes:
        reasons.append(DOCTOR_CAUSE_REASON)
    else:
        together = doctor_probability(kb, differential)
        if together >= kb.doctor_threshold:
            reasons.append(f"{kb.doctor_threshold_text} ({percent(together)})")
    text = {flag.finding: flag.text for flag in flag_rules(kb)}
    return reasons + [text[fid] for fid in flagged]


def takes_a_medicine(kb: KnowledgeBase, flagged: Sequence[str]) -> bool:
    """Whether any flagged finding is a medicine rule (then the prescriber advice applies)."""
    return any(flag.finding in flagged for flag in kb.medicine_flags)


def is_doctor_cause(kb: KnowledgeBase, cause: str) -> bool:
    """Whether ``cause`` is one the knowledge base sends to a doctor (for legends and colours)."""
    return cause in kb.see_doctor_causes


__all__ = ["SELF_CARE", "SEE_DOCTOR", "Triage", "triage", "red_flags", "flag_raised", "flag_rules",
           "screening_findings", "triage_reasons", "doctor_probability", "takes_a_medicine", "is_doctor_cause"]
