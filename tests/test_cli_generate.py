"""`bicep-twitch generate`: writes the dataset; bad options exit 2 with a clear message, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bicep_twitch.cli import main

VENV_COMMAND = Path("/tmp/venv/bin/bicep-twitch")


def command() -> list[str]:
    """The installed console script when there is one, else the module."""
    if VENV_COMMAND.exists() and Path(sys.executable).parent == VENV_COMMAND.parent:
        return [str(VENV_COMMAND)]
    return [sys.executable, "-m", "bicep_twitch"]


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([*command(), *args], capture_output=True, text=True, timeout=120, env=env)


def test_generate_writes_the_files(tmp_path, capsys):
    out = tmp_path / "synthetic"
    assert main(["generate", "--n", "400", "--n-test", "60", "--seed", "4", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "test.csv", "train.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4
    assert (manifest["files"]["train"]["rows"], manifest["files"]["test"]["rows"]) == (400, 60)
    assert capsys.readouterr().out == f"wrote 400 training and 60 test cases to {out} (seed 4)\n"


def test_default_test_size_is_a_fifth(tmp_path, capsys):
    assert main(["generate", "--n", "1000", "--out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (manifest["seed"], manifest["files"]["test"]["rows"]) == (0, 200)


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--n", "0", "argument --n: must be at least 1 (got 0)"),
        ("--n", "-5", "argument --n: must be at least 1 (got -5)"),
        ("--n", "many", "argument --n: must be a whole number in digits 0-9 (got 'many')"),
        ("--n", "1.5", "argument --n: must be a whole number in digits 0-9 (got '1.5')"),
        ("--n-test", "0", "argument --n-test: must be at least 1 (got 0)"),
        ("--seed", "-1", "argument --seed: must be a whole number from 0 to 4294967295 (got -1)"),
        ("--seed", "x", "argument --seed: must be a whole number from 0 to 4294967295 (got 'x')"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as stop:
        main(["generate", option, value, "--out", str(tmp_path / "d")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"bicep-twitch generate: error: {message}"
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("command", ["generate", "train"])
@pytest.mark.parametrize("seed", [str(2**32), "1_0", "٣", "9" * 5000])
def test_seed_out_of_range_or_not_ascii_exits_2_before_any_work(tmp_path, capsys, command, seed):
    """Issue 21, probe 7: a seed scikit-learn cannot take is refused up front, naming the option."""
    with pytest.raises(SystemExit) as stop:
        main([command, "--seed", seed, "--out", str(tmp_path / "o")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith(f"bicep-twitch {command}: error: argument --seed: must be a whole number from 0 to {2**32 - 1}")
    assert "set_int_max_str_digits" not in err and len(err) < 200
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("n", ["1_0", "٣", "9" * 5000])
def test_n_in_ascii_digits_only(tmp_path, capsys, n):
    """Issue 21, probe 7: --n reads numbers as case values do ("1_0" and "٣" refused)."""
    with pytest.raises(SystemExit):
        main(["generate", "--n", n, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.splitlines()[-1]
    assert "argument --n: must be a whole number in digits 0-9" in err and "set_int_max_str_digits" not in err


def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["generate", "--n", "10", "--out", str(blocker / "data")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bicep-twitch generate: error: 'out' must be a writable folder (got '{blocker / 'data'}'")
    assert "Traceback" not in err


def test_the_installed_command(tmp_path):
    out = tmp_path / "data"
    done = run("generate", "--n", "300", "--n-test", "50", "--seed", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote 300 training and 50 test cases to {out} (seed 2)\n"
    assert (out / "train.csv").read_text().count("\n") == 301  # header + rows

    done = run("generate", "--n", "0", "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "bicep-twitch generate: error: argument --n: must be at least 1 (got 0)" in done.stderr
    assert "Traceback" not in done.stderr

    blocker = tmp_path / "a_file"
    blocker.write_text("")
    done = run("generate", "--n", "10", "--out", str(blocker / "data"))
    assert done.returncode == 2
    assert done.stderr.startswith("bicep-twitch generate: error: 'out' must be a writable folder")
    assert "Traceback" not in done.stderr and done.stdout == ""
