"""Triage: the one place where the knowledge base's ``triage`` rules are applied.

Four urgency levels, least to most urgent: ``self_care``, ``see_doctor``, ``urgent`` and
``emergency`` (:data:`LEVELS`). A case gets the highest level any rule gives; each rule is data
in the knowledge base, with its words, how soon to act and the public guidance it follows:

* a finding rule: one answer passes a test (``yes``, ``more_than``, ``at_most``, ``equals`` a
  choice) and raises the level to at least the rule's, unless the exception it names holds
  (every condition of the exception passes, e.g. hard arm training in the last day and twitching
  for at most two days: weakness and stiffness then do not count on their own);
* the doctor causes: the most likely cause is one of them, or they are together at least
  ``doctor_causes.at_least`` likely (risk-aware: four causes at 20% each are 80%).

An unknown answer (NaN) passes no test, so it never raises a level and never waives a rule.
``red_flags`` names every finding whose rule fired; medicine rules (``prescriber``) also bring
the advice to talk to the prescriber, never to stop the medicine.

Every caller goes through :func:`triage`: the predictor for one case, the batch path for a
table of cases, the evaluation on test cases, and the text and pictures that explain a result.
The same code serves one case and many: ``answer(finding_id)`` returns the encoded answer (a
float, NaN when unknown) or a numpy column of them, ``is_top(cause_id)`` whether that cause is
the most likely one and ``probability(cause_id)`` its probability (scalars, or columns). The
results combine with ``|``, ``&``, comparisons and ``1 * bool``, which work for both, so
nothing here imports numpy. :func:`rules_as_data` gives the same rules as plain data for a
runtime of another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, reduce
from operator import and_, eq, gt, le, or_
from typing import Any, Callable

from .knowledge import LEVELS, Condition, KnowledgeBase, TriageRule
from .numbers import percent

SELF_CARE, SEE_DOCTOR, URGENT, EMERGENCY = LEVELS
DOCTOR_CAUSES = "doctor_causes"  # the rule id of the doctor-causes rule in reasons
# The levels the emergency screen asks about first, before anything else.
SCREENED_LEVELS = (URGENT, EMERGENCY)
# The id an answer to the emergency screen's one short question carries (no finding of the knowledge base).
SCREEN_QUESTION = "emergency_screen"
SCREEN_ASKS = "Does any of these apply now"


_TESTS = {"yes": eq, "more_than": gt, "at_most": le, "equals": eq}  # against the condition's code


def passes(condition: Condition, x: Any) -> Any:
    """Whether an encoded answer (or a column of them) passes ``condition``; unknown (NaN) never does."""
    return _TESTS[condition.rule](x, condition.code)


@lru_cache(maxsize=16)  # a knowledge base is hashed by identity, so a changed copy gets its own plan
def _plan(kb: KnowledgeBase) -> tuple[tuple[Any, ...], ...]:
    """Each finding rule with what applying it needs: finding, test, code, exception and rank."""
    return tuple((rule, rule.finding, _TESTS[rule.rule], rule.code, rule.unless, LEVELS.index(rule.level))
                 for rule in finding_rules(kb))


@dataclass(frozen=True)
class TriageReason:
    """One rule that fired for a case: what it found, its level, how soon and the guidance it follows.

    ``finding`` is ``None`` for the doctor-causes rule.
    """

    rule: str
    finding: str | None
    level: str
    text: str
    how_soon: str
    source: Any  # a knowledge.Guidance

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "finding": self.finding, "level": self.level, "text": self.text,
                "how_soon": self.how_soon, "source": self.source.to_dict()}


@dataclass(frozen=True)
class Triage:
    """What the triage rules say about one case (bools, an int) or many (bool and int arrays).

    Attributes
    ----------
    rank
        The level as its index in :data:`LEVELS` (0 self-care .. 3 emergency).
    doctor_cause_first
        Whether the most likely cause is one of the knowledge base's doctor causes.
    doctor_probability
        The doctor causes' probabilities added up.
    doctor_causes_likely
        Whether ``doctor_probability`` reaches the threshold.
    flags
        ``(rule, fired)`` for every finding rule, in knowledge-base order (symptoms, then medicines).
    waived
        ``(rule, waived)`` for every rule with an exception: its test passed but the exception held.
    kb
        The knowledge base whose rules these are (for words and levels).
    """

    rank: Any
    doctor_cause_first: Any
    doctor_probability: Any
    doctor_causes_likely: Any
    flags: tuple[tuple[TriageRule, Any], ...]
    waived: tuple[tuple[TriageRule, Any], ...]
    kb: KnowledgeBase

    def case(self, k: int) -> "Triage":
        """The triage of case ``k`` of a column triage, as for one case (scalars stay as they are)."""
        def pick(v: Any) -> Any:
            return v[k] if getattr(v, "ndim", 0) else v

        return replace(self, rank=int(pick(self.rank)), doctor_cause_first=bool(pick(self.doctor_cause_first)),
                       doctor_probability=float(pick(self.doctor_probability)),
                       doctor_causes_likely=bool(pick(self.doctor_causes_likely)),
                       flags=tuple((r, bool(pick(f))) for r, f in self.flags),
                       waived=tuple((r, bool(pick(w))) for r, w in self.waived))

    @property
    def see_doctor(self) -> Any:
        """Whether the case is sent to a doctor at any level (bool, or a bool array)."""
        return self.rank >= 1

    @property
    def level(self) -> str:
        """For one case: its level, one of :data:`LEVELS`."""
        return LEVELS[self.rank]

    verdict = level  # the name of version 2

    @cached_property
    def fired(self) -> tuple[TriageRule, ...]:
        """For one case: the finding rules that fired, in knowledge-base order."""
        return tuple(rule for rule, fired in self.flags if fired)

    @property
    def not_counted(self) -> tuple[TriageRule, ...]:
        """For one case: the rules whose test passed but whose exception held, in knowledge-base order."""
        return tuple(rule for rule, waived in self.waived if waived)

    @property
    def red_flags(self) -> tuple[str, ...]:
        """For one case: every finding that raised the level above self-care, in knowledge-base order."""
        return tuple(dict.fromkeys(rule.finding for rule in self.fired))

    @property
    def doctor_rule_fired(self) -> bool:
        return bool(self.doctor_cause_first or self.doctor_causes_likely)

    @cached_property  # the text, the JSON and the safety net all read it
    def reasons(self) -> tuple[TriageReason, ...]:
        """For one case: each rule that fired, the most urgent first (knowledge-base order within a level)."""
        kb, out = self.kb, []
        if self.doctor_rule_fired:
            d = kb.doctor_rule
            text = d.first_text if self.doctor_cause_first else f"{kb.doctor_threshold_text} ({percent(self.doctor_probability)})"
            out.append(TriageReason(DOCTOR_CAUSES, None, d.level, text, d.how_soon, d.source))
        out += [TriageReason(r.id, r.finding, r.level, r.text, r.how_soon, r.source) for r in self.fired]
        return tuple(sorted(out, key=lambda r: -LEVELS.index(r.level)))

    @cached_property
    def how_soon(self) -> str:
        """For one case: the most pressing "how soon" among the rules at its level ("" for self-care)."""
        at_level = [r.how_soon for r in self.reasons if r.level == self.level]
        return min(at_level, key=self.kb.how_soon.index) if at_level else ""

    @property
    def safety_net(self) -> str:
        """For one case: one sentence on when to seek help, and how soon at its level."""
        return safety_net(self.kb, self.level, self.how_soon)

    @property
    def prescriber(self) -> bool:
        """For one case: whether a medicine rule fired (then the prescriber advice applies)."""
        return any(rule.prescriber for rule in self.fired)


def safety_net(kb: KnowledgeBase, level: str, how_soon: str = "") -> str:
    """The knowledge base's safety-net sentence for ``level``, with ``how_soon`` filled in."""
    return kb.triage_levels[level].safety_net.format(how_soon=how_soon)


def level_words(kb: KnowledgeBase, level: str, how_soon: str = "") -> str:
    """What to do at ``level``, with how soon unless the level's words already end with it.

    ``"see a doctor within a few days"``, ``"get medical advice today"``, ``"call 999 (UK) ... now"``.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> level_words(kb, "see_doctor", "within 2 weeks"), level_words(kb, "urgent", "today")
    ('see a doctor within 2 weeks', 'get medical advice today')
    """
    text = kb.triage_levels[level].text
    return text if not how_soon or text.endswith(how_soon) else f"{text} {how_soon}"


def found_words(rule: TriageRule) -> str:
    """What a rule finds, in short: its words up to the first colon or bracket."""
    return re.split(r":| \(", rule.text, maxsplit=1)[0].strip()


def rule_words(kb: KnowledgeBase, rule: TriageRule) -> str:
    """What a rule finds and what to do then: "the arm is weaker than usual: see a doctor within a few days"."""
    return f"{found_words(rule)}: {level_words(kb, rule.level, rule.how_soon)}"


def safety_reminder(kb: KnowledgeBase, unknown: "list[str] | tuple[str, ...]") -> str:
    """What to do if a safety question left unknown applies: every rule on those findings (and on
    their follow-ups), the most urgent first, in its own level's words. Empty when none is unknown.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> safety_reminder(load_knowledge(), ["atrophy"])
    '1 safety question stayed unknown. If this applies, act on it: the biceps looks thinner than before: see a doctor within a few days.'
    """
    if not unknown:
        return ""
    unknown = set(unknown)
    rules = [r for r in finding_rules(kb)
             if r.finding in unknown or any(p in unknown for p in kb.findings[r.finding].requires)]
    rules.sort(key=lambda r: -LEVELS.index(r.level))
    n = len(unknown)
    return (f"{n} safety question{'s' * (n != 1)} stayed unknown. If {'any of these applies' if len(rules) > 1 else 'this applies'}, "
            f"act on it: " + "; ".join(rule_words(kb, r) for r in rules) + ".")


def finding_rules(kb: KnowledgeBase) -> tuple[TriageRule, ...]:
    """Every rule on one answer: symptoms first, then medicines."""
    return kb.red_flags + kb.medicine_flags


def screening_findings(kb: KnowledgeBase) -> tuple[str, ...]:
    """The findings a questionnaire must ask before reassuring anyone: every rule's, follow-ups excepted.

    A follow-up (e.g. how the weakness came on) is asked after its parent's yes, not on its own.
    """
    return tuple(dict.fromkeys(r.finding for r in finding_rules(kb) if not kb.findings[r.finding].requires))


def emergency_screen(kb: KnowledgeBase) -> dict[str, Any]:
    """The one short question asked before anything else, and what its answers stand for.

    It lists, in words, what every ``urgent`` and ``emergency`` rule finds (each rule's text up
    to its first colon or bracket: the part that says what was found), most urgent first.

    Returns
    -------
    dict
        ``id`` (:data:`SCREEN_QUESTION`, what an answer to it is recorded as); ``question`` (in one
        line), also as ``asks`` and its ``signs`` (for a list);
        ``levels``, the levels it screens; ``findings``, the questions asked after a yes (or "don't know"), one per
        screened finding, a follow-up replaced by its precondition (how the weakness came on is
        asked right after a yes to weakness); ``implied_no``, the findings a "no" answers as no:
        the yes/no findings every rule of which is screened. A finding with a rule below the
        screened levels (weakness, for slow weakness) is not answered by that "no": the screen
        asked only about its urgent forms, so it is asked later as usual.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> screen = emergency_screen(load_knowledge())
    >>> screen["findings"][:2], "weakness" in screen["implied_no"]
    (['weakness', 'dark_urine_after_exercise'], False)
    """
    signs, findings, implied_no = _screen(kb)
    return {"id": SCREEN_QUESTION, "question": f"{SCREEN_ASKS}: " + "; ".join(signs) + "?", "asks": SCREEN_ASKS + "?",
            "signs": list(signs), "levels": list(SCREENED_LEVELS), "findings": list(findings), "implied_no": list(implied_no)}


@lru_cache(maxsize=16)  # asked at every step of a questionnaire; a changed knowledge base gets its own
def _screen(kb: KnowledgeBase) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    rules = sorted((r for r in finding_rules(kb) if r.level in SCREENED_LEVELS), key=lambda r: -LEVELS.index(r.level))
    items = [found_words(r) for r in rules]
    findings: list[str] = []
    for r in rules:
        findings += [fid for fid in (*kb.findings[r.finding].requires, r.finding)
                     if not kb.findings[fid].requires and fid not in findings]
    unscreened = {r.finding for r in finding_rules(kb) if r.level not in SCREENED_LEVELS}
    implied_no = tuple(fid for fid in findings if fid not in unscreened and kb.findings[fid].type == "yes/no")
    return tuple(dict.fromkeys(items)), tuple(findings), implied_no


def most_urgent_fired(kb: KnowledgeBase, answer: Callable[[str], Any]) -> bool:
    """For one case: whether a rule of the most urgent level fires on the answers known so far
    (the questionnaire then asks nothing more and gives the result at once)."""
    return any(bool(rule_test(kb, r, answer)[0]) for r in finding_rules(kb) if r.level == LEVELS[-1])


def rule_follow_ups(kb: KnowledgeBase) -> tuple[str, ...]:
    """The follow-ups a triage rule tests, asked right after their precondition holds (how the weakness came on)."""
    return tuple(dict.fromkeys(r.finding for r in finding_rules(kb) if kb.findings[r.finding].requires))


def rule_test(kb: KnowledgeBase, rule: TriageRule, answer: Callable[[str], Any]) -> tuple[Any, Any]:
    """``(fires, waived)`` for an answer (or a column): the test passes and its exception does not
    hold, or the test passes and the exception holds."""
    hit = passes(rule, answer(rule.finding))
    if rule.unless is None:
        return hit, False
    holds = exception_holds(kb.triage_exceptions[rule.unless], answer)
    return hit & (holds == False), hit & holds  # noqa: E712 - "== False" negates a bool and a bool array alike


def exception_holds(exception: Any, answer: Callable[[str], Any]) -> Any:
    """Whether every condition of a :class:`~bicep_twitch.core.knowledge.TriageException` passes."""
    return reduce(and_, (passes(c, answer(c.finding)) for c in exception.conditions))


def red_flags(kb: KnowledgeBase, answer: Callable[[str], Any]) -> tuple[tuple[TriageRule, Any], ...]:
    """``(rule, fired)`` for every finding rule of ``kb``, in knowledge-base order."""
    return tuple((rule, rule_test(kb, rule, answer)[0]) for rule in finding_rules(kb))


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
    >>> t.level, t.red_flags, round(t.doctor_probability, 2), t.doctor_causes_likely, t.how_soon
    ('see_doctor', ('weakness',), 0.55, True, 'within a few days')
    """
    threshold = kb.doctor_threshold if doctor_threshold is None else doctor_threshold
    doctor_first = reduce(or_, (is_top(c) for c in kb.see_doctor_causes), False)
    doctor_probability = sum(probability(c) for c in kb.see_doctor_causes)
    likely = doctor_probability >= threshold
    holds = {eid: exception_holds(e, answer) for eid, e in kb.triage_exceptions.items()}
    # The level is the highest rank of the rules that fired (rank * fired is 0 for a rule that
    # did not); "a + (b - a) * (b > a)" is the larger of two ranks for ints and int arrays alike.
    rank = LEVELS.index(kb.doctor_rule.level) * (doctor_first | likely)
    flags, waived = [], []
    for rule, finding, test, code, unless, level in _plan(kb):
        fired = test(answer(finding), code)
        if unless is not None:
            held = holds[unless]
            waived.append((rule, fired & held))
            fired = fired & (held == False)  # noqa: E712 - negates a bool and a bool array alike
        flags.append((rule, fired))
        here = level * fired
        rank = rank + (here - rank) * (here > rank)
    return Triage(rank=rank, doctor_cause_first=doctor_first, doctor_probability=doctor_probability,
                  doctor_causes_likely=likely, flags=tuple(flags), waived=tuple(waived), kb=kb)


def rules_as_data(kb: KnowledgeBase) -> dict[str, Any]:
    """The triage rules as plain data (JSON types) that a runtime of another language applies.

    The evaluator: for each finding rule, the rule fires when the answer to ``finding``
    (encoded: yes 1, no 0, a choice its index, numbers as given; unknown never passes) passes
    ``test`` against ``code`` (``yes``: equals 1; ``more_than``: greater; ``at_most``: at most;
    ``equals``: equal), unless every condition of its ``unless`` exception passes. The doctor
    rule fires when the top cause is in ``doctor_causes.causes`` or those causes' probabilities
    add up to at least ``at_least``. The level is the highest of the fired rules' (``levels``
    is least urgent first), ``self_care`` when none fired; ``how_soon`` is the first of the
    ``how_soon`` words given by a fired rule at that level; the safety net is the level's, with
    ``{how_soon}`` filled in. What to do is the level's ``text``, followed by how soon unless the
    text already ends with it; ``found`` is what a rule finds, in short (for lists of rules).
    """
    def condition(c: Condition) -> dict[str, Any]:
        return {"finding": c.finding, "test": c.rule, "value": c.value, "code": c.code}

    d = kb.doctor_rule
    return {
        "levels": [{"id": lv.id, "text": lv.text, "safety_net": lv.safety_net, "source": lv.source.to_dict()}
                   for lv in kb.triage_levels.values()],
        "how_soon": list(kb.how_soon),
        "rules": [{"id": r.id, **condition(r), "level": r.level, "how_soon": r.how_soon, "text": r.text,
                   "found": found_words(r),
                   "unless": r.unless, "prescriber": r.prescriber, "source": r.source.to_dict()}
                  for r in finding_rules(kb)],
        "exceptions": [{"id": e.id, "all": [condition(c) for c in e.conditions], "text": e.text,
                        "source": e.source.to_dict()} for e in kb.triage_exceptions.values()],
        "doctor_causes": {"causes": list(kb.see_doctor_causes), "at_least": kb.doctor_threshold, "level": d.level,
                          "how_soon": d.how_soon, "first_text": d.first_text, "together_text": kb.doctor_threshold_text,
                          "source": d.source.to_dict()},
        "medicines": {"cause": kb.medicine_cause, "advice": kb.medicine_advice},
    }


def is_doctor_cause(kb: KnowledgeBase, cause: str) -> bool:
    """Whether ``cause`` is one the knowledge base sends to a doctor (for legends and colours)."""
    return cause in kb.see_doctor_causes


__all__ = ["LEVELS", "SELF_CARE", "SEE_DOCTOR", "URGENT", "EMERGENCY", "Triage", "TriageReason", "triage",
           "red_flags", "rule_test", "exception_holds", "passes", "finding_rules", "screening_findings", "safety_net",
           "emergency_screen", "rule_follow_ups", "most_urgent_fired", "SCREEN_QUESTION", "SCREENED_LEVELS", "level_words", "found_words", "rule_words",
           "safety_reminder",
           "rules_as_data", "is_doctor_cause", "DOCTOR_CAUSES"]
