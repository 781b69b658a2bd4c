"""The scene drawn with matplotlib (object API, no pyplot): the figure, its SVG and its PNG resolution.

In the SVG each node is a group ``<g id="node-N" class="node leaf on-path">`` (N the tree's node
id; kinds ``split``, ``leaf``, ``cut``; ``on-path``/``faded`` only when a case is marked, and
``answered``/``unanswered`` on the questions of a case's path) with a
``<title>`` tooltip, each branch label ``label-N`` (N the child) and each path edge
``edge-P-C``, so a program (or a test) can read what was marked.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Sequence

from .layout import (
    BOX_PAD, FONT_SIZE, LEGEND_FONT_SIZE, LINE_SPACING, MARGIN, TITLE_FONT_SIZE, Layout, Measure, box_height, font,
    lay_out, legend_text, text_weight,
)
from .scene import CUT, Scene, SceneNode
from .style import (
    ANSWERED_FILL, EDGE, FADED_EDGE, FADED_INK, INK, PATH_EDGE, SPLIT_FILL, UNANSWERED_FILL, cause_colour, mix,
)

@dataclass(frozen=True)
class _Item:
    """One group of the drawing: an optional rounded box and a few lines of text."""

    gid: str
    x: float  # text start (inches from the left)
    y: float  # box centre, or the line the text sits on (inches from the top)
    lines: tuple[str, ...]
    ink: str
    weight: str
    box: tuple[float, float, str, str, float, bool] | None = None  # left, width, fill, border, linewidth, dashed


def _node_item(n: SceneNode, lay: Layout) -> _Item:
    fill = SPLIT_FILL if n.cause is None else cause_colour(n.cause)
    if n.kind == CUT:
        fill = mix(fill, "#ffffff", 0.35)
    border, linewidth, ink = "#555555", 0.6, INK
    dashed = n.kind == CUT
    if n.on_path is False:
        fill, border, ink = mix(fill, "#ffffff", 0.72), "#cfcfcf", FADED_INK
    elif n.on_path:
        border, linewidth = PATH_EDGE, 2.0
    if n.answered is False:  # a question on the case's path that it left unanswered
        fill, linewidth, dashed = UNANSWERED_FILL, 1.2, True
    elif n.answered:
        fill = ANSWERED_FILL
    pad = BOX_PAD * FONT_SIZE / 72.0
    return _Item(f"node-{n.id}", lay.x[n.id] + pad, lay.y[n.id], tuple(n.text.split("\n")), ink,
                 text_weight(n.on_path), (lay.x[n.id], lay.box_w[n.id], fill, border, linewidth, dashed))


def _items_artist(items: Sequence[_Item], *, zorder: float, centre: bool):
    """An artist drawing many boxes and labels, each in its own SVG group ``<g id=gid>``.

    matplotlib's ``Text`` re-lays out every string on every draw, which for a tree of thousands
    of nodes takes most of the time; this draws each one with two renderer calls. ``centre``:
    text centred on ``y`` (nodes) or sitting just above it (branch labels).
    """
    from matplotlib.artist import Artist
    from matplotlib.colors import to_rgb
    from matplotlib.patches import BoxStyle
    from matplotlib.transforms import IdentityTransform

    class _Items(Artist):
        def __init__(self):
            super().__init__()
            self.set_zorder(zorder)
            self.words = True  # False: boxes only (a PNG too small for words)

        def draw(self, renderer):
            if not self.get_visible():
                return
            to_px = self.axes.transData.transform
            dpi = renderer.points_to_pixels(72.0)
            fonts = {w: font(FONT_SIZE, w) for w in ("normal", "bold")}
            metrics = {w: renderer.get_text_width_height_descent("lp", fonts[w], ismath=False) for w in fonts}
            radius = 0.25 * FONT_SIZE / 72.0 * dpi
            identity = IdentityTransform()
            flip = renderer.flipy()
            canvas_height = renderer.get_canvas_width_height()[1]
            for item in items:
                renderer.open_group("item", gid=item.gid)
                if item.box is not None:
                    left, width, fill, border, linewidth, dashed = item.box
                    height = box_height(len(item.lines))
                    x0, y0 = to_px((left, item.y + height / 2))
                    path = BoxStyle.Round(pad=0.0, rounding_size=radius)(x0, y0, width * dpi, height * dpi, 1.0)
                    gc = renderer.new_gc()
                    gc.set_foreground(border)
                    gc.set_linewidth(linewidth)
                    gc.set_joinstyle("round")
                    if dashed:
                        gc.set_dashes(0, [3.0, 2.0])
                    renderer.draw_path(gc, path, identity, to_rgb(fill))
                    gc.restore()
                if self.words:
                    gc = renderer.new_gc()
                    gc.set_foreground(item.ink)
                    _, lp_h, lp_d = metrics[item.weight]
                    step = lp_h * LINE_SPACING
                    x, y = to_px((item.x, item.y))
                    if centre:  # the block of lines centred on y
                        top = y + (lp_h + step * (len(item.lines) - 1)) / 2
                    else:  # one line sitting just above y
                        top = y + 0.02 * dpi + lp_h
                    for k, text in enumerate(item.lines):
                        baseline = top - (lp_h - lp_d) - k * step  # display pixels, up from the bottom
                        # Like Text.draw: these renderers count text positions down from the top.
                        if flip:
                            baseline = canvas_height - baseline
                        renderer.draw_text(gc, x, baseline, text, fonts[item.weight], 0.0)
                    gc.restore()
                renderer.close_group("item")
            self.stale = False

    return _Items()


def draw_scene(scene: Scene, layout: Layout | None = None):
    """Draw a scene into a new matplotlib figure sized to it (inches); return the figure.

    Built with matplotlib's object API (no pyplot): nothing global changes, nothing is shown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    measure = Measure()
    lay = layout or lay_out(scene, measure)
    fig = Figure(figsize=(lay.width, lay.height))
    FigureCanvasAgg(fig)  # a pyplot-free figure needs a canvas to be saved
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, lay.width)
    ax.set_ylim(lay.height, 0.0)  # inches from the top-left corner
    ax.set_axis_off()

    # Header: title, how to read, then the legend (every cause, in knowledge-base order).
    scale = lay.header_scale
    size = LEGEND_FONT_SIZE * scale
    line = size * 1.45 / 72.0
    ax.text(MARGIN, MARGIN, lay.header_lines[0], fontsize=TITLE_FONT_SIZE * scale, fontweight="bold",
            va="top", color=INK, gid="title")
    for k, text in enumerate(lay.header_lines[1:]):
        ax.text(MARGIN, MARGIN + 0.3 * scale + k * line, text, fontsize=size, va="top", color=INK, gid=f"note-{k}")
    for k, (cid, label, present) in enumerate(scene.causes):
        lx = MARGIN + (k % lay.legend_columns) * lay.legend_column_width
        ly = lay.legend_top + (k // lay.legend_columns) * line
        ax.add_patch(Rectangle((lx, ly + 0.1 * line), 0.28 * scale, 0.75 * line, facecolor=cause_colour(cid),
                               edgecolor="#555555", linewidth=0.5, gid=f"swatch-{cid}"))
        ax.text(lx + 0.36 * scale, ly + 0.5 * line, legend_text(scene, cid, label), fontsize=size,
                va="center", color=INK if present else FADED_INK, gid=f"legend-{cid}")

    # Branches: elbows from inside the parent's box (which hides the start) to the child's box.
    depth_of = {n.id: n.depth for n in scene.nodes}
    plain, faded, labels = [], [], []
    for e in scene.edges:
        d = depth_of[e.parent]
        py, cy = lay.y[e.parent], lay.y[e.child]
        if lay.routes is not None:  # a ladder: each branch has its own line and label place
            route, label_x, label_y = lay.routes[e.child]
            points = list(route)
        else:
            points = [(lay.x[e.parent] + 0.1, py), (lay.elbow[d], py), (lay.elbow[d], cy), (lay.x[e.child], cy)]
            label_x, label_y = lay.label_x[d + 1], cy
        if e.on_path:
            xs, ys = zip(*points)
            ax.add_line(Line2D(xs, ys, color=PATH_EDGE, linewidth=2.2, zorder=2, gid=f"edge-{e.parent}-{e.child}"))
        else:
            (faded if e.on_path is False else plain).append(points)
        labels.append(_Item(f"label-{e.child}", label_x, label_y, (e.text,),
                            FADED_INK if e.on_path is False else INK, text_weight(e.on_path)))
    if plain:
        ax.add_collection(LineCollection(plain, colors=EDGE, linewidths=0.7, zorder=1, gid="edges"))
    if faded:
        ax.add_collection(LineCollection(faded, colors=FADED_EDGE, linewidths=0.7, zorder=1, gid="edges-faded"))
    ax.add_artist(_items_artist(labels, zorder=3, centre=False))
    ax.add_artist(_items_artist([_node_item(n, lay) for n in scene.nodes], zorder=4, centre=True))
    if scene.end_note:
        end = next(n for n in reversed(scene.nodes) if n.on_path)
        ax.text(lay.x[end.id] + lay.box_w[end.id] + 0.1, lay.y[end.id], scene.end_note, fontsize=FONT_SIZE,
                va="center", ha="left", fontweight="bold", color=PATH_EDGE, zorder=5, gid="case-note")
    return fig


_GROUP = re.compile(r'<g id="((?:node|edge|label)-[0-9-]+)">')


def svg_bytes(fig, scene: Scene) -> bytes:
    """The figure as SVG with text kept as text, then classes and tooltips added to each group."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bicep-twitch"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue().decode("utf-8")
    nodes = {f"node-{n.id}": n for n in scene.nodes}
    edges = {e.child: e for e in scene.edges}

    def mark(on_path: bool | None) -> str:
        return "" if on_path is None else (" on-path" if on_path else " faded")

    def classes(match: re.Match) -> str:
        gid = match.group(1)
        kind, _, rest = gid.partition("-")
        if kind == "node":
            n = nodes[gid]
            asked = "" if n.answered is None else (" answered" if n.answered else " unanswered")
            return (f'<g id="{gid}" class="node {n.kind}{mark(n.on_path)}{asked}">'
                    f"<title>{html.escape(n.title, quote=False)}</title>")
        if kind == "label":
            return f'<g id="{gid}" class="branch{mark(edges[int(rest)].on_path)}">'
        return f'<g id="{gid}" class="edge on-path">'

    return _GROUP.sub(classes, svg).encode("utf-8")


