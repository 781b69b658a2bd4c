"""The words for a split: what the explanation says and what the drawing writes on a branch.

One home for the words of every split, so the text, the pictures and the page agree:

* :func:`threshold_words`: the values between a path's splits on one number ("more than 14
  and up to 59 years"), as the explanation states them;
* :func:`branch_words` / :func:`edge_words` / :func:`tree_branch_words`: the words on a
  split's two branches, as the text, the JSON, the pictures, the DOT and the page show them.

Every threshold is named by the largest value on the finding's grid that goes left (the values
a person types), "up to 4 cups a day" / "more than 4 cups a day": one boundary, no gap.

Pure Python: nothing here imports numpy.
"""

from __future__ import annotations

import math
from typing import Any

from .knowledge import CHOICE, NUMBER, YES_NO, Finding, KnowledgeBase
from .numbers import format_number
from .tree import TreeData


# A small amount reads better in the next unit down: 0.25 days is "6 hours", 0.5 hours "30 minutes".
# Used only when the amount is below 1 and whole in the smaller unit.
_SMALLER_UNIT = {"days": ("hours", 24), "hours": ("minutes", 60)}


def amount_words(f: Finding, value: float) -> str:
    """A number finding's value with its unit, as a person says it: '1 hour', '6 hours', '7 cups a day'.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> amount_words(kb.findings["hours_after_workout"], 1), amount_words(kb.findings["duration_days"], 0.25)
    ('1 hour', '6 hours')
    """
    unit = f.unit
    smaller = _SMALLER_UNIT.get(unit)
    if smaller is not None and 0 < value < 1 and float(round(value * smaller[1], 9)).is_integer():
        value, unit = round(value * smaller[1]), smaller[0]
    return _with_unit(value, unit)


def answer_clause(f: Finding, value: Any) -> str:
    """A given answer as a clause in the knowledge base's words: 'is 28 years old', 'the arm is weaker than usual'.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> answer_clause(kb.findings["age_years"], 28), answer_clause(kb.findings["movement"], "spasm")
    ('is 28 years old', 'it is a violent spasm of the whole biceps')
    """
    if f.type == NUMBER:
        return f.describe_value(format_number(value))
    if f.type == YES_NO:
        return f.yes if value else f.no
    return f.choice_text.get(value, f"{f.name} is {value}")


def split_value(f: Finding, cut: float) -> float:
    """The largest value on the finding's grid that a split at ``cut`` sends left (value <= cut)."""
    return grid_neighbours(f, cut)[0]


def threshold_words(f: Finding, low: float | None, high: float | None) -> str:
    """The values between two splits on a number, in grid values with no gap: 'more than 4 cups a day'.

    ``low`` is a split the value went right of (it is more than it), ``high`` one it went left
    of (at most it); either may be None. Each is named by the grid value it keeps on its left
    (:func:`split_value`), so "up to 14 days" and "more than 14 days" share one boundary and
    every value a person types reads on exactly one side.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> threshold_words(kb.findings["caffeine_cups_per_day"], 4.5, None)
    'more than 4 cups a day'
    >>> threshold_words(kb.findings["age_years"], 14.5, 59.5)
    'more than 14 and up to 59 years'
    """
    lo = None if low is None else split_value(f, low)
    hi = None if high is None else split_value(f, high)
    if hi is not None and hi <= f.min:
        return amount_words(f, f.min)  # only the lowest value goes left: "0 hours"
    if lo is None:
        return f"up to {amount_words(f, hi)}" if hi is not None else "any value"
    if hi is None:
        return f"more than {amount_words(f, lo)}"
    low_words, high_words = amount_words(f, lo), amount_words(f, hi)
    if f.unit and low_words.endswith(f" {f.unit}") and high_words.endswith(f" {f.unit}"):
        low_words = low_words[: -len(f.unit) - 1]  # one unit for the pair: "more than 14 and up to 59 years"
    return f"more than {low_words} and up to {high_words}"


def _with_unit(value: float, unit: str) -> str:
    text = format_number(value)
    if value == 1 and unit:
        first, _, rest = unit.partition(" ")
        if first.endswith("s"):  # "1 cup a day", "1 day", not "1 cups a day"
            unit = f"{first[:-1]} {rest}".strip()
    return f"{text} {unit}".strip()


def grid_neighbours(f: Finding, cut: float) -> tuple[float, float]:
    """The largest value on the finding's grid that goes left of ``cut`` and the smallest going right.

    The generator and the questionnaire use the grid ``min, min + step, ... max``.

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

    Numbers name the grid value both sides share ("up to 4" / "more than 4"), with the unit;
    yes/no read "no"/"yes"; a choice names its choices.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> branch_words(kb.findings["caffeine_cups_per_day"], 4.5)
    ('up to 4 cups a day', 'more than 4 cups a day')
    >>> branch_words(kb.findings["weakness"], 0.5), branch_words(kb.findings["movement"], 0.5)
    (('no', 'yes'), ('twitch', 'spasm'))
    """
    if f.type == NUMBER:
        return threshold_words(f, None, cut), threshold_words(f, cut, None)
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
    ('up to 4 out of 10', 'more than 4 out of 10 or unknown')
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



def tree_branch_words(tree: TreeData, kb: KnowledgeBase) -> list[tuple[str, str] | None]:
    """The words on each node's two branches (left, right), None for a leaf: the data a page reads.

    The same words as the pictures, the explanation's conditions and the DOT: one function
    (:func:`edge_words`) names every branch, unknown answers marked where they go.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> from bicep_twitch.core.tree import TreeData
    >>> kb = load_knowledge()
    >>> tree = TreeData.from_arrays(features=list(kb.finding_ids), classes=list(kb.cause_ids),
    ...     children_left=[1, -1, -1], children_right=[2, -1, -1], feature=[kb.finding_ids.index("age_years")] * 3,
    ...     threshold=[59.0, -2.0, -2.0], missing_go_to_left=[1, 0, 0], value=[[1] * len(kb.cause_ids)] * 3,
    ...     n_samples=[2, 1, 1])
    >>> tree_branch_words(tree, kb)
    [('up to 59 years or unknown', 'more than 59 years'), None, None]
    """
    findings = [kb.findings[name] for name in tree.features]
    return [
        None if tree.is_leaf(node)
        else edge_words(findings[tree.feature[node]], tree.cut[node], tree.missing_go_to_left[node])
        for node in range(tree.node_count)
    ]


__all__ = ["amount_words", "answer_clause", "split_value", "threshold_words", "grid_neighbours", "branch_words", "edge_words",
           "tree_branch_words"]
