"""The ``bicep-twitch`` command: a thin shell over the Python API.

Exit status: 0 success, 2 bad input or bad usage (message on stderr), 1 anything else.
Each subcommand imports only what it needs, so ``predict`` starts without scikit-learn.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Sequence

from .._errors import DataError, InvalidCaseError, ModelNotFoundError
from .._io import write_stream
from .._version import __version__
from ..core.model_folder import WORKING_MODEL_DIR
from . import commands, findings
from .usage import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, UsageError, positive_int, seed_number


MODEL_HELP = (
    "model folder, or its metadata .json (default: ./models when it holds a model, as 'train' "
    "writes it, else the shipped model)"
)


def _add_case_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--case", metavar="JSON",
        help="one case as a JSON object of finding ids and values, e.g. '{\"movement\": \"spasm\"}'; "
        "leave out what you don't know",
    )
    parser.add_argument("--case-file", metavar="FILE", help="a file holding one case as a JSON object")


def _command(
    sub: Any, name: str, summary: str, description: str, run: Callable[[argparse.Namespace], int],
    exit_status: str = "",
) -> argparse.ArgumentParser:
    """A subcommand: ``summary`` is its line in ``bicep-twitch --help``, ``description`` heads its own help."""
    p = sub.add_parser(
        name, help=summary, description=description, epilog=exit_status or EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run)
    return p


EXIT_STATUS = "exit status: 0 success, 2 bad input or bad usage (the message on stderr says why), 1 anything else"


class _StoreOnce(argparse._StoreAction):
    """An option with a value given twice is bad usage: argparse keeps the last one silently,
    so ``--input a.csv --input b.csv`` predicted only b.csv."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001 - argparse's signature
        given = namespace.__dict__.setdefault("_given", set())
        if self.dest in given:
            parser.error(f"argument {'/'.join(self.option_strings)}: given twice; give it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    """argparse, but --help and --version writes are checked (argparse ignores their OSError, so
    ``--version > /dev/full`` printed nothing and exited 0), and an option's value is given once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)  # every option added without an action

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            stream = file or sys.stderr
            write_stream(stream, message, where="stdout" if stream is sys.stdout else "stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bicep-twitch",
        description="Rank the likely causes of a twitching biceps, explain why, and say when to see a doctor.\n"
        "Not a diagnosis: only a doctor who examines you can say what is wrong.",
        epilog="Run 'bicep-twitch COMMAND --help' for a command's options.\n" + EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bicep-twitch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    p = _command(
        sub, "predict", "rank the likely causes of one case or of a CSV of cases",
        "Rank every cause for one case (--case, --case-file or --text), with the decisions that led there,\n"
        "whether to see a doctor and advice; or predict a CSV of cases (--input), one output row per input row.",
        commands.run_predict,
    )
    _add_case_options(p)
    p.add_argument(
        "--text", metavar="WORDS",
        help="one case described in your own words, e.g. 'bicep twitching for 3 weeks, no weakness, 2 coffees a "
        "day'; prints what it read (each finding with its words) before the result",
    )
    p.add_argument(
        "--input", metavar="CSV",
        help="a CSV of cases: one column per finding, an empty cell if unknown, an optional 'id' column "
        "(- reads stdin); exit status 2 if any row is bad (every row is still written, its error in 'error')",
    )
    p.add_argument("--output", metavar="CSV", help="where to write the CSV of predictions (default or -: stdout)")
    p.add_argument("--keep", action="append", metavar="COLUMN",
                   help="an --input column to copy to the output unread (repeat for more; 'id' always is)")
    p.add_argument(
        "--columns", metavar="NAMES",
        help="the output columns, comma-separated, e.g. 'cause,probability,triage' or 'default,path' "
        "(default: every column but top_causes and path; a wrong name lists them all)",
    )
    p.add_argument("--model", metavar="PATH", help=MODEL_HELP)
    p.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="text for people (default), json for programs; with --input, text means CSV",
    )

    p = _command(
        sub, "ask", "answer the tree's questions one at a time",
        "The tree as a questionnaire: it asks the questions on your path, one per line on stdin, then,\n"
        "before any result, every red-flag and medicine question not asked yet (the safety screen), and\n"
        "prints the result as 'predict' does. --case/--case-file give what you already know: never asked.\n"
        "First one question on the signs of an emergency (each sign asked after a yes); then you may\n"
        "describe it in your own words (Enter skips): what is read is shown, line by line, to keep or\n"
        "remove, and not asked again.\n"
        "At a question: type the answer ('y', 'no', '3 weeks', '2 hours', '5 cups' are read too); '?' or an\n"
        "empty line if you don't know (the tree goes the way it learned for unknown answers); 'why' to hear\n"
        "which causes the question separates; 'back' to take back the last answer; 'done' to stop the\n"
        "tree's questions (the safety questions still come; 'done' there ends them), the rest counting\n"
        "as unknown.",
        commands.run_ask,
        exit_status="exit status: 0 a result, 2 bad usage or the input ended before a result, 130 Ctrl-C, "
        "1 anything else",
    )
    _add_case_options(p)
    p.add_argument("--model", metavar="PATH", help=MODEL_HELP)
    p.add_argument(
        "--json", action="store_true",
        help="print the result, the questions asked and the answers given as JSON on stdout "
        "(the questions then go to stderr)",
    )

    p = _command(
        sub, "render", "draw the tree, optionally with a case's path marked",
        "Draw the tree as SVG (zoomable, every word), PNG and Graphviz DOT. With a case, its whole path from\n"
        "the root, one decision a row, each branch not taken as a summary box, and predict's explanation\n"
        "printed. The model's own pictures are never overwritten unless you name them with --out.",
        commands.run_render,
    )
    _add_case_options(p)
    p.add_argument("--model", metavar="PATH", help=MODEL_HELP)
    p.add_argument(
        "--out", metavar="SVG", default=None,
        help="the SVG to write; the PNG and DOT of the same name go beside it "
        f"(default: {commands.RENDER_OUT} in the current folder, {commands.RENDER_CASE_OUT} with a case)",
    )
    p.add_argument(
        "--depth", metavar="N", type=positive_int, default=None,
        help="draw only the top N levels, summarising what lies below (default: the whole tree)",
    )

    p = _command(
        sub, "generate", "generate labelled synthetic cases",
        "Write synthetic cases drawn from the knowledge base (train.csv, test.csv and a manifest) into a\n"
        "folder. The same seed gives the same files, byte for byte.",
        commands.run_generate,
    )
    p.add_argument("--n", metavar="N", type=positive_int, default=300_000, help="training cases (default 300000)")
    p.add_argument("--n-test", metavar="N", type=positive_int, default=None, help="test cases (default: n/5)")
    p.add_argument("--seed", metavar="S", type=seed_number, default=0, help="random seed (default 0)")
    p.add_argument("--out", metavar="FOLDER", default="data/synthetic", help="output folder (default data/synthetic)")

    p = _command(
        sub, "train", "train the decision tree, evaluate it and export it",
        "Fit the decision tree on the synthetic cases, choose its size by cross-validation, evaluate it\n"
        "on the test cases and write the model folder: the model files, report.md, tree.txt and the\n"
        "pictures. 'predict', 'ask' and 'render' use ./models by default once it holds a model.",
        commands.run_train,
    )
    p.add_argument(
        "--data", metavar="FOLDER", default="data/synthetic",
        help="the synthetic cases (default data/synthetic; generated there if absent)",
    )
    p.add_argument(
        "--out", metavar="FOLDER", default=str(WORKING_MODEL_DIR),
        help=f"the model folder to write (default {WORKING_MODEL_DIR}, in the current folder)",
    )
    p.add_argument("--seed", metavar="S", type=seed_number, default=0, help="random seed (default 0)")
    p.add_argument("--no-pictures", action="store_true", help="do not draw tree.svg/png/dot (faster)")

    p = _command(
        sub, "explore", "write one offline web page to explore the tree and answer its questions",
        "Write one self-contained HTML file (no server, no network): the whole tree to open node by node,\n"
        "search for a finding, and the questionnaire with the safety screen, as 'ask' asks it.",
        commands.run_explore,
    )
    p.add_argument("--model", metavar="PATH", help=MODEL_HELP)
    p.add_argument("--out", metavar="HTML", default="explorer.html",
                   help="the HTML file to write (default explorer.html in the current folder)")

    p = _command(
        sub, "findings", "list every finding: its id, question and allowed values",
        "Every finding a case can give (the ids --case, --case-file, a CSV header and Python use), its\n"
        "question, and what it allows: the choices, yes/no, or a number's range, unit and step. Read from\n"
        "the knowledge base; no model needed.",
        findings.run_findings,
    )
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default), json for scripts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _guard_standard_descriptors()
    try:
        status = _main(argv)
    except SystemExit as exc:  # argparse: --help, --version (0) and bad usage (2), as argparse ends
        raise SystemExit(_flush_stdout(exc.code if isinstance(exc.code, int) else
                                       EXIT_OK if exc.code is None else EXIT_BAD_INPUT)) from None
    except OSError as exc:  # --help or --version could not be written
        print(f"bicep-twitch: error: {exc.strerror or exc}", file=sys.stderr)
        status = EXIT_FAILURE
    return _flush_stdout(status)


def _guard_standard_descriptors() -> None:
    """Keep descriptors 0-2 taken when the shell closed them (``2>&-``), and stderr a real stream.

    With stderr closed Python sets ``sys.stderr`` to None, and ``print(..., file=None)`` prints
    to stdout: the notes would land in the JSON or the CSV. And the first file opened would get
    the free descriptor, so writing "stderr" would write into it. A closed stdout stays None, so
    writing a result fails clearly (exit 1) instead of vanishing.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")


def _flush_stdout(status: int) -> int:
    """Flush stdout before Python's exit does: a full disk or a reader that stopped reading is
    exit 1 with one line on stderr, not status 120 and "Exception ignored in ..."."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        reason = "its reader closed it" if isinstance(exc, BrokenPipeError) else exc.strerror or str(exc)
        try:
            print(f"bicep-twitch: error: cannot write stdout ({reason})", file=sys.stderr)
        except OSError:
            pass
        # What stays in the buffer can never be written; Python's own flush at exit must not try again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_FAILURE
    return status


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # bad usage: argparse prints it and exits 2
    if args.command is None:
        # No command is bad usage (exit 2, so a script that lost its command fails), but the
        # person who typed the bare name wants to know what to type: give the whole help.
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (InvalidCaseError, DataError, UsageError, PermissionError, ModelNotFoundError) as exc:
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # parameter checks in the API raise ValueError naming the parameter
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"bicep-twitch {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a closed pipe: the reason without "[Errno 28]"
        print(f"bicep-twitch {args.command}: error: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the contract: anything else is exit 1, without a traceback
        print(f"bicep-twitch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
