"""What the command line shares: exit statuses, the usage error, and option types."""

from __future__ import annotations

import argparse

from ..core.cases import shown
from ..core.checks import MAX_SEED, check_count, check_seed
from ..core.numbers import read_whole_number

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class UsageError(ValueError):
    """A command-line option is missing, contradicts another, or has a bad value."""


def positive_int(text: str) -> int:
    """An option that counts cases: a whole number of at least 1 in ASCII digits, by the API's own check."""
    value = read_whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"must be a whole number in digits 0-9 (got {shown(text)})")
    try:
        return check_count(value, "n")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})") from None


def seed_number(text: str) -> int:
    """``--seed``: a whole number from 0 to ``MAX_SEED`` (what numpy and scikit-learn both take)."""
    value = read_whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED} (got {shown(text)})")
    try:
        return check_seed(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED} (got {value})") from None
