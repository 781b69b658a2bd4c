"""Writing drawings: a scene to SVG, PNG and DOT files, and the pictures beside a trained model."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

from .._io import check_output_file, ensure_writable_dir, staged_files
from ..core.knowledge import KnowledgeBase, load_knowledge
from ..core.model_folder import read_model_tree
from ..core.tree import TreeData
from .dot import scene_to_dot
from .figure import draw_scene, svg_bytes
from .layout import Measure, lay_out, png_dpi
from .scene import Scene, build_case_scene, build_scene


class TreeAndWords(NamedTuple):
    """A tree and the knowledge base whose words it is drawn in (what a Predictor also has)."""

    tree: TreeData
    kb: KnowledgeBase

def scene_to_files(scene: Scene, out_svg: str | Path) -> dict[str, Path]:
    """Write the scene as SVG, PNG (beside it, same stem) and DOT, all moved into place together."""
    out_svg = Path(out_svg)
    if out_svg.suffix.lower() != ".svg":
        raise ValueError(f"'out' must be a file name ending in .svg (got {str(out_svg)!r})")
    folder = ensure_writable_dir(out_svg.parent, parameter="out")
    names = {"svg": out_svg.name, "png": out_svg.with_suffix(".png").name, "dot": out_svg.with_suffix(".dot").name}
    for name in names.values():  # all three checked before any is written: none replaced, or all
        check_output_file(folder / name, parameter="out")
    layout = lay_out(scene, Measure())
    fig = draw_scene(scene, layout)
    svg = svg_bytes(fig, scene)
    if not layout.legible:  # words too small to read would only cost time: draw boxes and colours
        for artist in fig.axes[0].artists:
            artist.words = False
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=png_dpi(layout.width, layout.height), metadata={"Software": None})
    with staged_files(folder) as stage:
        stage[names["svg"]].write_bytes(svg)
        stage[names["png"]].write_bytes(png.getvalue())
        stage[names["dot"]].write_text(scene_to_dot(scene), encoding="utf-8")
    return {kind: folder / name for kind, name in names.items()}


# -- the public steps ----------------------------------------------------------------------------


def render_tree(
    model: Any,
    out_svg: str | Path,
    *,
    depth: int | None = None,
    case: Mapping[str, Any] | Sequence[float] | None = None,
) -> dict[str, Path]:
    """Draw a predictor's tree into ``out_svg`` and, beside it, a PNG and a Graphviz DOT file.

    Parameters
    ----------
    model : Predictor or TreeAndWords
        Anything with ``tree`` (:class:`TreeData`) and ``kb`` (:class:`KnowledgeBase`).
    out_svg : str or Path
        The SVG to write; ``.png`` and ``.dot`` files of the same stem go beside it.
    depth : int, optional
        Draw only the top ``depth`` levels; what lies below each cut is summarised. Not with
        ``case``, whose picture always shows the case's whole path.
    case : mapping or sequence of float, optional
        Draw this case's whole path (finding id -> value, or the encoded row), root to leaf, one
        decision a row, answered ones marked apart from unknown ones, each branch not taken as a
        summary box beside it (:func:`~bicep_twitch.draw.scene.build_case_scene`).

    Returns
    -------
    dict
        ``{"svg": Path, "png": Path, "dot": Path}``.

    Raises
    ------
    InvalidCaseError
        The case is invalid (the message names the finding, the value and what is allowed).
    ValueError
        ``depth`` is not a whole number from 1, or is given with ``case``, or ``out_svg`` does not
        end in ``.svg``.

    Examples
    --------
    >>> import tempfile
    >>> from bicep_twitch import Predictor
    >>> out = Path(tempfile.mkdtemp()) / "tree.svg"
    >>> paths = render_tree(Predictor.load(), out, case={"movement": "spasm"})
    >>> sorted(p.suffix for p in paths.values())
    ['.dot', '.png', '.svg']
    """
    if case is None:
        scene = build_scene(model.tree, model.kb, depth=depth)
    elif depth is not None:
        raise ValueError(
            f"'depth' draws the top of the whole tree, and a case's picture always shows its whole path "
            f"(got depth={depth!r} with a case); leave out depth, or the case"
        )
    else:
        scene = build_case_scene(model.tree, model.kb, case)
    return scene_to_files(scene, out_svg)


OVERVIEW_DEPTH = 4  # four levels of questions fit one screen with every word legible
# What write_model_pictures draws: pictures of one model, never carried over to the next.
MODEL_PICTURE_NAMES = tuple(f"{stem}.{kind}" for stem in ("tree", "tree-overview") for kind in ("svg", "png", "dot"))


def write_model_pictures(model_dir: str | Path) -> dict[str, Path]:
    """Draw a trained model's tree into ``model_dir``.

    ``tree.svg``, ``tree.png`` and ``tree.dot`` hold the whole tree (a large tree's PNG shows its
    shape; the SVG keeps every word for zooming), and ``tree-overview.*`` the top
    ``OVERVIEW_DEPTH`` levels with what lies below summarised: the picture a newcomer reads first.
    The train command calls this on the staged model folder, before it replaces the old one.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from bicep_twitch.core.model_folder import default_model_dir
    >>> folder = Path(tempfile.mkdtemp()) / "model"
    >>> _ = shutil.copytree(default_model_dir(), folder)
    >>> sorted(p.name for p in write_model_pictures(folder).values())
    ['tree-overview.dot', 'tree-overview.png', 'tree-overview.svg', 'tree.dot', 'tree.png', 'tree.svg']
    """
    model_dir = Path(model_dir)
    tree, _, _ = read_model_tree(model_dir)
    model = TreeAndWords(tree, load_knowledge())
    paths = render_tree(model, model_dir / "tree.svg")
    overview = render_tree(model, model_dir / "tree-overview.svg", depth=OVERVIEW_DEPTH)
    return {**paths, **{f"overview_{kind}": path for kind, path in overview.items()}}


__all__ = ["render_tree", "write_model_pictures", "scene_to_files", "TreeAndWords", "OVERVIEW_DEPTH",
           "MODEL_PICTURE_NAMES"]
