"""The words for a split: what the explanation says and what the drawing writes on a branch.

Two ways of naming a split, each with its own job, both here so they stay consistent:

* :func:`threshold_words`: the exact threshold, as the explanation and ``result.path`` state
  it ("more than 4.5 cups a day");
* :func:`branch_words` / :func:`edge_words`: the finding's grid values on either side, as the
  drawing labels its branches ("up to 4 cups a day", "5 or more cups a day").

Pure Python: nothing here imports numpy.
"""

from __future__ import annotations

import math

from .knowledge import CHOICE, NUMBER, YES_NO, Finding
from .numbers import format_number, format_threshold


def threshold_words(f: Finding, low: float | None, high: float | None) -> str:
    """'more than 4.5', 'at most 10.5' or 'more than 4.5 and at most 10.5', with the unit.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> threshold_words(load_knowledge().findings["caffeine_cups_per_day"], 4.5, None)
    'more than 4.5 cups a day'
    """
    parts = []
    if low is not None:
        parts.append(f"more than {format_threshold(low)}")
    if high is not None:
        parts.append(f"at most {format_threshold(high)}")
    words = " and ".join(parts)
    return f"{words} {f.unit}" if f.unit else words


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


__all__ = ["threshold_words", "grid_neighbours", "branch_words", "edge_words"]
