"""Loading a model trusts nothing it has not checked, and the probes of bad input get exit 2.

Crafted folders rewrite the hash in the metadata too, as an attacker would: the checks must
hold without the hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch._errors import ModelIntegrityError
from bicep_twitch.cli import main
from bicep_twitch.core.tree import TreeData

META, TREE, JOBLIB = "bicep_twitch_tree.json", "bicep_twitch_tree.tree.json", "bicep_twitch_tree.joblib"


def copy(toy_model, tmp_path) -> Path:
    return Path(shutil.copytree(toy_model, tmp_path / "m"))


def rewrite_meta(model: Path, key: str, **entry) -> None:
    meta = json.loads((model / META).read_text())
    meta["files"][key].update(entry)
    (model / META).write_text(json.dumps(meta))


def plant_tree(model: Path, change) -> None:
    """Change the tree file and rewrite its hash, so only the validation can catch it."""
    raw = json.loads((model / TREE).read_text())
    change(raw)
    data = json.dumps(raw).encode()
    (model / TREE).write_bytes(data)
    rewrite_meta(model, "tree", sha256=hashlib.sha256(data).hexdigest())


def predict_status(capsys, model) -> tuple[int, str]:
    status = main(["predict", "--model", str(model), "--case", "{}"])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("path", ["../outside.joblib", "/etc/passwd", "sub/../x", "", ".."])
def test_metadata_paths_must_stay_inside_the_folder(capsys, toy_model, tmp_path, path):
    model = copy(toy_model, tmp_path)
    outside = tmp_path / "outside.joblib"
    outside.write_bytes(b"planted")
    rewrite_meta(model, "joblib", path=path, sha256=hashlib.sha256(b"planted").hexdigest())
    with pytest.raises(ModelIntegrityError, match=r"files.joblib.path must be a file name inside the model folder"):
        Predictor.load(model)
    status, err = predict_status(capsys, model)
    assert status == 2 and "inside the model folder" in err


def test_a_symlinked_model_file_is_refused(toy_model, tmp_path):
    model = copy(toy_model, tmp_path)
    real = tmp_path / "elsewhere.json"
    shutil.move(model / TREE, real)
    (model / TREE).symlink_to(real)
    with pytest.raises(ModelIntegrityError, match="is a symlink"):
        Predictor.load(model)


def test_the_estimator_never_unpickles_a_file_outside_the_folder(small_model, tmp_path):
    model = Path(shutil.copytree(small_model, tmp_path / "m"))
    pickle_file = tmp_path / "evil.joblib"
    shutil.copy(model / JOBLIB, pickle_file)  # a real pickle outside, hash rewritten to match
    rewrite_meta(model, "joblib", path="../evil.joblib",
                 sha256=hashlib.sha256(pickle_file.read_bytes()).hexdigest())
    with pytest.raises(ModelIntegrityError):
        Predictor.load(model).estimator


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t["children_left"].__setitem__(1, 0), "has the child 0; children must lie after it"),  # a cycle
        (lambda t: t["children_right"].__setitem__(0, 99), "has the child 99"),
        (lambda t: t["children_right"].__setitem__(1, 2), "has 2 parents"),
        (lambda t: t["children_right"].__setitem__(2, 5), "has one child"),
        (lambda t: t["feature"].__setitem__(0, 500), "splits on feature 500"),
        (lambda t: t["value"].__setitem__(2, [0, 0, 0, 0, -0.4, 1.4]), "non-negative numbers"),
        (lambda t: t["value"].__setitem__(2, [0, 0, 0, 0.4, 0.6]), "must hold 6 non-negative numbers"),
        (lambda t: t["threshold"].__setitem__(0, "4.5"), "'threshold' at node 0 must be a number"),
        (lambda t: t["n_samples"].__setitem__(3, -1), "'n_samples' at node 3 is negative"),
        (lambda t: t["missing_go_to_left"].__setitem__(0, 2), "must be 0 or 1"),
        (lambda t: t.pop("value"), "lacks the field 'value'"),
        (lambda t: t["feature"].pop(), "has 6 entries, expected 7"),
        (lambda t: t.__setitem__("classes", ["a", "a"]), "distinct names"),
    ],
)
def test_a_crafted_tree_is_refused_before_it_is_walked(capsys, toy_model, tmp_path, change, message):
    model = copy(toy_model, tmp_path)
    plant_tree(model, change)
    with pytest.raises(ModelIntegrityError, match="the tree file in .* is unreadable") as info:
        Predictor.load(model)
    assert message in str(info.value)
    status, err = predict_status(capsys, model)
    assert status == 2 and message in err


def test_a_valid_tree_round_trips(toy_model):
    tree = Predictor.load(toy_model).tree
    again = TreeData.from_json(tree.to_json())
    assert again == tree


def test_duplicate_keys_in_the_metadata_are_refused(toy_model, tmp_path):
    model = copy(toy_model, tmp_path)
    text = (model / META).read_text()
    (model / META).write_text(text.replace('"format": ', '"format": "x", "format": ', 1))
    with pytest.raises(ModelIntegrityError, match="key 'format' is given twice"):
        Predictor.load(model)


@pytest.mark.parametrize(
    "case, message",
    [
        ('{"weakness": true, "weakness": false}', "finding 'weakness' is given twice; give each finding once"),
        ("[" * 100000 + "]" * 100000, "nested more than 20 levels deep"),
        ('{"stress_level": ' + "1" * 400 + "}", "'stress_level' must be a number from 0 to 10 (got 111111111111"),
        ('{"stress_level": "1_0"}', "(got '1_0')"),
        ('{"stress_level": "\u0665"}', "'stress_level' must be a number"),
        ('{"stress_level": "\uff15"}', "'stress_level' must be a number"),
        ('{"weakness": "\\u001b[31myes"}', "(got '\\x1b[31myes')"),  # an escape sequence is shown escaped
    ],
)
def test_case_probes_exit_2_with_a_short_message(capsys, toy_model, case, message):
    status = main(["predict", "--model", str(toy_model), "--case", case])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err) < 400 and "\x1b" not in err


def test_a_huge_unknown_key_is_refused_quickly_and_shortly(capsys, toy_model, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"x" * 500_000: 1}))
    status = main(["predict", "--model", str(toy_model), "--case-file", str(big)])
    err = capsys.readouterr().err
    assert status == 2 and "unknown finding 'xxxx" in err and len(err) < 800
    big.write_text(json.dumps({"x" * (2 << 20): 1}))
    status = main(["predict", "--model", str(toy_model), "--case-file", str(big)])
    assert status == 2 and "is larger than the 1 MB allowed" in capsys.readouterr().err


def test_case_file_dev_zero_is_bounded(capsys, toy_model):
    status = main(["predict", "--model", str(toy_model), "--case-file", "/dev/zero"])
    assert status == 2 and "is larger than the 1 MB allowed" in capsys.readouterr().err


def test_ask_with_stdin_closed_exits_2(toy_model):
    proc = subprocess.run([sys.executable, "-m", "bicep_twitch", "ask", "--model", str(toy_model)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: os.close(0))
    assert proc.returncode == 2 and "stdin is closed" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("n", ["99999999999999999999", "10000000000"])
def test_generate_refuses_more_cases_than_disk_and_time_allow(capsys, tmp_path, n):
    status = main(["generate", "--n", n, "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert status == 2 and "'n' must be" in err and not (tmp_path / "d" / "manifest.json").exists()


def _chain(raw: dict, splits: int) -> None:
    """Make ``raw`` a valid chain of ``splits`` splits: each node's left child a leaf, its right the next split."""
    n = 2 * splits + 1
    left, right = [-1] * n, [-1] * n
    for k in range(splits):
        left[2 * k], right[2 * k] = 2 * k + 1, 2 * k + 2
    value = raw["value"][0]
    raw.update(children_left=left, children_right=right, feature=[0] * n, threshold=[0.5] * n,
               missing_go_to_left=[1] * n, value=[value] * n, n_samples=[10] * n)


def _balanced(raw: dict, levels: int) -> None:
    """A full tree of ``levels`` levels below the root, in breadth-first order (children after parents)."""
    n = 2 ** (levels + 1) - 1
    inner = 2 ** levels - 1
    left = [2 * i + 1 if i < inner else -1 for i in range(n)]
    right = [2 * i + 2 if i < inner else -1 for i in range(n)]
    value = raw["value"][0]
    raw.update(children_left=left, children_right=right, feature=[0] * n, threshold=[0.5] * n,
               missing_go_to_left=[1] * n, value=[value] * n, n_samples=[10] * n)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: _chain(t, 65), "splits at depth 64; a tree may be at most 64 deep"),
        (lambda t: _chain(t, 150_000), "the tree has 300,001 nodes, more than the 65,535 a tree may have"),  # 44 MB
        (lambda t: _balanced(t, 16), "the tree has 131,071 nodes, more than the 65,535"),
    ],
)
def test_depth_and_node_count_are_bounded_on_load(capsys, toy_model, tmp_path, change, message):
    """Issue 21, probe 6: a crafted but valid tree (correct hashes) cost 25 s and 3 GB to predict."""
    model = copy(toy_model, tmp_path)
    plant_tree(model, change)
    with pytest.raises(ModelIntegrityError, match=message):
        Predictor.load(model)
    status, err = predict_status(capsys, model)
    assert status == 2 and message in err


def test_a_tree_at_the_bounds_loads(toy_model, tmp_path):
    model = copy(toy_model, tmp_path)
    plant_tree(model, lambda t: _chain(t, 64))
    assert Predictor.load(model).tree.depth() == 64
