"""``predict --output``: what it may replace, what it writes in place, and what it refuses."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch.cli import main

CSV = "id,weakness\na,yes\nb,no\n"


def predict(capsys, model, source, target):
    status = main(["predict", "--model", str(model), "--input", str(source), "--output", str(target)])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CSV)
    return path


def test_the_input_file_itself_is_refused(capsys, toy_model, source):
    status, _, err = predict(capsys, toy_model, source, source)
    assert status == 2 and "is the input file; write to another file" in err
    assert source.read_text() == CSV
    link = source.with_name("link.csv")
    link.symlink_to(source)
    assert predict(capsys, toy_model, source, link)[0] == 2 and source.read_text() == CSV


def test_a_model_folders_files_are_refused(capsys, toy_model, source, tmp_path):
    model = Path(shutil.copytree(toy_model, tmp_path / "m"))
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    for name in ("bicep_twitch_tree.json", "preds.csv"):
        status, _, err = predict(capsys, model, source, model / name)
        assert status == 2 and "a folder that is written as one unit (a model or a dataset)" in err
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    Predictor.load(model)


def test_a_symlink_is_followed_not_replaced(capsys, toy_model, source, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    status, _, err = predict(capsys, toy_model, source, link)
    assert status == 0 and f"wrote 2 rows to {link}, all predicted" in err
    assert link.is_symlink() and real.read_text().startswith("id,cause,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file's permissions are kept


def test_a_folder_or_a_missing_folder_is_refused(capsys, toy_model, source, tmp_path):
    assert "is a folder" in predict(capsys, toy_model, source, tmp_path)[2]
    status, _, err = predict(capsys, toy_model, source, tmp_path / "none" / "preds.csv")
    assert status == 2 and "does not exist" in err


def test_a_pipe_is_written_in_place(capsys, toy_model, source, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    status, _, _ = predict(capsys, toy_model, source, fifo)
    reader.join(timeout=30)
    assert status == 0 and got and got[0].startswith("id,cause,")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not replaced by a file


def test_devices_are_written_in_place_never_replaced(capsys, toy_model, source):
    status, _, _ = predict(capsys, toy_model, source, "/dev/null")
    assert status == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        status, _, err = predict(capsys, toy_model, source, "/dev/full")
        assert status == 1 and "cannot write '/dev/full' (No space left on device;" in err
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and "Traceback" not in err


def test_a_failed_write_keeps_the_old_file(capsys, toy_model, source, tmp_path, monkeypatch):
    import bicep_twitch._io as io_module

    target = tmp_path / "preds.csv"
    target.write_text("old predictions")

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_module, "_replace", full)
    status, _, err = predict(capsys, toy_model, source, target)
    assert status == 1 and "No space left on device" in err and "keeps its old content" in err
    assert target.read_text() == "old predictions"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
