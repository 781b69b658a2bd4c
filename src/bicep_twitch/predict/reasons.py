"""Reasons for and against a cause, exact under the knowledge base, each with its source.

The knowledge base is a naive-Bayes model: findings are independent given the cause, so the
exact P(cause | answers) is the prior times one likelihood per known answer (this is what
``bayes_posterior`` computes with numpy; here the same numbers in pure Python, so
``predict --case`` stays light). That makes each answer's part in a cause's probability exact:
leaving that one answer out and keeping all the others changes the cause's odds by a factor,
:attr:`Reason.odds_ratio`. Answers with a factor above 1 speak for the cause, below 1 against.

Each reason carries the knowledge base's own source for the relationship behind it: the
cause's distribution of that finding when it has one, otherwise that of the cause the answer
points to instead (a corticosteroid speaks against exercise because of what the knowledge base
says about medication). Sources are verbatim article quotes or a general-knowledge rationale.

The same model ranks the questions still open (:func:`open_questions`: how much could the
answer move the top cause's probability) and says which causes a question separates
(:func:`separated_causes`), for the explanation and for ``ask``'s ``why``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..core.cases import decode_value
from ..core.knowledge import CHOICE, YES_NO, Finding, KnowledgeBase, Source
from ..core.likelihood import KbModel, logit, normalise, kb_model
from ..core.spec import NEGLIGIBLE, TIE_DECIMALS  # an answer this close to no change (in log-odds) says nothing
from ..core.words import amount_words, threshold_words
from .explain import Explainer

FOR, AGAINST = "for", "against"


@dataclass(frozen=True)
class Reason:
    """One answer's part in one cause's probability, with the source of that relationship.

    Attributes
    ----------
    cause : str
        The cause whose probability the answer moves.
    finding : str
        The finding answered.
    value : bool, str, int or float
        The answer, in contract form.
    odds_ratio : float
        How many times the answer multiplies the cause's odds, all other answers kept
        (exact under the knowledge base). Above 1: for the cause; below 1: against.
    direction : str
        ``"for"`` or ``"against"``.
    source_cause : str or None
        The cause whose relationship with the finding is quoted: ``cause`` itself when the
        knowledge base gives it one, else the cause the answer points to (for) or away from
        (against); ``None`` when only the population background is quoted.
    quote, general_knowledge : str or None
        The article's sentence, or the general-knowledge rationale (neither for a published figure).
    said : str
        The answer in words ("takes a corticosteroid").
    published : dict or None
        A published figure: the figure, where and when it was published, its address, and how it
        became the knowledge base's number.
    """

    cause: str
    finding: str
    value: Any
    odds_ratio: float
    direction: str
    source_cause: str | None
    quote: str | None
    general_knowledge: str | None
    said: str
    published: Mapping[str, Any] | None = None

    @property
    def log_odds(self) -> float:
        return math.log(self.odds_ratio)

    @property
    def factor_words(self) -> str:
        """'odds x3.2' or 'odds /2.5': the factor as a person reads it."""
        r = self.odds_ratio
        return f"odds x{_factor(r)}" if r >= 1 else f"odds /{_factor(1 / r)}"

    @property
    def source_text(self) -> str:
        return Source(self.quote, self.general_knowledge, self.published).text

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "finding": self.finding,
            "value": self.value,
            "direction": self.direction,
            "odds_ratio": self.odds_ratio,
            "log_odds": self.log_odds,
            "said": self.said,
            "source_cause": self.source_cause,
            "quote": self.quote,
            "general_knowledge": self.general_knowledge,
            "published": dict(self.published) if self.published is not None else None,
        }


@dataclass(frozen=True)
class CauseReasons:
    """The reasons for and against one cause, strongest first.

    ``probability`` is the exact posterior of the cause under the knowledge base for these
    answers (the reference the tree is measured against), not the tree's leaf value.
    """

    cause: str
    label: str
    probability: float
    supporting: tuple[Reason, ...]
    opposing: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "label": self.label,
            "knowledge_base_probability": self.probability,
            "for": [r.to_dict() for r in self.supporting],
            "against": [r.to_dict() for r in self.opposing],
        }


def _factor(r: float) -> str:
    return f"{r:.1f}" if r < 10 else f"{r:.0f}"


def said(f: Finding, code: float) -> str:
    """A known answer as a clause, as the explanation path says it: "takes a corticosteroid"."""
    return Explainer._said(f, code, decode_value(f, code))


def cause_reasons(kb: KnowledgeBase, row: Mapping[str, float], cause: str) -> CauseReasons:
    """The answers of ``row`` (finding id -> code, NaN unknown) for and against ``cause``.

    Each answer's factor is exact under the knowledge base: the cause's odds with every answer,
    divided by its odds with that one answer left out (a follow-up then does not imply it: a
    workout's "yes" is weighed as an answer of its own). Strongest first; answers that change
    nothing are left out.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> r = cause_reasons(kb, {"takes_corticosteroid": 1.0}, "medication")
    >>> r.supporting[0].finding, r.supporting[0].odds_ratio > 5
    ('takes_corticosteroid', True)
    """
    model = kb_model(kb)
    given = {fid: x for fid, x in row.items() if x == x}
    known = model.known(given)
    j = model.causes.index(cause)
    full = model.log_joint(known)
    logit_all = logit(full, j)
    reasons = []
    for fid, code in given.items():
        # Leaving one answer out takes its likelihood away, and that of any precondition only
        # it implied; a given precondition is weighed as an answer of its own.
        gone = [fid] + [p for p in kb.findings[fid].requires if p not in given and not _implied_by_other(kb, p, fid, given)]
        without = full
        for g in gone:
            without = [t - v for t, v in zip(without, model.loglik(g, known[g]))]
        delta = logit_all - logit(without, j)
        if abs(delta) <= NEGLIGIBLE:
            continue
        direction = FOR if delta > 0 else AGAINST
        source_cause, source = _source(kb, model, cause, fid, code, direction)
        reasons.append(
            Reason(cause, fid, decode_value(kb.findings[fid], code), math.exp(delta), direction, source_cause,
                   source.quote, source.general_knowledge, said(kb.findings[fid], code), source.published)
        )
    reasons.sort(key=lambda r: -abs(r.log_odds))
    return CauseReasons(
        cause, kb.causes[cause].label, normalise(full)[j],
        tuple(r for r in reasons if r.direction == FOR), tuple(r for r in reasons if r.direction == AGAINST),
    )


def _implied_by_other(kb: KnowledgeBase, parent: str, removed: str, given: Mapping[str, float]) -> bool:
    return any(parent in kb.findings[fid].requires for fid in given if fid != removed)


def _source(kb: KnowledgeBase, model: KbModel, cause: str, fid: str, code: float, direction: str):
    """The cause whose relationship with ``fid`` explains the reason, and that relationship's source."""
    own = kb.causes[cause].findings.get(fid)
    if own is not None:
        return cause, own.source
    # The cause follows the background here: the answer matters through the causes that do
    # model this finding. Quote the one it moves most the other way.
    k = model.outcome(fid, code)
    outcomes = model.outcomes[fid]
    base = outcomes[model.causes.index(cause)][k]
    sign = 1 if direction == AGAINST else -1
    best, best_gap = None, 0.0
    for i, other in enumerate(model.causes):
        if other != cause and fid in kb.causes[other].findings:
            gap = sign * (math.log(outcomes[i][k]) - math.log(base))
            if gap > best_gap:
                best, best_gap = other, gap
    if best is None:
        return None, kb.background[fid].source
    return best, kb.causes[best].findings[fid].source


@dataclass(frozen=True)
class OpenQuestion:
    """An unanswered finding and how much its answer could move the top cause's probability."""

    finding: str
    question: str
    expected_change: float

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "question": self.question, "expected_change": self.expected_change}


def _outcome_posteriors(model: KbModel, now: Sequence[float], fid: str) -> list[tuple[float, list[float]]]:
    """(P(outcome | answers), P(cause | answers, outcome)) for every outcome of an unanswered ``fid``;
    ``now`` is P(cause | answers). Bayes' rule on probabilities: no logarithms needed here."""
    rows = model.outcomes[fid]
    out = []
    for k in range(len(rows[0])):
        joint = [p * row[k] for p, row in zip(now, rows)]
        mass = sum(joint)
        out.append((mass, [q / mass for q in joint]))
    return out


def open_questions(kb: KnowledgeBase, row: Mapping[str, float], cause: str, findings: Iterable[str]) -> list[OpenQuestion]:
    """Unanswered ``findings`` ranked by how much answering could change ``cause``'s probability.

    The measure is exact under the knowledge base: the expected absolute change of the cause's
    posterior over the answers the person could give, each weighted by how likely it is given
    the answers so far. Ties keep the order given (the tree's path order).
    """
    model = kb_model(kb)
    known = model.known(row)
    j = model.causes.index(cause)
    posterior = model.posterior(known)
    now = posterior[j]
    ranked = []
    for fid in dict.fromkeys(findings):
        if fid in known:
            continue
        change = sum(w * abs(post[j] - now) for w, post in _outcome_posteriors(model, posterior, fid))
        ranked.append(OpenQuestion(fid, kb.findings[fid].question, change))
    # Stable: path order breaks ties. Changes equal but for the last bits of exp and log (which
    # differ between runtimes, so the page would order them otherwise) count as ties.
    ranked.sort(key=lambda q: -round(q.expected_change, TIE_DECIMALS))
    return ranked


def outcome_words(f: Finding, k: int) -> str:
    """Outcome ``k`` of a finding in words: 'yes', 'spasm', 'more than 4 cups a day'."""
    if f.type == YES_NO:
        return ("no", "yes")[k]
    if f.type == CHOICE:
        return f.choices[k]
    lo, hi = f.bins[k]
    if lo == hi:
        return amount_words(f, lo)
    # A bin holds the grid values lo..hi: worded like the tree's branches, with no gap between bins.
    return threshold_words(f, None if lo <= f.min else lo - f.step, None if hi >= f.max else hi)


def separated_causes(kb: KnowledgeBase, row: Mapping[str, float], fid: str, n: int = 3) -> list[tuple[str, str, float, float]]:
    """The causes an answer to ``fid`` would move most, given the answers so far.

    Returns up to ``n`` tuples ``(cause, answer words, probability now, probability after that
    answer)``, where the answer is the one that raises the cause most; causes ordered by how far
    the possible answers spread their probability.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> separated_causes(kb, {}, "takes_corticosteroid", n=1)[0][:2]
    ('medication', 'yes')
    """
    model = kb_model(kb)
    known = model.known(row)
    if fid in known:
        known = {k: v for k, v in known.items() if k != fid}
    now = model.posterior(known)
    outcomes = _outcome_posteriors(model, now, fid)
    spread = []
    for j, c in enumerate(model.causes):
        values = [post[j] for _, post in outcomes]
        best = max(range(len(values)), key=values.__getitem__)
        spread.append((max(values) - min(values), c, outcome_words(kb.findings[fid], best), now[j], values[best]))
    spread.sort(key=lambda s: -s[0])
    return [(c, words, p_now, p_after) for _, c, words, p_now, p_after in spread[:n]]


__all__ = [
    "FOR", "AGAINST", "Reason", "CauseReasons", "KbModel", "kb_model", "cause_reasons", "said",
    "OpenQuestion", "open_questions", "separated_causes", "outcome_words",
]
