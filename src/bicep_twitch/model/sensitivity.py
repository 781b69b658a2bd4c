"""Where evidence matters most: each general-knowledge number moved across its plausible range.

Every number of the knowledge base sourced from general knowledge carries a plausible range
(``core.knowledge.Source.range``). Each is set to its low end and then its high end, one at a
time, the rest of its distribution scaled so that it still sums to one (a prior: the other
priors), and the exact posterior (``data.posterior``) of the same generated cases is worked out
again. What is counted is the share of cases whose top cause changes, and whose triage changes
(the triage rules applied to the exact posterior). No tree is refitted: this measures the
knowledge base, which the tree only carries.

Only one finding's table (or the prior) changes at a time, so each variant updates the cases'
log joint probability by that one term: the whole analysis of a few hundred numbers on 20,000
cases takes seconds.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import numpy as np

from ..core.knowledge import NUMBER, KnowledgeBase
from ..core.triage import triage
from ..data.generate import SENSITIVITY_STREAM, draw_cases
from ..data.posterior import log_joint, normalised, outcome_codes
from ..data.tables import Tables

SENSITIVITY_CASES = 20_000
TOP = 10


@dataclasses.dataclass(frozen=True)
class Number:
    """One general-knowledge number: where it sits, which entry, its value and plausible range."""

    where: str  # e.g. "causes.nerve_damage.findings.arm_or_neck_injury"
    entry: str  # "" for a prior or a yes/no share, else the choice or the bin ("bin 3: 14.25-60")
    value: float
    low: float
    high: float
    cause: str | None  # the cause whose table changes; None for a background (every cause following it)
    finding: str | None  # None for a prior
    index: int  # the outcome (choice, bin, or 1 for a yes/no's yes) the number is the probability of


def general_knowledge_numbers(kb: KnowledgeBase) -> Iterator[Number]:
    """Every number of ``kb`` sourced from general knowledge, with its plausible range."""
    for where, values, source in kb.numbers():
        if source.kind != "general_knowledge":
            continue
        parts = where.split(".")
        if parts[-1] == "prior":
            cause, finding = parts[1], None
        elif parts[0] == "findings":
            cause, finding = None, parts[1]
        else:
            cause, finding = parts[1], parts[3]
        f = kb.findings[finding] if finding else None
        for k, (value, (lo, hi)) in enumerate(zip(values, source.range)):
            if f is None or f.type == "yes/no":
                entry, index = "", 1
            elif f.type == "choice":
                entry, index = f.choices[k], k
            else:
                lo_edge, hi_edge = f.bins[k]
                entry, index = f"{_num(lo_edge)}-{_num(hi_edge)} {f.unit}", k
            yield Number(where, entry, value, lo, hi, cause, finding, index)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _moved(probs: np.ndarray, index: int, value: float) -> np.ndarray:
    """A distribution (rows: causes) with outcome ``index`` set to ``value``, the rest scaled to sum to 1."""
    out = probs.copy()
    rest = 1.0 - out[:, index]
    out *= ((1.0 - value) / np.where(rest > 0, rest, 1.0))[:, None]
    out[:, index] = value
    return out


def sensitivity(tables: Tables, *, n: int = SENSITIVITY_CASES, seed: int = 0, top: int = TOP) -> dict[str, Any]:
    """Move each general-knowledge number to the ends of its range; count the cases whose answer changes.

    Returns
    -------
    dict
        ``cases``, ``numbers`` (how many were varied), ``top``: the ``top`` numbers that change
        the top cause or the triage of the most cases, each with its value, range and the share
        of cases changed at the low and the high end; ``top_triage``: the half as many that
        change the triage of the most cases.
    """
    kb = tables.kb
    X, _ = draw_cases(n, seed=seed, stream=SENSITIVITY_STREAM, tables=tables)
    codes = outcome_codes(X, tables)
    base_log = log_joint(codes, tables)
    base_post = normalised(base_log)
    base_top = base_post.argmax(axis=1)
    index = {fid: j for j, fid in enumerate(tables.finding_ids)}
    base_triage = _see_doctor(kb, tables, base_post, X, index)
    own = {c: set(kb.causes[c].findings) for c in tables.cause_ids}
    rows = []
    for number in general_knowledge_numbers(kb):
        changed = {}
        for end, value in (("low", number.low), ("high", number.high)):
            log = base_log.copy()
            if number.finding is None:
                c = tables.cause_ids.index(number.cause)
                prior = _moved(tables.prior[None, :], c, value)[0]
                log += np.log(prior) - np.log(tables.prior)
            else:
                j = index[number.finding]
                ft = tables.findings[j]
                if number.cause is None:  # a background: every cause that does not list the finding follows it
                    cols = [i for i, c in enumerate(tables.cause_ids) if number.finding not in own[c]]
                else:
                    cols = [tables.cause_ids.index(number.cause)]
                probs = ft.probs.copy()
                probs[cols] = _moved(ft.probs[cols], number.index, value)
                point = probs / ft.nvals if ft.type == NUMBER else probs
                new = np.vstack([np.log(point).T, np.zeros((1, len(tables.cause_ids)))])
                log += new[codes[:, j]] - ft.loglik[codes[:, j]]
            post = normalised(log)
            top_changed = post.argmax(axis=1) != base_top
            triage_changed = _see_doctor(kb, tables, post, X, index) != base_triage
            changed[end] = {"top_cause": float(top_changed.mean()), "triage": float(triage_changed.mean()),
                            "either": float((top_changed | triage_changed).mean())}
        rows.append({"where": number.where, "entry": number.entry, "value": number.value,
                     "range": [number.low, number.high], **changed,
                     "most": max(changed["low"]["either"], changed["high"]["either"])})
    rows.sort(key=lambda r: (-r["most"], r["where"], r["entry"]))
    by_triage = sorted(rows, key=lambda r: (-max(r["low"]["triage"], r["high"]["triage"]), r["where"], r["entry"]))
    return {"cases": int(n), "stream": SENSITIVITY_STREAM, "numbers": len(rows), "top": rows[:top],
            "top_triage": by_triage[:top // 2]}


def _see_doctor(kb: KnowledgeBase, tables: Tables, post: np.ndarray, X: np.ndarray, index: dict) -> np.ndarray:
    """The triage rules applied to exact posteriors: whether each case is sent to a doctor."""
    top = post.argmax(axis=1)
    col = {c: k for k, c in enumerate(tables.cause_ids)}
    with np.errstate(invalid="ignore"):  # NaN answers compare False: an unknown finding raises no flag
        told = triage(kb, is_top=lambda c: top == col[c], probability=lambda c: post[:, col[c]],
                      answer=lambda fid: X[:, index[fid]])
    return np.broadcast_to(told.see_doctor, (len(X),))


__all__ = ["sensitivity", "general_knowledge_numbers", "Number", "SENSITIVITY_CASES"]
