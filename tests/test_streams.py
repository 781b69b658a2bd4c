"""Streams written whole, checked, and exit statuses that say what happened (issue 21).

Each test names the probe of issue 21 it covers. The command runs in a subprocess where the
shell's set-up matters (closed descriptors, ``>>``, pipes, file size limits).
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bicep_twitch._io import write_all, write_stream
from bicep_twitch.data.generate import generate_cases

CLI = [sys.executable, "-m", "bicep_twitch"]
CASE = '{"movement": "spasm", "recent_arm_workout": true}'


def run(command: str, tmp_path: Path, **env) -> subprocess.CompletedProcess:
    """``command`` through the shell, with ``bt`` standing for the command line."""
    bt = " ".join(CLI)
    return subprocess.run(["bash", "-c", command.replace("bt ", bt + " ")], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=300)


@pytest.fixture(scope="module")
def cases_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "cases.csv"
    generate_cases(3_000, seed=5).drop(columns="cause").to_csv(path, index=False)
    return path


class ShortWrites(io.RawIOBase):
    """A raw stream that takes at most ``step`` bytes a write, and nothing after ``room`` bytes."""

    def __init__(self, step: int, room: int):
        self.step, self.room, self.got = step, room, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        n = min(self.step, len(data), self.room - len(self.got))
        self.got += bytes(data[:n])
        return n


def test_short_writes_are_continued_and_a_full_stream_is_an_error():
    """Probe 3 (a short write dropped): every byte goes out in as many writes as it takes."""
    sink = ShortWrites(step=7, room=10_000)
    write_all(sink.write, b"x" * 5_000, where="the sink")
    assert bytes(sink.got) == b"x" * 5_000
    full = ShortWrites(step=7, room=100)
    with pytest.raises(OSError, match=r"cannot write the sink \(No space left on device; 4,900 of 5,000 bytes"):
        write_all(full.write, b"x" * 5_000, where="the sink")


def test_write_stream_through_an_unbuffered_text_stream():
    """Probe 3: PYTHONUNBUFFERED makes stdout's binary layer raw; a TextIOWrapper drops its short writes."""
    sink = ShortWrites(step=3, room=1_000)
    text = io.TextIOWrapper(sink, encoding="utf-8", write_through=True)
    write_stream(text, "é" * 100)
    assert sink.got.decode("utf-8") == "é" * 100
    with pytest.raises(OSError, match="closed"):
        write_stream(None, "x")


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["unbuffered", "buffered"])
def test_a_batch_to_a_full_disk_exits_1(tmp_path, cases_csv, unbuffered):
    """Probe 3: a disk that fills up part way (a file size limit: short writes, then EFBIG) is exit 1."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with open(tmp_path / "out.csv", "wb") as out:
        proc = subprocess.run([*CLI, "predict", "--input", str(cases_csv)], stdout=out, stderr=subprocess.PIPE,
                              text=True, env=env, preexec_fn=limit, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "cannot write stdout" in proc.stderr and "File too large" in proc.stderr
    assert (tmp_path / "out.csv").stat().st_size == 20_000


def test_output_dev_stdout_appends_as_the_shell_set_it_up(tmp_path, cases_csv):
    """Probe 2: --output /dev/stdout >> log keeps what the log held; into a pipe it works."""
    (tmp_path / "log.csv").write_text("kept\n")
    proc = run(f"bt predict --input {cases_csv} --output /dev/stdout >> log.csv", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "log.csv").read_text().splitlines()
    assert lines[0] == "kept" and len(lines) == 1 + 1 + 3_000
    proc = run(f"bt predict --input {cases_csv} --output /dev/stdout | wc -l", tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "3001", proc.stderr


def test_closed_stderr_keeps_the_json_alone(tmp_path, cases_csv):
    """Probe 4: with stderr closed the "model ..." note no longer lands in stdout."""
    proc = run(f"bt predict --case '{CASE}' --format json 2>&-", tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["triage"]
    proc = run(f"bt predict --input {cases_csv} 2>&-", tmp_path)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3_001


def test_closed_stdout_is_exit_1(tmp_path):
    proc = run(f"bt predict --case '{CASE}' >&-", tmp_path)
    assert proc.returncode == 1 and "cannot write stdout: it is closed" in proc.stderr


@pytest.mark.parametrize("command", ["bt --version", "bt predict --help", f"bt predict --case '{CASE}'"])
def test_stdout_errors_at_exit_are_exit_1_with_one_line(tmp_path, command):
    """Probe 7: not status 120 and "Exception ignored in"; not a silent 0 either."""
    proc = run(command + " > /dev/full", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "No space left on device" in proc.stderr and "Exception ignored" not in proc.stderr


def test_a_reader_that_closes_early(tmp_path, cases_csv):
    """Probe 7: a reader that stops reading is exit 1 and one line, no traceback."""
    proc = run(f"bt predict --input {cases_csv} | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}} >&2", tmp_path)
    status = proc.stderr.strip().splitlines()[-1]
    assert status == "1" and "Broken pipe" in proc.stderr and "Traceback" not in proc.stderr


def test_a_missing_model_is_bad_input_like_a_missing_input(tmp_path):
    """Probe 7: --model /nonexistent exits 2, as --input /nonexistent does."""
    a = run(f"bt predict --model /nonexistent --case '{CASE}'", tmp_path)
    b = run("bt predict --input /nonexistent", tmp_path)
    assert (a.returncode, b.returncode) == (2, 2)
    assert "no model at '/nonexistent'" in a.stderr


def test_a_one_column_csv_keeps_every_blank_row(tmp_path):
    """Probe 3: spreadsheets write unknown cells of a one-column file as blank lines; 3 cases in, 3 rows out."""
    (tmp_path / "one.csv").write_text("caffeine_cups_per_day\n3\n\n\n")
    proc = run("bt predict --input one.csv", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1 + 3


@pytest.mark.parametrize("option, value", [("--input", "one.csv"), ("--case", "{}"), ("--model", "models")])
def test_an_option_given_twice_is_bad_usage(tmp_path, option, value):
    """Probe 3: a repeated --input or --case silently kept only the last."""
    (tmp_path / "one.csv").write_text("caffeine_cups_per_day\n3\n")
    proc = run(f"bt predict {option} '{value}' {option} '{value}'", tmp_path)
    assert proc.returncode == 2 and f"argument {option}: given twice; give it once" in proc.stderr


# -- probe 5: one output rule for every command --------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    from bicep_twitch.data.generate import write_dataset

    out = tmp_path_factory.mktemp("ds") / "ds"
    write_dataset(out, n=300, seed=3)
    return out


def test_output_into_a_dataset_folder_is_refused(tmp_path, cases_csv, dataset):
    before = (dataset / "train.csv").read_bytes()
    proc = run(f"bt predict --input {cases_csv} --output {dataset}/train.csv", tmp_path)
    assert proc.returncode == 2 and "written as one unit" in proc.stderr
    assert (dataset / "train.csv").read_bytes() == before


def test_output_onto_the_input_read_from_stdin_is_refused(tmp_path, cases_csv):
    before = cases_csv.read_bytes()
    proc = run(f"bt predict --input - --output {cases_csv} < {cases_csv}", tmp_path)
    assert proc.returncode == 2 and "is the input file" in proc.stderr
    assert cases_csv.read_bytes() == before


@pytest.mark.parametrize("target, message", [("newdir/", "ends with '/'"), (".", "is a folder")])
def test_output_naming_a_folder_is_refused(tmp_path, cases_csv, target, message):
    for command in (f"bt predict --input {cases_csv} --output {target}", f"bt explore --out {target}"):
        proc = run(command, tmp_path)
        assert proc.returncode == 2 and message in proc.stderr and ".tmp" not in proc.stderr, proc.stderr
    assert not (tmp_path / "newdir").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the command as another user (setpriv)")
def test_a_read_only_output_is_refused_as_the_shell_refuses_it(tmp_path, cases_csv):
    """As an unprivileged user, as the shell's `>` would refuse it (root may write anything)."""
    import shutil
    import tempfile

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    where = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folders are 0700: nobody cannot enter them
    try:
        where.chmod(0o777)
        shutil.copy(cases_csv, where / "cases.csv")
        os.chmod(where / "cases.csv", 0o644)
        out = where / "ro.csv"
        out.write_text("mine\n")
        out.chmod(0o444)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *CLI, "predict", "--input",
                   str(where / "cases.csv"), "--output", str(out)]
        proc = subprocess.run(command, capture_output=True, text=True, cwd=where, timeout=300,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        kept = out.read_text()
    finally:
        shutil.rmtree(where)
    if "Permission denied" in proc.stderr and "ro.csv" not in proc.stderr:
        pytest.skip(f"the package cannot be run as nobody here: {proc.stderr[-200:]}")
    assert proc.returncode == 2 and "is read-only" in proc.stderr, proc.stderr
    assert kept == "mine\n"


def test_explore_follows_a_link_as_output_does(tmp_path):
    (tmp_path / "real.html").write_text("old")
    (tmp_path / "link.html").symlink_to("real.html")
    proc = run("bt explore --out link.html", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "link.html").is_symlink()
    assert (tmp_path / "real.html").read_text().startswith("<!doctype html>")


def test_render_replaces_none_of_its_files_when_one_cannot_be_written(tmp_path):
    for name in ("case.svg", "case.dot"):
        (tmp_path / name).write_text("old")
    (tmp_path / "case.png").mkdir()
    proc = run(f"bt render --case '{CASE}'", tmp_path)
    assert proc.returncode == 2 and "is a folder" in proc.stderr
    assert (tmp_path / "case.svg").read_text() == "old" and (tmp_path / "case.dot").read_text() == "old"


def test_train_out_the_current_folder_is_refused(tmp_path, dataset):
    proc = run(f"bt train --data {dataset} --out .", tmp_path)
    assert proc.returncode == 2 and "must not be the current folder" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", [0o700, 0o2770])
def test_a_replaced_folder_keeps_its_mode_and_group(tmp_path, mode):
    from bicep_twitch.data.generate import write_dataset

    out = tmp_path / "ds"
    out.mkdir()
    os.chown(out, -1, 65534) if os.geteuid() == 0 else None
    out.chmod(mode)
    before = out.stat()
    write_dataset(out, n=200, seed=1)
    after = out.stat()
    assert after.st_ino != before.st_ino  # it was replaced
    assert (oct(after.st_mode & 0o7777), after.st_gid) == (oct(mode), before.st_gid)
