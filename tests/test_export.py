"""The exported model files: plain scikit-learn, plain data, metadata, text (issue 3)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import sysconfig
from textwrap import dedent

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.tree import DecisionTreeClassifier

from bicep_twitch.model.export import JOBLIB_NAME, META_NAME, TEXT_NAME, TREE_NAME, export_model
from bicep_twitch.data.generate import MANIFEST_NAME, fully_answered_cases, to_frame
from bicep_twitch._io import sha256_file
from bicep_twitch.data.tables import compile_tables
from bicep_twitch.core.tree import read_tree

# Toy training data: only the caffeine finding varies.
CAFFEINE = [0.0, 1.0, 2.0, 6.0, 7.0, 9.0]
CAUSES = ["exercise_overuse"] * 3 + ["caffeine"] * 3


def _toy_tree(kb):
    X = np.full((len(CAFFEINE), len(kb.finding_ids)), np.nan)
    X[:, kb.finding_ids.index("caffeine_cups_per_day")] = CAFFEINE
    X[:, kb.finding_ids.index("movement")] = 0.0
    return DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, CAUSES)


def test_tree_text(kb, tmp_path):
    export_model(_toy_tree(kb), tmp_path, kb=kb, metadata={"seed": 0})
    assert (tmp_path / TEXT_NAME).read_text() == dedent(
        """\
        |--- caffeine_cups_per_day <= 4.000
        |   |--- class: exercise_overuse
        |--- caffeine_cups_per_day >  4.000
        |   |--- class: caffeine
        """
    )


def test_the_joblib_file_does_not_depend_on_which_strings_are_one_object(kb, tmp_path, monkeypatch):
    # Pickle refers back to a string it has already written only when it is the same object, so a
    # process where two equal strings happen to be distinct objects wrote other bytes (seen when
    # the tests ran in two workers). Every string is interned before the file is written.
    import bicep_twitch.model.export as export_module

    export_model(_toy_tree(kb), tmp_path / "plain", kb=kb, metadata={"seed": 0})
    build = export_module.sklearn_pipeline

    def with_copied_strings(tree, kb):
        pipeline = build(tree, kb)
        choices = pipeline.named_steps["encode"].transformers_[0][1]
        function, encoder = choices.steps[0][1], choices.steps[1][1]
        function.kw_args = {"".join(["dt", "ype"]): object}  # equal, but not the interned "dtype"
        encoder.categories_ = [np.array(["".join(v) for v in c], dtype=object) for c in encoder.categories_]
        return pipeline

    monkeypatch.setattr(export_module, "sklearn_pipeline", with_copied_strings)
    export_model(_toy_tree(kb), tmp_path / "copied", kb=kb, metadata={"seed": 0})
    assert (tmp_path / "copied" / JOBLIB_NAME).read_bytes() == (tmp_path / "plain" / JOBLIB_NAME).read_bytes()


def test_metadata(kb, small_model, small_data):
    record = json.loads((small_model / META_NAME).read_text())
    for key, name in (("joblib", JOBLIB_NAME), ("tree", TREE_NAME), ("text", TEXT_NAME)):
        assert record["files"][key] == {"path": name, "sha256": sha256_file(small_model / name)}
    assert record["versions"]["scikit-learn"] == sklearn.__version__
    assert record["versions"]["numpy"] == np.__version__
    assert record["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert record["seed"] == 3
    assert record["data_manifest_sha256"] == sha256_file(small_data / MANIFEST_NAME)
    assert record["knowledge_base_sha256"] == kb.sha256
    assert record["classes"] == sorted(kb.cause_ids)
    assert record["features"] == list(kb.finding_ids)
    assert record["feature_encoding"]["movement"]["codes"] == {"twitch": 0, "spasm": 1}
    assert record["feature_encoding"]["weakness"]["codes"] == {"false": 0.0, "true": 1.0}
    assert record["feature_encoding"]["stress_level"] == {"type": "number", "min": 0.0, "max": 10.0, "unknown": "NaN"}
    assert {"accuracy", "top3_accuracy", "bayes_accuracy", "ratio"} <= set(record["metrics"])
    assert record["tree"]["depth"] == read_tree(small_model / TREE_NAME).depth() <= record["hyperparameters"]["max_depth"]
    assert record["tree"]["leaves"] <= record["hyperparameters"]["max_leaf_nodes"]


def _walk(tree, X: np.ndarray) -> tuple[list[str], np.ndarray]:
    leaves = [tree.decision_path(row)[-1] for row in X.tolist()]
    value = np.array([tree.value[leaf] for leaf in leaves])
    return [tree.classes[i] for i in value.argmax(axis=1)], value


# Runs in a Python that has scikit-learn but where bicep_twitch cannot be imported.
PLAIN_SKLEARN = """
import json, sys
sys.modules["bicep_twitch"] = None  # also hides the model folder site-packages keeps for a wheel
try:
    import bicep_twitch
except ImportError:
    pass
else:
    raise SystemExit("bicep_twitch is importable")
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
cases = pd.read_csv(sys.argv[2], dtype={"movement": "string"})
cases = cases[cases.columns[::-1]]  # the pipeline selects findings by name, not position
json.dump({"cause": model.predict(cases).tolist(), "proba": model.predict_proba(cases).tolist(),
           "classes": model.classes_.tolist()}, open(sys.argv[3], "w"))
"""


def test_plain_scikit_learn_loads_the_model_and_agrees_with_the_plain_tree(small_model, tmp_path):
    tables = compile_tables()
    X, y = fully_answered_cases(3_000, seed=11, tables=tables)
    to_frame(X, None, tables).to_csv(tmp_path / "cases.csv", index=False)
    # -I: no PYTHONPATH, user site or current folder; -S: no site-packages .pth files (an
    # editable install puts the source folder on the path through one); site-packages goes
    # back on the path by hand, without its .pth files.
    bootstrap = f"import sys; sys.path.append({sysconfig.get_paths()['purelib']!r}); exec(open(sys.argv[4]).read())"
    (tmp_path / "plain.py").write_text(PLAIN_SKLEARN)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", bootstrap, str(small_model / JOBLIB_NAME), str(tmp_path / "cases.csv"),
         str(tmp_path / "out.json"), str(tmp_path / "plain.py")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    # sys.argv[0] is "-c", so the script's argv[1:] are the paths above.
    got = json.loads((tmp_path / "out.json").read_text())
    tree = read_tree(small_model / TREE_NAME)
    cause, value = _walk(tree, X)
    assert got["classes"] == list(tree.classes)
    assert got["cause"] == cause
    np.testing.assert_allclose(np.array(got["proba"]), value, rtol=1e-9, atol=1e-12)


def test_pipeline_reads_the_contract_encoding(kb, small_model):
    import joblib

    model = joblib.load(small_model / JOBLIB_NAME)
    tree = read_tree(small_model / TREE_NAME)
    frame = pd.DataFrame(
        {"movement": ["twitch", "spasm", None, "jerk"], "weakness": [1.0, 0.0, np.nan, 1.0],
         "caffeine_cups_per_day": [7.0, 0.0, 2.5, np.nan]}
    ).reindex(columns=list(kb.finding_ids))
    X = np.full((4, len(kb.finding_ids)), np.nan)
    X[:, kb.finding_ids.index("movement")] = [0.0, 1.0, np.nan, np.nan]  # an unseen choice is unknown
    X[:, kb.finding_ids.index("weakness")] = frame["weakness"]
    X[:, kb.finding_ids.index("caffeine_cups_per_day")] = frame["caffeine_cups_per_day"]
    assert model.predict(frame).tolist() == _walk(tree, X)[0]


def test_thresholds_agree_at_float32_boundaries(kb, small_model):
    # scikit-learn compares float32(value) <= threshold; the plain tree must send every value the same way.
    import joblib

    estimator = joblib.load(small_model / JOBLIB_NAME).named_steps["tree"]
    tree = read_tree(small_model / TREE_NAME)
    rows = []
    for node in range(tree.node_count):
        if tree.is_leaf(node):
            continue
        t = tree.threshold[node]
        if not math.isfinite(t):  # a split of known against unknown values: no boundary to test
            continue
        for x in (t, math.nextafter(t, -math.inf), math.nextafter(t, math.inf), tree.cut[node],
                  math.nextafter(tree.cut[node], math.inf)):
            row = [math.nan] * len(kb.finding_ids)
            row[tree.feature[node]] = x
            rows.append(row)
    X = np.array(rows)
    assert estimator.apply(X).tolist() == [tree.decision_path(r)[-1] for r in X.tolist()]


def test_failed_export_keeps_the_old_files(kb, tmp_path, monkeypatch):
    export_model(_toy_tree(kb), tmp_path, kb=kb, metadata={"seed": 0})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    import bicep_twitch.model.export as export_module

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_module.TreeData, "to_json", crash)
    with pytest.raises(OSError, match="disk full"):
        export_model(_toy_tree(kb), tmp_path, kb=kb, metadata={"seed": 1})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def cases_reaching_every_leaf(tree) -> dict[int, list[float]]:
    """For each leaf of a plain-data tree, an encoded case whose walk ends there.

    Walk every path keeping, per finding, the interval of values (lo, hi] and whether an unknown
    answer still follows it; a leaf's case takes unknown where allowed, else the interval's middle.
    """
    out = {}
    stack = [(0, {})]
    while stack:
        node, allowed = stack.pop()
        if tree.is_leaf(node):
            row = []
            for j in range(len(tree.features)):
                lo, hi, unknown_ok = allowed.get(j, (-math.inf, math.inf, True))
                if unknown_ok:
                    row.append(math.nan)
                elif lo < hi:
                    if math.isfinite(lo) and math.isfinite(hi):
                        row.append((lo + hi) / 2)
                    else:  # one side open, or any known value (a split of known against unknown)
                        row.append(hi - 1.0 if math.isfinite(hi) else (lo + 1.0 if math.isfinite(lo) else 0.0))
                else:
                    break  # no case can reach this leaf
            else:
                out[node] = row
            continue
        j, t = tree.feature[node], tree.threshold[node]
        lo, hi, unknown_ok = allowed.get(j, (-math.inf, math.inf, True))
        missing_left = bool(tree.missing_go_to_left[node])
        stack.append((tree.children_left[node], {**allowed, j: (lo, min(hi, t), unknown_ok and missing_left)}))
        stack.append((tree.children_right[node], {**allowed, j: (max(lo, t), hi, unknown_ok and not missing_left)}))
    return out


def test_plain_tree_joblib_estimator_and_predictor_agree_on_every_leaf(small_model):
    # One case per leaf, built from the plain-data tree: scikit-learn's estimator sends it to
    # the same leaf, and its predict_proba is the predictor's differential there.
    import joblib

    from bicep_twitch import Predictor

    tree = read_tree(small_model / TREE_NAME)
    estimator = joblib.load(small_model / JOBLIB_NAME).named_steps["tree"]
    cases = cases_reaching_every_leaf(tree)
    assert sorted(cases) == sorted(tree.leaves())  # every leaf is reachable by some case
    X = np.array(list(cases.values()))
    assert estimator.apply(X).tolist() == list(cases)
    assert [tree.decision_path(row)[-1] for row in cases.values()] == list(cases)
    predictor = Predictor.load(small_model)
    proba = estimator.predict_proba(X)
    for row, p in zip(cases.values(), proba):
        differential = dict(predictor.predict_encoded(row).differential)
        np.testing.assert_allclose([differential[c] for c in estimator.classes_], p, rtol=1e-12, atol=1e-15)
