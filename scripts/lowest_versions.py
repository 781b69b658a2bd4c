"""Print pip constraints pinning each direct dependency of a pyproject.toml to its floor.

``python scripts/lowest_versions.py pyproject.toml > constraints.txt`` turns ``numpy>=2.0`` into
``numpy==2.0`` (and keeps ``==`` pins), so that ``pip install -c constraints.txt .`` installs the
lowest versions the project claims to support; ``make test-min`` then runs the suite on them.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(==|>=)\s*([^,;\s]+)")


def lowest_versions(pyproject: str | Path) -> list[str]:
    """``name==version`` for each runtime dependency; a dependency without a floor is an error."""
    deps = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for dep in deps:
        match = FLOOR.match(dep)
        if match is None:
            raise SystemExit(f"dependency {dep!r} has no '>=' floor or '==' pin to test; give it one")
        name, _, floor = match.groups()
        pins.append(f"{name}=={floor}")
    return pins


if __name__ == "__main__":
    print("\n".join(lowest_versions(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")))
