"""Numbers and probabilities as a person reads them: one home for each way of writing them.

Pure Python and dependency-free, so the knowledge base, the explanation, the drawing and the
report all write a number, a threshold and a percentage the same way.
"""

from __future__ import annotations


def format_number(value: float | None) -> str:
    """Show a number the way a person writes it: 7 not 7.0, 0.25 not 0.250000."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    # Ten significant digits: enough to show every value a user types (3650.5, not 3650),
    # few enough to hide float noise (0.1 + 0.2 shows as 0.3).
    return f"{value:.10g}"


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


__all__ = ["format_number", "percent"]
