"""The knowledge base compiled to numpy arrays: shared by the generator and the exact posterior.

Both must read one and the same model, or ``bayes_posterior`` would not be the generator's own
posterior; keeping the compilation here makes that true by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..core.knowledge import CHOICE, NUMBER, YES_NO, KnowledgeBase, load_knowledge


@dataclass(frozen=True)
class FindingTable:
    """One finding's distributions under every cause, as arrays.

    For yes/no and choice findings ``probs[c, k]`` is P(value k | cause c) (yes/no: k=0 no, 1 yes).
    For numbers ``probs[c, b]`` is P(bin b | cause c); ``lo``, ``nvals`` and ``upper`` describe the
    bins on the finding's grid of ``step``.
    """

    id: str
    type: str
    probs: np.ndarray
    cum: np.ndarray
    loglik: np.ndarray  # (K + 1, C): log P(observed code | cause); last row (unknown) is zero
    edges: tuple[np.ndarray, ...]  # edges[b][c] = P(value index <= b | cause c), b < K - 1
    cum_below: np.ndarray  # (C, K): cumulative probability below each bin
    lo: np.ndarray | None = None
    nvals: np.ndarray | None = None
    upper: np.ndarray | None = None
    bin_bounds: np.ndarray | None = None  # (K - 1,) halfway between a bin's top and the next bin's bottom
    step: float | None = None
    vmin: float | None = None
    vmax: float | None = None


@dataclass(frozen=True)
class Tables:
    kb: KnowledgeBase
    cause_ids: tuple[str, ...]
    finding_ids: tuple[str, ...]
    prior: np.ndarray
    cum_prior: np.ndarray
    findings: tuple[FindingTable, ...]
    salience: np.ndarray
    answer_probs: np.ndarray
    answer_lo: np.ndarray
    answer_hi: np.ndarray
    # Index of the parent finding each finding requires to be 1 (yes), or -1.
    requires_yes_of: np.ndarray


@lru_cache(maxsize=4)
def compile_tables(kb: KnowledgeBase | None = None) -> Tables:
    kb = kb or load_knowledge()
    causes = kb.cause_ids
    finding_ids = kb.finding_ids
    tables = []
    for fid, f in kb.findings.items():
        dists = [kb.distribution(c, fid) for c in causes]
        if f.type == YES_NO:
            probs = np.array([[1 - d.p_yes, d.p_yes] for d in dists])
            extra = {}
        elif f.type == CHOICE:
            probs = np.array([[d.p[ch] for ch in f.choices] for d in dists])
            extra = {}
        else:
            assert f.type == NUMBER
            probs = np.array([d.weights for d in dists])
            nvals = np.array(f.bin_sizes(), dtype=np.float64)
            extra = dict(
                lo=np.array([lo for lo, _ in f.bins]),
                nvals=nvals,
                upper=np.array([hi for _, hi in f.bins]),
                bin_bounds=np.array([(hi + f.step / 2) for _, hi in f.bins[:-1]]),
                step=f.step,
                vmin=f.min,
                vmax=f.max,
            )
        probs = probs / probs.sum(axis=1, keepdims=True)
        cum = np.cumsum(probs, axis=1)
        cum[:, -1] = 1.0  # guard the last edge against rounding, so every draw lands in a bin
        point = probs / extra["nvals"] if f.type == NUMBER else probs
        loglik = np.vstack([np.log(point).T, np.zeros((1, len(causes)))])
        edges = tuple(np.ascontiguousarray(cum[:, b]) for b in range(cum.shape[1] - 1))
        below = np.hstack([np.zeros((len(causes), 1)), cum[:, :-1]])
        tables.append(
            FindingTable(
                id=fid, type=f.type, probs=probs, cum=cum, loglik=loglik,
                edges=edges, cum_below=below, **extra,
            )
        )
    prior = np.array([kb.causes[c].prior for c in causes])
    requires = np.full(len(finding_ids), -1, dtype=np.int64)
    for j, f in enumerate(kb.findings.values()):
        for parent, wanted in f.requires.items():
            if wanted is not True:
                raise ValueError(f"findings.{f.id}.requires supports only 'true' (got {wanted!r})")
            requires[j] = finding_ids.index(parent)
    return Tables(
        kb=kb,
        cause_ids=causes,
        finding_ids=finding_ids,
        prior=prior,
        cum_prior=np.cumsum(prior),
        findings=tuple(tables),
        salience=np.array([f.salience for f in kb.findings.values()]),
        answer_probs=np.array([p for p, _, _ in kb.answer_counts]),
        answer_lo=np.array([lo for _, lo, _ in kb.answer_counts]),
        answer_hi=np.array([hi for _, _, hi in kb.answer_counts]),
        requires_yes_of=requires,
    )
