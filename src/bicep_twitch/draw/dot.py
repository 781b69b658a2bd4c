"""The tree as Graphviz DOT, for people who lay trees out with Graphviz.

It writes the same :class:`~bicep_twitch.draw.scene.Scene` the picture shows (same nodes, words,
colours, cut and marked path), so ``dot -Tsvg tree.dot`` gives that picture in Graphviz's layout.
Pure text: nothing here needs Graphviz or matplotlib.
"""

from __future__ import annotations

from .scene import CUT, SPLIT, Scene
from .style import ANSWERED_FILL, FADED_EDGE, FADED_INK, PATH_EDGE, SPLIT_FILL, UNANSWERED_FILL, cause_colour, mix


def dot_quote(text: str) -> str:
    r"""A DOT string literal: quotes and backslashes escaped, newlines as ``\n``.

    Examples
    --------
    >>> print(dot_quote('say "hi"\nthen go'))
    "say \"hi\"\nthen go"
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def scene_to_dot(scene: Scene) -> str:
    """The scene as a DOT digraph, root on the left; ``id``/``class`` as in the SVG.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> from bicep_twitch.draw.scene import build_scene
    >>> predictor = Predictor.load()
    >>> dot = scene_to_dot(build_scene(predictor.tree, predictor.kb, depth=1))
    >>> dot.splitlines()[0], dot.count(" -> ")
    ('digraph bicep_twitch_tree {', 2)
    """
    lines = [
        "digraph bicep_twitch_tree {",
        "  rankdir=LR;",
        "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];",
        "  edge [fontname=\"DejaVu Sans\", fontsize=9, color=\"#8a8a8a\"];",
        f"  label={dot_quote(chr(10).join(scene.header))};",
        "  labelloc=t; labeljust=l;",
    ]
    for n in scene.nodes:
        fill = SPLIT_FILL if n.kind == SPLIT else cause_colour(n.cause)
        attrs = {"label": n.text, "tooltip": n.title, "id": f"node-{n.id}"}
        classes = f"node {n.kind}"
        style = ["rounded", "filled"] + (["dashed"] if n.kind == CUT else [])
        if n.on_path is False:
            fill = mix(fill, "#ffffff", 0.72)
            attrs.update(color="#cfcfcf", fontcolor=FADED_INK)
            classes += " faded"
        elif n.on_path:
            attrs.update(penwidth="2.5", color=PATH_EDGE)
            style.append("bold")
            classes += " on-path"
        if n.answered is not None:  # a question on a case's path: answered ones filled, unknown dashed
            fill = ANSWERED_FILL if n.answered else UNANSWERED_FILL
            style += [] if n.answered else ["dashed"]
            classes += " answered" if n.answered else " unanswered"
        attrs.update(fillcolor=fill, style=",".join(style), **{"class": classes})
        lines.append(f"  n{n.id} [{_attrs(attrs)}];")
    for e in scene.edges:
        attrs = {"label": e.text}
        if e.on_path is False:
            attrs.update(color=FADED_EDGE, fontcolor=FADED_INK)
        elif e.on_path:
            attrs.update(color=PATH_EDGE, penwidth="2.5", **{"class": "edge on-path"})
        lines.append(f"  n{e.parent} -> n{e.child} [{_attrs(attrs)}];")
    lines.append("  subgraph cluster_legend {")
    # rank=same stacks the legend in one column (the tree runs left to right).
    lines.append("    label=\"causes\"; style=rounded; color=\"#cccccc\"; rank=same;")
    for cid, label, present in scene.causes:
        text = label + (" (see a doctor)" if cid in scene.see_doctor else "") + ("" if present else " (on no leaf drawn)")
        lines.append(f"    legend_{cid} [{_attrs({'label': text, 'fillcolor': cause_colour(cid)})}];")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{key}={dot_quote(value)}" for key, value in attrs.items())
