"""The exact reference: P(cause | known findings) under the generator's own model.

Because findings are independent given the cause and which findings are answered does not
depend on the cause, the posterior of a case is the prior times the likelihood of its known
findings, each read from the same tables the generator draws from; unknown findings drop out.
A follow-up finding given without its parent implies the parent ("hours after the workout"
means there was a workout), so the parent's "yes" is counted then.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.frame import encode_frame_strict
from ..core.knowledge import NUMBER
from ..data.tables import Tables, compile_tables


def bayes_posterior(cases: pd.DataFrame) -> pd.DataFrame:
    """Exact P(cause | known findings) for every case, under the generator's model.

    It is the best any classifier can do on generated cases: its arg-max is the Bayes-optimal
    answer, and later steps measure the tree against it.

    Parameters
    ----------
    cases : pandas.DataFrame
        One column per finding in the contract's encoding; absent columns are unknown and a
        ``cause`` column is ignored.

    Returns
    -------
    pandas.DataFrame
        One column per cause id, rows summing to 1, with ``cases``' index.

    Raises
    ------
    InvalidCaseError
        When a row holds a value the contract does not allow; the message names the row.

    Examples
    --------
    >>> from bicep_twitch import generate_cases, bayes_posterior
    >>> post = bayes_posterior(generate_cases(5, seed=1))
    >>> bool(abs(post.sum(axis=1) - 1).max() < 1e-9)
    True
    """
    if not isinstance(cases, pd.DataFrame):
        raise TypeError(f"'cases' must be a pandas DataFrame (got {type(cases).__name__})")
    tables = compile_tables()
    X = encode_frame_strict(cases, tables.kb)
    return pd.DataFrame(posterior_matrix(X, tables), index=cases.index, columns=list(tables.cause_ids))


def posterior_matrix(X: np.ndarray, tables: Tables | None = None, *, chunk_rows: int = 1 << 17) -> np.ndarray:
    """The posterior of encoded cases ``X`` (n, findings) as an (n, causes) array."""
    tables = tables or compile_tables()
    out = np.empty((len(X), len(tables.cause_ids)))
    for start in range(0, len(X), chunk_rows):
        out[start : start + chunk_rows] = _posterior_chunk(X[start : start + chunk_rows], tables)
    return out


def outcome_codes(X: np.ndarray, t: Tables) -> np.ndarray:
    """Each case's row of every finding's ``loglik`` table: (n, findings), unknown = the all-zero row.

    A follow-up given without its parent counts the parent's yes.
    """
    X = X.copy()
    for j, parent in enumerate(t.requires_yes_of):
        if parent >= 0:
            implied = ~np.isnan(X[:, j]) & np.isnan(X[:, parent])
            X[implied, parent] = 1.0
    codes = np.empty(X.shape, dtype=np.int64)
    for j, ft in enumerate(t.findings):
        col = X[:, j]
        unknown = np.isnan(col)
        if ft.type == NUMBER:
            # Generated values lie on the grid, where this is exact. A value between two bins (a
            # user's 2.4 cups on a grid of whole cups) goes to the nearer one, as the tree's
            # thresholds, which sit halfway between grid values, also send it.
            code = np.searchsorted(ft.bin_bounds, np.where(unknown, ft.vmin, col), side="left")
        else:
            code = np.where(unknown, 0, col).astype(np.int64)
        code[unknown] = ft.loglik.shape[0] - 1  # the all-zero row: unknown adds nothing
        codes[:, j] = code
    return codes


def log_joint(codes: np.ndarray, t: Tables) -> np.ndarray:
    """log P(cause, answers) of cases given by :func:`outcome_codes`: (n, causes)."""
    log_post = np.tile(np.log(t.prior), (len(codes), 1))
    for j, ft in enumerate(t.findings):
        log_post += ft.loglik[codes[:, j]]
    return log_post


def normalised(log_post: np.ndarray) -> np.ndarray:
    """Rows of unnormalised log probabilities as probabilities."""
    log_post = log_post - log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    post /= post.sum(axis=1, keepdims=True)
    return post


def _posterior_chunk(X: np.ndarray, t: Tables) -> np.ndarray:
    return normalised(log_joint(outcome_codes(X, t), t))
