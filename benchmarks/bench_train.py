"""Training time for 100k and 1M cases, and what the extra cases buy.

For each size, cases are generated into a temporary folder (not timed; the test split is fixed
at 100k cases so the accuracies compare), then measured:

* **baseline**: one plain scikit-learn fit, the floor of any training: a
  ``DecisionTreeClassifier(max_depth=14, max_leaf_nodes=800)`` (the recipe of 0.1.0's size) on the drawn causes of the
  already encoded training matrix;
* **train_model**: the whole ``bicep-twitch train`` step without pictures: read and check the
  CSVs, exact posteriors, cross-validation, the final fit, evaluation and export.

Printed: seconds, the ratio train_model / baseline, the chosen size, and the tree's accuracy as
a fraction of the Bayes-optimal one (all cases, at most 6 answers, fully answered).

Run: ``python benchmarks/bench_train.py [--sizes 100000 1000000] [--seed 0]``.
The machine is shared and noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sklearn.tree import DecisionTreeClassifier

from bicep_twitch.data.generate import generate_encoded, write_dataset
from bicep_twitch.model.train import PREVIOUS_RECIPE
from bicep_twitch.model.train import train_model

TEST_CASES = 100_000


def measure(n: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "model"
        write_dataset(data, n=n, n_test=TEST_CASES, seed=seed)
        X, y = generate_encoded(n, seed=seed)  # the same cases as train.csv, already encoded
        start = time.perf_counter()
        DecisionTreeClassifier(max_depth=PREVIOUS_RECIPE["max_depth"], max_leaf_nodes=800, random_state=seed).fit(X, y)
        baseline = time.perf_counter() - start
        del X, y
        start = time.perf_counter()
        record = train_model(data, out, seed=seed)
        seconds = time.perf_counter() - start
    m = record["metrics"]
    return {
        "n": n,
        "baseline": baseline,
        "train": seconds,
        "size": record["hyperparameters"],
        "leaves": record["tree"]["leaves"],
        "ratio": m["ratio"],
        "few": m["by_answered_findings"]["<=6"]["ratio"],
        "full": m["fully_answered"]["ratio"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = [measure(n, args.seed) for n in args.sizes]
    print(f"{'cases':>10} {'baseline s':>10} {'train s':>8} {'ratio':>6} {'leaves':>6} "
          f"{'acc/Bayes':>9} {'<=6 ans':>8} {'full':>6}")
    for r in rows:
        print(f"{r['n']:>10,} {r['baseline']:>10.2f} {r['train']:>8.2f} {r['train'] / r['baseline']:>6.1f} "
              f"{r['leaves']:>6} {r['ratio']:>9.3f} {r['few']:>8.3f} {r['full']:>6.3f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"{last['n'] / first['n']:.0f}x the cases: train_model takes {last['train'] / first['train']:.1f}x "
              f"the time (one plain fit {last['baseline'] / first['baseline']:.1f}x)")
    print("train s / baseline s: the whole step against one plain fit on the same cases; "
          f"test split {TEST_CASES:,} cases; chosen sizes: " + "; ".join(
              f"{r['n']:,}: {r['size']}" for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
