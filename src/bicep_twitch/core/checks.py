"""Parameter checks shared by the Python API and the command line: one rule for each kind of number."""

from __future__ import annotations

from numbers import Integral

# scikit-learn's random_state takes at most 2**32 - 1 (numpy's generators take more): one limit
# for every seed, checked before any work.
MAX_SEED = 2**32 - 1


def check_count(value, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int, if it is a whole number of at least ``minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"'{name}' must be a whole number of at least {minimum} (got {value!r})")
    return int(value)


def check_seed(value) -> int:
    """``value`` as an int, if it is a whole number from 0 to ``MAX_SEED`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= MAX_SEED:
        raise ValueError(f"'seed' must be a whole number from 0 to {MAX_SEED} (got {value!r})")
    return int(value)


__all__ = ["check_count", "check_seed", "MAX_SEED"]
