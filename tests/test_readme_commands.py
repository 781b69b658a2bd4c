"""Every ``bicep-twitch`` command in the README's code blocks runs and exits 0, as written.

They run in order, in a fresh folder holding a copy of ``examples/`` (the files the README's
commands name), with the package's command first on PATH, as after ``. .venv/bin/activate``.
Two changes only: ``ask`` is fed "no" to the emergency screen, Enter at the description, then
"done" twice (stop the tree's questions, then the safety questions), and ``generate --n`` makes at
most 3,000 cases, so ``train`` after it takes seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MAX_CASES = 3000


def readme_commands(text: str) -> list[tuple[int, str]]:
    """(line number, command) for each line of a fenced code block that runs ``bicep-twitch``
    (a ``$ `` prompt before it, as in a transcript, is dropped; a trailing backslash continues)."""
    commands, fenced, pending, start = [], False, "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            continue
        if pending:
            pending += " " + line.strip()
        else:
            stripped = line.strip().removeprefix("$ ")
            if not stripped.startswith("bicep-twitch"):
                continue
            pending, start = stripped, number
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        commands.append((start, pending))
        pending = ""
    return commands


def test_the_readme_commands_are_found():
    commands = [c for _, c in readme_commands(README.read_text())]
    assert len(commands) >= 8
    assert any("examples/case.json" in c for c in commands) and any("examples/cases.csv" in c for c in commands)
    assert readme_commands("```sh\n$ bicep-twitch predict \\\n  --case '{}'  # one\nls\n```\nbicep-twitch x\n") == [
        (2, "bicep-twitch predict --case '{}'  # one")]


def test_every_readme_command_runs(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    assert shutil.which("bicep-twitch", path=env["PATH"]), "the bicep-twitch command is not installed beside python"
    for number, command in readme_commands(README.read_text()):
        command = re.sub(r"--n (\d+)", lambda m: f"--n {min(int(m.group(1)), MAX_CASES)}", command)
        asks = re.match(r"bicep-twitch\s+ask\b", command) is not None
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, input="no\n\ndone\ndone\n" if asks else "",
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"README line {number}: {command}\nexit {proc.returncode}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr, f"README line {number}: {command}\n{proc.stderr[-2000:]}"
