"""What the command line shares: exit statuses, the usage error, and option types."""

from __future__ import annotations

import argparse

from ..core.checks import check_count

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class UsageError(ValueError):
    """A command-line option is missing, contradicts another, or has a bad value."""


def positive_int(text: str) -> int:
    """An option that counts cases: a whole number of at least 1, by the API's own check."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    try:
        return check_count(value, "n")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})") from None


def seed_number(text: str) -> int:
    """``--seed``: a whole number from 0. Too large a seed is left to the API, which names the limit."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 (got {text!r})") from None
    try:
        return check_count(value, "seed", minimum=0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 (got {value})") from None
