"""The ``bicep-twitch`` command: a thin shell over the Python API.

Exit status: 0 success, 2 bad input or bad usage (message on stderr), 1 anything else.
Each subcommand imports only what it needs, so ``predict`` starts without scikit-learn.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .._errors import DataError, InvalidCaseError
from . import commands
from .usage import EXIT_BAD_INPUT, EXIT_FAILURE, UsageError, positive_int, seed_number


def _add_case_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", help="one case as JSON, e.g. '{\"movement\": \"spasm\"}'")
    parser.add_argument("--case-file", help="a file holding one case as JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bicep-twitch",
        description="Rank the likely causes of a twitching biceps and say when to see a doctor. Not a diagnosis.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("generate", help="generate labelled synthetic cases")
    p.add_argument("--n", type=positive_int, default=300_000, help="training cases (default 300000)")
    p.add_argument("--n-test", type=positive_int, default=None, help="test cases (default n/5)")
    p.add_argument("--seed", type=seed_number, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="data/synthetic", help="output folder (default data/synthetic)")
    p.set_defaults(run=commands.run_generate)

    p = sub.add_parser("train", help="train the decision tree and export it")
    p.add_argument("--data", default="data/synthetic", help="synthetic cases (generated if absent)")
    p.add_argument("--out", default="models", help="model folder (default models)")
    p.add_argument("--seed", type=seed_number, default=0, help="random seed (default 0)")
    p.add_argument("--no-pictures", action="store_true", help="do not draw tree.svg/png/dot (faster)")
    p.set_defaults(run=commands.run_train)

    p = sub.add_parser("predict", help="rank the likely causes of one case or a CSV of cases")
    _add_case_options(p)
    p.add_argument("--input", help="a CSV of cases, one column per finding, an optional 'id' column "
                   "(- reads stdin); exit status 2 if any row is bad (every row is still written)")
    p.add_argument("--output", help="where to write the CSV of predictions (default or -: stdout)")
    p.add_argument("--keep", action="append", metavar="COLUMN",
                   help="an --input column to copy to the output unread (repeat for more; 'id' always is)")
    p.add_argument("--model", help="model folder or metadata file (default: the shipped model)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=commands.run_predict)

    p = sub.add_parser("render", help="draw the tree, optionally with a case's path marked")
    _add_case_options(p)
    p.add_argument("--model", help="model folder or metadata file (default: the shipped model)")
    p.add_argument("--out", default="models/tree.svg", help="SVG to write; PNG and DOT go beside it")
    p.add_argument("--depth", type=positive_int, default=None, help="draw only the top N levels")
    p.set_defaults(run=commands.run_render)

    p = sub.add_parser(
        "ask",
        help="answer the tree's questions one at a time",
        description="Ask only the questions on your path through the tree, one per line on stdin "
        "(? or an empty line if you don't know), then print the result as predict does. "
        "Exit status 2 if the input ends before a result, 130 on Ctrl-C.",
    )
    p.add_argument("--model", help="model folder or metadata file (default: the shipped model)")
    p.add_argument(
        "--json", action="store_true",
        help="print the result, the questions asked and the answers given as JSON on stdout "
        "(the questions then go to stderr)",
    )
    p.set_defaults(run=commands.run_ask)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # bad usage: argparse prints it and exits 2
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (InvalidCaseError, DataError, UsageError, PermissionError) as exc:
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # parameter checks in the API raise ValueError naming the parameter
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"bicep-twitch {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract: anything else is exit 1, without a traceback
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
