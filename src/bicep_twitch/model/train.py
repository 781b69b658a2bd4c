"""Step 3 of the pipeline: fit the decision tree on the synthetic cases, evaluate it, export it.

Three choices make a small tree come close to the best possible answer (the exact posterior):

* **Distillation.** Each training case is labelled with its Bayes-optimal cause (the arg-max of
  ``bayes_posterior``) instead of the cause drawn for it. With most findings unknown the drawn
  cause is mostly noise, and a tree fitted on it spends its leaves on that noise.
* **Honest probabilities.** Each node's class distribution is then set to the mean exact
  posterior of the training cases that reach it: an estimate of P(cause | this node) free of
  label noise, instead of the share of distilled labels (which is overconfident). It is written
  into the scikit-learn tree itself, so the joblib estimator and the plain-data tree agree; the
  predicted cause is its arg-max, the Bayes decision given the leaf.
* **Size by cross-validation.** k-fold over max_leaf_nodes x min_samples_leaf at the depth cap,
  scored on the true causes of the held-out fold. Growth is best-first (``max_leaf_nodes``), so
  the tree with L leaves is the first L - 1 splits of a larger tree: one fit per fold and
  min_samples_leaf scores every leaf count by replaying the larger tree's splits in the order
  they were made. (A shallower depth is not in the grid: replaying it is exact only while the
  larger growth was not cut short by its own leaf limit, and exact refits scored depth 12
  below depth 14 at every leaf count from 300 up.) The chosen size is the smallest within ``ACCURACY_TOLERANCE`` of the
  best: people read the tree, and past that point leaves buy little accuracy.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier

from .._errors import DataError
from ..model.evaluate import FEW_ANSWERS, accuracy_block, calibration, evaluate, fully_answered_cases, render_report
from ..model.export import export_model
from ..data.frame import encode_frame_strict
from ..data.generate import DEFAULT_SEED, MANIFEST_NAME, check_count, check_seed, read_manifest, write_dataset
from .._io import ensure_writable_dir, sha256_file
from ..core.knowledge import load_knowledge
from ..data.posterior import posterior_matrix
from ..data.tables import Tables, compile_tables

DEFAULT_DATA_DIR = Path("data/synthetic")
DEFAULT_MODEL_DIR = Path("models")
DEFAULT_TRAIN_CASES = 300_000
REPORT_NAME = "report.md"
MAX_DEPTH = 14  # a prediction's path is at most this many decisions: it must stay explainable

# The cross-validation grid. Leaf counts cost nothing extra (replayed from one fit); each
# min_samples_leaf value costs one fit per fold.
CV_FOLDS = 3
DEPTH_GRID = (MAX_DEPTH,)
LEAF_GRID = (50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1500, 2000, 3000, 4000)
MIN_SAMPLES_LEAF_GRID = (1, 20)
# Give up at most this share of the best cross-validated accuracy for a smaller tree.
ACCURACY_TOLERANCE = 0.01
FULLY_ANSWERED_CASES = 50_000  # for the report
# Fully answered cases added to the training cases, as a share of them. The generator's cases
# mostly answer 2 to 6 findings; someone answering every question of `bicep-twitch ask` gives
# a fully answered path. Measured (seed 0, 300k cases, 600 leaves): adding 20% lifts the ratio
# to Bayes on fully answered cases from 0.84 to 0.89 and leaves the test mix unchanged (0.94).
AUGMENT_SHARE = 0.2
AUGMENT_STREAM = 3  # the generator's streams 0 and 1 and the report's 2 are taken
NO_SPLIT = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Encoded:
    """One split of the data, encoded: findings, true causes and exact posteriors.

    ``y`` indexes ``classes`` (cause ids in alphabetical order, scikit-learn's ``classes_``
    order) and ``posterior``'s columns follow the same order.
    """

    X: np.ndarray
    y: np.ndarray
    posterior: np.ndarray
    classes: tuple[str, ...]


def load_split(data_dir: str | Path, split: str) -> tuple[pd.DataFrame, dict]:
    """Read ``{split}.csv`` after checking it against its manifest and the knowledge base.

    Raises
    ------
    DataError
        When the manifest is missing or unreadable, the data comes from another knowledge base,
        the file is missing, empty, altered since it was written, or lacks a column.
    """
    data_dir = Path(data_dir)
    kb = load_knowledge()
    try:
        manifest = read_manifest(data_dir)
    except FileNotFoundError:
        raise DataError(f"no {MANIFEST_NAME} in {str(data_dir)!r}; run 'bicep-twitch generate' first") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{str(data_dir / MANIFEST_NAME)!r} is not valid JSON ({exc})") from None
    if manifest.get("knowledge_base_sha256") != kb.sha256:
        raise DataError(
            f"'data' must be generated from the current knowledge base (got {str(data_dir)!r}, made from "
            f"knowledge base sha256 {str(manifest.get('knowledge_base_sha256'))[:12]}..., current "
            f"{kb.sha256[:12]}...); run 'bicep-twitch generate' to regenerate it"
        )
    try:
        info = manifest["files"][split]
        path = data_dir / info["path"]
    except (KeyError, TypeError):
        raise DataError(f"{str(data_dir / MANIFEST_NAME)!r} lists no {split!r} file") from None
    if not path.is_file() or path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is missing or empty; run 'bicep-twitch generate'")
    if sha256_file(path) != info.get("sha256"):
        raise DataError(f"{str(path)!r} does not match the SHA-256 in its manifest; run 'bicep-twitch generate'")
    try:
        frame = pd.read_csv(path, dtype={"movement": "string", "cause": "string"}, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r} has no header and no cases") from None
    missing = [c for c in list(kb.finding_ids) + ["cause"] if c not in frame.columns]
    if missing:
        raise DataError(f"{str(path)!r} lacks the columns {missing}")
    if frame.empty:
        raise DataError(f"{str(path)!r} has no cases")
    unknown = sorted(set(frame["cause"].dropna()) - set(kb.cause_ids))
    if unknown or frame["cause"].isna().any():
        got = unknown[0] if unknown else "an empty cell"
        raise DataError(f"'cause' in {str(path)!r} must be one of the knowledge base's causes (got {got!r})")
    return frame, manifest


def encode_split(frame: pd.DataFrame, tables: Tables, *, what: str) -> Encoded:
    """Encode a loaded split and compute its exact posterior, in ``classes`` order."""
    X = encode_frame_strict(frame.drop(columns=["cause"]), tables.kb, what=what)
    y = pd.Categorical(frame["cause"].astype(str), categories=list(tables.cause_ids)).codes.astype(np.int64)
    return _encoded_from_arrays(X, y, tables)


# --------------------------------------------------------------------------------------------
# Fitting


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


# --------------------------------------------------------------------------------------------
# Cross-validation by replaying best-first growth


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
    grid = [(m, d, L) for m in MIN_SAMPLES_LEAF_GRID for d in DEPTH_GRID for L in LEAF_GRID]
    correct = dict.fromkeys(grid, 0)
    leaves = dict.fromkeys(grid, 0)
    codes = np.arange(len(data.classes))  # integer labels: the fold trees are never exported
    for fit_rows, held_out in KFold(n_splits=folds, shuffle=True, random_state=seed).split(data.X):
        X_fit, post_fit = data.X[fit_rows], data.posterior[fit_rows]
        if extra is not None:
            X_fit, post_fit = np.vstack([X_fit, extra.X]), np.vstack([post_fit, extra.posterior])
        for msl in MIN_SAMPLES_LEAF_GRID:
            tree = fit_tree(X_fit, post_fit, codes, max_depth=max(DEPTH_GRID), max_leaf_nodes=max(LEAF_GRID),
                            min_samples_leaf=msl, seed=seed, value_rows=len(fit_rows))
            predicted = tree.tree_.value[:, 0, :].argmax(axis=1)
            rank, depth = expansion_order(tree), node_depths(tree)
            paths = padded_paths(tree, data.X[held_out])
            for d in DEPTH_GRID:
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


# --------------------------------------------------------------------------------------------
# The whole step


def train_model(
    data_dir: str | Path = DEFAULT_DATA_DIR,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    *,
    seed: int = DEFAULT_SEED,
    n_cases: int = DEFAULT_TRAIN_CASES,
) -> dict[str, Any]:
    """Fit the tree on ``data_dir`` (generated first if absent), evaluate it, export it to ``out_dir``.

    Parameters
    ----------
    data_dir : str or Path
        Synthetic cases written by ``bicep-twitch generate`` (``train.csv``, ``test.csv`` and
        ``manifest.json``). When it holds no manifest, ``n_cases`` cases are generated into it
        with ``seed``.
    out_dir : str or Path
        The model folder. Its files are replaced together only when all are written; on any
        error the old model stays whole.
    seed : int
        Seeds the cross-validation folds and the tree (and the data, when generated).
    n_cases : int
        Training cases to generate when ``data_dir`` has none.

    Returns
    -------
    dict
        The metadata record written to ``bicep_twitch_tree.json`` (metrics under ``"metrics"``).

    Raises
    ------
    DataError
        When the data comes from another knowledge base, lacks columns, is empty or altered.
    PermissionError
        When ``out_dir`` cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from bicep_twitch.model.train import train_model
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     record = train_model(f"{tmp}/data", f"{tmp}/model", n_cases=20_000)
    >>> record["tree"]["depth"] <= 14, record["metrics"]["ratio"] > 0.8
    (True, True)
    """
    seed = check_seed(seed)
    n_cases = check_count(n_cases, "n_cases")
    out = ensure_writable_dir(out_dir, parameter="out")
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise DataError(f"'data' must be a folder of generated cases (got the file {str(data_dir)!r})")
    if not (data_dir / MANIFEST_NAME).exists():
        write_dataset(data_dir, n=n_cases, seed=seed)
    kb = load_knowledge()
    tables = compile_tables(kb)
    # Read and check both splits before any work, so bad data fails fast.
    train_frame, _ = load_split(data_dir, "train")
    test_frame, _ = load_split(data_dir, "test")
    train = encode_split(train_frame, tables, what="training data")
    test = encode_split(test_frame, tables, what="test data")
    del train_frame, test_frame

    n_extra = round(AUGMENT_SHARE * len(train.X))
    extra = _encoded_from_arrays(*fully_answered_cases(n_extra, seed=seed, tables=tables, stream=AUGMENT_STREAM),
                                 tables) if n_extra else None
    cv = cross_validate(train, seed=seed, extra=extra)
    size = {k: cv["chosen"][k] for k in ("max_depth", "max_leaf_nodes", "min_samples_leaf")}
    fit = _concat(train, extra)
    tree = fit_tree(fit.X, fit.posterior, fit.classes, seed=seed, value_rows=len(train.X), **size)
    metrics = _metrics(tree, train, test, tables, seed=seed, size=size)
    metadata = {
        "seed": seed,
        "data_manifest_sha256": sha256_file(data_dir / MANIFEST_NAME),
        "training": {
            "cases": int(len(train.X)),
            "fully_answered_cases": n_extra,
            "fully_answered_source": f"generated with seed {seed}, stream {AUGMENT_STREAM}, every finding answered",
            "labels": "bayes_optimal",
            "node_values": "mean exact posterior of the generated training cases (not the fully answered ones) "
                           "reaching the node",
        },
        "hyperparameters": {**size, "criterion": "gini", "splitter": "best"},
        "cross_validation": cv,
        "metrics": metrics,
        "disclaimer": kb.disclaimer,
    }
    record = export_model(tree, out, kb=kb, metadata=metadata,
                          extra_files={REPORT_NAME: lambda rec: render_report(rec, kb)})
    return record


def _metrics(tree, train: Encoded, test: Encoded, tables: Tables, *, seed: int, size: dict) -> dict[str, Any]:
    kb = tables.kb
    proba = tree.predict_proba(test.X)
    metrics = evaluate(proba, test.y, test.posterior, test.X, path_lengths(tree, test.X), classes=test.classes, kb=kb)

    # What scikit-learn would have stored: the share of distilled labels in each node.
    labels = tree.apply(train.X)
    share = np.zeros((tree.tree_.node_count, len(train.classes)))
    np.add.at(share, (labels, train.posterior.argmax(axis=1)), 1.0)
    share /= np.maximum(share.sum(axis=1, keepdims=True), 1.0)
    metrics["label_share_calibration"] = calibration(share[tree.apply(test.X)], test.y)

    X_full, y_full = fully_answered_cases(FULLY_ANSWERED_CASES, seed=seed, tables=tables)
    full = _encoded_from_arrays(X_full, y_full, tables)
    full_proba = tree.predict_proba(full.X)
    full_calibration = calibration(full_proba, full.y)
    metrics["fully_answered"] = {
        **accuracy_block(full_proba, full.y, full.posterior),
        "mean_path_length": float(path_lengths(tree, full.X).mean()),
        **{k: full_calibration[k] for k in ("mean_top_probability", "ece", "log_loss")},
    }

    # The lever distillation replaces: the same size of tree fitted on the drawn causes.
    noisy = DecisionTreeClassifier(random_state=seed, **size).fit(train.X, np.asarray(train.classes)[train.y])
    noisy_proba = noisy.predict_proba(test.X)
    few = (~np.isnan(test.X)).sum(axis=1) <= FEW_ANSWERS
    overall = accuracy_block(noisy_proba, test.y, test.posterior)
    metrics["noisy_label_baseline"] = {
        "accuracy": overall["accuracy"],
        "ratio": overall["ratio"],
        "ratio_few_answers": accuracy_block(noisy_proba[few], test.y[few], test.posterior[few])["ratio"],
        "leaves": int(noisy.get_n_leaves()),
    }
    return metrics


def _concat(a: Encoded, b: Encoded | None) -> Encoded:
    if b is None:
        return a
    return Encoded(X=np.vstack([a.X, b.X]), y=np.concatenate([a.y, b.y]),
                   posterior=np.vstack([a.posterior, b.posterior]), classes=a.classes)


def _encoded_from_arrays(X: np.ndarray, y_kb: np.ndarray, tables: Tables) -> Encoded:
    """Encoded cases straight from the generator (cause indices in ``tables`` order)."""
    classes = tuple(sorted(tables.cause_ids))
    order = [tables.cause_ids.index(c) for c in classes]
    to_class = np.argsort(order)  # tables index -> classes index
    return Encoded(X=X, y=to_class[y_kb], posterior=posterior_matrix(X, tables)[:, order], classes=classes)
