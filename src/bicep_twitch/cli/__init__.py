"""The ``bicep-twitch`` command: a thin shell over the Python API.

Exit status: 0 success, 2 bad input or bad usage (message on stderr), 1 anything else.
Each subcommand imports only what it needs, so ``predict`` starts without scikit-learn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from .._errors import DataError, InvalidCaseError

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(ValueError):
    """A command-line option is missing, contradicts another, or has a bad value."""


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 (got {value})")
    return value


def _cmd_generate(args: argparse.Namespace) -> int:
    from ..data.generate import write_dataset

    manifest = write_dataset(args.out, n=args.n, seed=args.seed, n_test=args.n_test)
    files = manifest["files"]
    print(
        f"wrote {files['train']['rows']:,} training and {files['test']['rows']:,} test cases "
        f"to {args.out} (seed {manifest['seed']})"
    )
    return EXIT_OK


def _cmd_train(args: argparse.Namespace) -> int:
    from ..model.train import train_model

    record = train_model(args.data, args.out, seed=args.seed, pictures=not args.no_pictures)
    m, tree = record["metrics"], record["tree"]
    few = m["by_answered_findings"]["<=6"]
    print(f"trained a tree with {tree['leaves']} leaves, depth {tree['depth']}; wrote {args.out}")
    print(
        f"test accuracy {m['accuracy']:.3f} = {m['ratio']:.3f} of the best possible ({m['bayes_accuracy']:.3f}); "
        f"with at most 6 answers {few['ratio']:.3f}; report: {Path(args.out) / 'report.md'}"
    )
    return EXIT_OK


def _cmd_predict(args: argparse.Namespace) -> int:
    from .case_input import run_predict

    return run_predict(args)


def _cmd_render(args: argparse.Namespace) -> int:
    from ..draw.scene import run_render

    return run_render(args)


def _cmd_ask(args: argparse.Namespace) -> int:
    from ..predict.ask import run_ask

    return run_ask(args)


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
    p.add_argument("--n", type=_positive_int, default=300_000, help="training cases (default 300000)")
    p.add_argument("--n-test", type=_positive_int, default=None, help="test cases (default n/5)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="data/synthetic", help="output folder (default data/synthetic)")
    p.set_defaults(run=_cmd_generate)

    p = sub.add_parser("train", help="train the decision tree and export it")
    p.add_argument("--data", default="data/synthetic", help="synthetic cases (generated if absent)")
    p.add_argument("--out", default="models", help="model folder (default models)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--no-pictures", action="store_true", help="do not draw tree.svg/png/dot (faster)")
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser("predict", help="rank the likely causes of one case or a CSV of cases")
    _add_case_options(p)
    p.add_argument("--input", help="a CSV of cases, one column per finding")
    p.add_argument("--output", help="where to write the CSV of predictions (default: stdout)")
    p.add_argument("--model", help="model folder or metadata file (default: the shipped model)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_cmd_predict)

    p = sub.add_parser("render", help="draw the tree, optionally with a case's path marked")
    _add_case_options(p)
    p.add_argument("--model", help="model folder or metadata file (default: the shipped model)")
    p.add_argument("--out", default="models/tree.svg", help="SVG to write; PNG and DOT go beside it")
    p.add_argument("--depth", type=_positive_int, default=None, help="draw only the top N levels")
    p.set_defaults(run=_cmd_render)

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
    p.set_defaults(run=_cmd_ask)
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
