"""``make demo`` remakes the data and the model only when their inputs changed.

The Makefile runs in a scratch folder shaped like a checkout, with a stand-in ``bicep-twitch``
that records its commands and writes the files each one would: so this checks make's rules
(what depends on what), not the commands themselves, in well under a second a run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FAKE_CLI = """#!/bin/sh
echo "$1" >> "$LOG"
case "$1" in
  generate) mkdir -p data/synthetic && echo made > data/synthetic/manifest.json ;;
  train) mkdir -p models && echo trained > models/bicep_twitch_tree.json ;;
  render) echo drawn > case.svg ;;
  predict) echo "Most likely: something" ;;
esac
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path):
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    for name in ("knowledge/knowledge_base.json", "data/generate.py", "core/cases.py", "model/train.py", "_io.py",
                 "_version.py", "draw/files.py", "predict/batch.py"):
        (tmp_path / "src/bicep_twitch" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src/bicep_twitch" / name).write_text("x\n")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models").mkdir()
    (tmp_path / "models/bicep_twitch_tree.json").write_text("committed\n")  # a fresh clone: a model, no data
    cli = tmp_path / ".venv/bin/bicep-twitch"
    cli.parent.mkdir(parents=True)
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    for stamp in (".installed", ".installed-dev"):
        (tmp_path / ".venv" / stamp).write_text("")
    past = 1_000_000_000  # everything checked out long ago; the venv after pyproject.toml
    for path in tmp_path.rglob("*"):
        os.utime(path, (past, past))
    for stamp in (".installed", ".installed-dev"):
        os.utime(tmp_path / ".venv" / stamp, (past + 10, past + 10))
    return tmp_path


def demo(folder: Path, *args: str) -> list[str]:
    log = folder / "commands.log"
    log.unlink(missing_ok=True)
    proc = subprocess.run(["make", "demo", *args], cwd=folder, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LOG": str(log)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("Most likely:") == 1  # the prediction once
    assert "models/explorer.html" in proc.stdout
    return log.read_text().split() if log.exists() else []


def test_a_fresh_clone_generates_and_trains_once_then_skips_both(checkout):
    assert demo(checkout) == ["generate", "train", "render", "predict"]
    assert demo(checkout) == ["predict"]


@pytest.mark.parametrize("changed, remade", [
    ("src/bicep_twitch/knowledge/knowledge_base.json", ["generate", "train"]),
    ("src/bicep_twitch/data/generate.py", ["generate", "train"]),
    ("src/bicep_twitch/model/train.py", ["train"]),
    ("src/bicep_twitch/draw/files.py", ["train"]),
])
def test_a_changed_input_remakes_what_depends_on_it(checkout, changed, remade):
    demo(checkout)
    later = os.stat(checkout / "models/bicep_twitch_tree.json").st_mtime + 5
    os.utime(checkout / changed, (later, later))
    assert demo(checkout) == [*remade, "render", "predict"]


def test_another_seed_or_example_remakes_them(checkout):
    demo(checkout)
    assert demo(checkout, "SEED=1") == ["generate", "train", "render", "predict"]
    assert demo(checkout, "SEED=1") == ["predict"]
    assert demo(checkout, "SEED=1", 'EXAMPLE={"movement": "twitch"}') == ["render", "predict"]
