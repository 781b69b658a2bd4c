"""A model or dataset folder changes as one unit under kills, failing renames and a second writer.

The fault injection kills ``train`` and ``generate`` (``os._exit``, as ``kill -9`` would) just
before and just after each rename they make (see ``fault_runner.py``), then checks the folder:
it loads, and predicts (or reads) exactly as the old version or the new one, never a mix; before
the swap it is the old one. A later writer cleans up what a killed run left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bicep_twitch import Predictor
from bicep_twitch._io import FolderBusyError, folder_lock, replaced_folder
from bicep_twitch.cli import main
from bicep_twitch.data.datasets import load_split
from bicep_twitch.data.generate import generate_cases, write_dataset
from bicep_twitch.draw.explorer import explorer_data

RUNNER = Path(__file__).with_name("fault_runner.py")
KILLED = 99


def run_faults(tmp_path: Path, old: Path, argv: list[str], **extra) -> dict:
    work = tmp_path / "work"
    work.mkdir()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"old": str(old), "work": str(work), "argv": argv, **extra}))
    proc = subprocess.run([sys.executable, str(RUNNER), str(plan)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["status"] == 0 and report["renames"] >= 1
    assert all(status == KILLED for _, _, status in report["runs"].values()), report["runs"]
    return report


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.") and
                  not p.name.endswith(".lock"))


@pytest.fixture(scope="module")
def old_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("old") / "data"
    write_dataset(out, n=2_000, seed=11)
    (out / "README.md").write_text("a file of the user's, carried over by every write\n")
    return out


def dataset_version(folder: Path) -> str:
    """The manifest of a dataset folder that reads back whole (both splits match their hashes)."""
    train, manifest = load_split(folder, "train")
    test, _ = load_split(folder, "test")
    assert len(train) == manifest["files"]["train"]["rows"] and len(test) == manifest["files"]["test"]["rows"]
    return json.dumps(manifest, sort_keys=True)


@pytest.mark.parametrize("no_exchange", [False, True], ids=["exchange", "two-renames"])
def test_generate_killed_at_every_rename_leaves_the_old_or_the_new_dataset(tmp_path, old_data, no_exchange):
    report = run_faults(tmp_path, old_data, ["generate", "--n", "2000", "--seed", "12", "--out"],
                        no_exchange=no_exchange)
    old, new = dataset_version(old_data), dataset_version(Path(report["clean"]))
    assert old != new
    seen = []
    for folder, (k, when, _) in report["runs"].items():
        folder = Path(folder)
        if not folder.exists():  # killed between the two renames of the fallback: the next writer restores it
            assert no_exchange
            with pytest.raises(RuntimeError), replaced_folder(folder):
                raise RuntimeError("a writer that fails after the recovery")
        version = dataset_version(folder)
        assert version in (old, new), (k, when)
        seen.append(version == new)
        assert (folder / "README.md").exists()
    assert seen[0] is False and seen[-1] is True  # killed before the first rename: old; after the last: new
    # The next successful write removes what the killed runs left beside their folders.
    folder = Path(next(iter(report["runs"])))
    write_dataset(folder, n=500, seed=1)
    assert leftovers(folder) == []


@pytest.fixture(scope="module")
def old_model(tmp_path_factory, old_data):
    from bicep_twitch.model.train import train_model

    out = tmp_path_factory.mktemp("oldmodel") / "models"
    train_model(old_data, out, seed=11)
    (out / "tree.svg").write_text("<svg>the old picture</svg>")
    return out


def predictions(folder: Path, cases) -> tuple[str, np.ndarray]:
    predictor = Predictor.load(folder)
    return predictor.metadata["files"]["tree"]["sha256"], predictor.predict_many(cases).probabilities


def test_train_killed_at_every_rename_leaves_the_old_or_the_new_model(tmp_path, old_data, old_model):
    cases = generate_cases(300, seed=99).drop(columns="cause")
    report = run_faults(tmp_path, old_model, ["train", "--data", str(old_data), "--seed", "12", "--out"],
                        after="first_and_last")
    old_hash, old_p = predictions(old_model, cases)
    new_hash, new_p = predictions(Path(report["clean"]), cases)
    assert old_hash != new_hash
    for folder, (k, when, _) in report["runs"].items():
        tree_hash, p = predictions(Path(folder), cases)
        assert tree_hash in (old_hash, new_hash), (k, when)
        np.testing.assert_array_equal(p, old_p if tree_hash == old_hash else new_p)
        if tree_hash == old_hash:
            assert (Path(folder) / "tree.svg").read_text() == "<svg>the old picture</svg>", (k, when)
        else:  # issue 21, probe 1: the page and the pictures were swapped in with the model they show
            assert page_tree(Path(folder)) == page_tree(Path(report["clean"])), (k, when)
            assert (Path(folder) / "tree.svg").read_bytes() == (Path(report["clean"]) / "tree.svg").read_bytes()
    assert page_tree(Path(report["clean"])) == explorer_data(Predictor.load(report["clean"]).tree,
                                                             Predictor.load(report["clean"]).kb)["tree"]


def page_tree(folder: Path):
    """The tree embedded in a model folder's explorer.html."""
    import re

    html = (folder / "explorer.html").read_text(encoding="utf-8")
    return json.loads(re.search(r'id="bicep-twitch-data">(.*?)</script>', html, re.S).group(1))["tree"]


def test_a_failing_swap_keeps_the_old_model_and_says_so(tmp_path, old_data, old_model, monkeypatch, capsys):
    import bicep_twitch._io as io_module

    out = Path(shutil.copytree(old_model, tmp_path / "models"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def refuse(*args):
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(io_module, "_exchange", refuse)
    status = main(["train", "--data", str(old_data), "--out", str(out), "--seed", "12", "--no-pictures"])
    err = capsys.readouterr().err
    assert status == 1 and "Device or resource busy" in err and "wrote" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and leftovers(out) == []


def test_a_full_disk_keeps_the_old_dataset(tmp_path, old_data, monkeypatch):
    import bicep_twitch.data.generate as generate_module

    out = Path(shutil.copytree(old_data, tmp_path / "data"))
    before = dataset_version(out)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(generate_module, "_manifest", full)
    with pytest.raises(OSError, match="No space left"):
        write_dataset(out, n=500, seed=3)
    assert dataset_version(out) == before and leftovers(out) == []


@contextlib.contextmanager
def lock_held_elsewhere(folder: Path, *, shared: bool):
    """Another process holding ``folder``'s lock (not this process's own, which would re-enter)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from bicep_twitch._io import folder_lock\n"
         f"with folder_lock({str(folder)!r}, shared={shared}):\n    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_a_second_concurrent_writer_fails_clearly(tmp_path, old_data, capsys):
    out = Path(shutil.copytree(old_data, tmp_path / "data"))
    before = dataset_version(out)
    with lock_held_elsewhere(out, shared=False) as pid:
        status = main(["generate", "--n", "500", "--out", str(out)])
        err = capsys.readouterr().err
        assert status == 1 and "another process is reading or writing" in err and "wrote" not in err
        with pytest.raises(FolderBusyError, match=rf"another process \(pid {pid}\) is writing"):
            with folder_lock(out, shared=True):  # a reader (train reading its data) is told who writes
                pass
    assert dataset_version(out) == before


def test_train_reading_a_dataset_keeps_generate_out(tmp_path, old_data, capsys):
    out = Path(shutil.copytree(old_data, tmp_path / "data"))
    with lock_held_elsewhere(out, shared=True):  # as `train` holds it while it reads the splits
        status = main(["generate", "--n", "500", "--out", str(out)])
        assert status == 1 and "reading or writing" in capsys.readouterr().err
        with folder_lock(out, shared=True):  # readers share it
            pass
    assert main(["generate", "--n", "500", "--out", str(out)]) == 0


def test_a_folder_holding_folders_is_never_replaced(tmp_path, capsys):
    home = tmp_path / "home"
    (home / "projects").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds the folder 'projects'"):
        write_dataset(home, n=100)
    assert main(["generate", "--n", "100", "--out", str(home)]) == 2  # a bad --out is bad usage
    assert "'out' must be a folder of its own files only" in capsys.readouterr().err
    assert os.listdir(home) == ["projects"]


def test_the_committed_model_loads_unchanged():
    from bicep_twitch.core.model_folder import default_model_dir

    predictor = Predictor.load(default_model_dir())
    assert predictor.tree.node_count > 1 and predictor.predict({"movement": "spasm"}).cause


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_swap_is_one_exchange_here(tmp_path):
    from bicep_twitch._io import _exchange

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    assert _exchange(tmp_path / "a", tmp_path / "b") is True  # so the fault tests test the exchange
    assert (tmp_path / "b" / "x").read_text() == "a" and not (tmp_path / "a" / "x").exists()


def test_a_reader_sees_one_whole_model_while_it_is_swapped(tmp_path, old_model, toy_model):
    # Two versions swapped in turn as fast as possible while another thread loads: every load
    # gives one version's tree (a reader mixing metadata and tree would fail the hash check).
    import threading

    folder = Path(shutil.copytree(old_model, tmp_path / "models"))
    versions = [{p.name: p.read_bytes() for p in Path(m).iterdir() if p.name.startswith("bicep_twitch_tree")}
                for m in (old_model, toy_model)]
    stop = threading.Event()

    def swapper():
        k = 0
        while not stop.is_set():
            with replaced_folder(folder) as stage:
                for name, data in versions[k % 2].items():
                    (stage / name).write_bytes(data)
            k += 1

    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        nodes = {Predictor.load(folder).tree.node_count for _ in range(200)}
    finally:
        stop.set()
        thread.join()
    assert nodes <= {Predictor.load(old_model).tree.node_count, Predictor.load(toy_model).tree.node_count}


def test_a_symlinked_folder_is_replaced_where_it_points(tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    write_dataset(real, n=100, seed=1)
    link.symlink_to(real)
    write_dataset(link, n=200, seed=2)
    assert link.is_symlink() and load_split(real, "train")[1]["files"]["train"]["rows"] == 200


def test_reading_a_dataset_in_a_place_without_a_lock_file(tmp_path, monkeypatch):
    # A shared (reader's) lock that cannot be created, e.g. on a read-only mount, is skipped.
    import bicep_twitch._io as io_module

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(io_module.os, "open", refuse)
    with folder_lock(tmp_path / "data", shared=True):
        pass
    with pytest.raises(PermissionError):
        with folder_lock(tmp_path / "data"):
            pass


def test_a_lock_file_removed_mid_write_lets_no_second_swap_pass_unnoticed(tmp_path):
    """Issue 21, probe 7: deleting the lock file mid-train let a second writer into the same folder;
    now the first writer finds its lock gone before its swap and replaces nothing."""
    out = tmp_path / "ds"
    write_dataset(out, n=200, seed=1)
    before = dataset_version(out)
    with pytest.raises(FolderBusyError, match="was removed while this process was writing"):
        with replaced_folder(out) as stage:
            (stage / "x").write_text("first writer's file")
            (tmp_path / ".ds.lock").unlink()  # what the probe did, mid-write
            second = subprocess.run([sys.executable, "-m", "bicep_twitch", "generate", "--n", "300", "--seed", "2",
                                     "--out", str(out)], capture_output=True, text=True, timeout=300)
            assert second.returncode == 0, second.stderr  # the second writer got in and swapped
    assert dataset_version(out) != before and not (out / "x").exists()  # the second's set, whole
