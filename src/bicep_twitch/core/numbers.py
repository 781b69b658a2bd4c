"""Numbers and probabilities as a person reads them: one home for each way of writing them.

Pure Python and dependency-free, so the knowledge base, the explanation, the drawing and the
report all write a number, a threshold and a percentage the same way.
"""

from __future__ import annotations

import re

# A number as JSON and CSV users write it: ASCII digits, an optional sign, point and exponent.
# Python's float() and int() also take "1_0", "٥", "５", "nan" and "infinity"; none of those is
# typed on purpose, and int() of 5000 digits fails with advice for programmers.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")
MAX_NUMBER_CHARS = 400  # longer than any float's digits: such a text is refused unread


def read_number(text: str) -> float | None:
    """The float written in ``text`` (ASCII digits only), or ``None`` when it is not such a number.

    The one reader of typed numbers: command-line options, ``--case`` strings, CSV cells and
    ``ask``'s answers all read a number through it.

    Examples
    --------
    >>> read_number("7"), read_number("-0.25e1"), read_number("1_0"), read_number("٥"), read_number("nan")
    (7.0, -2.5, None, None, None)
    """
    if len(text) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
        return None
    return float(text)


def read_whole_number(text: str) -> int | None:
    """The whole number written in ``text`` (ASCII digits, an optional sign), or ``None``.

    Examples
    --------
    >>> read_whole_number("42"), read_whole_number("1_0"), read_whole_number("٣"), read_whole_number("9" * 5000)
    (42, None, None, None)
    """
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS or not _WHOLE.fullmatch(text):
        return None
    return int(text)


def format_number(value: float | None) -> str:
    """Show a number the way a person writes it: 7 not 7.0, 0.25 not 0.250000."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    # Ten significant digits: enough to show every value a user types (3650.5, not 3650),
    # few enough to hide float noise (0.1 + 0.2 shows as 0.3).
    return f"{value:.10g}"


def format_exact(value: float) -> str:
    """A number shown so that it reads back as itself: 3650, 0.25, and 3650.0000000001 (never "3650").

    For values in error messages, where a value just over a limit must not look like the limit.

    Examples
    --------
    >>> format_exact(3650.0), format_exact(3650.0000000001)
    ('3650', '3650.0000000001')
    """
    short = format_number(value)
    return short if float(short) == value else repr(float(value))


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


__all__ = ["format_number", "format_exact", "percent", "read_number", "read_whole_number", "MAX_NUMBER_CHARS"]
