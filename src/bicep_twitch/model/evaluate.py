"""How good the trained tree is, measured on unseen generated cases against the best possible.

Everything here is a pure function of arrays: the tree's class probabilities for each case,
the case's true (drawn) cause, and the exact posterior ``bayes_posterior`` gives it. The
Bayes-optimal answer (the arg-max of that posterior) is the ceiling any classifier can reach
on these cases, so the headline number is the tree's accuracy as a fraction of it.

The report (:mod:`.report`) is written from the same ``metrics`` dict that goes into the
model's metadata, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from ..core.knowledge import KnowledgeBase
from ..core.triage import LEVELS, is_doctor_cause, red_flags, triage

# Which findings a case answers, in the groups the report breaks accuracy down by.
ANSWER_GROUPS = (("1-2", 1, 2), ("3-6", 3, 6), ("7+", 7, None))
FEW_ANSWERS = 6  # the contract: the model must predict well from 2 to 6 answers
TOP_K = 3
RELIABILITY_EDGES = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
LOG_FLOOR = 1e-15  # a probability of exactly 0 for the true cause would make log-loss infinite
CONFIDENT = 0.6  # "the knowledge base is clear": the exact posterior puts this much on one cause
# What users need of the tree, measured against the exact posterior (acceptance targets).
TARGETS = {
    "agreement": 0.97,  # confident cases: the tree names the exact top cause first
    "worst_cause_agreement": 0.90,  # the same, for the cause where it is lowest
    "accuracy_ratio": 0.94,  # accuracy on the drawn causes / the exact posterior's accuracy
    "probability_gap": 0.08,  # ceiling: mean |p_tree - p_exact| for the exact top cause, confident cases
}
# Triage against the exact posterior: cases it puts DOCTOR_LIKELY or more on the doctor causes
# must be sent to a doctor; cases under CLEARLY_BENIGN with no red flag must be reassured.
DOCTOR_LIKELY, CLEARLY_BENIGN = 0.5, 0.05
TRIAGE_TARGETS = {"doctor_likely_sent": 0.98, "clearly_benign_reassured": 0.95}
THRESHOLD_GRID = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)  # a round number for a rule people read


def fidelity_scores(proba: np.ndarray, posterior: np.ndarray, y: np.ndarray, *, classes: Sequence[str],
                    weight: np.ndarray | None = None, cause_weight: np.ndarray | None = None) -> dict[str, Any]:
    """How faithfully the tree carries the exact posterior, on confident cases and overall.

    ``agreement`` is the share of confident cases (exact top cause at least ``CONFIDENT``)
    whose top cause the tree names first, overall and by that cause; ``probability_gap`` the
    mean distance between the tree's and the exact probability of that cause there;
    ``accuracy_ratio`` the tree's accuracy on the drawn causes over the exact posterior's.
    ``weight`` (per case) and ``cause_weight`` (per case, for the drawn cause) turn means over
    a sample of another distribution into means over natural cases; default 1.

    Examples
    --------
    >>> import numpy as np
    >>> post = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.5, 0.5]])
    >>> tree = np.array([[0.8, 0.2], [0.4, 0.6], [0.1, 0.9], [0.6, 0.4]])
    >>> s = fidelity_scores(tree, post, np.array([0, 0, 1, 1]), classes=["a", "b"])
    >>> round(s["agreement"], 3), s["agreement_by_cause"], s["worst_cause"], round(s["probability_gap"], 3)
    (0.667, {'a': 0.5, 'b': 1.0}, 'a', 0.167)
    """
    n = len(posterior)
    w = np.ones(n) if weight is None else weight
    cw = np.ones(n) if cause_weight is None else cause_weight
    top = posterior.argmax(axis=1)
    confident = posterior.max(axis=1) >= CONFIDENT
    pred = proba.argmax(axis=1)
    agree = pred == top
    by_cause = {c: _wmean(agree[confident & (top == k)], w[confident & (top == k)]) for k, c in enumerate(classes)}
    known = {c: v for c, v in by_cause.items() if v is not None}
    worst = min(known, key=known.get) if known else None
    rows = np.flatnonzero(confident)
    exact_accuracy = _wmean(top == y, cw)
    accuracy = _wmean(pred == y, cw)
    return {
        "cases": int(n),
        "confident_cases": int(confident.sum()),
        "confident_cases_by_cause": {c: int((confident & (top == k)).sum()) for k, c in enumerate(classes)},
        "agreement": _round(_wmean(agree[confident], w[confident])),
        "agreement_by_cause": {c: _round(v) for c, v in by_cause.items()},
        "worst_cause": worst,
        "worst_cause_agreement": _round(known[worst]) if known else None,
        "probability_gap": _round(_wmean(np.abs(proba[rows, top[rows]] - posterior[rows, top[rows]]), w[rows])),
        "accuracy": _round(accuracy),
        "accuracy_ratio": _round(accuracy / exact_accuracy) if exact_accuracy else None,
    }


# A cause with fewer clear cases than this among the natural draws is measured on cases drawn from
# that cause alone instead, weighted back to natural cases (its natural estimate would be noise).
MIN_CLEAR_CASES = 300


def clear_cases_of(posterior: np.ndarray, cause: int) -> np.ndarray:
    """Which cases are clear cases of ``cause`` (a column): the exact posterior puts at least
    ``CONFIDENT`` on it, and on no other cause more."""
    return (posterior.max(axis=1) >= CONFIDENT) & (posterior.argmax(axis=1) == cause)


def cause_agreement(proba: np.ndarray, posterior: np.ndarray, *, cause: int,
                    prior: float) -> tuple[float | None, int, float]:
    """Agreement on the clear cases of one cause among cases drawn from that cause alone, weighted back.

    A case drawn from cause ``c`` alone has density ``P(x | c)`` where natural cases have ``p(x)``;
    ``p(x) / P(x | c) = prior_c / P(c | x)``, exact from the posterior. Returns the weighted share
    of clear cases of ``cause`` whose top cause the tree names first, how many clear cases there
    were, and their total weight (to pool several sets of draws exactly).

    Examples
    --------
    >>> import numpy as np
    >>> post = np.array([[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]])
    >>> tree = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
    >>> agreement, clear, weight = cause_agreement(tree, post, cause=0, prior=0.5)
    >>> round(agreement, 3), clear, round(weight, 3)
    (0.438, 2, 1.27)
    """
    clear = clear_cases_of(posterior, cause)
    weight = prior / posterior[clear, cause]
    agree = proba[clear].argmax(axis=1) == cause
    return _wmean(agree, weight), int(clear.sum()), float(weight.sum())


def with_rare_causes(natural: Mapping[str, Any], rare: Mapping[str, tuple[float | None, int]], *,
                     draws: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Fidelity scores of natural cases, each cause in ``rare`` taking its agreement from its own draws.

    ``rare`` maps a cause to (agreement, clear cases) from :func:`cause_agreement`; the worst cause
    is chosen again. ``measured_on_own_draws`` records, per rare cause, its clear cases there and
    (from ``draws``) how many cases were drawn. Overall agreement, gap and accuracy stay natural.

    Examples
    --------
    >>> nat = {"agreement_by_cause": {"a": 0.99, "b": 0.5}, "worst_cause": "b", "worst_cause_agreement": 0.5}
    >>> s = with_rare_causes(nat, {"b": (0.95, 700)})
    >>> s["agreement_by_cause"], s["worst_cause"], s["measured_on_own_draws"]
    ({'a': 0.99, 'b': 0.95}, 'b', {'b': {'clear_cases': 700, 'drawn': None}})
    """
    out = dict(natural)
    by_cause = dict(natural["agreement_by_cause"])
    for c, (agreement, _) in rare.items():
        by_cause[c] = _round(agreement)
    known = {c: v for c, v in by_cause.items() if v is not None}
    worst = min(known, key=known.get) if known else None
    out.update(agreement_by_cause=by_cause, worst_cause=worst, worst_cause_agreement=known.get(worst),
               measured_on_own_draws={c: {"clear_cases": n, "drawn": (draws or {}).get(c)} for c, (_, n) in rare.items()},
               min_clear_cases=MIN_CLEAR_CASES)
    return out


def meets_targets(scores: Mapping[str, Any], targets: Mapping[str, float] = TARGETS) -> dict[str, bool]:
    """Which targets a set of scores meets (``probability_gap`` is a ceiling, the others floors)."""
    out = {}
    for name, target in targets.items():
        value = scores.get(name)
        out[name] = value is not None and (value <= target if name == "probability_gap" else value >= target)
    return out


def triage_tradeoff(proba: np.ndarray, posterior: np.ndarray, X: np.ndarray, *, classes: Sequence[str],
                    kb: KnowledgeBase, thresholds: Sequence[float] = THRESHOLD_GRID) -> dict[str, Any]:
    """The triage rules at each threshold for the doctor causes together, against the exact posterior.

    For each threshold: the share of cases sent to a doctor among those the exact posterior
    puts ``DOCTOR_LIKELY`` or more on the doctor causes, the share reassured among those it
    puts under ``CLEARLY_BENIGN`` on them that carry no red flag, and the share of all cases
    sent, and the share at each urgency level (``levels``; the threshold moves cases between
    ``self_care`` and ``see_doctor`` only, the emergency and urgent screens do not depend on it).
    ``recommended`` is the highest threshold meeting both ``TRIAGE_TARGETS`` (fewest needless
    visits); ``knowledge_base`` the row of the threshold the knowledge base holds.
    """
    classes = list(classes)
    index = {fid: j for j, fid in enumerate(kb.finding_ids)}
    doctor = [classes.index(c) for c in kb.see_doctor_causes]
    exact_doctor = posterior[:, doctor].sum(axis=1)
    likely = exact_doctor >= DOCTOR_LIKELY
    pred = proba.argmax(axis=1)
    answer = lambda fid: X[:, index[fid]]  # noqa: E731 - the triage rules read answers by finding id
    benign = (exact_doctor < CLEARLY_BENIGN) & ~red_flag_mask(X, kb)
    rows = []
    for t in sorted(set(thresholds) | {kb.doctor_threshold}):
        with np.errstate(invalid="ignore"):
            told = triage(kb, is_top=lambda c: pred == classes.index(c), probability=lambda c: proba[:, classes.index(c)],
                          answer=answer, doctor_threshold=t)
        rank = np.broadcast_to(told.rank, (len(X),))
        sent = rank >= 1
        rows.append({"threshold": t, "doctor_likely_sent": _mean(sent[likely]),
                     "clearly_benign_reassured": _mean(~sent[benign]), "sent_to_doctor": _mean(sent),
                     "levels": {level: _mean(rank == k) for k, level in enumerate(LEVELS)}})
    meeting = [r for r in rows if all(r[k] >= v for k, v in TRIAGE_TARGETS.items())]
    recommended = max(meeting, key=lambda r: r["threshold"]) if meeting else max(rows, key=lambda r: r["doctor_likely_sent"])
    return {
        "doctor_likely_cases": int(likely.sum()),
        "clearly_benign_cases": int(benign.sum()),
        "targets": dict(TRIAGE_TARGETS),
        "rows": rows,
        "recommended": recommended["threshold"],
        "knowledge_base": next(r for r in rows if r["threshold"] == kb.doctor_threshold),
    }


def _wmean(values: np.ndarray, weight: np.ndarray) -> float | None:
    total = float(weight.sum())
    return float(np.dot(values, weight) / total) if total > 0 else None


def _round(x: float | None) -> float | None:
    """Scores as stored: enough digits to compare, few enough for a diff a person reads."""
    return None if x is None else round(float(x), 6)


def accuracy_block(proba: np.ndarray, y: np.ndarray, posterior: np.ndarray) -> dict[str, float | int]:
    """Tree and Bayes-optimal accuracy on one set of cases, and their ratio."""
    n = int(len(y))
    if n == 0:
        return {"cases": 0, "accuracy": None, "bayes_accuracy": None, "ratio": None}
    acc = float((proba.argmax(axis=1) == y).mean())
    bayes = float((posterior.argmax(axis=1) == y).mean())
    return {"cases": n, "accuracy": acc, "bayes_accuracy": bayes, "ratio": acc / bayes if bayes else None}


def top_k_accuracy(proba: np.ndarray, y: np.ndarray, k: int = TOP_K) -> float:
    """Share of cases whose true cause is among the ``k`` most probable ones.

    Examples
    --------
    >>> import numpy as np
    >>> top_k_accuracy(np.array([[0.5, 0.3, 0.2], [0.6, 0.3, 0.1]]), np.array([2, 2]), k=2)
    0.0
    """
    top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return float((top == y[:, None]).any(axis=1).mean())


def per_cause(y: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float | int]]:
    """Precision, recall, support and predicted count of each cause (0 when undefined)."""
    labels = np.arange(len(classes))
    precision, recall, _, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    predicted = np.bincount(pred, minlength=len(classes))
    return {
        c: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "support": int(support[i]),
            "predicted": int(predicted[i]),
        }
        for i, c in enumerate(classes)
    }


def calibration(proba: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Log-loss, Brier score and a reliability table of the top probability.

    The reliability table bins cases by the probability given to the predicted cause and
    compares it with how often that cause was the true one; ``ece`` is the case-weighted mean
    gap (expected calibration error).
    """
    n, k = proba.shape
    p_true = proba[np.arange(n), y]
    onehot = np.zeros_like(proba)
    onehot[np.arange(n), y] = 1.0
    top = proba.max(axis=1)
    hit = proba.argmax(axis=1) == y
    bins = np.clip(np.searchsorted(RELIABILITY_EDGES, top, side="right") - 1, 0, len(RELIABILITY_EDGES) - 2)
    table = []
    gap = 0.0
    for b in range(len(RELIABILITY_EDGES) - 1):
        inside = bins == b
        if not inside.any():
            continue
        confidence, accuracy = float(top[inside].mean()), float(hit[inside].mean())
        gap += inside.sum() * abs(confidence - accuracy)
        table.append(
            {
                "from": RELIABILITY_EDGES[b],
                "to": RELIABILITY_EDGES[b + 1],
                "cases": int(inside.sum()),
                "mean_probability": confidence,
                "accuracy": accuracy,
            }
        )
    return {
        "log_loss": float(-np.log(np.maximum(p_true, LOG_FLOOR)).mean()),
        "brier": float(((proba - onehot) ** 2).sum(axis=1).mean()),
        "mean_top_probability": float(top.mean()),
        "accuracy": float(hit.mean()),
        "ece": float(gap / n),
        "reliability": table,
    }


def red_flag_mask(X: np.ndarray, kb: KnowledgeBase) -> np.ndarray:
    """Which encoded cases carry at least one of the knowledge base's red flags."""
    index = {fid: j for j, fid in enumerate(kb.finding_ids)}
    flagged = np.zeros(len(X), dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN compares False: an unknown finding raises no flag
        for _, raised in red_flags(kb, lambda fid: X[:, index[fid]]):
            flagged |= raised
    return flagged


def see_doctor_block(
    proba: np.ndarray, y: np.ndarray, X: np.ndarray, *, classes: Sequence[str], kb: KnowledgeBase
) -> dict[str, Any]:
    """Recall of each cause that needs a doctor, and how often triage says "see a doctor".

    Triage is the predictor's own (:func:`bicep_twitch.core.triage.triage`), applied to the
    tree's probabilities. ``triage_recall`` is the share of cases whose true cause needs a
    doctor that are told so; ``triage_rate_self_care_causes`` the share of the other cases told so too.
    """
    classes = list(classes)
    index = {fid: j for j, fid in enumerate(kb.finding_ids)}
    pred = proba.argmax(axis=1)
    with np.errstate(invalid="ignore"):
        told = triage(kb, is_top=lambda c: pred == classes.index(c), probability=lambda c: proba[:, classes.index(c)],
                      answer=lambda fid: X[:, index[fid]])
    needs = np.array([is_doctor_cause(kb, c) for c in classes])[y]
    recall = {}
    for c in kb.see_doctor_causes:
        i = classes.index(c)
        recall[c] = _mean(pred[y == i] == i)
    return {
        "recall": recall,
        "any_see_doctor_cause_recall": _mean(np.broadcast_to(told.doctor_cause_first, y.shape)[needs]),
        "triage_recall": _mean(np.broadcast_to(told.see_doctor, y.shape)[needs]),
        "triage_rate_self_care_causes": _mean(np.broadcast_to(told.see_doctor, y.shape)[~needs]),
    }


def _mean(hits: np.ndarray) -> float:
    return float(hits.mean()) if len(hits) else 0.0


def evaluate(
    proba: np.ndarray,
    y: np.ndarray,
    posterior: np.ndarray,
    X: np.ndarray,
    path_length: np.ndarray,
    *,
    classes: Sequence[str],
    kb: KnowledgeBase,
) -> dict[str, Any]:
    """All test-set metrics of a tree.

    Parameters
    ----------
    proba : ndarray (n, classes)
        The tree's probabilities (its leaf values), columns in ``classes`` order.
    y : ndarray (n,)
        True cause of each case, as an index into ``classes``.
    posterior : ndarray (n, classes)
        The exact posterior of each case, same column order.
    X : ndarray (n, findings)
        The encoded cases (NaN unknown), in knowledge-base finding order.
    path_length : ndarray (n,)
        Decisions on each case's path.

    Examples
    --------
    >>> import numpy as np
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> classes = sorted(kb.cause_ids)
    >>> eye = np.eye(len(classes))
    >>> X = np.full((2, len(kb.finding_ids)), np.nan)
    >>> m = evaluate(eye[[0, 1]], np.array([0, 2]), eye[[0, 2]], X, np.array([3, 5]), classes=classes, kb=kb)
    >>> m["accuracy"], m["bayes_accuracy"], m["ratio"], m["mean_path_length"]
    (0.5, 1.0, 0.5, 4.0)
    """
    n_classes = len(classes)
    pred = proba.argmax(axis=1)
    answered = (~np.isnan(X)).sum(axis=1)
    overall = accuracy_block(proba, y, posterior)
    confusion = confusion_matrix(y, pred, labels=np.arange(n_classes))
    by_answers = {}
    for name, lo, hi in ANSWER_GROUPS:
        mask = (answered >= lo) & (answered <= (hi if hi is not None else answered.max()))
        by_answers[name] = accuracy_block(proba[mask], y[mask], posterior[mask])
    few = answered <= FEW_ANSWERS
    by_answers[f"<={FEW_ANSWERS}"] = accuracy_block(proba[few], y[few], posterior[few])
    return {
        "test_cases": overall["cases"],
        "accuracy": overall["accuracy"],
        "bayes_accuracy": overall["bayes_accuracy"],
        "ratio": overall["ratio"],
        "top3_accuracy": top_k_accuracy(proba, y),
        "bayes_top3_accuracy": top_k_accuracy(posterior, y),
        "by_answered_findings": by_answers,
        "per_cause": per_cause(y, pred, classes),
        "confusion_matrix": {"rows": "true cause", "columns": "predicted cause", "classes": list(classes),
                             "counts": confusion.tolist()},
        "see_doctor": see_doctor_block(proba, y, X, classes=classes, kb=kb),
        "bayes_see_doctor": see_doctor_block(posterior, y, X, classes=classes, kb=kb),
        "calibration": calibration(proba, y),
        "bayes_calibration": calibration(posterior, y),
        "mean_path_length": float(path_length.mean()),
        "max_path_length": int(path_length.max()),
    }
