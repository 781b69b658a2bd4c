"""The scene: what a drawing of the tree shows, independent of how it is drawn.

A :class:`Scene` (which nodes are drawn, in which words and colours, and which lie on a case's
path) feeds every writer: matplotlib (:mod:`.figure`, SVG and PNG) and Graphviz DOT
(:mod:`.dot`), so the files always show the same tree. It reads the plain-data tree and the
knowledge base's words, never encoded columns. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .._errors import InvalidCaseError
from ..core.cases import decode_value, encode_case
from ..core.knowledge import NUMBER, YES_NO, Finding, KnowledgeBase
from ..core.model_folder import check_tree_matches
from ..core.numbers import percent
from ..core.tree import LEAF, TreeData
from ..core.triage import LEVELS, is_doctor_cause
from ..core.words import amount_words, answer_clause, edge_words

SPLIT, LEAF_KIND, CUT = "split", "leaf", "cut"


def short_label(label: str) -> str:
    """A cause label without its parenthesised examples, for boxes (the legend has it whole).

    Examples
    --------
    >>> short_label("Disease of motor neurons or muscle (ALS, muscular dystrophy)")
    'Disease of motor neurons or muscle'
    """
    return label.split(" (", 1)[0]


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
    answered: bool | None = None  # a split on a case's path: did the case answer it? (None elsewhere)


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
    path: tuple[int, ...]
    causes: tuple[tuple[str, str, bool], ...]
    see_doctor: frozenset[str]
    end_note: str  # what the case reached, beside its last drawn node ("" without a case)
    header: tuple[str, ...]
    ladder: bool = False  # a case's path drawn top to bottom, other branches beside it (build_case_scene)

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
        becomes a summary of what lies below it: its most likely cause and that cause's probability.
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
    check_tree_matches(tree, kb, "this drawing")
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
        title = f"{f.question} Up: {words[0]}; down: {words[1]}. (node {node}, {n_cases})"
        nodes.append(SceneNode(node, level, SPLIT, f"{f.name}?", None, mark(node), title))
        left, right = tree.children_left[node], tree.children_right[node]
        for child, text in zip((left, right), words):
            edges.append(SceneEdge(node, child, text, (node in on_path_set and child in on_path_set) if path else None))
        stack.append((right, level + 1))  # popped second: the left child is drawn first (on top)
        stack.append((left, level + 1))

    end_causes = {n.cause for n in nodes if n.kind != SPLIT}
    causes = _legend(kb, end_causes)
    end_note = _end_note(tree, kb, path, depth)
    return Scene(
        nodes=tuple(nodes),
        edges=tuple(edges),
        path=path,
        causes=causes,
        see_doctor=frozenset(c for c in kb.cause_ids if is_doctor_cause(kb, c)),
        end_note=end_note,
        header=_header(tree, kb, depth, case, leaves_below[0]),
    )


def build_case_scene(tree: TreeData, kb: KnowledgeBase, case: Mapping[str, Any] | Sequence[float]) -> Scene:
    """One case's whole path, root to leaf, with every branch it did not take as a summary box.

    Drawn as a ladder (see :mod:`.layout`): the decisions on the path one under the other, each
    marked answered (with the answer) or not answered, and beside each the branch the case did
    not take: a leaf, or a summary of what lies below it (how many leaves, the most likely cause
    and its probability). Its size grows with the path, not the tree, so it reads at any depth.

    Raises
    ------
    InvalidCaseError
        The case is not valid, with the same message ``predict`` gives.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> predictor = Predictor.load()
    >>> scene = build_case_scene(predictor.tree, predictor.kb, {"caffeine_cups_per_day": 7})
    >>> [n.on_path for n in scene.nodes][:2], scene.nodes[-1].kind
    ([True, False], 'leaf')
    """
    check_tree_matches(tree, kb, "this drawing")
    row = _case_row(case, kb)
    path = tuple(tree.decision_path(row))
    given = {fid: decode_value(f, x) for (fid, f), x in zip(kb.findings.items(), row) if x == x}
    leaves_below = _leaves_below(tree)
    findings = [kb.findings[name] for name in tree.features]
    nodes: list[SceneNode] = []
    edges: list[SceneEdge] = []
    answered: set[str] = set()
    for level, (node, nxt) in enumerate(zip(path, path[1:])):
        f = findings[tree.feature[node]]
        x = row[tree.feature[node]]
        known = x == x
        if known:
            answered.add(f.id)
        said = f"you said {_answer_words(f, decode_value(f, x))}" if known else "not answered"
        words = edge_words(f, tree.cut[node], tree.missing_go_to_left[node])
        title = f"{f.question} Up: {words[0]}; down: {words[1]}. (node {node}, {tree.n_samples[node]:,} training cases)"
        nodes.append(SceneNode(node, level, SPLIT, f"{f.name}?\n{said}", None, True, title, answered=known))
        left, right = tree.children_left[node], tree.children_right[node]
        other = right if nxt == left else left
        taken_words, other_words = (words[0], words[1]) if nxt == left else (words[1], words[0])
        nodes.append(_off_path_node(tree, kb, other, level + 1, leaves_below))
        edges.append(SceneEdge(node, other, other_words, False))
        edges.append(SceneEdge(node, nxt, taken_words, True))
    leaf = path[-1]
    cause, p = _top_cause(tree, leaf)
    label = kb.causes[cause].label if cause in kb.causes else cause
    nodes.append(SceneNode(leaf, len(path) - 1, LEAF_KIND, f"{short_label(label)} · {percent(p)}", cause, True,
                           f"{_differential_words(tree, kb, leaf)} (leaf {leaf}, {tree.n_samples[leaf]:,} training cases)"))
    end_causes = {n.cause for n in nodes if n.kind != SPLIT}
    decisions = len(path) - 1
    given_words = "; ".join(answer_clause(kb.findings[k], v) for k, v in given.items()) or "nothing answered"
    tested = {tree.features[tree.feature[node]] for node in path[:-1]}
    unused = [kb.findings[fid].name for fid in given if fid not in tested]
    asked = "question" if len(tested) == 1 else "questions"
    header = (
        f"bicep-twitch: one case's path through the tree: {decisions} decisions on {len(tested)} {asked}, "
        f"{len(answered)} of them answered",
        f"The case: {given_words}."
        + (f" Given, but tested by no question on this path: {'; '.join(unused)}." if unused else ""),
        "How to read it: the root question is at the top; the case's path runs down the left, one question a row. "
        "A question in a solid box was answered (the answer is in it); a dashed box was not answered, and the "
        "tree went the way it learned for unknown answers (the branch marked 'or unknown'). To the right of each "
        "question, faded, is where the other answer would have led: a leaf, or a summary of the part of the tree "
        "below it (how many leaves, the most likely cause there and its probability). The path ends in the "
        "coloured box: the most likely cause for this case and its probability.",
        doctor_note(kb),
    )
    return Scene(
        nodes=tuple(nodes),
        edges=tuple(edges),
        path=path,
        causes=_legend(kb, end_causes),
        see_doctor=frozenset(c for c in kb.cause_ids if is_doctor_cause(kb, c)),
        end_note=f"◀ this case: {short_label(label)} · {percent(p)}",
        header=header,
        ladder=True,
    )


def _legend(kb: KnowledgeBase, drawn: set) -> tuple[tuple[str, str, bool], ...]:
    """The legend's entries: the causes that have a box in the picture, in the knowledge base's order."""
    return tuple((cid, c.label, True) for cid, c in kb.causes.items() if cid in drawn)


def _answer_words(f: Finding, value: Any) -> str:
    if f.type == NUMBER:
        return amount_words(f, value)
    if f.type == YES_NO:
        return "yes" if value else "no"
    return str(value)


def _off_path_node(tree: TreeData, kb: KnowledgeBase, node: int, level: int, leaves_below: list[int]) -> SceneNode:
    """The branch a case did not take: its leaf, or a summary of everything below it."""
    cause, p = _top_cause(tree, node)
    label = kb.causes[cause].label if cause in kb.causes else cause
    n_cases = f"{tree.n_samples[node]:,} training cases"
    if tree.children_left[node] == LEAF:
        return SceneNode(node, level, LEAF_KIND, f"{short_label(label)} · {percent(p)}", cause, False,
                         f"{_differential_words(tree, kb, node)} (leaf {node}, {n_cases})")
    below = leaves_below[node]
    return SceneNode(
        node, level, CUT, f"{below:,} leaves below\nmost likely {short_label(label)} · {percent(p)}", cause, False,
        f"not drawn: {below:,} leaves below, next question {kb.findings[tree.features[tree.feature[node]]].name}; "
        f"all cases below: {_differential_words(tree, kb, node)} (node {node}, {n_cases})",
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
        "the end names the most likely cause and its probability (the mean exact posterior of the training cases that reached it).",
    ]
    if depth is not None and depth < full_depth:
        lines.append(
            "Boxes with a dashed border stand for the part of the tree cut off below them: how many leaves, "
            "the most likely cause among all cases there and its probability."
        )
    if case is not None:
        given = "; ".join(answer_clause(kb.findings[k], v) for k, v in case.items()) or "nothing answered"
        lines.append(f"Marked in bold: the path of the case ({given}). Everything else is faded.")
    lines.append(
        doctor_note(kb)
    )
    return tuple(lines)


__all__ = ["Scene", "SceneNode", "SceneEdge", "build_scene", "build_case_scene", "short_label", "SPLIT", "LEAF_KIND", "CUT"]


def doctor_note(kb: KnowledgeBase) -> str:
    """The disclaimer and when to see a doctor, as every picture's header says it."""
    by_level: dict[str, list[str]] = {}
    for flag in kb.red_flags:
        by_level.setdefault(flag.level, []).append(flag.text)
    # Most urgent first, each level in its own words ("Call 999 (UK), ... now for: ...").
    note = kb.disclaimer + "".join(
        f" {kb.triage_levels[level].text[0].upper()}{kb.triage_levels[level].text[1:]} for: {'; '.join(texts)}."
        for level, texts in sorted(by_level.items(), key=lambda lt: -LEVELS.index(lt[0])))
    if kb.medicine_flags:
        names = ", ".join(kb.findings[flag.finding].name for flag in kb.medicine_flags)
        note += f" A medicine can cause twitching; tell the doctor who prescribed it if one of these is true: {names}."
    return note

