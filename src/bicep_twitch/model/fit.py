"""Fitting the tree: distilled labels and honest probabilities.

* **Distillation.** Each training case is labelled with its Bayes-optimal cause (the arg-max of
  ``bayes_posterior``) instead of the cause drawn for it. With most findings unknown the drawn
  cause is mostly noise, and a tree fitted on it spends its leaves on that noise.
* **Honest probabilities.** Each node's class distribution is then set to the mean exact
  posterior of the training cases that reach it: an estimate of P(cause | this node) free of
  label noise, instead of the share of distilled labels (which is overconfident). It is written
  into the scikit-learn tree itself, so the joblib estimator and the plain-data tree agree; the
  predicted cause is its arg-max, the Bayes decision given the leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from ..data.frame import encode_frame_strict
from ..data.posterior import posterior_matrix
from ..data.tables import Tables


@dataclass(frozen=True)
class Encoded:
    """A set of cases, encoded: findings, true causes and exact posteriors.

    ``y`` indexes ``classes`` (cause ids in alphabetical order, scikit-learn's ``classes_``
    order) and ``posterior``'s columns follow the same order.
    """

    X: np.ndarray
    y: np.ndarray
    posterior: np.ndarray
    classes: tuple[str, ...]


def encode_split(frame: pd.DataFrame, tables: Tables, *, what: str) -> Encoded:
    """Encode a loaded dataset split and compute its exact posterior, in ``classes`` order."""
    X = encode_frame_strict(frame.drop(columns=["cause"]), tables.kb, what=what)
    y = pd.Categorical(frame["cause"].astype(str), categories=list(tables.cause_ids)).codes.astype(np.int64)
    return encoded_from_arrays(X, y, tables)


def encoded_from_arrays(X: np.ndarray, y_kb: np.ndarray, tables: Tables) -> Encoded:
    """Encoded cases straight from the generator (cause indices in ``tables`` order)."""
    classes = tuple(sorted(tables.cause_ids))
    order = [tables.cause_ids.index(c) for c in classes]
    to_class = np.argsort(order)  # tables index -> classes index
    return Encoded(X=X, y=to_class[y_kb], posterior=posterior_matrix(X, tables)[:, order], classes=classes)


def concat(a: Encoded, b: Encoded | None) -> Encoded:
    """``a`` followed by ``b`` (``a`` alone when ``b`` is None)."""
    if b is None:
        return a
    return Encoded(X=np.vstack([a.X, b.X]), y=np.concatenate([a.y, b.y]),
                   posterior=np.vstack([a.posterior, b.posterior]), classes=a.classes)


def fit_tree(
    X: np.ndarray,
    posterior: np.ndarray,
    classes: Sequence[str],
    *,
    max_depth: int,
    max_leaf_nodes: int,
    min_samples_leaf: int,
    seed: int,
    value_rows: int | None = None,
) -> DecisionTreeClassifier:
    """Fit a tree on the Bayes-optimal labels and give its nodes honest probabilities.

    The node values are the mean posteriors of the first ``value_rows`` cases (default all):
    the cases drawn as people answer, so that the probabilities are calibrated for them, while
    the fully answered cases appended after them only help choose the splits.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [np.nan], [1.0]])
    >>> post = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.4, 0.6]])
    >>> tree = fit_tree(X, post, ["a", "b"], max_depth=2, max_leaf_nodes=4, min_samples_leaf=1, seed=0)
    >>> tree.predict_proba(np.array([[1.0]])).round(2).tolist()
    [[0.3, 0.7]]
    """
    classes = np.asarray(classes)
    labels = classes[posterior.argmax(axis=1)]
    weight = np.ones(len(X))
    absent = np.setdiff1d(classes, labels)
    if len(absent):
        # A cause that is never the most likely one in these cases still needs its column in
        # the tree's probabilities: one weightless all-unknown case per absent cause adds the
        # class without moving a split (weight 0 adds nothing to any impurity).
        X = np.vstack([X, np.full((len(absent), X.shape[1]), np.nan)])
        labels = np.concatenate([labels, absent])
        weight = np.concatenate([weight, np.zeros(len(absent))])
    tree = DecisionTreeClassifier(
        max_depth=max_depth, max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf, random_state=seed
    )
    tree.fit(X, labels, sample_weight=weight)
    rows = len(posterior) if value_rows is None else value_rows
    set_node_posteriors(tree, X[:rows], posterior[:rows])
    return tree


def node_posteriors(tree: DecisionTreeClassifier, X: np.ndarray, posterior: np.ndarray) -> np.ndarray:
    """Mean posterior of the cases reaching each node, shape (nodes, classes).

    A node none of these cases reaches takes its parent's.
    """
    paths = tree.decision_path(X)
    counts = np.bincount(paths.indices, minlength=paths.shape[1])
    means = np.asarray(paths.T @ posterior) / np.maximum(counts, 1)[:, None]
    t = tree.tree_
    for node in np.flatnonzero(counts == 0):  # parents precede children, so a parent is final first
        means[node] = means[np.flatnonzero((t.children_left == node) | (t.children_right == node))[0]]
    return means


def set_node_posteriors(tree: DecisionTreeClassifier, X: np.ndarray, posterior: np.ndarray) -> None:
    """Write :func:`node_posteriors` into ``tree.tree_.value`` (what ``predict_proba`` returns)."""
    tree.tree_.value[:, 0, :] = node_posteriors(tree, X, posterior)


def path_lengths(tree: DecisionTreeClassifier, X: np.ndarray) -> np.ndarray:
    """Decisions on each case's path (nodes visited minus the leaf)."""
    return np.diff(tree.decision_path(X).indptr) - 1


__all__ = ["Encoded", "encode_split", "encoded_from_arrays", "concat", "fit_tree", "node_posteriors",
           "set_node_posteriors", "path_lengths"]
