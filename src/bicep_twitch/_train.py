"""Step 3 of the pipeline: fit the decision tree on the synthetic cases.

The tree is distilled from the exact posterior: each training case is labelled with its
Bayes-optimal cause (the arg-max of ``bayes_posterior``) instead of the cause drawn for it, which
removes the label noise a plain tree would otherwise spend its leaves on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from ._errors import DataError
from ._export import export_model
from ._frame import encode_frame_strict
from ._generate import DEFAULT_SEED, MANIFEST_NAME, check_seed, read_manifest, write_dataset
from ._io import ensure_writable_dir, sha256_file
from ._knowledge import load_knowledge
from ._posterior import posterior_matrix
from ._tables import compile_tables

DEFAULT_DATA_DIR = Path("data/synthetic")
DEFAULT_MODEL_DIR = Path("models")
DEFAULT_TRAIN_CASES = 300_000
MAX_DEPTH = 14  # a prediction's path is at most this many decisions: it must stay explainable
DEFAULT_MAX_LEAF_NODES = 2000


def load_split(data_dir: str | Path, split: str) -> tuple[pd.DataFrame, dict]:
    """Read ``{split}.csv`` after checking it against the manifest and the knowledge base."""
    data_dir = Path(data_dir)
    kb = load_knowledge()
    try:
        manifest = read_manifest(data_dir)
    except FileNotFoundError:
        raise DataError(f"no {MANIFEST_NAME} in {str(data_dir)!r}; run 'bicep-twitch generate' first") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{data_dir / MANIFEST_NAME} is not valid JSON ({exc})") from None
    if manifest.get("knowledge_base_sha256") != kb.sha256:
        raise DataError(
            f"the data in {str(data_dir)!r} was generated from another knowledge base "
            f"(sha256 {str(manifest.get('knowledge_base_sha256'))[:12]}..., current {kb.sha256[:12]}...); "
            "run 'bicep-twitch generate' to regenerate it"
        )
    info = manifest["files"][split]
    path = data_dir / info["path"]
    if not path.exists() or path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is missing or empty; run 'bicep-twitch generate'")
    if sha256_file(path) != info["sha256"]:
        raise DataError(f"{str(path)!r} does not match the SHA-256 in its manifest; run 'bicep-twitch generate'")
    frame = pd.read_csv(path, dtype={"movement": "string", "cause": "string"}, keep_default_na=True)
    missing = [c for c in list(kb.finding_ids) + ["cause"] if c not in frame.columns]
    if missing:
        raise DataError(f"{str(path)!r} lacks columns {missing}")
    if frame.empty:
        raise DataError(f"{str(path)!r} has no cases")
    return frame, manifest


def train_model(
    data_dir: str | Path = DEFAULT_DATA_DIR,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    *,
    seed: int = DEFAULT_SEED,
    n_cases: int = DEFAULT_TRAIN_CASES,
) -> dict[str, Any]:
    """Fit the tree on ``data_dir`` (generated first if absent) and export it to ``out_dir``.

    Returns the metadata record written beside the model.
    """
    seed = check_seed(seed)
    ensure_writable_dir(out_dir, parameter="out")
    if not (Path(data_dir) / MANIFEST_NAME).exists():
        write_dataset(data_dir, n=n_cases, seed=seed)
    kb = load_knowledge()
    tables = compile_tables(kb)
    train, manifest = load_split(data_dir, "train")
    X = encode_frame_strict(train.drop(columns=["cause"]), kb, what="training data")
    labels = np.asarray(tables.cause_ids)[posterior_matrix(X, tables).argmax(axis=1)]
    tree = DecisionTreeClassifier(max_depth=MAX_DEPTH, max_leaf_nodes=DEFAULT_MAX_LEAF_NODES, random_state=seed)
    tree.fit(X, labels)
    test, _ = load_split(data_dir, "test")
    X_test = encode_frame_strict(test.drop(columns=["cause"]), kb, what="test data")
    accuracy = float((tree.predict(X_test) == test["cause"].to_numpy(dtype=object)).mean())
    metadata = {
        "seed": seed,
        "data_manifest_sha256": sha256_file(Path(data_dir) / MANIFEST_NAME),
        "training": {"cases": int(len(train)), "labels": "bayes_optimal"},
        "hyperparameters": {"max_depth": MAX_DEPTH, "max_leaf_nodes": DEFAULT_MAX_LEAF_NODES},
        "metrics": {"accuracy": accuracy, "test_cases": int(len(test))},
    }
    return export_model(tree, out_dir, kb=kb, metadata=metadata)
