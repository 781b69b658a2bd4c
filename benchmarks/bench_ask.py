"""How many questions ``bicep-twitch ask`` asks, and how right it is, against a full 24-question form.

Generated cases (the test stream) are walked through the questionnaire logic
(:func:`bicep_twitch.predict.ask.walk_tree`), each person answering from their own case, in two settings:

* **fully answered**: the person knows every finding (follow-ups only after a workout, as the
  generator has it). A full form asks all 24 questions; the walk asks only those on the path.
* **realistic**: the generator's own answer mix (most people know 2 to 6 findings); the person
  answers "?" to a question about anything else, and that still counts as a question asked.

For each: questions asked (mean, median, 90th percentile, max), the top-1 accuracy of the walk's
answer against the true cause, and two baselines from the same cases: the same tree given the whole
case at once (must be identical: the walk follows the predictor's rule) and the Bayes-optimal
accuracy from the knowledge base's exact posterior (the best any classifier could do). Also the
cost of a walk against a plain ``TreeData.decision_path`` on the same rows.

Run: ``python benchmarks/bench_ask.py [--n 10000] [--model models] [--seed 0]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from bicep_twitch.predict.ask import walk_tree
from bicep_twitch.data.generate import TEST_STREAM, fully_answered_tables, iter_blocks
from bicep_twitch.core.knowledge import load_knowledge
from bicep_twitch.data.posterior import posterior_matrix
from bicep_twitch.data.tables import compile_tables
from bicep_twitch.core.tree import read_tree

REPO = Path(__file__).resolve().parents[1]


def draw(n: int, seed: int, tables) -> tuple[np.ndarray, np.ndarray]:
    blocks = list(iter_blocks(n, seed=seed, stream=TEST_STREAM, tables=tables))
    return np.vstack([X for X, _ in blocks]), np.concatenate([y for _, y in blocks])


def measure(name: str, X: np.ndarray, y: np.ndarray, tree, kb, tables) -> None:
    at = {fid: j for j, fid in enumerate(tree.features)}
    rows = X.tolist()
    leaf_cause = [max(range(len(v)), key=v.__getitem__) for v in tree.value]
    tree_to_kb = np.array([kb.cause_ids.index(c) for c in tree.classes])

    start = time.perf_counter()
    walks = [walk_tree(tree, kb, lambda f, row=row: row[at[f.id]]) for row in rows]
    t_walk = time.perf_counter() - start
    start = time.perf_counter()
    leaves = [tree.decision_path(row)[-1] for row in rows]
    t_path = time.perf_counter() - start

    if any(w.leaf != leaf for w, leaf in zip(walks, leaves)):
        sys.exit(f"{name}: a walk ended at another leaf than the tree's own path (bug)")
    asked = np.array([len(w.answers) for w in walks])
    dont_know = np.array([sum(a.code != a.code for a in w.answers) for w in walks])
    skipped = np.array([len(w.skipped) for w in walks])
    known = (~np.isnan(X)).sum(axis=1)
    pred = tree_to_kb[[leaf_cause[w.leaf] for w in walks]]
    acc_walk = float(np.mean(pred == y))
    acc_bayes = float(np.mean(posterior_matrix(X, tables).argmax(axis=1) == y))

    print(f"\n{name}: {len(y):,} generated cases, {len(kb.findings)} findings on a full form")
    print(f"  findings known per case     mean {known.mean():.2f}")
    print(
        f"  questions asked             mean {asked.mean():.2f}  median {np.median(asked):.0f}  "
        f"p90 {np.percentile(asked, 90):.0f}  max {asked.max()}  "
        f"(= {asked.mean() / len(kb.findings):.0%} of the full form)"
    )
    print(f"  of which answered '?'       mean {dont_know.mean():.2f}")
    print(f"  follow-ups skipped          mean {skipped.mean():.3f}")
    print(f"  accuracy of the walk        {acc_walk:.3f}  (the same tree given the whole case: identical leaf on every case)")
    print(f"  Bayes-optimal accuracy      {acc_bayes:.3f}  (exact posterior from the same known findings)")
    print(
        f"  time per walk               {t_walk / len(rows) * 1e6:.1f} us, "
        f"{t_walk / t_path:.1f}x a plain decision_path ({t_path / len(rows) * 1e6:.1f} us)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=str(REPO / "models"), help="model folder")
    args = parser.parse_args(argv)

    kb = load_knowledge()
    tree = read_tree(Path(args.model) / "bicep_twitch_tree.tree.json")
    tables = compile_tables(kb)
    print(f"tree: depth {tree.depth()}, {len(tree.leaves()):,} leaves ({args.model})")
    X, y = draw(args.n, args.seed, fully_answered_tables(tables))
    measure("fully answered", X, y, tree, kb, tables)
    X, y = draw(args.n, args.seed, tables)
    measure("realistic answers (generator's answer mix, '?' for the rest)", X, y, tree, kb, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
