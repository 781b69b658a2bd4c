"""Choosing the tree's size by what users need, with k-fold cross-validation.

Every (depth, leaf count) of the grid is scored on held-out cases by the fidelity scores of
:mod:`.evaluate`: agreement with the exact posterior on confident cases, overall and for the
worst cause, the probability gap, and accuracy. The smallest tree meeting every target wins
(fewest leaves: people read the tree, and the file stays small); the targets are the project's
acceptance targets, each tightened by a margin because a held-out estimate is itself noisy.

Growth is best-first (``max_leaf_nodes``), so the tree with L leaves is the first L - 1 splits
of a larger tree: one fit per fold and depth scores every leaf count by replaying the larger
tree's splits in the order they were made. Folds run in threads: scikit-learn grows a tree
without holding the GIL.
"""

from __future__ import annotations

import heapq
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.model_selection import KFold

from .evaluate import TARGETS, fidelity_scores, meets_targets
from .fit import TrainingRows, grow_tree, node_means

# Two folds, not three: each fold's tree is grown on half the cases instead of two thirds, and both
# grow at once on two cores. Measured (seed 0, 900,000 pooled cases, KB v3): the step took 24 s of CPU
# instead of 39 s, and chose the same size (1,500 leaves), so the same tree.
CV_FOLDS = 2
# Depth binds for the rare causes: their confident cases answer only 5 to 10 findings, and their
# paths spend most decisions on unanswered ones. Measured with this cross-validation (seed 0,
# 300k cases): depth 20 misses the worst-cause target; depth 24 scored at least as well as 22 on
# every score at every leaf count (worst cause 0.937 against 0.932 at 2000 leaves). Each depth
# costs a fit per fold and ``make demo`` must stay under two minutes, so the grid keeps the
# depth that won; pass ``depths=`` to compare others. Leaf counts cost nothing extra: they are
# replayed from one fit.
DEPTH_GRID = (24,)
LEAF_GRID = (500, 1000, 1500, 2000, 3000)
# The acceptance targets, tightened for the noise of cross-validated estimates.
SELECTION_MARGIN = {"agreement": 0.005, "worst_cause_agreement": 0.01, "accuracy_ratio": 0.005,
                    "probability_gap": -0.005}
SELECTION_TARGETS = {name: target + SELECTION_MARGIN[name] for name, target in TARGETS.items()}
THREADS = 2
NO_SPLIT = np.iinfo(np.int64).max


def expansion_order(tree) -> np.ndarray:
    """Rank in which best-first growth split each internal node (leaves get the largest int).

    scikit-learn grows a ``max_leaf_nodes`` tree by always splitting the frontier node with the
    largest weighted impurity decrease, so replaying that priority queue over the fitted tree
    gives the order; the tree limited to ``L`` leaves is the nodes split at ranks below L - 1.
    """
    t = tree.tree_
    left, right = t.children_left, t.children_right
    w, imp = t.weighted_n_node_samples, t.impurity
    total = w[0]

    def decrease(i: int) -> float:
        li, ri = left[i], right[i]
        return w[i] / total * (imp[i] - w[li] / w[i] * imp[li] - w[ri] / w[i] * imp[ri])

    rank = np.full(t.node_count, NO_SPLIT, dtype=np.int64)
    frontier = [(-decrease(0), 0)] if left[0] != -1 else []
    k = 0
    while frontier:
        _, node = heapq.heappop(frontier)
        rank[node] = k
        k += 1
        for child in (left[node], right[node]):
            if left[child] != -1:
                heapq.heappush(frontier, (-decrease(child), int(child)))
    return rank


def padded_paths(tree, X: np.ndarray) -> np.ndarray:
    """Node ids on each case's path, root first, padded with the leaf: shape (n, depth + 1)."""
    paths = tree.decision_path(X).tocsr()
    lengths = np.diff(paths.indptr)
    out = np.empty((len(X), tree.get_depth() + 1), dtype=np.int64)
    for d in range(out.shape[1]):
        out[:, d] = paths.indices[paths.indptr[:-1] + np.minimum(d, lengths - 1)]
    return out


def truncated_leaves(path_ranks: np.ndarray, paths: np.ndarray, max_leaf_nodes: int) -> np.ndarray:
    """Leaf of each case in the tree limited to ``max_leaf_nodes``.

    ``path_ranks`` is :func:`expansion_order` at each node of :func:`padded_paths`. Along a path the
    kept splits are a prefix (a node splits only after its parent), so counting them finds the leaf.
    """
    steps = (path_ranks < max_leaf_nodes - 1).sum(axis=1)
    return paths[np.arange(len(paths)), steps]


def cross_validate(rows: TrainingRows, *, seed: int, folds: int = CV_FOLDS, depths: Sequence[int] = DEPTH_GRID,
                   leaf_counts: Sequence[int] = LEAF_GRID, threads: int = THREADS) -> dict[str, Any]:
    """Score every (depth, leaf count) by k-fold cross-validation, and choose the size.

    Each fold's tree is grown on its training part, its nodes given the mean posterior of that
    part as the final tree's are, and scored on the held-out part, weighted back to natural cases.
    """
    splits = list(KFold(n_splits=folds, shuffle=True, random_state=seed).split(rows.X))
    jobs = [(depth, fold) for depth in depths for fold in range(folds)]
    largest = max(leaf_counts)

    def run(job):
        depth, fold = job
        fit_part, held = rows.take(splits[fold][0]), rows.take(splits[fold][1])
        grown = grow_tree(fit_part, max_depth=depth, max_leaf_nodes=largest, seed=seed)
        values = node_means(grown, fit_part.X, fit_part.posterior, fit_part.weight)
        paths = padded_paths(grown, held.X)
        path_ranks = expansion_order(grown)[paths]
        leaves = int(grown.get_n_leaves())
        return [(values[truncated_leaves(path_ranks, paths, L)], min(L, leaves)) for L in leaf_counts]

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        results = dict(zip(jobs, pool.map(run, jobs)))
    held_out = TrainingRows.stack([rows.take(splits[fold][1]) for fold in range(folds)])
    scores = []
    for depth in depths:
        for i, L in enumerate(leaf_counts):
            per_fold = [results[depth, fold][i] for fold in range(folds)]
            proba = np.vstack([p for p, _ in per_fold])
            scores.append({"max_depth": depth, "max_leaf_nodes": L,
                           "leaves": float(np.mean([n for _, n in per_fold])),
                           **fidelity_scores(proba, held_out.posterior, held_out.y, classes=rows.classes,
                                              weight=held_out.weight, cause_weight=held_out.cause_weight)})
    return {
        "folds": folds,
        "cases": int(len(rows.X)),
        "scores": scores,
        "targets": dict(SELECTION_TARGETS),
        "chosen": choose_size(scores),
        "rule": "the fewest leaves (then the shallowest tree) whose cross-validated scores meet every target; "
                "if none does, the one meeting the most, then the highest worst-cause agreement",
    }


def choose_size(scores: Sequence[Mapping[str, Any]],
                targets: Mapping[str, float] = SELECTION_TARGETS) -> Mapping[str, Any]:
    """The smallest tree meeting every target; if none does, the one meeting the most.

    Ties among trees meeting every target: fewest leaves, then shallowest. Among the others:
    most targets met, then the highest worst-cause agreement, then fewest leaves.

    Examples
    --------
    >>> row = {"agreement": 0.99, "accuracy_ratio": 0.96, "probability_gap": 0.05}
    >>> rows = [{**row, "max_depth": 22, "max_leaf_nodes": 500, "leaves": 500, "worst_cause_agreement": 0.85},
    ...         {**row, "max_depth": 22, "max_leaf_nodes": 1000, "leaves": 1000, "worst_cause_agreement": 0.92},
    ...         {**row, "max_depth": 24, "max_leaf_nodes": 1000, "leaves": 1000, "worst_cause_agreement": 0.95}]
    >>> choose_size(rows)["max_depth"], choose_size(rows)["max_leaf_nodes"]
    (22, 1000)
    """
    def met(row):
        return sum(meets_targets(row, targets).values())

    every = [r for r in scores if met(r) == len(targets)]
    if every:
        return min(every, key=lambda r: (r["leaves"], r["max_depth"], r["max_leaf_nodes"]))
    return max(scores, key=lambda r: (met(r), r["worst_cause_agreement"] or 0.0, -r["leaves"]))


__all__ = ["cross_validate", "choose_size", "expansion_order", "padded_paths", "truncated_leaves",
           "DEPTH_GRID", "LEAF_GRID", "SELECTION_TARGETS", "NO_SPLIT"]
