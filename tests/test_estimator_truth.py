"""scikit-learn's own tools, run on the exported estimator, describe the tree that predicts.

The estimator's nodes are carried over from a regression tree (see ``model/fit.py``); these
tests read ``export_graphviz``, ``export_text`` and ``feature_importances_`` against the
plain-data tree the predictor walks, node by node.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.tree import export_graphviz, export_text

from bicep_twitch.core.knowledge import NUMBER
from bicep_twitch.core.tree import LEAF, read_tree
from bicep_twitch.core.words import amount_words, branch_words
from bicep_twitch.model.export import JOBLIB_NAME, TREE_NAME
from bicep_twitch.model.fit import Encoded, fit_tree, mixture_rows

COMMITTED = Path(__file__).resolve().parent.parent / "models"


def _gini(p) -> float:
    return 1.0 - sum(x * x for x in p)


@pytest.fixture(params=["small", "committed"])
def model(request, small_model):
    folder = small_model if request.param == "small" else COMMITTED
    return joblib.load(folder / JOBLIB_NAME).named_steps["tree"], read_tree(folder / TREE_NAME)


def test_impurity_criterion_and_values_are_the_plain_trees(model):
    estimator, plain = model
    t = estimator.tree_
    assert estimator.criterion == "gini"
    for node in range(plain.node_count):
        assert t.impurity[node] == pytest.approx(_gini(plain.value[node]), abs=1e-12)
        assert t.value[node, 0] == pytest.approx(plain.value[node], abs=1e-12)
        assert t.n_node_samples[node] == plain.n_samples[node]
        if not plain.is_leaf(node):
            # Weighted counts add up as a classifier's do: a node's cases are its children's.
            left, right = plain.children_left[node], plain.children_right[node]
            assert t.weighted_n_node_samples[node] == pytest.approx(
                t.weighted_n_node_samples[left] + t.weighted_n_node_samples[right], rel=1e-9)


_DOT_NODE = re.compile(r'^(\d+) \[label="(.*)"(?:, fillcolor="[^"]*")?\] ;$')


def test_export_graphviz_prints_the_plain_trees_splits_gini_and_probabilities(model):
    estimator, plain = model
    dot = export_graphviz(estimator, feature_names=list(plain.features), class_names=list(plain.classes),
                          proportion=True, precision=6)
    seen = 0
    for line in dot.splitlines():
        match = _DOT_NODE.match(line)
        if not match:
            continue
        node, label = int(match.group(1)), match.group(2)
        seen += 1
        # The value list wraps over lines (a line break replaces the comma); other fields take one line.
        value = [float(v) for v in re.search(r"value = \[([^\]]*)\]", label).group(1).replace("\\n", ",").split(",")]
        parts = label.split("\\n")
        fields = dict(part.split(" = ", 1) for part in parts if " = " in part and " <= " not in part)
        assert float(fields["gini"]) == pytest.approx(_gini(plain.value[node]), abs=1e-6)
        assert value == pytest.approx(plain.value[node], abs=1e-6)
        assert fields["class"] == plain.classes[max(range(len(plain.classes)), key=plain.value[node].__getitem__)]
        if plain.is_leaf(node):
            assert not any(" <= " in p for p in parts)
        else:
            feature, threshold = parts[0].split(" <= ")
            assert feature == plain.features[plain.feature[node]]
            assert float(threshold) == pytest.approx(plain.threshold[node], abs=1e-6)
    assert seen == plain.node_count


def test_export_text_prints_the_plain_trees_splits_and_leaf_probabilities(model):
    estimator, plain = model
    text = export_text(estimator, feature_names=list(plain.features), class_names=list(plain.classes),
                       show_weights=True, decimals=6, max_depth=10_000)
    lines = iter(text.splitlines())

    def check(node: int) -> None:
        if plain.is_leaf(node):
            line = next(lines)
            weights = [float(w) for w in re.search(r"weights: \[([^\]]*)\]", line).group(1).split(",")]
            # Printed to 6 decimals: compared as printed, since a leaf of region cases weighs little.
            total = estimator.tree_.weighted_n_node_samples[node]
            assert weights == pytest.approx([v * total for v in plain.value[node]], abs=1e-6)
            return
        name, threshold = plain.features[plain.feature[node]], plain.threshold[node]
        for op, child in (("<=", plain.children_left[node]), (">", plain.children_right[node])):
            line = next(lines)
            feature, _, shown = line.split("--- ", 1)[1].rpartition(f" {op} ")
            assert (feature, float(shown)) == (name, pytest.approx(threshold, abs=1e-6))
            check(child)

    check(0)
    assert next(lines, None) is None


def _importances(plain, weighted) -> np.ndarray:
    """Mean decrease in Gini impurity, recomputed from the plain tree's probabilities."""
    out = np.zeros(len(plain.features))
    for node in range(plain.node_count):
        if plain.is_leaf(node):
            continue
        left, right = plain.children_left[node], plain.children_right[node]
        out[plain.feature[node]] += sum(
            sign * weighted[n] * _gini(plain.value[n]) for sign, n in ((1, node), (-1, left), (-1, right)))
    return out / out.sum()


def test_feature_importances_are_the_gini_decrease_of_the_plain_tree(model):
    estimator, plain = model
    expected = _importances(plain, estimator.tree_.weighted_n_node_samples)
    assert estimator.feature_importances_ == pytest.approx(expected, abs=1e-9)


def test_weighted_counts_are_the_weights_behind_each_nodes_probabilities():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(400, 2)).astype(float)
    post = np.column_stack([(X[:, 0] + 1) / 5, 1 - (X[:, 0] + 1) / 5])
    post[X[:, 1] == 3] = [0.9, 0.1]
    cases = Encoded(X, post.argmax(axis=1), post, ("a", "b"))
    rows = mixture_rows(cases, cases, prior=np.array([0.7, 0.3]), proposal_prior=np.array([0.5, 0.5]))
    estimator = fit_tree(rows, max_depth=3, max_leaf_nodes=8, seed=0)
    t = estimator.tree_
    total = np.zeros(t.node_count)
    mean = np.zeros((t.node_count, 2))
    for x, p, w in zip(rows.X, rows.posterior, rows.weight):
        node = 0
        while True:  # walk by hand, so the check does not lean on scikit-learn's own bookkeeping
            total[node] += w
            mean[node] += w * p
            if t.children_left[node] == LEAF:
                break
            node = t.children_left[node] if x[t.feature[node]] <= t.threshold[node] else t.children_right[node]
    assert t.weighted_n_node_samples == pytest.approx(total)
    assert t.impurity == pytest.approx(1 - ((mean / total[:, None]) ** 2).sum(axis=1))


def test_number_thresholds_are_grid_values_and_read_as_the_tree_routes(kb, model):
    estimator, plain = model
    checked = 0
    for node in range(plain.node_count):
        f = kb.findings[plain.features[plain.feature[node]]]
        if plain.is_leaf(node) or f.type != NUMBER or math.isinf(plain.threshold[node]):
            continue
        t = plain.threshold[node]
        assert math.isclose(round((t - f.min) / f.step) * f.step + f.min, t, abs_tol=1e-9), (node, t)
        left, right = branch_words(f, plain.cut[node])
        # A value between two grid points (14.1 around "14 days") goes where the words say.
        assert plain.goes_left(node, t) and not plain.goes_left(node, t + f.step / 2)
        assert left == (amount_words(f, t) if t == f.min else f"up to {amount_words(f, t)}")
        assert right == f"more than {amount_words(f, t)}"
        checked += 1
    assert checked > 0
