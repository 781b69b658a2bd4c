"""How good the trained tree is, measured on unseen generated cases against the best possible.

Everything here is a pure function of arrays: the tree's class probabilities for each case,
the case's true (drawn) cause, and the exact posterior ``bayes_posterior`` gives it. The
Bayes-optimal answer (the arg-max of that posterior) is the ceiling any classifier can reach
on these cases, so the headline number is the tree's accuracy as a fraction of it.

The report (``models/report.md``) is rendered from the same ``metrics`` dict that goes into the
model's metadata, so the two cannot disagree.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping, Sequence

import numpy as np

from ..data.generate import iter_blocks
from ..core.knowledge import KnowledgeBase
from ..core.numbers import format_number
from ..core.triage import is_doctor_cause, red_flags, triage
from ..data.tables import Tables

# Which findings a case answers, in the groups the report breaks accuracy down by.
ANSWER_GROUPS = (("1-2", 1, 2), ("3-6", 3, 6), ("7+", 7, None))
FEW_ANSWERS = 6  # the contract: the model must predict well from 2 to 6 answers
# Seed streams: training data 0, test data 1 (the generator's), fully answered test cases 2.
FULLY_ANSWERED_STREAM = 2
TOP_K = 3
RELIABILITY_EDGES = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
LOG_FLOOR = 1e-15  # a probability of exactly 0 for the true cause would make log-loss infinite


def fully_answered_tables(tables: Tables) -> Tables:
    """The generator's tables with every finding answered (follow-ups only after a "yes").

    The answer-count target is so large that each finding's answer probability saturates at 1;
    values are drawn exactly as for ordinary cases.
    """
    big = np.array([10**6])
    return dataclasses.replace(tables, answer_probs=np.array([1.0]), answer_lo=big, answer_hi=big)


def fully_answered_cases(
    n: int, *, seed: int, tables: Tables, stream: int = FULLY_ANSWERED_STREAM
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` encoded cases answering every finding, and their cause indices (``tables`` order).

    They come from their own seed stream, so they share no draw with the training or test data.
    """
    blocks = list(iter_blocks(n, seed=seed, stream=stream, tables=fully_answered_tables(tables)))
    return np.vstack([X for X, _ in blocks]), np.concatenate([y for _, y in blocks])


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


def confusion_matrix(y: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts, rows the true cause, columns the predicted one."""
    return np.bincount(y * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_cause(confusion: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float | int]]:
    """Precision, recall and support of each cause from a confusion matrix (0 when undefined)."""
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    hits = np.diag(confusion)
    return {
        c: {
            "precision": float(hits[i] / predicted[i]) if predicted[i] else 0.0,
            "recall": float(hits[i] / actual[i]) if actual[i] else 0.0,
            "support": int(actual[i]),
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
    confusion = confusion_matrix(y, pred, n_classes)
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
        "per_cause": per_cause(confusion, classes),
        "confusion_matrix": {"rows": "true cause", "columns": "predicted cause", "classes": list(classes),
                             "counts": confusion.tolist()},
        "see_doctor": see_doctor_block(proba, y, X, classes=classes, kb=kb),
        "bayes_see_doctor": see_doctor_block(posterior, y, X, classes=classes, kb=kb),
        "calibration": calibration(proba, y),
        "bayes_calibration": calibration(posterior, y),
        "mean_path_length": float(path_length.mean()),
        "max_path_length": int(path_length.max()),
    }


# --------------------------------------------------------------------------------------------
# The report


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def render_report(record: Mapping[str, Any], kb: KnowledgeBase) -> str:
    """The Markdown evaluation report of a model, from its metadata record.

    Only numbers from ``record`` appear, so the report and ``bicep_twitch_tree.json`` agree.
    """
    m = record["metrics"]
    hp = record["hyperparameters"]
    tree = record["tree"]
    label = {c: kb.causes[c].label for c in kb.cause_ids}
    out = [
        "# bicep-twitch: evaluation of the decision tree",
        "",
        "Measured on unseen generated cases (the data's test split, drawn from its own seed stream).",
        "\"Bayes\" is the exact posterior of each case under the generator's own model: the best any",
        "classifier can do on these cases. This is a synthetic benchmark of how well the tree reproduces",
        "the knowledge base, not a clinical validation: the tool ranks likely causes, it does not diagnose.",
        "",
        "## Summary",
        "",
    ]
    few = m["by_answered_findings"][f"<={FEW_ANSWERS}"]
    full = m["fully_answered"]
    out += _table(
        ["cases", "tree accuracy", "Bayes-optimal accuracy", "ratio", "tree top-3", "Bayes top-3"],
        [
            [f"all ({m['test_cases']:,})", _f(m["accuracy"]), _f(m["bayes_accuracy"]), _f(m["ratio"]),
             _f(m["top3_accuracy"]), _f(m["bayes_top3_accuracy"])],
            [f"<= {FEW_ANSWERS} answered findings ({few['cases']:,})", _f(few["accuracy"]),
             _f(few["bayes_accuracy"]), _f(few["ratio"]), "", ""],
            [f"fully answered ({full['cases']:,}, generated)", _f(full["accuracy"]), _f(full["bayes_accuracy"]),
             _f(full["ratio"]), "", ""],
        ],
    )
    out += [
        "",
        "\"Fully answered\" cases answer every finding (follow-up questions only after a workout): what",
        "`bicep-twitch ask` reaches when a person answers every question on the path.",
        "",
        "## Accuracy by number of answered findings",
        "",
    ]
    out += _table(
        ["answered findings", "cases", "tree accuracy", "Bayes-optimal accuracy", "ratio"],
        [[name, f"{b['cases']:,}", _f(b["accuracy"]), _f(b["bayes_accuracy"]), _f(b["ratio"])]
         for name, b in m["by_answered_findings"].items()],
    )
    sd, bsd = m["see_doctor"], m["bayes_see_doctor"]
    out += ["", "## Causes that need a doctor", ""]
    out += _table(
        ["cause", "tree recall", "Bayes-optimal recall"],
        [[f"{label[c]} (`{c}`)", _f(r), _f(bsd["recall"][c])] for c, r in sd["recall"].items()]
        + [["the predicted cause is one of these when the true cause is", _f(sd["any_see_doctor_cause_recall"]),
            _f(bsd["any_see_doctor_cause_recall"])],
           ["triage says see a doctor (such a cause first, or a red flag) when the true cause needs one",
            _f(sd["triage_recall"]), _f(bsd["triage_recall"])],
           ["triage says see a doctor when the true cause does not need one", _f(sd["triage_rate_self_care_causes"]),
            _f(bsd["triage_rate_self_care_causes"])]],
    )
    out += [
        "",
        "These causes are rare and their findings overlap with common ones, so from a few answers even the",
        "best possible ranking seldom puts them first. This is why the tool shows the whole ranking and the",
        "red flags, and why it is no substitute for a doctor.",
        "",
        "## Per cause",
        "",
    ]
    out += _table(
        ["cause", "precision", "recall", "true cases", "predicted"],
        [[f"`{c}`", _f(v["precision"]), _f(v["recall"]), f"{v['support']:,}", f"{v['predicted']:,}"]
         for c, v in m["per_cause"].items()],
    )
    cm = m["confusion_matrix"]
    short = [c[:8] for c in cm["classes"]]
    out += ["", "## Confusion matrix", "", "Rows: true cause; columns: predicted cause (first 8 letters).", ""]
    out += _table(["true \\ predicted", *short], [[f"`{c}`", *row] for c, row in zip(cm["classes"], cm["counts"])])
    cal, bcal = m["calibration"], m["bayes_calibration"]
    out += [
        "",
        "## Are the probabilities honest?",
        "",
        "Each node's class distribution is the mean exact posterior of the training cases that reach it,",
        "which estimates P(cause | the case reaches this leaf) without label noise. For comparison, the",
        "distribution scikit-learn would store (the share of Bayes-optimal training labels in the leaf):",
        "",
    ]
    rows = [["tree (mean posterior in the leaf, shipped)", cal]]
    if "label_share_calibration" in m:
        rows.append(["tree (share of distilled labels, not shipped)", m["label_share_calibration"]])
    rows.append(["Bayes posterior (the reference)", bcal])
    out += _table(
        ["probabilities", "log-loss", "Brier", "mean top probability", "accuracy", "calibration error"],
        [[name, _f(c["log_loss"]), _f(c["brier"]), _f(c["mean_top_probability"]), _f(c["accuracy"]), _f(c["ece"])]
         for name, c in rows],
    )
    out += [
        "",
        f"On fully answered cases the shipped probabilities are less sharp than the evidence: mean top "
        f"probability {_f(full['mean_top_probability'])} against an accuracy of {_f(full['accuracy'])} "
        f"(calibration error {_f(full['ece'])}), because the leaves average over the cases as people answer.",
    ] if full["mean_top_probability"] < full["accuracy"] - 0.02 else [
        "",
        f"On fully answered cases: mean top probability {_f(full['mean_top_probability'])}, accuracy "
        f"{_f(full['accuracy'])} (calibration error {_f(full['ece'])}).",
    ]
    out += ["", "Reliability of the shipped probabilities (top cause):", ""]
    out += _table(
        ["top probability", "cases", "mean probability", "how often right"],
        [[f"{format_number(r['from'])} to {format_number(r['to'])}", f"{r['cases']:,}", _f(r["mean_probability"]),
          _f(r["accuracy"])] for r in cal["reliability"]],
    )
    cv = record.get("cross_validation")
    out += [
        "",
        "## The tree",
        "",
        f"- depth {tree['depth']} (at most {hp['max_depth']} decisions on any path), {tree['leaves']} leaves, "
        f"{tree['node_count']} nodes",
        f"- mean path length {_f(m['mean_path_length'], 2)} decisions on the test cases "
        f"(longest {m['max_path_length']}); {_f(full['mean_path_length'], 2)} on fully answered cases",
        f"- trained on {record['training']['cases']:,} generated cases plus "
        f"{record['training'].get('fully_answered_cases', 0):,} fully answered ones, each labelled with its "
        "Bayes-optimal cause (the exact posterior distilled into the tree)",
        "- hyperparameters: " + ", ".join(f"{k} {v}" for k, v in sorted(hp.items())),
    ]
    if "noisy_label_baseline" in m:
        b = m["noisy_label_baseline"]
        out += [
            f"- for comparison, the same tree size trained on the drawn (noisy) causes: accuracy {_f(b['accuracy'])}, "
            f"ratio {_f(b['ratio'])}; on <= {FEW_ANSWERS} answers ratio {_f(b['ratio_few_answers'])}"
        ]
    if cv:
        out += ["", "## How the size was chosen (cross-validation)", ""]
        out += [
            f"{cv['folds']}-fold cross-validation on the training cases, scored on the true (drawn) causes of",
            "the held-out fold. Every combination of the grid below was scored; the rule: "
            f"{cv['rule']}",
            "",
            f"Best CV accuracy {_f(cv['best']['accuracy'], 4)} ({_cv_name(cv['best'])}); "
            f"chosen {_f(cv['chosen']['accuracy'], 4)} ({_cv_name(cv['chosen'])}); standard error "
            f"{_f(cv['standard_error'], 4)}.",
            "",
        ]
        depths = sorted({r["max_depth"] for r in cv["scores"]})
        leaves = sorted({r["max_leaf_nodes"] for r in cv["scores"]})
        for msl in sorted({r["min_samples_leaf"] for r in cv["scores"]}):
            score = {(r["max_depth"], r["max_leaf_nodes"]): r["accuracy"] for r in cv["scores"]
                     if r["min_samples_leaf"] == msl}
            out += [f"min_samples_leaf {msl}: CV accuracy by max_leaf_nodes (rows: max_depth)", ""]
            out += _table(["depth", *map(str, leaves)], [[d, *(_f(score.get((d, L)), 4) for L in leaves)]
                                                         for d in depths])
            out += [""]
    out += ["", record.get("disclaimer", kb.disclaimer), ""]
    return "\n".join(out)


def _cv_name(row: Mapping[str, Any]) -> str:
    return (f"max_depth {row['max_depth']}, max_leaf_nodes {row['max_leaf_nodes']}, "
            f"min_samples_leaf {row['min_samples_leaf']}, about {row['leaves']:.0f} leaves")
