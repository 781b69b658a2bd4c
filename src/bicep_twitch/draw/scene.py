"""Draw the tree: a picture a person can read, with one case's path marked.

The renderer reads the plain-data tree (:class:`~bicep_twitch.core.tree.TreeData`) and the
knowledge base's words, never encoded columns, so it needs matplotlib but not scikit-learn.
One :class:`Scene` (which nodes are drawn, in which words and colours, and which lie on the
case's path) feeds both writers: matplotlib (SVG and PNG, here) and Graphviz DOT
(:mod:`bicep_twitch.draw.dot`), so the three files always show the same tree.

Layout: the root on the left, one column per level, one row per drawn end (a leaf, or a
summary of what a ``depth`` cut hides). A tree with thousands of leaves is then tall rather
than impossibly wide, and every label reads horizontally. The canvas is sized to the tree.

In the SVG each node is a group ``<g id="node-N" class="node leaf on-path">`` (N the tree's node
id; kinds ``split``, ``leaf``, ``cut``; ``on-path``/``faded`` only when a case is marked) with a
``<title>`` tooltip, each branch label ``label-N`` (N the child) and each path edge
``edge-P-C``, so a program (or a test) can read what was marked.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..core.cases import decode_value, encode_case
from .._errors import InvalidCaseError
from .._io import ensure_writable_dir, staged_files
from ..core.knowledge import CHOICE, NUMBER, YES_NO, Finding, KnowledgeBase, format_number
from ..core.tree import LEAF, TreeData

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    from ..predict.predictor import Predictor

SPLIT, LEAF_KIND, CUT = "split", "leaf", "cut"

# One colour per cause, fixed by cause id so every render of every tree agrees. Light enough
# for black text; the four causes that send people to a doctor get the strong warm colours.
CAUSE_COLOURS = {
    "exercise_overuse": "#80b1d3",
    "dehydration_heat": "#8dd3c7",
    "magnesium_deficiency": "#b3de69",
    "caffeine": "#c7a17a",
    "alcohol": "#ffed6f",
    "stress_anxiety": "#fccde5",
    "sleep_deprivation": "#bebada",
    "medication": "#fdb462",
    "nerve_damage": "#fb8072",
    "neuromuscular_disease": "#bc80bd",
    "autoimmune": "#e7298a",
}
SPLIT_FILL = "#ffffff"
INK, FADED_INK = "#1a1a1a", "#a0a0a0"
EDGE, FADED_EDGE, PATH_EDGE = "#8a8a8a", "#dadada", "#111111"

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


# -- words -------------------------------------------------------------------------------------


def cause_colour(cause: str) -> str:
    """The fill colour of ``cause``: fixed per cause id, so renders agree.

    A cause outside the table (a future knowledge base) gets a colour derived from its id,
    still the same in every render.

    Examples
    --------
    >>> cause_colour("caffeine")
    '#c7a17a'
    >>> cause_colour("something_new") == cause_colour("something_new")
    True
    """
    known = CAUSE_COLOURS.get(cause)
    if known is not None:
        return known
    import colorsys

    hue = int(hashlib.sha256(cause.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.75, 0.6)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def short_label(label: str) -> str:
    """A cause label without its parenthesised examples, for boxes (the legend has it whole).

    Examples
    --------
    >>> short_label("Disease of motor neurons or muscle (ALS, muscular dystrophy)")
    'Disease of motor neurons or muscle'
    """
    return label.split(" (", 1)[0]


def percent(p: float) -> str:
    """A probability as a person reads it: '87%', never '100%' unless it is exactly 1.

    Examples
    --------
    >>> percent(0.8666), percent(0.9996), percent(1.0), percent(0.001)
    ('87%', '>99%', '100%', '<1%')
    """
    if 0.995 <= p < 1.0:
        return ">99%"
    if 0.0 < p < 0.005:
        return "<1%"
    return f"{round(p * 100)}%"


def _with_unit(value: float, unit: str) -> str:
    text = format_number(value)
    if value == 1 and unit:
        first, _, rest = unit.partition(" ")
        if first.endswith("s"):  # "1 cup a day", "1 day", not "1 cups a day"
            unit = f"{first[:-1]} {rest}".strip()
    return f"{text} {unit}".strip()


def grid_neighbours(f: Finding, cut: float) -> tuple[float, float]:
    """The largest value on the finding's grid that goes left of ``cut`` and the smallest going right.

    The generator and the questionnaire use the grid ``min, min + step, ... max``, so the
    branch labels name grid values ("4 or fewer" and "5 or more" around a threshold of 4.5).

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> grid_neighbours(load_knowledge().findings["caffeine_cups_per_day"], 4.5)
    (4.0, 5.0)
    """
    k = math.floor((cut - f.min) / f.step + 1e-9)
    low = min(max(f.min + k * f.step, f.min), f.max)
    high = min(low + f.step, f.max)
    return round(low, 9), round(high, 9)


def branch_words(f: Finding, cut: float) -> tuple[str, str]:
    """The words on the two branches of a split on ``f`` at ``cut`` (left goes iff value <= cut).

    Numbers name grid values with the unit; yes/no read "no"/"yes"; a choice names its choices.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> branch_words(kb.findings["caffeine_cups_per_day"], 4.5)
    ('up to 4 cups a day', '5 or more cups a day')
    >>> branch_words(kb.findings["weakness"], 0.5), branch_words(kb.findings["movement"], 0.5)
    (('no', 'yes'), ('twitch', 'spasm'))
    """
    if f.type == NUMBER:
        low, high = grid_neighbours(f, cut)
        left = _with_unit(low, f.unit) if low <= f.min else f"up to {_with_unit(low, f.unit)}"
        right = _with_unit(high, f.unit) if high >= f.max else f"{format_number(high)} or more {f.unit}".strip()
        return left, right
    if f.type == YES_NO:
        options = (("no", 0.0), ("yes", 1.0))
    else:
        assert f.type == CHOICE
        options = tuple((c, float(i)) for i, c in enumerate(f.choices))
    left = [word for word, code in options if code <= cut]
    right = [word for word, code in options if code > cut]
    return " or ".join(left) or "none", " or ".join(right) or "none"


def edge_words(f: Finding, cut: float, missing_go_to_left: bool) -> tuple[str, str]:
    """The words on a split's two branches, the unknown answers' branch marked "or unknown".

    scikit-learn also splits on whether a finding was answered at all: the threshold is then
    infinite, every answer goes left and only the unknowns go right.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> f = load_knowledge().findings["stress_level"]
    >>> edge_words(f, 4.5, False)
    ('up to 4 out of 10', '5 or more out of 10 or unknown')
    >>> edge_words(f, float("inf"), False)
    ('answered', 'unknown')
    """
    if math.isinf(cut):
        words = ("answered", "none") if cut > 0 else ("none", "answered")
    else:
        words = branch_words(f, cut)
    left, right = words
    if missing_go_to_left:
        left = "unknown" if left == "none" else f"{left} or unknown"
    else:
        right = "unknown" if right == "none" else f"{right} or unknown"
    return left, right


# -- the scene: what is drawn, independent of how ----------------------------------------------


@dataclass(frozen=True)
class SceneNode:
    """One drawn node: a question (``split``), a ``leaf``, or a ``cut`` summarising what lies below."""

    id: int
    depth: int
    kind: str
    text: str
    cause: str | None  # the most likely cause (leaf, cut); None for a split
    on_path: bool | None  # None when no case is marked
    title: str  # the tooltip: details a box has no room for


@dataclass(frozen=True)
class SceneEdge:
    parent: int
    child: int
    text: str
    on_path: bool | None


@dataclass(frozen=True)
class Scene:
    """A tree prepared for drawing: nodes in depth-first order (left child first), edges, legend.

    Attributes
    ----------
    path : tuple of int
        The marked case's whole path (root to leaf, possibly below the cut); empty without a case.
    causes : tuple of (cause id, label, on a drawn leaf or cut)
        Every knowledge-base cause, in its order, for the legend.
    """

    nodes: tuple[SceneNode, ...]
    edges: tuple[SceneEdge, ...]
    depth_limit: int | None
    tree_depth: int
    leaf_count: int
    path: tuple[int, ...]
    case: Mapping[str, Any] | None
    causes: tuple[tuple[str, str, bool], ...]
    see_doctor: frozenset[str]
    end_note: str  # what the case reached, beside its last drawn node ("" without a case)
    header: tuple[str, ...]

    @property
    def marked(self) -> bool:
        return bool(self.path)

    def node(self, node_id: int) -> SceneNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def _top_cause(tree: TreeData, node: int) -> tuple[str, float]:
    value = tree.value[node]
    j = max(range(len(value)), key=lambda k: (value[k], -k))  # first maximum, as numpy's argmax
    return tree.classes[j], float(value[j])


def _leaves_below(tree: TreeData) -> list[int]:
    count = [0] * tree.node_count
    # Children come after their parent in scikit-learn's node order: one backward pass.
    for node in range(tree.node_count - 1, -1, -1):
        left = tree.children_left[node]
        count[node] = 1 if left == LEAF else count[left] + count[tree.children_right[node]]
    return count


def _differential_words(tree: TreeData, kb: KnowledgeBase, node: int, top: int = 3) -> str:
    ranked = sorted(zip(tree.classes, tree.value[node]), key=lambda cp: -cp[1])[:top]
    return ", ".join(f"{kb.causes[c].label if c in kb.causes else c} {percent(p)}" for c, p in ranked if p > 0)


def build_scene(
    tree: TreeData,
    kb: KnowledgeBase,
    *,
    depth: int | None = None,
    case: Mapping[str, Any] | Sequence[float] | None = None,
) -> Scene:
    """Decide what to draw: nodes, words, colours, and the case's path.

    Parameters
    ----------
    tree, kb
        The tree as plain data and the knowledge base whose words it is drawn in.
    depth : int, optional
        Draw only the top ``depth`` levels (the root is level 0); a split at level ``depth``
        becomes a summary of what lies below it: its most likely cause and that cause's share.
    case : mapping or sequence of float, optional
        A case (finding id -> value, as for ``predict``) or its encoded row, whose path is
        marked; the rest is faded.

    Raises
    ------
    InvalidCaseError
        The case is not valid, with the same message ``predict`` gives.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> predictor = Predictor.load()
    >>> scene = build_scene(predictor.tree, predictor.kb, depth=2, case={"movement": "spasm"})
    >>> [n.id for n in scene.nodes if n.on_path][0]
    0
    """
    depth = _check_depth(depth)
    if tuple(tree.features) != kb.finding_ids:
        raise ValueError(f"the tree tests other findings than the knowledge base has: {list(tree.features)}")
    path: tuple[int, ...] = ()
    if case is not None:
        row = _case_row(case, kb)
        path = tuple(tree.decision_path(row))
        case = {fid: decode_value(f, x) for (fid, f), x in zip(kb.findings.items(), row) if x == x}
    on_path_set = set(path)
    leaves_below = _leaves_below(tree)
    findings = [kb.findings[name] for name in tree.features]

    def mark(node: int) -> bool | None:
        return (node in on_path_set) if path else None

    nodes: list[SceneNode] = []
    edges: list[SceneEdge] = []
    stack = [(0, 0)]
    while stack:
        node, level = stack.pop()
        n_cases = f"{tree.n_samples[node]:,} training cases"
        if tree.children_left[node] == LEAF:
            cause, p = _top_cause(tree, node)
            label = kb.causes[cause].label if cause in kb.causes else cause
            nodes.append(SceneNode(
                node, level, LEAF_KIND, f"{short_label(label)} · {percent(p)}", cause, mark(node),
                f"{_differential_words(tree, kb, node)} (leaf {node}, {n_cases})",
            ))
            continue
        f = findings[tree.feature[node]]
        if depth is not None and level >= depth:
            cause, p = _top_cause(tree, node)
            label = kb.causes[cause].label if cause in kb.causes else cause
            below = leaves_below[node]
            nodes.append(SceneNode(
                node, level, CUT,
                f"{below:,} leaves below, {tree.n_samples[node]:,} cases\nmost likely {short_label(label)} · {percent(p)}",
                cause, mark(node),
                f"not drawn: {below:,} leaves below, next question {f.name}; "
                f"all cases below: {_differential_words(tree, kb, node)} (node {node}, {n_cases})",
            ))
            continue
        cut = tree.cut[node]
        words = edge_words(f, cut, tree.missing_go_to_left[node])
        exact = (
            f" Exactly: up if the value is at most {tree.threshold[node]:.6g}."
            if f.type == NUMBER and not math.isinf(cut) else ""
        )
        title = f"{f.question} Up: {words[0]}; down: {words[1]}.{exact} (node {node}, {n_cases})"
        nodes.append(SceneNode(node, level, SPLIT, f"{f.name}?", None, mark(node), title))
        left, right = tree.children_left[node], tree.children_right[node]
        for child, text in zip((left, right), words):
            edges.append(SceneEdge(node, child, text, (node in on_path_set and child in on_path_set) if path else None))
        stack.append((right, level + 1))  # popped second: the left child is drawn first (on top)
        stack.append((left, level + 1))

    end_causes = {n.cause for n in nodes if n.kind != SPLIT}
    causes = tuple((cid, c.label, cid in end_causes) for cid, c in kb.causes.items())
    end_note = _end_note(tree, kb, path, depth)
    return Scene(
        nodes=tuple(nodes),
        edges=tuple(edges),
        depth_limit=depth,
        tree_depth=tree.depth(),
        leaf_count=leaves_below[0],
        path=path,
        case=dict(case) if case is not None else None,
        causes=causes,
        see_doctor=frozenset(kb.see_doctor_causes),
        end_note=end_note,
        header=_header(tree, kb, depth, case, leaves_below[0]),
    )


def _case_row(case: Mapping[str, Any] | Sequence[float], kb: KnowledgeBase) -> list[float]:
    """A case as its encoded row: a mapping is checked and encoded, a row is checked for length."""
    if isinstance(case, Mapping):
        return encode_case(case, kb)
    row = [float(x) for x in case]
    if len(row) != len(kb.findings):
        raise InvalidCaseError(f"an encoded case must have {len(kb.findings)} values (got {len(row)})")
    return row


def _check_depth(depth: int | None) -> int | None:
    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"'depth' must be a whole number from 1 (got {depth!r})")
    return depth


def _end_note(tree: TreeData, kb: KnowledgeBase, path: Sequence[int], depth: int | None) -> str:
    if not path:
        return ""
    cause, p = _top_cause(tree, path[-1])
    label = short_label(kb.causes[cause].label if cause in kb.causes else cause)
    hidden = len(path) - 1 - depth if depth is not None else 0
    if hidden > 0:
        more = "1 more question" if hidden == 1 else f"{hidden} more questions"
        return f"◀ this case: {more} below, ending at {label} · {percent(p)}"
    return "◀ this case"


def _header(tree: TreeData, kb: KnowledgeBase, depth: int | None, case, leaves: int) -> tuple[str, ...]:
    full_depth = tree.depth()
    shown = (
        f"the top {depth} of its {full_depth} levels" if depth is not None and depth < full_depth
        else f"all {full_depth} levels"
    )
    lines = [
        f"bicep-twitch decision tree: {leaves:,} leaves; showing {shown}",
        "How to read it: start at the root on the left. At each question follow the branch whose words match "
        "the answer; a question left unanswered follows the branch marked 'or unknown'. Each coloured box at "
        "the end names the most likely cause and its probability (the share of training cases there that had it).",
    ]
    if depth is not None and depth < full_depth:
        lines.append(
            "Boxes with a dashed border stand for the part of the tree cut off below them: how many leaves, "
            "the most likely cause among all cases there and its share."
        )
    if case is not None:
        given = ", ".join(f"{k}={json.dumps(v)}" for k, v in case.items()) or "nothing answered"
        lines.append(f"Marked in bold: the path of the case {given}. Everything else is faded.")
    lines.append(
        f"{kb.disclaimer} See a doctor for: " + "; ".join(flag.text for flag in kb.red_flags) + "."
    )
    return tuple(lines)


# -- layout and drawing (matplotlib) ---------------------------------------------------------------


class _Measure:
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
            prop = _font(size, weight)
            w = max(
                self._renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in text.split("\n")
            ) / self._dpi * 1.04
            self._cache[key] = w
        return w


def _font(size: float, weight: str):
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=size, weight=weight)


LINE_SPACING = 1.25
MIN_TEXT_PIXELS = 7.0  # below this a PNG shows boxes without words (unreadable, and slow to draw)
MIN_HEADER_PIXELS = 8.0


@dataclass(frozen=True)
class _Layout:
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


def _weight(on_path: bool | None) -> str:
    return "bold" if on_path else "normal"


def _layout(scene: Scene, measure: _Measure) -> _Layout:
    levels = max(n.depth for n in scene.nodes) + 1
    pad = BOX_PAD * FONT_SIZE / 72.0
    box_w = {n.id: measure.width(n.text, FONT_SIZE, _weight(n.on_path)) + 2 * pad for n in scene.nodes}
    col_w = [0.0] * levels
    label_w = [0.0] * levels
    for n in scene.nodes:
        col_w[n.depth] = max(col_w[n.depth], box_w[n.id])
    depth_of = {n.id: n.depth for n in scene.nodes}
    for e in scene.edges:
        d = depth_of[e.child]
        label_w[d] = max(label_w[d], measure.width(e.text, FONT_SIZE, _weight(e.on_path)))
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
    legend_texts = [_legend_text(scene, cid, label) for cid, label, _ in scene.causes]
    legend_column_width = (max(measure.width(t, LEGEND_FONT_SIZE) for t in legend_texts) + 0.7) * scale
    width = max(tree_w, 9.0, legend_column_width + 2 * MARGIN)
    legend_columns = max(1, min(len(legend_texts), int((width - 2 * MARGIN) // legend_column_width)))
    chars = max(60, int((width - 2 * MARGIN) / (LEGEND_FONT_SIZE * scale * 0.55 / 72.0)))
    header_lines = (header[0],) + tuple(wrapped for line in header[1:] for wrapped in textwrap.wrap(line, chars))
    line = LEGEND_FONT_SIZE * scale * 1.45 / 72.0
    legend_top = MARGIN + 0.3 * scale + line * (len(header_lines) - 1) + 0.12 * scale
    header_height = legend_top + line * math.ceil(len(legend_texts) / legend_columns) + 0.25

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
    return _Layout(
        x={n.id: left[n.depth] for n in scene.nodes}, y=y, box_w=box_w, elbow=elbow, label_x=label_x,
        width=width, height=header_height + tree_h + MARGIN, header_lines=header_lines, header_scale=scale,
        legend_top=legend_top, legend_columns=legend_columns, legend_column_width=legend_column_width,
        legible=legible,
    )


def _legend_text(scene: Scene, cid: str, label: str) -> str:
    notes = ["see a doctor"] if cid in scene.see_doctor else []
    if not dict((c, p) for c, _, p in scene.causes)[cid]:
        notes.append("no box in this picture")
    return label + (f" ({'; '.join(notes)})" if notes else "")


def _mix(colour: str, toward: str, amount: float) -> str:
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(toward[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * amount):02x}" for p, q in zip(a, b))


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


def _node_item(n: SceneNode, lay: _Layout) -> _Item:
    fill = SPLIT_FILL if n.cause is None else cause_colour(n.cause)
    if n.kind == CUT:
        fill = _mix(fill, "#ffffff", 0.35)
    border, linewidth, ink = "#555555", 0.6, INK
    if n.on_path is False:
        fill, border, ink = _mix(fill, "#ffffff", 0.72), "#cfcfcf", FADED_INK
    elif n.on_path:
        border, linewidth = PATH_EDGE, 2.0
    pad = BOX_PAD * FONT_SIZE / 72.0
    return _Item(f"node-{n.id}", lay.x[n.id] + pad, lay.y[n.id], tuple(n.text.split("\n")), ink,
                 _weight(n.on_path), (lay.x[n.id], lay.box_w[n.id], fill, border, linewidth, n.kind == CUT))


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
            fonts = {w: _font(FONT_SIZE, w) for w in ("normal", "bold")}
            metrics = {w: renderer.get_text_width_height_descent("lp", fonts[w], ismath=False) for w in fonts}
            radius = 0.25 * FONT_SIZE / 72.0 * dpi
            identity = IdentityTransform()
            flip = renderer.flipy()
            canvas_height = renderer.get_canvas_width_height()[1]
            for item in items:
                renderer.open_group("item", gid=item.gid)
                if item.box is not None:
                    left, width, fill, border, linewidth, dashed = item.box
                    height = (FONT_SIZE * (1 + LINE_SPACING * (len(item.lines) - 1)) / 72.0
                              + 2 * BOX_PAD * FONT_SIZE / 72.0) * 1.05
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


def draw_scene(scene: Scene, layout: _Layout | None = None):
    """Draw a scene into a new matplotlib figure sized to it (inches); return the figure.

    Built with matplotlib's object API (no pyplot): nothing global changes, nothing is shown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    measure = _Measure()
    lay = layout or _layout(scene, measure)
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
        ax.text(lx + 0.36 * scale, ly + 0.5 * line, _legend_text(scene, cid, label), fontsize=size,
                va="center", color=INK if present else FADED_INK, gid=f"legend-{cid}")

    # Branches: elbows from inside the parent's box (which hides the start) to the child's box.
    depth_of = {n.id: n.depth for n in scene.nodes}
    plain, faded, labels = [], [], []
    for e in scene.edges:
        d = depth_of[e.parent]
        py, cy = lay.y[e.parent], lay.y[e.child]
        points = [(lay.x[e.parent] + 0.1, py), (lay.elbow[d], py), (lay.elbow[d], cy), (lay.x[e.child], cy)]
        if e.on_path:
            xs, ys = zip(*points)
            ax.add_line(Line2D(xs, ys, color=PATH_EDGE, linewidth=2.2, zorder=2, gid=f"edge-{e.parent}-{e.child}"))
        else:
            (faded if e.on_path is False else plain).append(points)
        labels.append(_Item(f"label-{e.child}", lay.label_x[d + 1], cy, (e.text,),
                            FADED_INK if e.on_path is False else INK, _weight(e.on_path)))
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


_GROUP = re.compile(r'<g id="((?:node|edge|label)-[0-9-]+)">')


def _svg_bytes(fig, scene: Scene) -> bytes:
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
            return (f'<g id="{gid}" class="node {n.kind}{mark(n.on_path)}">'
                    f"<title>{html.escape(n.title, quote=False)}</title>")
        if kind == "label":
            return f'<g id="{gid}" class="branch{mark(edges[int(rest)].on_path)}">'
        return f'<g id="{gid}" class="edge on-path">'

    return _GROUP.sub(classes, svg).encode("utf-8")


def scene_to_files(scene: Scene, out_svg: str | Path) -> dict[str, Path]:
    """Write the scene as SVG, PNG (beside it, same stem) and DOT, all moved into place together."""
    from ..draw.dot import scene_to_dot

    out_svg = Path(out_svg)
    if out_svg.suffix.lower() != ".svg":
        raise ValueError(f"'out' must be a file name ending in .svg (got {str(out_svg)!r})")
    folder = ensure_writable_dir(out_svg.parent, parameter="out")
    layout = _layout(scene, _Measure())
    fig = draw_scene(scene, layout)
    svg = _svg_bytes(fig, scene)
    if not layout.legible:  # words too small to read would only cost time: draw boxes and colours
        for artist in fig.axes[0].artists:
            artist.words = False
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=png_dpi(layout.width, layout.height), metadata={"Software": None})
    names = {"svg": out_svg.name, "png": out_svg.with_suffix(".png").name, "dot": out_svg.with_suffix(".dot").name}
    with staged_files(folder) as stage:
        stage[names["svg"]].write_bytes(svg)
        stage[names["png"]].write_bytes(png.getvalue())
        stage[names["dot"]].write_text(scene_to_dot(scene), encoding="utf-8")
    return {kind: folder / name for kind, name in names.items()}


# -- the public steps ----------------------------------------------------------------------------


def render_tree(
    predictor: "Predictor",
    out_svg: str | Path,
    *,
    depth: int | None = None,
    case: Mapping[str, Any] | Sequence[float] | None = None,
) -> dict[str, Path]:
    """Draw a predictor's tree into ``out_svg`` and, beside it, a PNG and a Graphviz DOT file.

    Parameters
    ----------
    predictor : Predictor
        Anything with ``tree`` (:class:`TreeData`) and ``kb`` (:class:`KnowledgeBase`).
    out_svg : str or Path
        The SVG to write; ``.png`` and ``.dot`` files of the same stem go beside it.
    depth : int, optional
        Draw only the top ``depth`` levels; what lies below each cut is summarised.
    case : mapping or sequence of float, optional
        Mark this case's path (finding id -> value, or the encoded row); the rest is faded.

    Returns
    -------
    dict
        ``{"svg": Path, "png": Path, "dot": Path}``.

    Raises
    ------
    InvalidCaseError
        The case is invalid (the message names the finding, the value and what is allowed).
    ValueError
        ``depth`` is not a whole number from 1, or ``out_svg`` does not end in ``.svg``.

    Examples
    --------
    >>> import tempfile
    >>> from bicep_twitch import Predictor
    >>> out = Path(tempfile.mkdtemp()) / "tree.svg"
    >>> paths = render_tree(Predictor.load(), out, depth=2, case={"movement": "spasm"})
    >>> sorted(p.suffix for p in paths.values())
    ['.dot', '.png', '.svg']
    """
    scene = build_scene(predictor.tree, predictor.kb, depth=depth, case=case)
    return scene_to_files(scene, out_svg)


OVERVIEW_DEPTH = 4  # four levels of questions fit one screen with every word legible


def write_model_pictures(model_dir: str | Path) -> dict[str, Path]:
    """Draw a trained model's tree into ``model_dir``.

    ``tree.svg``, ``tree.png`` and ``tree.dot`` hold the whole tree (a large tree's PNG shows its
    shape; the SVG keeps every word for zooming), and ``tree-overview.*`` the top
    ``OVERVIEW_DEPTH`` levels with what lies below summarised: the picture a newcomer reads first.
    The train step calls this after exporting the model.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from bicep_twitch.predict.predictor import default_model_dir
    >>> folder = Path(tempfile.mkdtemp()) / "model"
    >>> _ = shutil.copytree(default_model_dir(), folder)
    >>> sorted(p.name for p in write_model_pictures(folder).values())
    ['tree-overview.dot', 'tree-overview.png', 'tree-overview.svg', 'tree.dot', 'tree.png', 'tree.svg']
    """
    from ..predict.predictor import Predictor

    model_dir = Path(model_dir)
    predictor = Predictor.load(model_dir)
    paths = render_tree(predictor, model_dir / "tree.svg")
    overview = render_tree(predictor, model_dir / "tree-overview.svg", depth=OVERVIEW_DEPTH)
    return {**paths, **{f"overview_{kind}": path for kind, path in overview.items()}}


def run_render(args: "argparse.Namespace") -> int:
    """``bicep-twitch render``: draw the tree, mark a case's path, print the case's explanation.

    The case is read exactly as ``predict`` reads it (same options, same errors), and the
    explanation printed is ``predict``'s own text.
    """
    from ..predict.predictor import Predictor
    from ..cli.case_input import case_from_args

    predictor = Predictor.load(args.model)
    row = case_from_args(args, predictor.kb)
    paths = render_tree(predictor, args.out, depth=args.depth, case=row)
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    if row is not None:
        print()
        print(predictor.predict_encoded(row).text(), end="")
    return 0


__all__ = [
    "render_tree",
    "write_model_pictures",
    "run_render",
    "build_scene",
    "draw_scene",
    "branch_words",
    "cause_colour",
    "CAUSE_COLOURS",
]
