"""Does the tree carry what the knowledge base knows? The previous and the current recipe, side by side.

Both recipes are fitted in this run on the same generated training cases (seed 0, 300,000
cases, as ``make model``), and scored on fresh cases from a seed never used for training,
against the exact posterior:

* **previous** (version 0.1.0): hard arg-max labels, depth 14, 700 leaves, min_samples_leaf 20
  (the size its cross-validation chose), triage on the top cause and symptom red flags;
* **current**: soft labels, proposal cases, confidence weight and risk target, at the size the
  shipped model's cross-validation chose (read from ``models/bicep_twitch_tree.json``, so this
  benchmark does not repeat the cross-validation), triage with the knowledge base's rules.

Printed: agreement with the exact top cause on clear cases (exact posterior >= 0.6), overall and
per cause (a cause with fewer than 300 clear cases among the test cases is measured on cases drawn
from it alone, weighted back to natural cases, and says so); accuracy as a fraction of the exact posterior's; the mean probability gap on clear
cases; triage where the exact posterior puts >= 0.5 on the doctor causes, and where it puts
< 0.05 there with no red flag; leaves, depth, fit seconds and the fit-time ratio.

Then the design choice behind the soft labels: growing the tree as a multi-output regression on
the posterior vectors, against the native classifier route (each case repeated once per cause
with the posterior as its weight), on a subsample: fit-time ratio and whether the two trees
split the cases alike.

Run: ``python benchmarks/bench_fidelity.py [--train 300000] [--test 100000] [--seed 0]``.
The machine is shared and noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from bicep_twitch.core.knowledge import load_knowledge
from bicep_twitch.data.generate import TEST_STREAM, TRAIN_STREAM, draw_cases
from bicep_twitch.data.tables import compile_tables
from bicep_twitch.model.evaluate import triage_tradeoff
from bicep_twitch.model.fit import confidence_weights, encoded_from_arrays, fit_tree, grow_tree
from bicep_twitch.model.train import OFF, fidelity_with_rare_causes, fit_previous_recipe, training_rows

REPO = Path(__file__).resolve().parents[1]
TEST_SEED = 987_654  # never used for training


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=300_000)
    parser.add_argument("--test", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--native-sample", type=int, default=50_000)
    args = parser.parse_args(argv)

    kb = load_knowledge()
    tables = compile_tables(kb)
    size = json.loads((REPO / "models" / "bicep_twitch_tree.json").read_text())["hyperparameters"]
    train = encoded_from_arrays(*draw_cases(args.train, seed=args.seed, stream=TRAIN_STREAM, tables=tables), tables)
    test = encoded_from_arrays(*draw_cases(args.test, seed=TEST_SEED, stream=TEST_STREAM, tables=tables), tables)

    start = time.perf_counter()
    old_tree, old_values = fit_previous_recipe(train, seed=args.seed)
    old_seconds = time.perf_counter() - start
    start = time.perf_counter()
    rows = training_rows(train, tables, seed=args.seed)
    new_tree = fit_tree(rows, max_depth=size["max_depth"], max_leaf_nodes=size["max_leaf_nodes"], seed=args.seed)
    new_seconds = time.perf_counter() - start

    results, clear_draws = {}, {}  # the rare causes' clear draws, drawn once for both recipes
    for name, predict, rules_kb, threshold, tree in (
        ("previous", lambda X: old_values[old_tree.apply(X)], dataclasses.replace(kb, medicine_flags=()), OFF, old_tree),
        ("current", new_tree.predict_proba, kb, kb.doctor_threshold, new_tree),
    ):
        proba = predict(test.X)
        # A cause with too few clear cases among these natural ones is measured on its own draws, weighted back.
        scores = fidelity_with_rare_causes(predict, proba, test, tables, seed=args.seed, clear_draws=clear_draws)
        tri = triage_tradeoff(proba, test.posterior, test.X, classes=test.classes, kb=rules_kb, thresholds=(threshold,))
        results[name] = {**scores, "triage": next(r for r in tri["rows"] if r["threshold"] == threshold),
                         "leaves": int(tree.get_n_leaves()), "depth": int(tree.get_depth())}
    old, new = results["previous"], results["current"]

    print(f"{args.train:,} training cases (seed {args.seed}), {args.test:,} fresh test cases (seed {TEST_SEED}); "
          f"{new['confident_cases']:,} clear cases (exact posterior >= 0.6 on one cause)")
    print(f"current size from models/bicep_twitch_tree.json: depth {size['max_depth']}, "
          f"{size['max_leaf_nodes']} leaves\n")
    line = "{:<58} {:>10} {:>10}"
    print(line.format("", "previous", "current"))
    print(line.format("clear cases: tree names the exact top cause first", f"{old['agreement']:.3f}",
                      f"{new['agreement']:.3f}"))
    for cause in kb.cause_ids:
        n = new["confident_cases_by_cause"][cause]
        own = new["measured_on_own_draws"].get(cause)
        where = f"{n:,}" if own is None else f"{n:,}; own draws: {own['clear_cases']:,} of {own['drawn']:,}"
        print(line.format(f"  {cause} ({where})", _f(old["agreement_by_cause"][cause]),
                          _f(new["agreement_by_cause"][cause])))
    print(line.format("  lowest cause", f"{old['worst_cause_agreement']:.3f}", f"{new['worst_cause_agreement']:.3f}"))
    print(line.format("accuracy / exact-posterior accuracy", f"{old['accuracy_ratio']:.3f}",
                      f"{new['accuracy_ratio']:.3f}"))
    print(line.format("mean |p_tree - p_exact|, exact top cause, clear cases", f"{old['probability_gap']:.3f}",
                      f"{new['probability_gap']:.3f}"))
    print(line.format("exact >= 0.5 on doctor causes: see_doctor", f"{old['triage']['doctor_likely_sent']:.3f}",
                      f"{new['triage']['doctor_likely_sent']:.3f}"))
    print(line.format("exact < 0.05 there, no red flag: self_care", f"{old['triage']['clearly_benign_reassured']:.3f}",
                      f"{new['triage']['clearly_benign_reassured']:.3f}"))
    print(line.format("all cases sent to a doctor", f"{old['triage']['sent_to_doctor']:.3f}",
                      f"{new['triage']['sent_to_doctor']:.3f}"))
    print(line.format("leaves / depth", f"{old['leaves']} / {old['depth']}", f"{new['leaves']} / {new['depth']}"))
    print(line.format("fit seconds (current includes drawing proposal cases)", f"{old_seconds:.1f}",
                      f"{new_seconds:.1f}"))
    print(f"fit-time ratio current / previous: {new_seconds / old_seconds:.1f}\n")

    native_comparison(rows, args.native_sample, seed=args.seed)
    return 0


def native_comparison(rows, n: int, *, seed: int) -> None:
    """Soft labels as a regression on posterior vectors vs the classifier on repeated rows."""
    pick = np.random.default_rng(seed).choice(len(rows.X), size=min(n, len(rows.X)), replace=False)
    part = rows.take(np.sort(pick))
    part = dataclasses.replace(part, doctor=())  # the plain soft-label problem: both routes can fit it
    leaves = 300
    start = time.perf_counter()
    regression = grow_tree(part, max_depth=22, max_leaf_nodes=leaves, seed=seed, min_samples_leaf=1)
    reg_seconds = time.perf_counter() - start
    n_classes = part.posterior.shape[1]
    X = np.repeat(part.X, n_classes, axis=0)
    y = np.tile(np.arange(n_classes), len(part.X))
    weight = (part.posterior * confidence_weights(part.posterior)[:, None]).ravel()
    start = time.perf_counter()
    native = DecisionTreeClassifier(max_depth=22, max_leaf_nodes=leaves, random_state=seed).fit(X, y, sample_weight=weight)
    native_seconds = time.perf_counter() - start
    a, b = regression.apply(part.X), native.apply(part.X)
    # The same partition of the cases, whatever the node numbers: every regression leaf maps to one native leaf.
    pairs = len(set(zip(a.tolist(), b.tolist())))
    same_root = regression.tree_.feature[0] == native.tree_.feature[0]
    print(f"soft labels on {len(part.X):,} cases, {leaves} leaves: regression {reg_seconds:.2f} s, "
          f"repeated rows {native_seconds:.2f} s, ratio {native_seconds / reg_seconds:.1f}")
    print(f"  same root split: {same_root}; leaf pairs {pairs} for {leaves} leaves "
          f"({'identical partition' if pairs == leaves else 'partitions differ where splits tie'})")


def _f(x):
    return "n/a" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
