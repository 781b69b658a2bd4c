"""The Markdown report beside the model (``report.md``), written from the same metrics record as
the model's metadata, so the two cannot disagree."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..core.knowledge import KnowledgeBase
from ..core.numbers import format_number
from ..core.triage import LEVELS
from .evaluate import CLEARLY_BENIGN, CONFIDENT, DOCTOR_LIKELY, FEW_ANSWERS, TARGETS, meets_targets


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
        "## Does the tree carry what the knowledge base knows?",
        "",
        f"On {m['fidelity']['cases']:,} fresh generated cases (a seed stream never used for training), against the",
        f"exact posterior. A case is *clear* when its exact posterior puts at least {CONFIDENT} on one cause;",
        "agreement is the share of clear cases where the tree names that cause first. The previous recipe",
        "(version 0.1.0: hard arg-max labels, depth 14, 700 leaves, triage on the top cause and red flags only)",
        "is refitted on the same training cases for comparison.",
        "",
    ]
    out += _fidelity_table(m, kb)
    rare = m["fidelity"].get("measured_on_own_draws") or {}
    if rare:
        out += ["", f"Causes with fewer than {m['fidelity']['min_clear_cases']} clear cases among the natural draws "
                f"({', '.join(f'`{c}`' for c in rare)}) are too rare to measure there: each is measured on fresh cases "
                f"drawn from that cause alone (in blocks, until it has that many clear cases or "
                f"{m['fidelity']['max_own_draws']:,} were drawn), "
                "each case weighed back to natural cases (p(x) / P(x | cause) = prior / P(cause | x)). Training "
                "gives them more cases too: proposal cases with the rare causes boosted, and region draws for a "
                "doctor cause whose clear cases are rare even among its own draws (fewer than 1 in 2,000 "
                "Isaacs-syndrome cases is clear; see The tree, below)."]
    out += ["", "## Triage: how likely the doctor causes must be together", ""]
    out += _triage_table(m["triage_tradeoff"], kb)
    out += [
        "",
        "## Accuracy",
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
           ["triage says see a doctor (its rules: doctor causes first or likely together, a red flag, a medicine) "
            "when the true cause needs one",
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
        "Each node's class distribution is the mean exact posterior of the cases that reach it (each",
        "weighed back to natural cases), which estimates P(cause | the case reaches this leaf) without",
        "label noise.",
        "",
    ]
    rows = [["tree (mean posterior in the leaf, shipped)", cal], ["Bayes posterior (the reference)", bcal]]
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
        f"{record['training'].get('proposal_cases', 0):,} proposal cases (the causes with few clear cases boosted)"
        + _region_words(record["training"].get("region_cases") or {})
        + f"; labels: {record['training']['labels']}; split weight: {record['training']['split_weight']}",
        "- hyperparameters: " + ", ".join(f"{k} {v}" for k, v in sorted(hp.items())),
    ]
    if cv:
        out += ["", "## How the size was chosen (cross-validation)", ""]
        targets = ", ".join(f"{k} {'<=' if k == 'probability_gap' else '>='} {v:g}" for k, v in cv["targets"].items())
        chosen = cv["chosen"]
        out += [
            f"{cv['folds']}-fold cross-validation on the {cv['cases']:,} pooled training cases, each held-out",
            "case weighed back to natural cases. The rule: " + cv["rule"] + ".",
            f"Targets (the acceptance targets tightened for the noise of the estimate): {targets}.",
            f"Chosen: depth {chosen['max_depth']}, {chosen['max_leaf_nodes']} leaves.",
            "",
        ]
        out += _table(
            ["depth", "leaves", "agreement", "worst cause", "accuracy ratio", "probability gap", "meets all"],
            [[r["max_depth"], r["max_leaf_nodes"], _f(r["agreement"]),
              f"{_f(r['worst_cause_agreement'])} `{r['worst_cause']}`", _f(r["accuracy_ratio"]),
              _f(r["probability_gap"]), "yes" if all(meets_targets(r, cv["targets"]).values()) else "no"]
             for r in cv["scores"]],
        )
    out += _evidence_section(kb)
    if "sensitivity" in m:
        out += _sensitivity_section(m["sensitivity"])
    out += ["", record.get("disclaimer", kb.disclaimer), ""]
    return "\n".join(out)


def _region_words(regions: dict) -> str:
    """The region draws of the rarest causes, in a clause (empty without any)."""
    if not regions:
        return ""
    parts = [f"{p['cases']:,} of `{c}` ({p['kept_share']:.1%} of those drawn, kept where its exact posterior is "
             f"at least {p['floor']:g})" for c, p in regions.items()]
    return ", plus region cases with more findings answered: " + ", ".join(parts)


KIND_WORDS = {"article": "the article's sentence", "published": "a published figure",
              "general_knowledge": "general knowledge, with a plausible range"}


def _evidence_section(kb: KnowledgeBase) -> list[str]:
    """How many of the knowledge base's numbers rest on each kind of source, and each cause's prior."""
    numbers = list(kb.numbers())
    counts = {kind: 0 for kind in KIND_WORDS}
    scalars = dict(counts)
    for _, values, source in numbers:
        counts[source.kind] += 1
        scalars[source.kind] += len(values)
    out = ["", "## The evidence behind the knowledge base's numbers", "",
           f"Every prior and every likelihood (a distribution of one finding under one cause, or the background) "
           f"carries one source. {len(numbers)} of them, holding {sum(scalars.values())} numbers:", ""]
    out += _table(["source", "priors and distributions", "numbers"],
                  [[KIND_WORDS[k], counts[k], scalars[k]] for k in KIND_WORDS]
                  + [["all", len(numbers), sum(scalars.values())]])
    out += ["", "The priors, for the people who look a twitching biceps up:", ""]
    rows = []
    for c in kb.causes.values():
        s = c.prior_source
        how = (f"{s.published['where']} ({s.published['year']}): {s.published['figure']}" if s.kind == "published"
               else f"range {format_number(s.range[0][0])} to {format_number(s.range[0][1])}" if s.range else "")
        rows.append([f"`{c.id}`", format_number(c.prior), KIND_WORDS[s.kind], how])
    return out + _table(["cause", "prior", "source", "figure or plausible range"], rows)


def _sensitivity_section(sens: Mapping[str, Any]) -> list[str]:
    """The general-knowledge numbers whose plausible range changes the most answers."""
    def row(r):
        return [f"`{r['where']}`" + (f" ({r['entry']})" if r["entry"] else ""), format_number(r["value"]),
                f"{format_number(r['range'][0])} to {format_number(r['range'][1])}",
                f"{_f(r['low']['top_cause'])} / {_f(r['high']['top_cause'])}",
                f"{_f(r['low']['triage'])} / {_f(r['high']['triage'])}"]

    header = ["number", "value", "plausible range", "top cause changes (low / high)", "triage changes (low / high)"]
    out = ["", "## Where evidence matters most (sensitivity)", "",
           f"Each of the {sens['numbers']} general-knowledge numbers is set to the low and then the high end of its "
           f"plausible range, one at a time (the rest of its distribution, or the other priors, scaled to sum to one), "
           f"and the exact posterior of the same {sens['cases']:,} generated cases is worked out again (no tree is "
           "refitted). The share of cases whose top cause changes, and whose triage changes; the ten numbers that "
           "change the most cases either way:", ""]
    out += _table(header, [row(r) for r in sens["top"]])
    out += ["", "The numbers that change the triage of the most cases:", ""]
    return out + _table(header, [row(r) for r in sens["top_triage"]])


def _fidelity_table(m: Mapping[str, Any], kb: KnowledgeBase) -> list[str]:
    """New recipe beside the previous one: agreement overall and per cause, gap, accuracy, triage."""
    new, old = m["fidelity"], m["previous_recipe"]["fidelity"]
    new_triage = m["triage_tradeoff"]["knowledge_base"]
    old_triage = m["previous_recipe"]["triage"]
    met = meets_targets(new)

    def target(name):
        return f"{'<=' if name == 'probability_gap' else '>='} {TARGETS[name]:g} ({'met' if met[name] else 'NOT met'})"

    rows = [
        ["clear cases: the tree names the exact top cause first", _f(new["agreement"]), _f(old["agreement"]),
         target("agreement")],
        [f"... for the worst cause (new: `{new['worst_cause']}`, previous: `{old['worst_cause']}`)",
         _f(new["worst_cause_agreement"]), _f(old["worst_cause_agreement"]), target("worst_cause_agreement")],
    ]
    rare = new.get("measured_on_own_draws") or {}
    for c in kb.cause_ids:
        n = new["confident_cases_by_cause"].get(c, 0)
        where = (f"{n:,} natural; measured on {rare[c]['clear_cases']:,} clear of {rare[c]['drawn']:,} drawn from it, "
                 "weighted back" if c in rare else f"{n:,}")
        rows.append([f"... clear `{c}` cases ({where})", _f(new["agreement_by_cause"].get(c)),
                     _f(old["agreement_by_cause"].get(c)), ""])
    rows += [
        ["mean \\|p_tree - p_exact\\| for the exact top cause, clear cases", _f(new["probability_gap"]),
         _f(old["probability_gap"]), target("probability_gap")],
        ["accuracy / exact-posterior accuracy (drawn causes)", _f(new["accuracy_ratio"]), _f(old["accuracy_ratio"]),
         target("accuracy_ratio")],
        [f"exact posterior puts >= {DOCTOR_LIKELY} on the doctor causes: triage says see a doctor",
         _f(new_triage["doctor_likely_sent"]), _f(old_triage["doctor_likely_sent"]), ">= 0.98"],
        [f"under {CLEARLY_BENIGN} on them and no red flag: triage says self-care",
         _f(new_triage["clearly_benign_reassured"]), _f(old_triage["clearly_benign_reassured"]), ">= 0.95"],
        ["all cases sent to a doctor", _f(new_triage["sent_to_doctor"]), _f(old_triage["sent_to_doctor"]), ""],
    ]
    return _table(["measure", "this model", "previous recipe", "target"], rows)


def _triage_table(t: Mapping[str, Any], kb: KnowledgeBase) -> list[str]:
    """The trade-off of the threshold on the doctor causes together, the knowledge base's row marked."""
    out = [
        f"At least `see_doctor` when the doctor causes ({', '.join(kb.see_doctor_causes)}) are first or together at",
        "least the threshold, and whenever a rule on an answer fires (a red flag, or a medicine that can cause",
        "twitching; some give `urgent` or `emergency`, below).",
        f"Each row applies these rules with another threshold to the same fresh cases: {t['doctor_likely_cases']:,}",
        f"of them have an exact posterior of at least {DOCTOR_LIKELY} on the doctor causes, {t['clearly_benign_cases']:,}",
        f"under {CLEARLY_BENIGN} and no red flag. The knowledge base holds {kb.doctor_threshold:g}; the highest",
        f"threshold meeting both targets on this model is {t['recommended']:g}.",
        "",
    ]
    marked = {kb.doctor_threshold: " (knowledge base)", t["recommended"]: " (highest meeting both)"}
    if t["recommended"] == kb.doctor_threshold:
        marked[kb.doctor_threshold] = " (knowledge base: the highest meeting both)"
    rows = [[f"{r['threshold']:g}" + marked.get(r["threshold"], ""), _f(r["doctor_likely_sent"]),
             _f(r["clearly_benign_reassured"]), _f(r["sent_to_doctor"])]
            + [_f(r["levels"][level]) for level in LEVELS] for r in t["rows"]]
    out += _table(["threshold", f"doctor causes >= {DOCTOR_LIKELY}: sent to a doctor (target >= "
                   f"{t['targets']['doctor_likely_sent']:g})",
                   f"clearly benign: reassured (target >= {t['targets']['clearly_benign_reassured']:g})",
                   "all cases sent"] + [f"`{level}`" for level in LEVELS], rows)
    return out + ["", *_level_lines(t["knowledge_base"]["levels"], kb)]


def _level_lines(levels: Mapping[str, float], kb: KnowledgeBase) -> list[str]:
    """The share of the fresh cases at each urgency level, with the knowledge base's threshold, and its rules."""
    out = ["### Urgency levels", "",
           "The share of the same fresh cases at each level with the knowledge base's threshold (a case gets the",
           "highest level any rule gives), and the rules that raise a case to each level, with how soon to act and",
           "the guidance each follows (the knowledge base's `triage` section has their words and addresses).", ""]
    rules = {level: [] for level in LEVELS}
    for r in kb.red_flags + kb.medicine_flags:
        rules[r.level].append(f"`{r.finding}` {_test_words(r)} ({r.how_soon}; {r.source.name})")
    d = kb.doctor_rule
    rules[d.level].append(f"the doctor causes first or together >= {kb.doctor_threshold:g} ({d.how_soon})")
    rows = [[f"`{level}`", _f(levels[level]), "; ".join(rules[level]) or "no rule fired"] for level in LEVELS]
    out += _table(["level", "share of cases", "rules that give it"], rows)
    for e in kb.triage_exceptions.values():
        names = ", ".join(f"`{r.finding}`" for r in kb.red_flags if r.unless == e.id)
        conditions = " and ".join(f"`{c.finding}` {_test_words(c)}" for c in e.conditions)
        out += ["", f"Not counted on their own: {names} when {conditions} ({e.text})."]
    return out


def _test_words(c: Any) -> str:
    return {"yes": "yes", "more_than": f"> {c.value}", "at_most": f"<= {c.value}", "equals": f"= {c.value}"}[c.rule]


__all__ = ["report_markdown"]
