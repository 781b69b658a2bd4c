"""Choosing the tree's size by cross-validation, replaying best-first growth.

k-fold over max_leaf_nodes x min_samples_leaf at the depth cap, scored on the true causes of
the held-out fold. Growth is best-first (``max_leaf_nodes``), so the tree with L leaves is the
first L - 1 splits of a larger tree: one fit per fold and min_samples_leaf scores every leaf
count by replaying the larger tree's splits in the order they were made. (A shallower depth is
not in the grid: replaying it is exact only while the larger growth was not cut short by its
own leaf limit, and exact refits scored depth 12 below depth 14 at every leaf count from 300
up.) The chosen size is the smallest within ``ACCURACY_TOLERANCE`` of the best: people read
the tree, and past that point leaves buy little accuracy.
"""

from __future__ import annotations

import heapq
from typing import Any, Sequence

import numpy as np
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier

from .fit import Encoded, fit_tree

MAX_DEPTH = 14  # a prediction's path is at most this many decisions: it must stay explainable

# The cross-validation grid, at depth MAX_DEPTH. Leaf counts cost nothing extra (replayed from
# one fit); each min_samples_leaf value costs one fit per fold.
CV_FOLDS = 3
LEAF_GRID = (50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1500, 2000, 3000, 4000)
MIN_SAMPLES_LEAF_GRID = (1, 20)
# Give up at most this share of the best cross-validated accuracy for a smaller tree.
ACCURACY_TOLERANCE = 0.01
NO_SPLIT = np.iinfo(np.int64).max


def expansion_order(tree: DecisionTreeClassifier) -> np.ndarray:
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


def node_depths(tree: DecisionTreeClassifier) -> np.ndarray:
    t = tree.tree_
    depth = np.zeros(t.node_count, dtype=np.int64)
    for node in range(t.node_count):  # parents precede children
        for child in (t.children_left[node], t.children_right[node]):
            if child != -1:
                depth[child] = depth[node] + 1
    return depth


def padded_paths(tree: DecisionTreeClassifier, X: np.ndarray) -> np.ndarray:
    """Node ids on each case's path, root first, padded with the leaf: shape (n, depth + 1)."""
    paths = tree.decision_path(X).tocsr()
    lengths = np.diff(paths.indptr)
    out = np.empty((len(X), tree.get_depth() + 1), dtype=np.int64)
    for d in range(out.shape[1]):
        out[:, d] = paths.indices[paths.indptr[:-1] + np.minimum(d, lengths - 1)]
    return out


def split_ranks(rank: np.ndarray, depth: np.ndarray, max_depth: int) -> np.ndarray:
    """Rank of each node's split when growth stops at ``max_depth`` (no split: the largest int).

    Removing the nodes at ``max_depth`` from the queue leaves the order of the rest unchanged.
    """
    splittable = (rank != NO_SPLIT) & (depth < max_depth)
    out = np.full(len(rank), NO_SPLIT, dtype=np.int64)
    nodes = np.flatnonzero(splittable)
    out[nodes[np.argsort(rank[nodes], kind="stable")]] = np.arange(len(nodes))
    return out


def truncated_leaves(path_ranks: np.ndarray, paths: np.ndarray, max_leaf_nodes: int) -> np.ndarray:
    """Leaf of each case in the tree limited to ``max_leaf_nodes``.

    ``path_ranks`` is :func:`split_ranks` at each node of :func:`padded_paths`. Along a path the
    kept splits are a prefix (a node splits only after its parent), so counting them finds the leaf.
    """
    steps = (path_ranks < max_leaf_nodes - 1).sum(axis=1)
    return paths[np.arange(len(paths)), steps]


def cross_validate(data: Encoded, *, seed: int, folds: int = CV_FOLDS, extra: Encoded | None = None) -> dict[str, Any]:
    """Score every (min_samples_leaf, max_depth, max_leaf_nodes) of the grid by k-fold CV.

    The score is accuracy on the true causes of the held-out fold; each fold's tree gets honest
    probabilities from its own training part, as the final tree does. ``extra`` cases (the
    fully answered ones) join every fitting part and are never scored.
    """
    d = MAX_DEPTH  # the depth cap; every score row records it
    grid = [(m, d, L) for m in MIN_SAMPLES_LEAF_GRID for L in LEAF_GRID]
    correct = dict.fromkeys(grid, 0)
    leaves = dict.fromkeys(grid, 0)
    codes = np.arange(len(data.classes))  # integer labels: the fold trees are never exported
    for fit_rows, held_out in KFold(n_splits=folds, shuffle=True, random_state=seed).split(data.X):
        X_fit, post_fit = data.X[fit_rows], data.posterior[fit_rows]
        if extra is not None:
            X_fit, post_fit = np.vstack([X_fit, extra.X]), np.vstack([post_fit, extra.posterior])
        for msl in MIN_SAMPLES_LEAF_GRID:
            tree = fit_tree(X_fit, post_fit, codes, max_depth=d, max_leaf_nodes=max(LEAF_GRID),
                            min_samples_leaf=msl, seed=seed, value_rows=len(fit_rows))
            predicted = tree.tree_.value[:, 0, :].argmax(axis=1)
            rank, depth = expansion_order(tree), node_depths(tree)
            paths = padded_paths(tree, data.X[held_out])
            ranks = split_ranks(rank, depth, d)
            path_ranks, n_splits = ranks[paths], int((ranks != NO_SPLIT).sum())
            for L in LEAF_GRID:
                leaf = truncated_leaves(path_ranks, paths, L)
                correct[msl, d, L] += int((predicted[leaf] == data.y[held_out]).sum())
                leaves[msl, d, L] += min(L - 1, n_splits) + 1
    n = len(data.X)
    scores = [
        {"min_samples_leaf": m, "max_depth": d, "max_leaf_nodes": L, "accuracy": correct[m, d, L] / n,
         "leaves": leaves[m, d, L] / folds}
        for (m, d, L) in grid
    ]
    best = max(scores, key=lambda r: r["accuracy"])
    return {
        "folds": folds,
        "cases": n,
        "scores": scores,
        "best": best,
        "chosen": choose_size(scores),
        "standard_error": float(np.sqrt(best["accuracy"] * (1 - best["accuracy"]) / n)),
        "rule": (f"the fewest leaves (then the shallowest, then the largest min_samples_leaf) whose CV accuracy "
                 f"is at least {1 - ACCURACY_TOLERANCE:.0%} of the best"),
    }


def choose_size(scores: Sequence[dict], tolerance: float = ACCURACY_TOLERANCE) -> dict:
    """The simplest grid point whose accuracy is within ``tolerance`` (relative) of the best.

    Simplest: fewest leaves, then smallest depth, then largest ``min_samples_leaf``, then the
    smallest ``max_leaf_nodes`` (several limits can give the same tree).

    Examples
    --------
    >>> rows = [
    ...     {"min_samples_leaf": 1, "max_depth": 14, "max_leaf_nodes": 100, "accuracy": 0.30, "leaves": 100},
    ...     {"min_samples_leaf": 1, "max_depth": 14, "max_leaf_nodes": 500, "accuracy": 0.397, "leaves": 500},
    ...     {"min_samples_leaf": 1, "max_depth": 14, "max_leaf_nodes": 900, "accuracy": 0.40, "leaves": 900},
    ... ]
    >>> choose_size(rows)["max_leaf_nodes"]
    500
    """
    best = max(r["accuracy"] for r in scores)
    eligible = [r for r in scores if r["accuracy"] >= (1 - tolerance) * best]
    return min(eligible, key=lambda r: (r["leaves"], r["max_depth"], -r["min_samples_leaf"], r["max_leaf_nodes"]))


__all__ = ["cross_validate", "choose_size", "expansion_order", "node_depths", "padded_paths", "split_ranks",
           "truncated_leaves", "MAX_DEPTH", "NO_SPLIT"]
