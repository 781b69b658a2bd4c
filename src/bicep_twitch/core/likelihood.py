"""The knowledge base's likelihoods as plain numbers: the exact naive-Bayes model behind the reasons.

One home for the tables both the predictor's reasons (``predict/reasons.py``) and the explorer
page (``draw/explorer.py``, which embeds them) work from, so the page computes with the very
numbers Python does.

Pure Python: nothing here imports numpy.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from .knowledge import CHOICE, NUMBER, YES_NO, KnowledgeBase


class KbModel:
    """The knowledge base's likelihoods as plain Python: log P(answer | cause) per finding.

    Built once per knowledge base (see :func:`kb_model`); the same numbers as
    ``data.tables.compile_tables`` (distributions normalised; a number's bin weight spread
    evenly over the bin's grid values; a value between two bins goes to the nearer one).

    Attributes
    ----------
    causes : tuple of str
        The cause ids, in knowledge-base order: the order of every per-cause list below.
    log_prior : list of float
        log P(cause).
    outcomes : dict
        Finding id -> per cause, the probability of each outcome (no/yes, a choice, a bin).
    bounds : dict
        Number finding id -> the values between its bins (a value above ``bounds[k]`` is past bin k).
    logs : dict
        Finding id -> per outcome, log P(answer | cause) for every cause (a number's point
        probability on its grid: the bin's probability spread over its grid values).
    """

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.causes = kb.cause_ids
        self.log_prior = [math.log(kb.causes[c].prior) for c in self.causes]
        # For every finding: the probability of each outcome (choice, yes/no or bin) per cause.
        self.outcomes: dict[str, list[list[float]]] = {}
        self.bounds: dict[str, list[float]] = {}
        self.logs: dict[str, list[list[float]]] = {}
        for fid, f in kb.findings.items():
            rows = []
            for c in self.causes:
                d = kb.distribution(c, fid)
                if f.type == YES_NO:
                    row = [1 - d.p_yes, d.p_yes]
                elif f.type == CHOICE:
                    row = [d.p[ch] for ch in f.choices]
                else:
                    row = list(d.weights)
                total = sum(row)
                rows.append([p / total for p in row])
            self.outcomes[fid] = rows
            sizes = f.bin_sizes() if f.type == NUMBER else (1,) * len(rows[0])
            if f.type == NUMBER:
                self.bounds[fid] = [hi + f.step / 2 for _, hi in f.bins[:-1]]
            # log P(answer | cause) per outcome, every cause: worked out once, then looked up.
            self.logs[fid] = [[math.log(row[k] / sizes[k]) for row in rows] for k in range(len(sizes))]

    def outcome(self, fid: str, code: float) -> int:
        """The outcome index of an encoded answer: its choice, no/yes, or the nearer bin."""
        if fid in self.bounds:
            return sum(1 for b in self.bounds[fid] if b < code)
        return int(code)

    def loglik(self, fid: str, code: float) -> list[float]:
        """log P(answer | cause) for every cause (a number's point probability on its grid)."""
        return self.logs[fid][self.outcome(fid, code)]

    def known(self, row: Mapping[str, float]) -> dict[str, float]:
        """The answered findings of ``row``, with a follow-up's precondition implied as yes.

        "Hours after the workout" means there was a workout: the exact posterior counts the
        parent's yes then, as ``bayes_posterior`` does.
        """
        known = {fid: x for fid, x in row.items() if x == x}
        for fid in list(known):
            for parent in self.kb.findings[fid].requires:
                known.setdefault(parent, 1.0)
        return known

    def log_joint(self, known: Mapping[str, float]) -> list[float]:
        """log P(cause, answers) for every cause; ``known`` as :meth:`known` returns it."""
        total = list(self.log_prior)
        for fid, x in known.items():
            total = [t + v for t, v in zip(total, self.loglik(fid, x))]
        return total

    def posterior(self, known: Mapping[str, float]) -> list[float]:
        """P(cause | answers), in knowledge-base cause order."""
        return normalise(self.log_joint(known))


def normalise(log_p: Sequence[float]) -> list[float]:
    """Probabilities from unnormalised log probabilities."""
    top = max(log_p)
    p = [math.exp(v - top) for v in log_p]
    total = sum(p)
    return [v / total for v in p]


def logit(log_p: Sequence[float], j: int) -> float:
    """log odds of entry ``j`` of an unnormalised log distribution."""
    rest = [v for i, v in enumerate(log_p) if i != j]
    top = max(rest)
    return log_p[j] - (top + math.log(sum(math.exp(v - top) for v in rest)))


_MODELS: dict[int, KbModel] = {}


def kb_model(kb: KnowledgeBase) -> KbModel:
    """The compiled :class:`KbModel` of ``kb``, built once per knowledge base object."""
    model = _MODELS.get(id(kb))
    if model is None or model.kb is not kb:
        model = _MODELS[id(kb)] = KbModel(kb)
    return model


__all__ = ["KbModel", "kb_model", "logit", "normalise"]
