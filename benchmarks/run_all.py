"""Run every ``benchmarks/bench_*.py`` in turn (what ``make bench`` does).

Each benchmark runs in its own process with this interpreter, so one that fails does not stop
the others; the exit status is 1 when any failed. Arguments select benchmarks by name:
``python benchmarks/run_all.py generate predict`` runs bench_generate.py and bench_predict.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    wanted = sys.argv[1:] if argv is None else argv
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted or s.stem in wanted]
        if not scripts:
            print(f"run_all: no benchmark named {', '.join(wanted)}", file=sys.stderr)
            return 2
    failed = []
    for script in scripts:
        print(f"=== {script.name} ===", flush=True)
        start = time.perf_counter()
        status = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {script.name}: {'ok' if status == 0 else f'FAILED (exit {status})'} "
              f"in {time.perf_counter() - start:.0f} s ===\n", flush=True)
        if status != 0:
            failed.append(script.name)
    if failed:
        print(f"run_all: {len(failed)} of {len(scripts)} failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"run_all: all {len(scripts)} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
