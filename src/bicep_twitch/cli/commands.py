"""One function per command: each parses nothing, imports only what it needs, returns the exit status.

``predict`` and ``ask`` with one case import no numpy, pandas or scikit-learn; ``train`` fits
the model (model layer) and then draws it beside the model (draw layer).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from .._io import check_output_file, own_descriptor, write_stream
from ..core.cases import shown
from ..core.model_folder import META_NAME
from .case_input import STDIO, case_from_args
from .usage import EXIT_OK, UsageError

# render's default output, in the current folder: never the model folder's own pictures.
RENDER_OUT, RENDER_CASE_OUT = "tree.svg", "case.svg"


def load_predictor(args: argparse.Namespace) -> Any:
    """The predictor of ``--model``, else of ``./models`` when it holds a model, else the shipped one.

    So a model that ``bicep-twitch train`` wrote with its defaults is the one the commands then use,
    after a wheel install as in a checkout.
    """
    from ..core.model_folder import command_model_dir
    from ..predict.predictor import Predictor

    given = getattr(args, "model", None)
    return Predictor.load(given if given is not None else command_model_dir()[0])


def tell_model(args: argparse.Namespace, predictor: Any) -> None:
    """Say on stderr which model answered when ``--model`` chose none, and how to choose another.

    On stderr and after the result, so that stdout stays the result alone whatever the format
    and an error message stays alone on stderr.
    """
    if getattr(args, "model", None) is not None:
        return
    from ..core.model_folder import default_model_dir

    where = "the shipped model" if predictor.model_dir == default_model_dir() else "in the current folder"
    print(f"bicep-twitch {args.command}: model {str(predictor.model_dir)!r} ({where}); --model PATH for another",
          file=sys.stderr)


def run_generate(args: argparse.Namespace) -> int:
    """``bicep-twitch generate``: write the synthetic cases."""
    from ..data.generate import write_dataset

    manifest = write_dataset(args.out, n=args.n, seed=args.seed, n_test=args.n_test)
    files = manifest["files"]
    print(
        f"wrote {files['train']['rows']:,} training and {files['test']['rows']:,} test cases "
        f"to {args.out} (seed {manifest['seed']})"
    )
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    """``bicep-twitch train``: fit, evaluate and export the model, drawing it inside the staged folder.

    The pictures and the page are drawn in the staged model folder before it replaces the old
    one, so the folder changes as one unit; a drawing that fails fails the command and leaves
    the old folder whole.
    """
    from .._io import ensure_writable_dir, folder_lock
    from ..draw import explorer, files
    from ..model.train import train_model

    def stage(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def draw(folder: Path) -> None:
        if not args.no_pictures:
            stage("drawing the tree beside the model")
            files.write_model_pictures(folder)
        explorer.write_model_explorer(folder)

    # The data is locked shared, so a generate cannot replace it between reading its train and
    # test splits; the model folder is locked by its own swap.
    ensure_writable_dir(args.out, parameter="out")
    with folder_lock(args.data, shared=True), folder_lock(args.out):
        record = train_model(args.data, args.out, seed=args.seed, progress=stage, finish=draw,
                             own_files=(*files.MODEL_PICTURE_NAMES, explorer.EXPLORER_NAME))
    m, tree = record["metrics"], record["tree"]
    fid = m["fidelity"]
    print(f"trained a tree with {tree['leaves']} leaves, depth {tree['depth']}; wrote {args.out}")
    print(
        f"agrees with the exact posterior on {fid['agreement']:.3f} of clear cases (worst cause "
        f"{fid['worst_cause']} {fid['worst_cause_agreement']:.3f}); accuracy {fid['accuracy_ratio']:.3f} of the best "
        f"possible; report: {Path(args.out) / 'report.md'}"
    )
    return EXIT_OK


def run_explore(args: argparse.Namespace) -> int:
    """``bicep-twitch explore``: write the offline page for a model."""
    from ..draw.explorer import write_explorer
    from ..predict.predictor import Predictor

    check_output_file(args.out, parameter="--out", folder_made=True)  # before the model is loaded and the page built
    path = write_explorer(Predictor.load(args.model), args.out)
    size = path.stat().st_size
    print(f"wrote {path} ({size / 1000:,.0f} kB); open it in a web browser (it works offline)")
    return EXIT_OK


def run_predict(args: argparse.Namespace) -> int:
    """Run ``bicep-twitch predict`` for parsed arguments; return the exit status.

    A batch (``--input``) exits 2 when any row could not be read; every row is still written.
    """
    given = [opt for opt, attr in (("--case", "case"), ("--case-file", "case_file"), ("--text", "text"),
                                   ("--input", "input"))
             if getattr(args, attr, None) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "none"
        raise UsageError(f"give exactly one of --case, --case-file, --text or --input (got {got})")
    if getattr(args, "output", None) is not None and args.input is None:
        raise UsageError("--output goes with --input (a CSV of cases); one case prints to stdout")
    if getattr(args, "keep", None) and args.input is None:
        raise UsageError("--keep goes with --input (a CSV of cases)")
    if getattr(args, "columns", None) is not None and args.input is None:
        raise UsageError("--columns goes with --input (a CSV of cases)")
    predictor = load_predictor(args)
    if args.input is not None:
        status = _run_batch(predictor, args)
        tell_model(args, predictor)
        return status
    if getattr(args, "text", None) is not None:
        return _run_text(predictor, args)
    result = predictor.predict_encoded(case_from_args(args, predictor.kb))
    if args.format == "json":
        write_stream(sys.stdout, json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        write_stream(sys.stdout, result.text())
    tell_model(args, predictor)
    return EXIT_OK


def _run_text(predictor: Any, args: argparse.Namespace) -> int:
    """``predict --text``: read the description, say what was read, predict from the findings the model knows."""
    from ..core.describe import parse_description

    read = parse_description(args.text)
    case, left_out = read.case_for(predictor.kb.finding_ids)
    if not read.case:
        raise UsageError(
            "--text: no finding could be read from the description; say what the twitch is like, e.g. 'bicep "
            "twitching for 3 weeks, no weakness, 2 coffees a day', or give the findings with --case"
        )
    if not case:
        raise UsageError(f"--text: read only findings this model does not use yet ({', '.join(left_out)}); "
                         "give others, or use a newer model")
    result = predictor.predict(case)
    if args.format == "json":
        print(json.dumps({"read": {**read.to_dict(), "not_used_by_model": left_out}, **result.to_dict()}, indent=2))
    else:
        lines = ["I read:"] + [f"  {line}" for line in read.read_lines()]
        if left_out:
            lines.append(f"  (read, but this model does not use them yet: {', '.join(left_out)})")
        lines += [f"  left unknown: {note}" for note in read.notes]
        sys.stdout.write("\n".join(lines) + "\n\n" + result.text())
    tell_model(args, predictor)
    return EXIT_OK


def _run_batch(predictor: Any, args: argparse.Namespace) -> int:
    from .batch import run_batch

    output = getattr(args, "output", None)
    target = None if output in (None, STDIO) else check_output_target(output, args.input, predictor.model_dir)
    return run_batch(predictor, args, target)


def check_output_target(output: str, input_path: str, model_dir: Path) -> Path:
    """Where ``--output`` may write: a new or regular file, a device or a pipe (a symlink followed).

    Refused: a folder, the input file itself, and any file of a model folder (the one in use or
    another), which would then stop loading.
    """
    from ..data import MANIFEST_NAME

    try:
        real = check_output_file(output, parameter="--output", inputs=[0 if input_path == STDIO else input_path],
                                 unit_markers=(META_NAME, MANIFEST_NAME))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if own_descriptor(output) is None and os.path.realpath(real.parent) == os.path.realpath(model_dir):
        raise UsageError(f"--output {shown(output)} is in a model folder, which holds only the model; write elsewhere")
    return real


def run_render(args: argparse.Namespace) -> int:
    """``bicep-twitch render``: draw the tree, or a case's whole path, and print the case's explanation.

    The case is read exactly as ``predict`` reads it (same options, same errors), and the
    explanation printed is ``predict``'s own text. Without ``--out`` the drawing goes to
    ``tree.svg`` (``case.svg`` with a case) in the current folder, and is refused if that would
    write into a model folder (the current folder holding a model), whose pictures it would replace.
    """
    from ..core.model_folder import META_NAME
    from ..draw.files import render_tree

    predictor = load_predictor(args)
    row = case_from_args(args, predictor.kb)
    out = args.out
    if out is None:
        out = RENDER_OUT if row is None else RENDER_CASE_OUT
        if (Path(out).parent / META_NAME).is_file():  # the current folder is a model's
            raise UsageError(
                f"the default --out {out!r} is in a model folder ({str(Path.cwd())!r}), whose pictures render "
                "leaves alone unless asked; run render from another folder, or name the file with --out"
            )
    paths = render_tree(predictor, out, depth=args.depth, case=row)
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    if row is not None:
        print()
        print(predictor.predict_encoded(row).text(), end="")
    tell_model(args, predictor)
    return 0


def run_ask(args: argparse.Namespace) -> int:
    """The ``bicep-twitch ask`` command: answers on stdin, questions on stdout.

    ``--case``/``--case-file`` give answers up front, read exactly as ``predict`` reads them.

    With ``--json`` the questions go to stderr instead, so stdout holds only the JSON result.
    """
    from .asking import ask

    if sys.stdin is None:  # started with stdin closed (`ask <&-`)
        raise UsageError("ask reads the answers from stdin, but stdin is closed; run it in a terminal or pipe answers in")
    predictor = load_predictor(args)
    as_json = bool(getattr(args, "json", False))
    tell_model(args, predictor)
    row = case_from_args(args, predictor.kb)  # what the person already knows: only the rest is asked
    given = {} if row is None else dict(zip(predictor.kb.finding_ids, row))
    return ask(
        predictor,
        given=given,
        stdin=sys.stdin,
        out=sys.stderr if as_json else sys.stdout,
        result_out=sys.stdout,
        err=sys.stderr,
        as_json=as_json,
        echo=not _is_terminal(sys.stdin),
    )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
