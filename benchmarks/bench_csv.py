"""How fast ``predict --input`` reads a CSV of cases, against pandas in the same run.

The reader takes every cell as text and reads each distinct text of a column once by the
one rule of :func:`bicep_twitch.core.cases.parse_text`, so no row is ever shifted and how a cell
is read never depends on its column. The baseline is what the command did before: ``pandas.read_csv``
(which guesses each column's type from all its rows) and ``encode_frame``. Both read the same
file; the encoded matrices must be equal. Each number is the median of several repeats.

Run: ``python benchmarks/bench_csv.py [--n 100000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bicep_twitch import generate_cases
from bicep_twitch.cli.case_input import read_cases_csv
from bicep_twitch.core.knowledge import load_knowledge
from bicep_twitch.data.frame import encode_frame
from bench_predict import median_time  # this folder is on sys.path when a script runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kb = load_knowledge()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        generate_cases(args.n, seed=1).drop(columns="cause").to_csv(path, index=False)

        def baseline():
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""], skipinitialspace=True)
            return encode_frame(frame, kb)[0]

        new = read_cases_csv(str(path), kb)
        assert not new.errors and np.array_equal(np.isnan(new.X), np.isnan(baseline()))
        assert np.array_equal(np.nan_to_num(new.X, nan=-1), np.nan_to_num(baseline(), nan=-1))
        t_new = median_time(lambda: read_cases_csv(str(path), kb), repeat=args.repeat)
        t_base = median_time(baseline, repeat=args.repeat)
    print(f"{args.n:,} cases: read_cases_csv {t_new:.2f} s ({args.n / t_new:,.0f}/s), "
          f"pandas.read_csv + encode_frame {t_base:.2f} s; ratio {t_new / t_base:.1f}")


if __name__ == "__main__":
    main()
