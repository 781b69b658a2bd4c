"""Run a ``bicep-twitch`` command and kill it (``os._exit``) at its k-th rename: fault injection.

Used by ``test_faults.py`` in a subprocess: ``python fault_runner.py PLAN.json``. The plan names
the command line, the folder to copy fresh before each run, and the kill points; each run is a
fork of this process, so the imports (and, for ``train``, the cross-validation and the metrics,
memoised on the first run) are paid once: every file is still written by the real code. Prints one JSON line: the renames of the clean run and each run's exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys

KILLED = 99


def main(plan_path: str) -> None:
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    import bicep_twitch._io as io
    import bicep_twitch.model.train as train
    from bicep_twitch.cli import main as cli

    memo = {}
    real_cv = train.cross_validate

    def cross_validate(data, **kwargs):  # the same data and seed give the same choice: compute it once
        if "cv" not in memo:
            memo["cv"] = real_cv(data, **kwargs)
        return memo["cv"]

    real_metrics = train._metrics

    def metrics(*args, **kwargs):  # the report's numbers: the same for every run, so computed once
        if "metrics" not in memo:
            memo["metrics"] = real_metrics(*args, **kwargs)
        return memo["metrics"]

    train.cross_validate = cross_validate
    train._metrics = metrics
    if plan.get("no_exchange"):
        io._exchange = lambda a, b: False  # the two-rename fallback
    state = {"count": 0, "kill": None}

    def counted(fn):
        def wrapper(*args, **kwargs):
            state["count"] += 1
            if state["kill"] == (state["count"], "before"):
                os._exit(KILLED)
            out = fn(*args, **kwargs)
            if state["kill"] == (state["count"], "after"):
                os._exit(KILLED)
            return out
        return wrapper

    for name in ("_rename", "_exchange", "_replace"):
        setattr(io, name, counted(getattr(io, name)))

    def run(out: str, kill) -> int:
        if os.path.exists(out):
            shutil.rmtree(out)
        shutil.copytree(plan["old"], out)
        pid = os.fork()
        if pid == 0:
            state["count"], state["kill"] = 0, kill
            sys.stdout = sys.stderr = open(os.devnull, "w")
            try:
                status = cli([*plan["argv"], out])
            except BaseException:
                os._exit(1)
            os._exit(status)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    clean = plan["work"] + "/clean"
    state["count"], state["kill"] = 0, None
    shutil.copytree(plan["old"], clean)
    with contextlib.redirect_stdout(sys.stderr):
        status = cli([*plan["argv"], clean])
    renames = state["count"]
    runs = {}
    for k in range(1, renames + 1):
        # "just after rename k" and "just before rename k + 1" differ only in the work between
        # them; with "after": "first_and_last" only the swap (the first) and the last are kept.
        after = plan.get("after", "all") == "all" or k in (1, renames)
        for when in ("before", "after") if after else ("before",):
            out = f"{plan['work']}/{k}-{when}"
            runs[out] = [k, when, run(out, (k, when))]
    print(json.dumps({"status": status, "renames": renames, "clean": clean, "runs": runs}), file=sys.__stdout__)


if __name__ == "__main__":
    main(sys.argv[1])
