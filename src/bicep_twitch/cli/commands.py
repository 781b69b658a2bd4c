"""One function per command: each parses nothing, imports only what it needs, returns the exit status.

``predict`` and ``ask`` with one case import no numpy, pandas or scikit-learn; ``train`` fits
the model (model layer) and then draws it beside the model (draw layer).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, TextIO

from .case_input import case_from_args, read_cases_csv
from .usage import EXIT_OK, UsageError

CSV_COLUMNS = ("cause", "probability", "top3", "triage", "red_flags", "path", "error")
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
    """``bicep-twitch train``: fit, evaluate and export the model, then draw it beside the model."""
    from ..model.train import train_model

    def stage(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    record = train_model(args.data, args.out, seed=args.seed, progress=stage)
    if not args.no_pictures:
        stage("drawing the tree beside the model")
        draw_model_pictures(args.out)
    write_model_explorer(args.out)
    m, tree = record["metrics"], record["tree"]
    fid = m["fidelity"]
    print(f"trained a tree with {tree['leaves']} leaves, depth {tree['depth']}; wrote {args.out}")
    print(
        f"agrees with the exact posterior on {fid['agreement']:.3f} of clear cases (worst cause "
        f"{fid['worst_cause']} {fid['worst_cause_agreement']:.3f}); accuracy {fid['accuracy_ratio']:.3f} of the best "
        f"possible; report: {Path(args.out) / 'report.md'}"
    )
    return EXIT_OK


def draw_model_pictures(model_dir: str | Path) -> None:
    """Draw the tree beside a model just written. A drawing failure only warns: the model is in place."""
    from ..draw import files

    _only_warn(
        files.write_model_pictures, model_dir, "drawing the tree",
        "any tree.svg/png there is from an earlier model; run 'bicep-twitch render' to retry",
    )


def write_model_explorer(model_dir: str | Path) -> None:
    """Write explorer.html beside a model just written; a failure only warns, as for the pictures."""
    from ..draw import explorer

    page = Path(model_dir) / explorer.EXPLORER_NAME
    _only_warn(
        explorer.write_model_explorer, model_dir, f"writing {explorer.EXPLORER_NAME}",
        f"run 'bicep-twitch explore --model {str(model_dir)!r} --out {str(page)!r}' to retry",
    )


def _only_warn(step: Callable[[str | Path], Any], model_dir: str | Path, doing: str, retry: str) -> None:
    """Run a step that follows training; its failure warns instead of failing the command."""
    try:
        step(model_dir)
    except Exception as exc:  # noqa: BLE001 - the model is written; a picture or a page must not undo that
        warnings.warn(
            f"the model was written to {str(model_dir)!r} but {doing} failed ({exc}); {retry}",
            RuntimeWarning,
            stacklevel=3,
        )


def run_explore(args: argparse.Namespace) -> int:
    """``bicep-twitch explore``: write the offline page for a model."""
    from ..draw.explorer import write_explorer
    from ..predict.predictor import Predictor

    path = write_explorer(Predictor.load(args.model), args.out)
    size = path.stat().st_size
    print(f"wrote {path} ({size / 1000:,.0f} kB); open it in a web browser (it works offline)")
    return EXIT_OK


def run_predict(args: argparse.Namespace) -> int:
    """Run ``bicep-twitch predict`` for parsed arguments; return the exit status."""
    given = [opt for opt, attr in (("--case", "case"), ("--case-file", "case_file"), ("--input", "input"))
             if getattr(args, attr, None) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "none"
        raise UsageError(f"give exactly one of --case, --case-file or --input (got {got})")
    if getattr(args, "output", None) is not None and args.input is None:
        raise UsageError("--output goes with --input (a CSV of cases); one case prints to stdout")
    predictor = load_predictor(args)
    if args.input is not None:
        status = _run_batch(predictor, args)
        tell_model(args, predictor)
        return status
    result = predictor.predict_encoded(case_from_args(args, predictor.kb))
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        sys.stdout.write(result.text())
    tell_model(args, predictor)
    return 0


def _run_batch(predictor: Any, args: argparse.Namespace) -> int:
    frame = read_cases_csv(args.input, predictor.kb)
    predictions = predictor.predict_many(frame)
    if args.format == "json":
        text = json.dumps([r.to_dict() for r in predictions], indent=2) + "\n"
    else:
        text = predictions.to_frame().to_csv(index=False, columns=list(CSV_COLUMNS))
    if args.output is None:
        sys.stdout.write(text)
    else:
        from .._io import atomic_open

        try:
            with atomic_open(args.output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except FileNotFoundError:
            raise UsageError(f"--output {args.output!r}: its folder does not exist") from None
        print(f"wrote {len(predictions)} predictions to {args.output}", file=sys.stderr)
    if predictions.errors:
        first = min(predictions.errors)
        print(
            f"bicep-twitch predict: {len(predictions.errors)} of {len(predictions)} rows could not be read "
            f"(their 'error' column says why); first, row {first}: {predictions.errors[first]}",
            file=sys.stderr,
        )
    return 0


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
    from ..predict.ask import ask

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
