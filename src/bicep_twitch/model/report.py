"""The Markdown report beside the model (``report.md``), written from the same metrics record as
the model's metadata, so the two cannot disagree."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..core.knowledge import KnowledgeBase
from ..core.numbers import format_number
from .evaluate import FEW_ANSWERS


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def report_markdown(record: Mapping[str, Any], kb: KnowledgeBase) -> str:
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


__all__ = ["report_markdown"]
