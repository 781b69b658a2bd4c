"""How fast the predictor is, each time against a baseline measured in the same run.

1. **One case, warm**: ``Predictor.predict(case)`` with its explanation (path sentences, triage)
   against scikit-learn's ``predict_proba`` on one numpy row of the same tree. Target: ratio <= 1.
2. **A batch**: ``Predictor.predict_many`` on a DataFrame and on a list of dicts, in cases a second,
   against the scikit-learn pipeline's ``predict_proba`` on the same DataFrame. Target: >= 100k/s.
   Also ``Predictions.to_frame`` with and without the path text (what ``--input`` writes).
3. **The command**: ``bicep-twitch predict --case ...`` as a whole process against
   ``python -c "import sklearn.tree"`` (and ``python -c pass``, the floor). Target: ratio < 1/3.

The machine may be shared: each number is the median of several repeats.

Run: ``python benchmarks/bench_predict.py [--model models] [--n 200000] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


from bicep_twitch import Predictor, generate_cases

CASE = '{"movement": "spasm", "recent_arm_workout": true, "hours_after_workout": 1, "stress_level": 3}'


def median_time(fn, *, repeat: int, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` rounds of ``number`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def as_cases(frame, kb) -> list[dict]:
    """The contract's DataFrame encoding as Python case dicts (yes/no as bools, unknown left out)."""
    yes_no = {fid for fid, f in kb.findings.items() if f.type == "yes/no"}
    cases = []
    for row in frame.astype(object).to_dict("records"):
        cases.append({k: (bool(v) if k in yes_no else v) for k, v in row.items()
                      if v is not None and not (isinstance(v, float) and math.isnan(v))})
    return cases


def single_case(predictor: Predictor, frame, repeat: int) -> None:
    tree = predictor.estimator[-1]
    X = predictor.estimator[:-1].transform(frame.iloc[:1000])
    cases = as_cases(frame.iloc[:1000], predictor.kb)
    rows = [X[i : i + 1] for i in range(len(X))]
    for case in cases:  # warm: every leaf's differential is cached, as in a long-running process
        predictor.predict(case)

    def ours():
        for case in cases:
            predictor.predict(case).path

    def sklearn_rows():
        for row in rows:
            tree.predict_proba(row)

    t_ours = median_time(ours, repeat=repeat) / len(cases)
    t_sk = median_time(sklearn_rows, repeat=repeat) / len(rows)
    t_dict = median_time(lambda: [predictor.predict(c).to_dict() for c in cases[:200]], repeat=repeat) / 200
    print("1. one case, warm (median over 1000 generated cases)")
    print(f"   Predictor.predict + explanation   {t_ours * 1e6:8.1f} us")
    print(f"   ... + to_dict()                   {t_dict * 1e6:8.1f} us")
    print(f"   sklearn predict_proba, one row    {t_sk * 1e6:8.1f} us   (baseline)")
    print(f"   ratio predict / predict_proba     {t_ours / t_sk:8.2f}     (target <= 1)")


def batch(predictor: Predictor, frame, repeat: int) -> None:
    n = len(frame)
    cases = as_cases(frame.iloc[: min(n, 100_000)], predictor.kb)
    pipeline = predictor.estimator
    t_frame = median_time(lambda: predictor.predict_many(frame), repeat=repeat)
    t_dicts = median_time(lambda: predictor.predict_many(cases), repeat=max(1, repeat // 2))
    t_sk = median_time(lambda: pipeline.predict_proba(frame), repeat=repeat)
    small = predictor.predict_many(frame.iloc[:20_000])
    t_table = median_time(lambda: small.to_frame(explain=False), repeat=repeat)
    t_text = median_time(lambda: small.to_frame(explain=True), repeat=1)
    print(f"2. a batch ({n:,} generated cases)")
    print(f"   predict_many(DataFrame)           {n / t_frame:12,.0f} cases/s   (target >= 100,000)")
    print(f"   predict_many(list of dicts)       {len(cases) / t_dicts:12,.0f} cases/s   (target >= 100,000)")
    print(f"   sklearn pipeline predict_proba    {n / t_sk:12,.0f} cases/s   (baseline)")
    print(f"   throughput DataFrame / sklearn    {t_sk / t_frame:12.2f}")
    print(f"   to_frame(explain=False), 20k      {20_000 / t_table:12,.0f} cases/s")
    print(f"   to_frame(explain=True), 20k       {20_000 / t_text:12,.0f} cases/s")


def command(model: str | None, repeat: int) -> None:
    script = shutil.which("bicep-twitch", path=str(Path(sys.executable).parent))
    ours = [script] if script else [sys.executable, "-m", "bicep_twitch"]
    ours += ["predict", "--case", CASE] + (["--model", model] if model else [])

    def run(argv):
        return lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    run(ours)()  # warm the file cache
    run([sys.executable, "-c", "import sklearn.tree"])()
    t_ours = median_time(run(ours), repeat=repeat)
    t_sk = median_time(run([sys.executable, "-c", "import sklearn.tree"]), repeat=repeat)
    t_floor = median_time(run([sys.executable, "-c", "pass"]), repeat=repeat)
    print("3. the command, whole process")
    print(f"   {' '.join(Path(a).name if i == 0 else a for i, a in enumerate(ours[:3]))} ...  {t_ours * 1e3:8.1f} ms")
    print(f"   python -c 'import sklearn.tree'    {t_sk * 1e3:8.1f} ms   (baseline)")
    print(f"   python -c pass                     {t_floor * 1e3:8.1f} ms   (floor)")
    print(f"   ratio command / import sklearn     {t_ours / t_sk:8.2f}     (target < 0.33)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    parser.add_argument("--n", type=int, default=200_000, help="batch size (default 200000)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    predictor = Predictor.load(args.model)
    print(f"model {predictor.model_dir} ({predictor.tree.node_count} nodes, depth {predictor.tree.depth()})")
    frame = generate_cases(args.n, seed=args.seed).drop(columns=["cause"])
    single_case(predictor, frame, args.repeat)
    batch(predictor, frame, args.repeat)
    command(args.model, args.repeat)


if __name__ == "__main__":
    main()
