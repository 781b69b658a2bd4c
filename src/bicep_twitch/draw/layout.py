"""The layout of a scene: where each box, branch and label goes, measured with matplotlib's fonts.

Root on the left, one column per level, one row per drawn end (a leaf, or a summary of what a
``depth`` cut hides). A tree with thousands of leaves is then tall rather than impossibly
wide, and every label reads horizontally. The canvas is sized to the tree.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from .scene import CUT, LEAF_KIND, SPLIT, Scene

FONT_SIZE = 7.0  # points: node and branch text
LEGEND_FONT_SIZE = 8.0
TITLE_FONT_SIZE = 11.0
BOX_PAD = 0.3  # box padding, in font sizes (matplotlib's boxstyle pad)
ROW = {LEAF_KIND: 0.2, CUT: 0.36}  # inches of height per drawn end, by kind
SPLIT_ROWS = 0.2  # a split drawn at the end of a chain still needs this much room
MARGIN = 0.3
ELBOW_GAP = 0.12  # from the widest box of a column to its elbow line
LABEL_GAP = 0.06

# The PNG gets at most this many pixels (Agg holds 4 bytes a pixel in memory) and at most
# MAX_DPI; a tree too big to read at that size is read in the SVG or with --depth.
PNG_PIXEL_BUDGET = 40_000_000
MAX_DPI = 110.0
MIN_DPI = 20.0
MAX_PNG_SIDE = 32_000


def png_dpi(width_in: float, height_in: float) -> float:
    """The PNG resolution: MAX_DPI, lowered so the image stays within the pixel budget.

    Examples
    --------
    >>> png_dpi(10, 10)
    110.0
    >>> round(png_dpi(60, 400))
    41
    """
    dpi = min(MAX_DPI, math.sqrt(PNG_PIXEL_BUDGET / (width_in * height_in)), MAX_PNG_SIDE / max(width_in, height_in))
    return max(MIN_DPI, dpi)


class Measure:
    """Text widths, from matplotlib's own Agg text engine (the one that draws the PNG)."""

    def __init__(self):
        from matplotlib.backends.backend_agg import RendererAgg

        # Measured at the PNG's resolution: hinting widens small text there (about 7% at 110 dpi
        # against 288); a little slack covers an SVG viewer's own font.
        self._dpi = MAX_DPI
        self._renderer = RendererAgg(1, 1, self._dpi)
        self._cache: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
        """Width in inches of the widest line of ``text``."""
        key = (text, size, weight)
        w = self._cache.get(key)
        if w is None:
            prop = font(size, weight)
            w = max(
                self._renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in text.split("\n")
            ) / self._dpi * 1.04
            self._cache[key] = w
        return w


def font(size: float, weight: str):
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=size, weight=weight)


LINE_SPACING = 1.25
MIN_TEXT_PIXELS = 7.0  # below this a PNG shows boxes without words (unreadable, and slow to draw)
MIN_HEADER_PIXELS = 8.0


@dataclass(frozen=True)
class Layout:
    x: dict[int, float]  # a node's box, left edge, inches from the left
    y: dict[int, float]  # a node's centre, inches from the top
    box_w: dict[int, float]
    elbow: list[float]  # per level: where its branches turn
    label_x: list[float]  # per level: where the branch labels into it start
    width: float
    height: float
    header_lines: tuple[str, ...]
    header_scale: float  # header and legend fonts grow so a big tree's small PNG still shows them
    legend_top: float
    legend_columns: int
    legend_column_width: float
    legible: bool  # does the PNG show the words in the boxes?
    # A ladder's branches, by child node: the line's points and where its label sits (x, y).
    # None: branches are elbows through ``elbow``, labels at ``label_x`` (the tree drawings).
    routes: dict[int, tuple[tuple[tuple[float, float], ...], float, float]] | None = None


def text_weight(on_path: bool | None) -> str:
    return "bold" if on_path else "normal"


@dataclass(frozen=True)
class _Band:
    """The header above a drawing: title, reading notes and legend, as wide as the figure."""

    width: float
    height: float
    lines: tuple[str, ...]
    scale: float
    legend_top: float
    legend_columns: int
    legend_column_width: float
    legible: bool


def _header_band(scene: Scene, measure: Measure, tree_w: float, tree_h: float) -> _Band:
    """Lay out the header for a drawing of ``tree_w`` by ``tree_h`` inches (below the header)."""
    # Will the PNG be able to show words? Decide on the tree alone (the header adds little).
    dpi = png_dpi(max(tree_w, 9.0), tree_h + 2.0)
    legible = FONT_SIZE * dpi / 72.0 >= MIN_TEXT_PIXELS
    scale = min(3.0, max(1.0, MIN_HEADER_PIXELS / (LEGEND_FONT_SIZE * dpi / 72.0)))
    header = scene.header
    if not legible:
        header = header[:2] + (
            "This tree is too large to read as one PNG: the PNG shows its shape and colours only. tree.svg has "
            "every word (open it in a browser and zoom in; hover over a box for details), and "
            "'bicep-twitch render --depth 4' draws a readable overview.",
        ) + header[2:]

    # The legend and the reading notes go in a band above the tree, as wide as the figure.
    legend_texts = [legend_text(scene, cid, label) for cid, label, _ in scene.causes]
    legend_column_width = (max(measure.width(t, LEGEND_FONT_SIZE) for t in legend_texts) + 0.7) * scale
    width = max(tree_w, 9.0, legend_column_width + 2 * MARGIN)
    legend_columns = max(1, min(len(legend_texts), int((width - 2 * MARGIN) // legend_column_width)))
    chars = max(60, int((width - 2 * MARGIN) / (LEGEND_FONT_SIZE * scale * 0.55 / 72.0)))
    header_lines = (header[0],) + tuple(wrapped for line in header[1:] for wrapped in textwrap.wrap(line, chars))
    line = LEGEND_FONT_SIZE * scale * 1.45 / 72.0
    legend_top = MARGIN + 0.3 * scale + line * (len(header_lines) - 1) + 0.12 * scale
    header_height = legend_top + line * math.ceil(len(legend_texts) / legend_columns) + 0.25

    return _Band(width, header_height, header_lines, scale, legend_top, legend_columns, legend_column_width, legible)


def lay_out(scene: Scene, measure: Measure) -> Layout:
    if scene.ladder:
        return _lay_out_ladder(scene, measure)
    levels = max(n.depth for n in scene.nodes) + 1
    pad = BOX_PAD * FONT_SIZE / 72.0
    box_w = {n.id: measure.width(n.text, FONT_SIZE, text_weight(n.on_path)) + 2 * pad for n in scene.nodes}
    col_w = [0.0] * levels
    label_w = [0.0] * levels
    for n in scene.nodes:
        col_w[n.depth] = max(col_w[n.depth], box_w[n.id])
    depth_of = {n.id: n.depth for n in scene.nodes}
    for e in scene.edges:
        d = depth_of[e.child]
        label_w[d] = max(label_w[d], measure.width(e.text, FONT_SIZE, text_weight(e.on_path)))
    left = [MARGIN]
    elbow, label_x = [], [0.0]
    for d in range(levels):
        elbow.append(left[d] + col_w[d] + ELBOW_GAP)
        if d + 1 < levels:
            label_x.append(elbow[d] + LABEL_GAP)
            left.append(label_x[d + 1] + label_w[d + 1] + 2 * LABEL_GAP)
    note_w = measure.width(scene.end_note, FONT_SIZE, "bold") + 0.2 if scene.end_note else 0.0
    tree_w = max(left[d] + col_w[d] for d in range(levels)) + note_w + MARGIN
    tree_h = sum(ROW[n.kind] for n in scene.nodes if n.kind != SPLIT) or SPLIT_ROWS

    band = _header_band(scene, measure, tree_w, tree_h)
    header_height = band.height
    y: dict[int, float] = {}
    top = header_height
    for n in scene.nodes:  # depth-first, left child first: the ends take rows top to bottom
        if n.kind != SPLIT:
            y[n.id] = top + ROW[n.kind] / 2
            top += ROW[n.kind]
    children: dict[int, list[int]] = {}
    for e in scene.edges:
        children.setdefault(e.parent, []).append(e.child)
    for n in reversed(scene.nodes):  # in reverse depth-first order children come before parents
        if n.kind == SPLIT:
            kids = children[n.id]
            y[n.id] = (y[kids[0]] + y[kids[-1]]) / 2
    return Layout(
        x={n.id: left[n.depth] for n in scene.nodes}, y=y, box_w=box_w, elbow=elbow, label_x=label_x,
        width=band.width, height=header_height + tree_h + MARGIN, header_lines=band.lines, header_scale=band.scale,
        legend_top=band.legend_top, legend_columns=band.legend_columns,
        legend_column_width=band.legend_column_width, legible=band.legible,
    )


LADDER_GAP = 0.22  # inches between a path box and the label of the branch it did not take
LADDER_ROW_GAP = 0.2  # room between two rows of the ladder for the taken branch's label


def box_height(lines: int) -> float:
    """The height in inches of a node box holding ``lines`` lines of text."""
    return (FONT_SIZE * (1 + LINE_SPACING * (lines - 1)) / 72.0 + 2 * BOX_PAD * FONT_SIZE / 72.0) * 1.05


def _lay_out_ladder(scene: Scene, measure: Measure) -> Layout:
    """A case's path top to bottom in one column; each branch not taken to the right of its row.

    The width does not grow with the depth of the tree and the height grows one row per
    decision, so every word stays legible however long the path.
    """
    pad = BOX_PAD * FONT_SIZE / 72.0
    box_w = {n.id: measure.width(n.text, FONT_SIZE, text_weight(n.on_path)) + 2 * pad for n in scene.nodes}
    on_path = [n for n in scene.nodes if n.on_path]
    col_w = max(box_w[n.id] for n in on_path)
    off_edges = {e.parent: e for e in scene.edges if not e.on_path}
    taken = {e.parent: e for e in scene.edges if e.on_path}
    label_w = max((measure.width(e.text, FONT_SIZE) for e in off_edges.values()), default=0.0)
    off_x = MARGIN + col_w + LADDER_GAP + label_w + LADDER_GAP
    off_w = max((box_w[e.child] for e in off_edges.values()), default=0.0)
    note_w = measure.width(scene.end_note, FONT_SIZE, "bold") + 0.2 if scene.end_note else 0.0
    tree_w = max(off_x + off_w, MARGIN + col_w + note_w) + MARGIN
    heights = {n.id: box_height(n.text.count("\n") + 1) for n in scene.nodes}
    row_h = max(max(heights[n.id], heights.get(off_edges[n.id].child, 0) if n.id in off_edges else 0) for n in on_path)
    pitch = row_h + LADDER_ROW_GAP
    tree_h = pitch * len(on_path)
    band = _header_band(scene, measure, tree_w, tree_h)
    x, y = {}, {}
    routes: dict[int, tuple[tuple[tuple[float, float], ...], float, float]] = {}
    trunk = MARGIN + 0.25  # the path's line runs down inside the left of the boxes
    for k, n in enumerate(on_path):
        x[n.id], y[n.id] = MARGIN, band.height + k * pitch + row_h / 2
    for k, n in enumerate(on_path):
        if n.id in off_edges:
            e = off_edges[n.id]
            x[e.child], y[e.child] = off_x, y[n.id]
            routes[e.child] = (((MARGIN + 0.1, y[n.id]), (off_x, y[n.id])), MARGIN + col_w + LADDER_GAP / 2, y[n.id])
        if n.id in taken:
            e = taken[n.id]
            below = y[e.child] - heights[e.child] / 2
            routes[e.child] = (((trunk, y[n.id]), (trunk, y[e.child])), trunk + 0.08, below - 0.03)
    return Layout(
        x=x, y=y, box_w=box_w, elbow=[], label_x=[], width=band.width, height=band.height + tree_h + MARGIN,
        header_lines=band.lines, header_scale=band.scale, legend_top=band.legend_top,
        legend_columns=band.legend_columns, legend_column_width=band.legend_column_width, legible=band.legible,
        routes=routes,
    )


def legend_text(scene: Scene, cid: str, label: str) -> str:
    notes = ["see a doctor"] if cid in scene.see_doctor else []
    if not dict((c, p) for c, _, p in scene.causes)[cid]:
        notes.append("no box in this picture")
    return label + (f" ({'; '.join(notes)})" if notes else "")


