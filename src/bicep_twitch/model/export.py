"""Step 4 of the pipeline: write a fitted tree into ``models/``.

Files, written into a staging folder that replaces the model folder as one unit only when every
one was written (a crash, a full disk or a concurrent ``train`` leaves the old model whole; see
:func:`bicep_twitch._io.replaced_folder`; other files already in the folder, such as the
pictures, are carried over until the drawing step replaces them):

* ``bicep_twitch_tree.joblib``: a plain scikit-learn ``Pipeline`` (movement strings -> codes,
  then the tree) for scikit-learn users; loads without ``bicep_twitch`` installed;
* ``bicep_twitch_tree.tree.json``: the same tree as plain data, which the predictor reads;
* ``bicep_twitch_tree.json``: metadata: versions, seed, hashes of the data, the knowledge base
  and both model files, classes, feature encoding, hyperparameters and metrics;
* ``tree.txt``: scikit-learn's ``export_text`` of the tree, for people and for diffs.
"""

from __future__ import annotations

import copy
import io
import json
import platform
import sys
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Union

import joblib
import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder
from sklearn.tree import DecisionTreeClassifier, export_text

from .._version import __version__
from .._io import ensure_writable_dir, replaced_folder, sha256_file
from ..core.knowledge import CHOICE, NUMBER, YES_NO, KnowledgeBase
from ..core.model_folder import JOBLIB_NAME, META_NAME, MODEL_FORMAT, MODEL_FORMAT_VERSION, TEXT_NAME, TREE_NAME
from ..core.tree import TreeData
from ..core.words import split_value
from .fit import node_array_copy

__all__ = ["export_model", "sklearn_pipeline", "feature_encoding", "grid_thresholds", "JOBLIB_NAME", "META_NAME", "TEXT_NAME", "TREE_NAME"]


# An extra file's content: text, bytes, or a function of the finished metadata record (e.g. a
# report that quotes the tree's size, which is known only once the tree is exported).
ExtraContent = Union[str, bytes, Callable[[dict], Union[str, bytes]]]


def feature_encoding(kb: KnowledgeBase) -> dict[str, Any]:
    """How each finding is encoded for the tree, as recorded in the metadata."""
    out = {}
    for fid, f in kb.findings.items():
        if f.type == CHOICE:
            out[fid] = {"type": f.type, "codes": {c: i for i, c in enumerate(f.choices)}, "unknown": "NaN"}
        elif f.type == YES_NO:
            out[fid] = {"type": f.type, "codes": {"false": 0.0, "true": 1.0}, "unknown": "NaN"}
        else:
            assert f.type == NUMBER
            out[fid] = {"type": f.type, "min": f.min, "max": f.max, "unknown": "NaN"}
    return out


def grid_thresholds(tree: DecisionTreeClassifier, kb: KnowledgeBase) -> DecisionTreeClassifier:
    """A copy of ``tree`` whose number thresholds are values on the finding's grid, as people type them.

    scikit-learn puts a threshold midway between two training values (14.125 days between 14
    and 14.25); every training value lies on the finding's grid, so moving the threshold down
    to the grid value below it (14) sends every training case the same way, and a split then
    reads exactly as its words say: "up to 14 days" left, "more than 14 days" right, with no
    value (14.1) in a gap between them. Yes/no, choice and answered-or-not splits are kept.
    """
    state = tree.tree_.__getstate__()
    nodes = node_array_copy(state["nodes"])
    findings = [kb.findings[fid] for fid in kb.finding_ids]
    for node in np.flatnonzero(nodes["left_child"] >= 0):
        f = findings[nodes["feature"][node]]
        if f.type == NUMBER and np.isfinite(nodes["threshold"][node]):
            nodes["threshold"][node] = split_value(f, float(nodes["threshold"][node]))
    state["nodes"] = nodes
    inner = type(tree.tree_)(tree.n_features_in_, tree.tree_.n_classes, tree.n_outputs_)
    inner.__setstate__(state)
    out = copy.deepcopy(tree)
    out.tree_ = inner
    return out


def sklearn_pipeline(tree: DecisionTreeClassifier, kb: KnowledgeBase) -> Pipeline:
    """Wrap a tree fitted on encoded findings into a pipeline that reads the contract's DataFrame.

    Every column is named, so the pipeline selects findings by name; ``movement`` strings become
    their codes and an unknown or unseen movement becomes NaN, which the tree routes as missing.
    """
    choice_cols = [fid for fid, f in kb.findings.items() if f.type == CHOICE]
    other_cols = [fid for fid, f in kb.findings.items() if f.type != CHOICE]
    if list(kb.findings) != choice_cols + other_cols:
        raise ValueError("the choice findings must come first in the knowledge base, as the tree was fitted")
    encoder = ColumnTransformer(
        [
            (
                "choices",
                # As objects first: a choice column the caller left all unknown arrives as float
                # NaN, which the encoder cannot compare with its string categories. np.asarray
                # pickles by reference, so the estimator still loads without bicep_twitch.
                make_pipeline(
                    FunctionTransformer(np.asarray, kw_args={"dtype": object}, feature_names_out="one-to-one"),
                    OrdinalEncoder(
                    categories=[list(kb.findings[c].choices) for c in choice_cols],
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    encoded_missing_value=np.nan,
                    dtype=np.float64,
                    ),
                ),
                choice_cols,
            ),
            ("findings", "passthrough", other_cols),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    import pandas as pd

    # The encoder learns only column names and categories: one row per choice is enough.
    rows = max(len(kb.findings[c].choices) for c in choice_cols)
    example = pd.DataFrame({fid: [np.nan] * rows for fid in other_cols})
    for c in choice_cols:
        choices = list(kb.findings[c].choices)
        example[c] = choices + [None] * (rows - len(choices))
    example = example[list(kb.findings)]
    encoder.fit(example)
    return Pipeline([("encode", encoder), ("tree", tree)])


def _with_interned_strings(obj: Any, _seen: set[int] | None = None) -> Any:
    """``obj`` with every string in its estimators, dicts, lists, tuples and object arrays interned.

    Pickle writes a string it has seen as the same object once and refers back to it, so whether
    two equal strings are one object changes the file's bytes; that depends on what the process
    did before (which strings some other code interned). Interned, equal strings are always one
    object, and the same model gives the same joblib file in any process.
    """
    seen = set() if _seen is None else _seen
    if isinstance(obj, str):
        return sys.intern(obj)
    if id(obj) in seen:
        return obj
    if isinstance(obj, dict):
        seen.add(id(obj))
        items = [(_with_interned_strings(k, seen), _with_interned_strings(v, seen)) for k, v in obj.items()]
        obj.clear()
        obj.update(items)
    elif isinstance(obj, list):
        seen.add(id(obj))
        obj[:] = [_with_interned_strings(v, seen) for v in obj]
    elif isinstance(obj, tuple):
        return tuple(_with_interned_strings(v, seen) for v in obj)
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            seen.add(id(obj))
            for index, value in np.ndenumerate(obj):
                obj[index] = _with_interned_strings(value, seen)
    elif hasattr(obj, "get_params") or type(obj).__module__.startswith("sklearn."):
        if hasattr(obj, "__dict__"):
            seen.add(id(obj))
            _with_interned_strings(vars(obj), seen)
    return obj


def export_model(
    tree: DecisionTreeClassifier,
    out_dir: str | Path,
    *,
    kb: KnowledgeBase,
    metadata: Mapping[str, Any],
    extra_files: Mapping[str, ExtraContent] | None = None,
    finish: Callable[[Path], Any] | None = None,
    own_files: Collection[str] = (),
) -> dict[str, Any]:
    """Write the model files into ``out_dir`` atomically; return the metadata written.

    ``metadata`` is merged into the record (seed, data manifest hash, hyperparameters, metrics
    ...); ``extra_files`` (name -> text, bytes, or a function of the record returning either)
    are staged with the model, e.g. the report. ``finish`` is called with the staged folder once
    it holds a loadable model, before the swap (the pictures and the page are drawn there, so
    they are swapped in with the model they show, or not at all); ``own_files`` are files of
    the old folder never carried over (what ``finish`` draws of the old model).

    Raises
    ------
    PermissionError
        When ``out_dir`` cannot be written; the old model there stays whole.
    """
    out = ensure_writable_dir(out_dir, parameter="out")
    try:
        return _export(tree, out, kb=kb, metadata=metadata, extra_files=extra_files or {}, finish=finish,
                       own_files=own_files)
    except PermissionError as exc:
        # A folder that passed the access check can still refuse writes (read-only mount, ACL).
        raise PermissionError(
            f"'out' must be a writable folder (got {str(out)!r}: {exc.strerror or exc}); the old model is unchanged"
        ) from None


def _export(tree, out: Path, *, kb: KnowledgeBase, metadata: Mapping[str, Any], extra_files, finish=None,
            own_files: Collection[str] = ()) -> dict[str, Any]:
    tree = grid_thresholds(tree, kb)
    features = list(kb.finding_ids)
    classes = [str(c) for c in tree.classes_]
    data = TreeData.from_sklearn(tree, features=features, classes=classes)
    pipeline = sklearn_pipeline(tree, kb)
    with replaced_folder(out, own_files=own_files) as stage:
        buffer = io.BytesIO()
        joblib.dump(_with_interned_strings(pipeline), buffer, compress=3)
        (stage / JOBLIB_NAME).write_bytes(buffer.getvalue())
        (stage / TREE_NAME).write_text(data.to_json() + "\n", encoding="utf-8")
        (stage / TEXT_NAME).write_text(
            export_text(tree, feature_names=features, class_names=classes, decimals=3, max_depth=100),
            encoding="utf-8",
        )
        record = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "estimator": "sklearn.pipeline.Pipeline(ColumnTransformer -> DecisionTreeClassifier)",
            "files": {
                "joblib": {"path": JOBLIB_NAME, "sha256": sha256_file(stage / JOBLIB_NAME)},
                "tree": {"path": TREE_NAME, "sha256": sha256_file(stage / TREE_NAME)},
                "text": {"path": TEXT_NAME, "sha256": sha256_file(stage / TEXT_NAME)},
            },
            "versions": {
                "python": platform.python_version(),
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__,
                "joblib": joblib.__version__,
                "bicep_twitch": __version__,
            },
            "knowledge_base_sha256": kb.sha256,
            "classes": classes,
            "features": features,
            "feature_encoding": feature_encoding(kb),
            "tree": {"node_count": data.node_count, "leaves": len(data.leaves()), "depth": data.depth()},
            **metadata,
        }
        for name, content in extra_files.items():
            if callable(content):
                content = content(record)
            path = stage / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        (stage / META_NAME).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if finish is not None:
            finish(stage)
    return record
