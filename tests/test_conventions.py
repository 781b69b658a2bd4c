"""What a new user expects of the command: help, --version, which model a command uses, where render writes."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from bicep_twitch import Predictor, __version__
from bicep_twitch.cli import build_parser, main
from bicep_twitch.core.model_folder import META_NAME, command_model_dir, default_model_dir

REPO = Path(__file__).resolve().parents[1]
CASE = '{"caffeine_cups_per_day": 7, "weakness": true}'


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


# -- help and --version ---------------------------------------------------------------------------


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"bicep-twitch {version('bicep-twitch')}\n"
    assert version("bicep-twitch") == __version__  # one home: the build reads _version.py


def test_every_command_and_option_is_described():
    parser = build_parser()
    commands = _subcommands(parser)
    assert set(commands) == {"predict", "ask", "render", "generate", "train"}
    for name, sub in commands.items():
        assert sub.description and len(sub.description) > 40, name
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings} has no help"


def test_ask_help_says_how_to_skip_and_stop(capsys):
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'?' or an empty line if you don't know" in text
    assert "'done' to stop" in text


def test_no_command_prints_the_help_and_exits_2():
    proc = subprocess.run([sys.executable, "-m", "bicep_twitch"], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.startswith("usage: bicep-twitch")
    for command in ("predict", "ask", "render", "generate", "train"):
        assert f"\n    {command} " in proc.stderr


# -- which model a command uses -------------------------------------------------------------------


def test_commands_use_models_in_the_current_folder_else_the_shipped_one(toy_model, tmp_path, monkeypatch):
    assert command_model_dir(tmp_path) == (default_model_dir(), True)
    shutil.copytree(toy_model, tmp_path / "models")
    assert command_model_dir(tmp_path) == (tmp_path / "models", False)
    (tmp_path / "models" / META_NAME).unlink()  # a folder named models without a model is not one
    assert command_model_dir(tmp_path) == (default_model_dir(), True)


def test_predict_without_model_says_which_it_used(toy_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["predict", "--case", CASE, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == Predictor.load().predict(json.loads(CASE)).to_dict()
    assert "(the shipped model); --model PATH for another" in err

    shutil.copytree(toy_model, tmp_path / "models")
    assert main(["predict", "--case", CASE, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    # the toy tree: more than 4.5 cups and at most 10.5 is caffeine 0.8
    assert (json.loads(out)["cause"], json.loads(out)["probability"]) == ("caffeine", 0.8)
    assert err == "bicep-twitch predict: model 'models' (in the current folder); --model PATH for another\n"

    assert main(["predict", "--case", CASE, "--model", str(toy_model)]) == 0
    assert capsys.readouterr().err == ""  # the user chose: nothing to say


# -- render's default output ----------------------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_render_writes_into_the_current_folder_by_default(toy_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before = _digests(toy_model)
    assert main(["render", "--model", str(toy_model)]) == 0
    assert main(["render", "--model", str(toy_model), "--case", CASE]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "case.dot", "case.png", "case.svg", "tree.dot", "tree.png", "tree.svg"]
    assert _digests(toy_model) == before
    assert "wrote tree.svg, tree.png, tree.dot" in capsys.readouterr().out


def test_render_refuses_to_overwrite_the_models_pictures_by_default(toy_model, tmp_path, monkeypatch, capsys):
    model = shutil.copytree(toy_model, tmp_path / "models")
    (model / "tree.svg").write_text("<svg>the model's own picture</svg>")
    before = _digests(model)
    monkeypatch.chdir(model)
    for argv in (["render"], ["render", "--model", "."], ["render", "--case", CASE]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "is in a model folder" in err and "name the file with --out" in err
    assert _digests(model) == before
    # named explicitly, it is redrawn
    assert main(["render", "--out", "tree.svg"]) == 0
    assert (model / "tree.svg").read_text() != "<svg>the model's own picture</svg>"
