"""Fitting the tree: the exact posterior distilled into one tree that keeps what it knows.

A tree fitted on hard arg-max labels spends its leaves on the ambiguous cases of common causes,
which dominate accuracy, and forgets the rare, decisive findings (a medicine, a thinner biceps).
This recipe fits the tree to the exact posterior itself:

* **Soft labels.** The tree is grown on the posterior vectors: a multi-output squared-error
  regression on them chooses the same splits as Gini impurity on soft labels (the sum-of-squares
  term is the same on both sides of every split), about ten times faster than repeating each
  case once per cause with the posterior as its weight (measured in ``benchmarks/bench_fidelity.py``).
* **Proposal cases.** Beside the natural cases, cases drawn from the same generator with every
  cause equally likely give the rare causes enough cases to split on. Every estimate (node
  probabilities here, the cross-validated scores in :mod:`.select`) weighs each case by
  ``p(x) / m(x)``, ``m`` being the mixture the cases were drawn from, so that it is the estimate
  for natural cases.
* **Region draws.** A doctor cause whose clear cases are rare even among cases drawn from it
  (Isaacs syndrome: they answer many findings) also gets cases drawn with more findings
  answered, kept where its exact posterior is at least a floor: its clear region and the border
  around it. Their weight ``p(x) / m(x)`` is exact too: which findings a case answers depends on
  the answer-count component alone, whose posterior the generator inverts.
* **Confidence weight.** When splits are chosen, cases whose exact posterior is sure of a cause
  (at least ``CONFIDENT``) weigh more, spread so that every cause's confident cases weigh the
  same in total: otherwise a cause with few confident cases is not worth a split.
* **Risk target.** Beside the probability of each cause, the tree is fitted to the doctor
  causes' probability together (weighted ``RISK_WEIGHT``), so that its splits also separate
  the cases a doctor should see, which triage reads from the leaf.
* **Honest probabilities.** Each node's probabilities are the weighted mean exact posterior of
  the cases that reach it, so the predicted cause is the Bayes decision given the leaf.

The regression tree's nodes are then carried into a plain ``DecisionTreeClassifier``
(:func:`as_classifier`), so scikit-learn users get a classifier whose ``predict_proba`` is
the leaf's mean exact posterior, and whose impurities (Gini of those probabilities) and
weighted case counts are the classifier's own, not the regression's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.tree._tree import Tree

from ..data.frame import encode_frame_strict
from ..data.posterior import posterior_matrix
from ..data.tables import Tables
from .evaluate import CONFIDENT

CONFIDENCE_WEIGHT = 8.0  # extra split weight of a confident case, before it is spread over causes
MIN_SAMPLES_LEAF = 5  # fewer cases give a leaf a noisy probability
# Weight of the doctor causes' probability together among the regression targets. Measured
# (seed 0, depth 22, 2000 leaves, fresh cases): without it, triage at a threshold of 0.35 sends
# 0.93 of the cases whose exact posterior puts 0.5 or more on those causes to a doctor; with 1.5,
# 0.99 (17% of all cases sent); 5 costs agreement on the worst cause (0.86).
RISK_WEIGHT = 1.5


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


@dataclass(frozen=True)
class TrainingRows:
    """Cases for distillation: findings, exact posterior, drawn cause and importance weights.

    ``weight`` is ``p(x) / m(x)``, the weight that turns means over these cases into means over
    natural cases (1 everywhere for natural cases alone); ``cause_weight`` is ``p(y) / m(y)``,
    its counterpart for estimates that involve the drawn cause ``y`` (accuracy). Columns of
    ``posterior`` and the codes in ``y`` follow ``classes``; ``doctor`` lists the columns of
    the causes a doctor should examine.
    """

    X: np.ndarray
    posterior: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    cause_weight: np.ndarray
    classes: tuple[str, ...]
    doctor: tuple[int, ...] = ()
    # How many of the pooled cases came from each set, for the model's record: "natural",
    # "proposal", and under "regions" each region-drawn cause's cases, share kept and floor.
    composition: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def take(self, rows: np.ndarray) -> "TrainingRows":
        return dataclasses.replace(self, **{name: getattr(self, name)[rows] for name in _PER_CASE})

    @classmethod
    def stack(cls, parts: Sequence["TrainingRows"]) -> "TrainingRows":
        return dataclasses.replace(parts[0], **{name: np.concatenate([getattr(p, name) for p in parts])
                                                for name in _PER_CASE})


_PER_CASE = ("X", "posterior", "y", "weight", "cause_weight")


@dataclass(frozen=True)
class RegionDraws:
    """Cases of one rare cause drawn with more findings answered, kept where that cause is likely.

    A cause whose clear cases are too rare even among cases drawn from it alone (they answer
    many findings) gets these beside the proposal cases: drawn from cause ``cause`` (a column of
    ``classes``) with the answer-count components reweighted, and kept where its exact posterior
    is at least ``floor``, a share ``kept`` of those drawn. ``depth_ratio`` maps findings to
    ``q(answered set | x) / p(answered set | x)``, the reweighted components against the natural
    ones. So the cases cover the cause's clear region and the border around it.
    """

    cases: Encoded
    cause: int
    floor: float
    kept: float
    depth_ratio: Callable[[np.ndarray], np.ndarray]


def mixture_rows(natural: Encoded, proposal: Encoded | None, *, prior: np.ndarray | None,
                 proposal_prior: np.ndarray | None, doctor_causes: Sequence[str] = (),
                 regions: Sequence[RegionDraws] = ()) -> TrainingRows:
    """Pool natural, proposal and region cases, weighing each so that means are natural means.

    The pooled cases are a sample of the mixture ``m = sum_i a_i m_i`` (``a_i`` each set's
    share), so each case weighs ``p(x) / m(x) = 1 / sum_i a_i m_i(x) / p(x)`` (the balance
    heuristic), each ratio exact from the posterior: the proposal differs from ``p`` in the
    cause prior only, ``q(x) / p(x) = sum_c (q_c / p_c) P(c | x)``; region draws of cause ``k``
    give ``P(k | x) / p_k * depth_ratio(x) / kept`` where ``P(k | x) >= floor``, 0 elsewhere.
    ``cause_weight`` is the same for the pair (x, drawn cause). ``prior`` and
    ``proposal_prior`` are in ``classes`` order.

    Examples
    --------
    >>> import numpy as np
    >>> post = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> cases = Encoded(np.zeros((2, 1)), np.array([0, 1]), post, ("a", "b"))
    >>> rows = mixture_rows(cases, cases, prior=np.array([0.8, 0.2]), proposal_prior=np.array([0.5, 0.5]))
    >>> rows.weight.round(3).tolist()
    [1.103, 0.604, 1.103, 0.604]
    """
    doctor = tuple(natural.classes.index(c) for c in doctor_causes)
    if proposal is None and not regions:
        ones = np.ones(len(natural.X))
        return TrainingRows(natural.X, natural.posterior, natural.y, ones, ones, natural.classes, doctor,
                            {"natural": len(natural.X), "proposal": 0, "regions": {}})
    pooled = natural
    for part in ([proposal] if proposal is not None else []) + [r.cases for r in regions]:
        pooled = concat(pooled, part)
    n = len(pooled.X)
    prior = np.asarray(prior, dtype=float)
    density = np.full(n, len(natural.X) / n)  # sum_i a_i m_i(x) / p(x)
    joint = density.copy()  # the same for (x, drawn cause)
    if proposal is not None:
        share = len(proposal.X) / n
        ratio = np.asarray(proposal_prior, dtype=float) / prior
        density += share * (pooled.posterior @ ratio)
        joint += share * ratio[pooled.y]
    drawn_regions = {}
    for region in regions:
        share = len(region.cases.X) / n
        inside = np.flatnonzero(pooled.posterior[:, region.cause] >= region.floor)
        depth = region.depth_ratio(pooled.X[inside]) / region.kept
        density[inside] += share * depth * pooled.posterior[inside, region.cause] / prior[region.cause]
        drawn = pooled.y[inside] == region.cause
        joint[inside[drawn]] += share * depth[drawn] / prior[region.cause]
        drawn_regions[natural.classes[region.cause]] = {
            "cases": len(region.cases.X), "kept_share": round(region.kept, 6), "floor": region.floor}
    composition = {"natural": len(natural.X), "proposal": 0 if proposal is None else len(proposal.X),
                   "regions": drawn_regions}
    return TrainingRows(pooled.X, pooled.posterior, pooled.y, 1.0 / density, 1.0 / joint, natural.classes, doctor,
                        composition)


def confidence_weights(posterior: np.ndarray, *, extra: float = CONFIDENCE_WEIGHT) -> np.ndarray:
    """Split weight of each case: 1, plus ``extra`` shared out among each cause's confident cases.

    A confident case (exact posterior at least ``CONFIDENT`` on its top cause) whose cause has
    a share ``s`` of all confident cases gets ``1 + extra / (n_causes * s)``: the confident cases
    of every cause then weigh the same in total, however rare the cause.

    Examples
    --------
    >>> import numpy as np
    >>> post = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.5, 0.5]])
    >>> confidence_weights(post, extra=1.0).round(3).tolist()
    [1.75, 1.75, 2.5, 1.0]
    """
    n_causes = posterior.shape[1]
    top = posterior.argmax(axis=1)
    confident = posterior.max(axis=1) >= CONFIDENT
    weight = np.ones(len(posterior))
    if confident.any():
        share = np.bincount(top[confident], minlength=n_causes) / confident.sum()
        weight[confident] += extra / (n_causes * share[top[confident]])
    return weight


def grow_tree(rows: TrainingRows, *, max_depth: int, max_leaf_nodes: int, seed: int,
              min_samples_leaf: int = MIN_SAMPLES_LEAF) -> DecisionTreeRegressor:
    """Grow the tree's splits on the posterior vectors (soft labels) and the doctor causes' risk.

    Confident cases weigh more (:func:`confidence_weights`).
    """
    targets = rows.posterior
    if rows.doctor:
        risk = rows.posterior[:, list(rows.doctor)].sum(axis=1, keepdims=True)
        targets = np.hstack([targets, RISK_WEIGHT * risk])
    tree = DecisionTreeRegressor(max_depth=max_depth, max_leaf_nodes=max_leaf_nodes,
                                 min_samples_leaf=min_samples_leaf, random_state=seed)
    return tree.fit(rows.X, targets, sample_weight=confidence_weights(rows.posterior))


def node_means(tree, X: np.ndarray, posterior: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Weighted mean posterior of the cases reaching each node, shape (nodes, classes).

    A node that no case with positive weight reaches takes its parent's value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.array([[0.0], [0.0], [1.0]])
    >>> post = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    >>> tree = DecisionTreeRegressor(max_depth=1).fit(X, post)
    >>> node_means(tree, X, post, np.array([1.0, 3.0, 1.0])).round(3).tolist()
    [[0.5, 0.5], [0.625, 0.375], [0.0, 1.0]]
    """
    return node_stats(tree, X, posterior, weight)[0]


def node_stats(tree, X: np.ndarray, posterior: np.ndarray, weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`node_means` and the total weight of the cases reaching each node, shape (nodes,)."""
    weight = np.ones(len(X)) if weight is None else weight
    paths = tree.decision_path(X)
    total = np.asarray(paths.T @ weight).ravel()
    means = np.asarray(paths.T @ (posterior * weight[:, None])) / np.maximum(total, 1e-300)[:, None]
    t = tree.tree_
    parent = np.full(t.node_count, -1)
    for side in (t.children_left, t.children_right):
        inner = np.flatnonzero(side >= 0)
        parent[side[inner]] = inner
    for node in np.flatnonzero(total <= 0):  # parents precede children: a parent is final first
        means[node] = means[parent[node]]
    return means, total


def node_array_copy(nodes: np.ndarray) -> np.ndarray:
    """A writable copy of a ``Tree``'s node records, byte for byte.

    ``ndarray.copy`` copies a record's fields but not the padding between them, leaving those
    bytes uninitialised; they would be pickled, and the same seed would no longer write the same
    model file.
    """
    return np.frombuffer(bytearray(nodes.tobytes()), dtype=nodes.dtype)


def gini(values: np.ndarray) -> np.ndarray:
    """Gini impurity ``1 - sum p^2`` of each row of class probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> gini(np.array([[0.5, 0.5], [1.0, 0.0]])).tolist()
    [0.5, 0.0]
    """
    return 1.0 - np.square(values).sum(axis=-1)


def as_classifier(tree: DecisionTreeRegressor, values: np.ndarray, classes: Sequence[str], *,
                  params: Mapping[str, Any], weights: np.ndarray | None = None) -> DecisionTreeClassifier:
    """A ``DecisionTreeClassifier`` with ``tree``'s nodes and ``values`` (nodes, classes) as probabilities.

    scikit-learn fits classifiers on hard labels only, so the soft-label tree is grown as a
    regression and its nodes (feature, threshold, missing-value direction, children, case
    counts) are carried over through the ``Tree`` object's own state, the path pickling takes.
    What the regression measured in its own terms is replaced by the classifier's, so that
    scikit-learn's tools (``export_graphviz``, ``plot_tree``, ``export_text``,
    ``feature_importances_``) describe the tree that predicts: each node's impurity is the Gini
    impurity of its probabilities, and its weighted case count is ``weights`` (the total weight
    behind those probabilities; the plain case counts when None).

    This relies on scikit-learn's private ``Tree`` layout: tests check that the classifier's
    ``apply`` and ``predict_proba`` equal the regression tree's leaves and ``values`` on every
    leaf, the model records the scikit-learn version, and loading the joblib file checks it.
    """
    n_classes = len(classes)
    values = np.ascontiguousarray(values, dtype=np.float64)
    state = tree.tree_.__getstate__()
    state["values"] = values.reshape(len(values), 1, n_classes)
    nodes = node_array_copy(state["nodes"])
    nodes["impurity"] = gini(values)
    nodes["weighted_n_node_samples"] = nodes["n_node_samples"] if weights is None else weights
    state["nodes"] = nodes
    inner = Tree(tree.n_features_in_, np.array([n_classes], dtype=np.intp), 1)
    inner.__setstate__(state)
    clf = DecisionTreeClassifier(**params)
    clf.n_features_in_ = tree.n_features_in_
    clf.n_outputs_ = 1
    clf.classes_ = np.asarray(classes)
    clf.n_classes_ = n_classes
    clf.max_features_ = tree.max_features_
    clf.tree_ = inner
    return clf


def fit_tree(rows: TrainingRows, *, max_depth: int, max_leaf_nodes: int, seed: int) -> DecisionTreeClassifier:
    """The whole recipe: grow on ``rows``, give nodes their weighted mean posterior, return a classifier.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [np.nan], [1.0]] * 5)
    >>> post = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.4, 0.6]] * 5)
    >>> rows = mixture_rows(Encoded(X, post.argmax(axis=1), post, ("a", "b")), None, prior=None, proposal_prior=None)
    >>> tree = fit_tree(rows, max_depth=2, max_leaf_nodes=4, seed=0)
    >>> tree.predict_proba(np.array([[1.0]])).round(2).tolist()
    [[0.3, 0.7]]
    """
    grown = grow_tree(rows, max_depth=max_depth, max_leaf_nodes=max_leaf_nodes, seed=seed)
    means, weights = node_stats(grown, rows.X, rows.posterior, rows.weight)
    params = {"max_depth": max_depth, "max_leaf_nodes": max_leaf_nodes, "min_samples_leaf": MIN_SAMPLES_LEAF,
              "random_state": seed}
    return as_classifier(grown, means, rows.classes, params=params, weights=weights)


def path_lengths(tree: DecisionTreeClassifier, X: np.ndarray) -> np.ndarray:
    """Decisions on each case's path (nodes visited minus the leaf)."""
    return np.diff(tree.decision_path(X).indptr) - 1


__all__ = ["Encoded", "TrainingRows", "RegionDraws", "encode_split", "encoded_from_arrays", "concat", "mixture_rows",
           "confidence_weights", "grow_tree", "node_means", "node_stats", "node_array_copy", "gini", "as_classifier", "fit_tree", "path_lengths",
           "CONFIDENT", "MIN_SAMPLES_LEAF", "RISK_WEIGHT"]
