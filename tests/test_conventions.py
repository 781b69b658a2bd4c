"""What a new user expects of the command and the package: help, --version, which model a command
uses, where render writes, and a wheel that installs and predicts without the checkout."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
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
    assert set(commands) == {"predict", "ask", "render", "explore", "generate", "train", "findings"}
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


# -- the wheel ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    (path,) = out.glob("bicep_twitch-*.whl")
    return path


def test_wheel_carries_the_model_but_no_pictures(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    model = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("bicep_twitch/_default_model/"))
    assert model == ["bicep_twitch_tree.joblib", "bicep_twitch_tree.json", "bicep_twitch_tree.tree.json"]
    assert not [n for n in names if n.endswith((".png", ".svg", ".dot"))]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert wheel.name.startswith(f"bicep_twitch-{__version__}-")


def test_after_a_wheel_install_train_and_predict_agree_on_the_model(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    # The dependencies come from the test environment; its editable bicep_twitch does not (a path
    # in a .pth file is added to sys.path after the venv's own site-packages, and its .pth files
    # are not run).
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def run(*argv: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(venv / "bin" / "bicep-twitch"), *argv], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc

    shipped = run("predict", "--case", CASE, "--format", "json")
    shipped_dir = site / "bicep_twitch" / "_default_model"
    assert shipped.stderr == f"bicep-twitch predict: model {str(shipped_dir)!r} (the shipped model); --model PATH for another\n"

    run("generate", "--n", "1500", "--n-test", "300", "--seed", "1", "--out", "data")
    run("train", "--data", "data", "--seed", "1", "--no-pictures")
    assert (work / "models" / META_NAME).is_file()
    mine = run("predict", "--case", CASE, "--format", "json")
    assert mine.stderr == "bicep-twitch predict: model 'models' (in the current folder); --model PATH for another\n"
    explicit = run("predict", "--case", CASE, "--format", "json", "--model", "models")
    assert mine.stdout == explicit.stdout
    assert json.loads(mine.stdout) != json.loads(shipped.stdout)  # a 1,500-case tree is not the shipped one


def test_the_shipped_estimator_loads_and_agrees_with_the_plain_tree():
    # Guards the scikit-learn pin (and the numpy floor): the shipped pickle must load on the
    # versions pyproject.toml allows, which `make test-min` installs at their lowest.
    from bicep_twitch import generate_cases

    predictor = Predictor.load()
    cases = generate_cases(400, seed=11)
    findings = cases[list(predictor.kb.finding_ids)]
    assert predictor.estimator.predict(findings).tolist() == predictor.predict_many(findings).to_frame()["cause"].tolist()


# -- the dependency floors ------------------------------------------------------------------------


def _lowest_versions():
    import importlib.util

    spec = importlib.util.spec_from_file_location("lowest_versions", REPO / "scripts" / "lowest_versions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lowest_versions


def test_floors_become_pins_and_a_dependency_without_one_is_refused(tmp_path):
    lowest_versions = _lowest_versions()
    toml = tmp_path / "pyproject.toml"
    toml.write_text('[project]\ndependencies = ["numpy>=2.0", "scikit-learn==1.9.1", "pandas[pyarrow] >= 2.2.2, <4"]\n')
    assert lowest_versions(toml) == ["numpy==2.0", "scikit-learn==1.9.1", "pandas==2.2.2"]
    toml.write_text('[project]\ndependencies = ["numpy"]\n')
    with pytest.raises(SystemExit, match="'numpy' has no '>=' floor"):
        lowest_versions(toml)


def test_scikit_learn_is_pinned_to_the_version_the_shipped_model_was_made_with():
    pins = dict(pin.split("==") for pin in _lowest_versions()(REPO / "pyproject.toml"))
    shipped = json.loads((default_model_dir() / META_NAME).read_text())["versions"]["scikit-learn"]
    assert pins["scikit-learn"] == shipped == version("scikit-learn")
