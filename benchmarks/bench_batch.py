"""A CSV batch through the command, against ``predict_many`` on the same rows in the same run.

1. **The whole command**: ``bicep-twitch predict --input cases.csv --output out.csv`` as a process
   (start, read, predict, write), its time, peak memory (the child's maximum resident set) and
   output size, against ``Predictor.predict_many`` on the same rows as a DataFrame already in
   memory (the baseline). Target: ratio <= 10.
2. **The table**: ``Predictions.to_frame()`` on that result, against the same ``predict_many``.
   Target: ratio <= 2.
3. **Memory stays flat**: the command's peak memory on ``--scale`` times as many rows (the file
   is the first file repeated, with fresh ids). Target: about 1 (blocks are read, predicted and
   written one at a time).

The machine may be shared: each time is the median of several repeats.

Run: ``python benchmarks/bench_batch.py [--n 100000] [--scale 4] [--repeat 3] [--model models]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bicep_twitch import Predictor, generate_cases
from bicep_twitch.predict.batch import Predictions
from bench_predict import median_time  # this folder is on sys.path when a script runs


def command() -> list[str]:
    script = shutil.which("bicep-twitch", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bicep_twitch"]


# The command runs under a small Python that waits for it: a child forked from this process
# (which holds the DataFrame) would count this process's memory as its own until it executes.
_WAIT = (
    "import os, subprocess, sys; c = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "_, s, u = os.wait4(c.pid, 0); print(u.ru_maxrss); sys.exit(os.waitstatus_to_exitcode(s))"
)


def run_batch(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one run of ``argv`` (exit 0 required)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WAIT, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr}")
    return seconds, int(done.stdout.split()[-1]) / 1024  # Linux gives kilobytes


def measure(argv: list[str], repeat: int) -> tuple[float, float]:
    runs = [run_batch(argv) for _ in range(repeat)]
    times = sorted(t for t, _ in runs)
    return times[len(times) // 2], max(m for _, m in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows (default 100000)")
    parser.add_argument("--scale", type=int, default=4, help="the memory check's larger file, in times --n")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    predictor = Predictor.load(args.model)
    model = ["--model", str(predictor.model_dir)]
    frame = generate_cases(args.n, seed=args.seed).drop(columns=["cause"])
    with tempfile.TemporaryDirectory() as tmp:
        small, large, out = Path(tmp) / "cases.csv", Path(tmp) / "large.csv", Path(tmp) / "out.csv"
        frame.insert(0, "id", [f"c{k}" for k in range(args.n)])
        frame.to_csv(small, index=False)
        with open(large, "w") as fh:
            for part in range(args.scale):
                frame.assign(id=[f"c{part}-{k}" for k in range(args.n)]).to_csv(fh, index=False, header=part == 0)
        cases = frame.drop(columns=["id"])

        t_many = median_time(lambda: predictor.predict_many(cases), repeat=max(args.repeat, 5))
        results = predictor.predict_many(cases)
        # A fresh Predictions each time: it keeps what it worked out (distinct leaves) once asked.
        t_frame = median_time(lambda: Predictions(predictor, results.X, results.leaves, results.errors).to_frame(),
                              repeat=args.repeat)
        run_batch(command() + ["predict", "--input", str(small), "--output", str(out)] + model)  # warm the cache
        t_cli, mem_small = measure(command() + ["predict", "--input", str(small), "--output", str(out)] + model,
                                   args.repeat)
        size = out.stat().st_size
        with open(out, "rb") as fh:
            lines = sum(1 for _ in fh)
        header = out.read_text().split("\n", 1)[0]
        t_large, mem_large = measure(command() + ["predict", "--input", str(large), "--output", str(out)] + model, 1)
        floor_t, floor_mem = measure([sys.executable, "-c", "import numpy, pandas"], args.repeat)
        numpy_t, numpy_mem = measure([sys.executable, "-c", "import numpy"], args.repeat)
    n = args.n
    print(f"model {predictor.model_dir}; {n:,} rows of generated cases with an id column")
    print(f"   output columns: {header[:150]}{'...' if len(header) > 150 else ''}")
    print(f"   predict_many(DataFrame)            {t_many:8.3f} s   (baseline)")
    print(f"1. predict --input/--output, process  {t_cli:8.3f} s   peak {mem_small:6.0f} MB   "
          f"output {size / 1e6:.1f} MB ({size / n:.0f} bytes a row, {lines - 1:,} rows)")
    print(f"   (python -c 'import numpy, pandas'  {floor_t:8.3f} s   peak {floor_mem:6.0f} MB: the floor)")
    print(f"   (python -c 'import numpy'          {numpy_t:8.3f} s   peak {numpy_mem:6.0f} MB: what a batch imports)")
    print(f"   ratio command / predict_many       {t_cli / t_many:8.1f}     (target <= 10)")
    print(f"2. to_frame()                         {t_frame:8.3f} s")
    print(f"   ratio to_frame / predict_many      {t_frame / t_many:8.1f}     (target <= 2)")
    print(f"3. {args.scale * n:,} rows: predict --input    {t_large:8.3f} s   peak {mem_large:6.0f} MB")
    print(f"   peak memory {args.scale * n:,} / {n:,} rows   {mem_large / mem_small:8.2f}     (target about 1)")


if __name__ == "__main__":
    main()
