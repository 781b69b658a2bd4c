"""Step 2 of the pipeline: labelled synthetic cases drawn from the knowledge base.

The generative model, in full (``bayes_posterior`` inverts exactly this):

1. a cause is drawn from the priors;
2. every finding is drawn from its distribution under that cause, independently of the others
   (numbers: a bin by its weight, then a value uniformly on the finding's grid within the bin);
3. which findings the case answers is drawn independently of the cause and the values: a target
   count from the knowledge base's ``answer_counts``, then each finding with probability
   proportional to its salience; follow-up findings (``requires``) are answered only when their
   parent was answered "yes"; a case that would answer nothing answers one finding by salience.

Cases are made in fixed blocks of ``BLOCK_ROWS``, each block with its own seed spawned from
(seed, stream, block number). So the same seed gives the same cases however they are chunked,
and ``generate_cases(n)`` is a prefix of ``generate_cases(n + k)``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import platform
import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .._version import __version__
from ..core.checks import check_count, check_seed
from .._io import ensure_writable_dir, replaced_folder
from ..core.knowledge import CHOICE, YES_NO
from ..data.tables import Tables, compile_tables
from . import MANIFEST_NAME

BLOCK_ROWS = 1 << 16
# Seed streams: each set of cases draws from its own, so no two share a draw. One list, here.
TRAIN_STREAM = 0  # the dataset's training split
TEST_STREAM = 1  # the dataset's test split
FULLY_ANSWERED_STREAM = 2  # fully answered cases the report measures on
# 3 drew the fully answered training cases of 0.1.0; retired, not reused, so old figures stay reproducible
PROPOSAL_STREAM = 4  # cases with every cause equally likely, added to the training cases
FIDELITY_STREAM = 5  # fresh natural cases the report measures agreement with the exact posterior on
SENSITIVITY_STREAM = 7  # natural cases the sensitivity analysis of the knowledge base's numbers is measured on
# Cases drawn from one cause alone: stream base + the cause's index in the knowledge base.
FIDELITY_RARE_STREAM = 100  # the fidelity of causes too rare among natural cases to measure there
PROPOSAL_TUNING_STREAM = 200  # each cause's clear-case rate, which sets its share of the proposal cases
REGION_STREAM = 300  # a rare cause's cases with more findings answered, kept where it is likely (training)
REGION_TUNING_STREAM = 400  # a rare cause's clear-case rate under each answer-count component
DEFAULT_SEED = 0
DATASET_FORMAT_VERSION = 1
# What write_dataset accepts: about 4 GB of CSV and some minutes; more is a typo, not a dataset.
MAX_DATASET_CASES = 50_000_000
BYTES_PER_CASE = 90  # a generous upper estimate of one CSV row, to check the free disk before writing


def generate_cases(n: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Draw ``n`` labelled synthetic cases.

    Parameters
    ----------
    n : int
        How many cases, at least 1.
    seed : int, default 0
        The same seed gives the same frame, byte for byte.

    Returns
    -------
    pandas.DataFrame
        One column per finding in the contract's encoding (``movement`` as its strings, yes/no
        as 1.0/0.0, numbers as floats, unknown as NaN) and ``cause``, the cause id.

    Examples
    --------
    >>> from bicep_twitch import generate_cases
    >>> cases = generate_cases(1000, seed=7)
    >>> cases.shape
    (1000, 30)
    >>> sorted(cases["movement"].dropna().unique())
    ['spasm', 'twitch']
    """
    n = check_count(n, "n")
    seed = check_seed(seed)
    tables = compile_tables()
    X, y = generate_encoded(n, seed=seed, tables=tables)
    return to_frame(X, y, tables)


def generate_encoded(
    n: int, *, seed: int = DEFAULT_SEED, stream: int = TRAIN_STREAM, tables: Tables | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The encoded matrix (n, findings) and cause indices (n,) of ``generate_cases``.

    The fast path for training and benchmarks: no DataFrame, findings in knowledge-base order,
    ``y`` indexing ``kb.cause_ids``. ``stream`` separates independent sets (training 0, test 1).

    Examples
    --------
    >>> from bicep_twitch.data.generate import generate_encoded
    >>> X, y = generate_encoded(1000, seed=7)
    >>> X.shape, y.shape
    ((1000, 29), (1000,))
    """
    n = check_count(n, "n")
    seed = check_seed(seed)
    stream = check_count(stream, "stream", minimum=0)
    tables = tables or compile_tables()
    X = np.empty((n, len(tables.findings)), order="F")
    y = np.empty(n, dtype=np.int64)
    start = 0
    for Xb, yb in iter_blocks(n, seed=seed, stream=stream, tables=tables):
        X[start : start + len(yb)] = Xb
        y[start : start + len(yb)] = yb
        start += len(yb)
    return X, y


def iter_blocks(n: int, *, seed: int, stream: int, tables: Tables) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X, y) block by block until ``n`` rows have been produced."""
    block = 0
    while block * BLOCK_ROWS < n:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, block))))
        X, y = _draw_block(rng, BLOCK_ROWS, tables)
        take = min(n - block * BLOCK_ROWS, BLOCK_ROWS)
        yield X[:take], y[:take]
        block += 1


def _draw_block(rng: np.random.Generator, m: int, t: Tables) -> tuple[np.ndarray, np.ndarray]:
    n_causes = len(t.prior)
    cause = np.minimum(np.searchsorted(t.cum_prior, rng.random(m), side="right"), n_causes - 1)
    U = rng.random((len(t.findings), m))
    X = np.empty((m, len(t.findings)), order="F")  # column-major: each finding is written contiguously
    for j, ft in enumerate(t.findings):
        u = U[j]
        if ft.type == YES_NO:
            np.greater_equal(u, ft.probs[:, 0][cause], out=X[:, j], casting="unsafe")  # below P(no): "no"
            continue
        # The bin is how many cumulative edges u passed; a gather per edge beats searchsorted.
        k = np.zeros(m, dtype=np.intp)
        for edge in ft.edges:
            k += u >= edge[cause]
        if ft.type == CHOICE:
            X[:, j] = k
            continue
        # Reuse the draw: where u fell inside its bin is itself uniform, and picks the grid value.
        flat = cause * ft.probs.shape[1] + k
        within = (u - ft.cum_below.ravel()[flat]) / ft.probs.ravel()[flat]
        nvals = ft.nvals[k]
        X[:, j] = ft.lo[k] + ft.step * np.minimum(np.floor(within * nvals), nvals - 1)
    np.copyto(X, np.nan, where=_unanswered(rng, m, X, t))
    return X, cause


def _unanswered(rng: np.random.Generator, m: int, X: np.ndarray, t: Tables) -> np.ndarray:
    """Which cells stay unknown (True) in a block of cases."""
    component = np.minimum(
        np.searchsorted(np.cumsum(t.answer_probs), rng.random(m), side="right"), len(t.answer_probs) - 1
    )
    target = rng.integers(t.answer_lo[component], t.answer_hi[component] + 1)
    most = int(t.answer_hi.max())
    if most <= 4 * len(t.findings):
        # Targets are small whole numbers: look the probabilities up rather than recompute
        # them per cell (the same float64 product and float32 cast, so the same draws).
        p_answer = _answer_probabilities(t, np.arange(most + 1))[:, target]
    else:
        p_answer = _answer_probabilities(t, target)
    answered = (rng.random((len(t.findings), m), dtype=np.float32) < p_answer).T  # column-major like X
    for j, parent in enumerate(t.requires_yes_of):
        if parent >= 0:
            answered[:, j] &= answered[:, parent] & (X[:, parent] == 1.0)
    # A case must say something; the fallback draw depends on nothing but salience.
    free = t.requires_yes_of < 0
    fallback_share = np.where(free, t.salience, 0.0)
    fallback_draw = rng.random(m)  # drawn for every row, so the stream does not depend on the data
    empty = np.flatnonzero(~answered.any(axis=1))
    fallback = np.searchsorted(np.cumsum(fallback_share) / fallback_share.sum(), fallback_draw[empty], side="right")
    answered[empty, np.minimum(fallback, len(t.findings) - 1)] = True
    return ~answered


def _answer_probabilities(t: Tables, targets: np.ndarray) -> np.ndarray:
    """P(a finding is answered) for each target count, shape (findings, targets), float32: each
    finding in proportion to its salience, at most 1."""
    share = t.salience / t.salience.sum()
    return np.minimum(1.0, targets * share[:, None]).astype(np.float32)


def answer_depth_posterior(X: np.ndarray, tables: Tables) -> np.ndarray:
    """P(answer-count component | which findings are answered), shape (cases, components).

    Step 3 of the generative model, inverted: which findings a case answers depends on the
    component only through the target count, and on the values only through the follow-ups'
    parents, so the probability of a case's answered set under each component is exact from
    ``X`` alone. Rows follow ``X``; columns ``tables.answer_probs``.

    Examples
    --------
    >>> import numpy as np
    >>> t = compile_tables()
    >>> X, _ = draw_cases(20_000, seed=0, stream=TEST_STREAM, tables=t)
    >>> bool(np.allclose(answer_depth_posterior(X, t).mean(axis=0), t.answer_probs, atol=0.01))
    True
    """
    answered = ~np.isnan(X)
    parent = tables.requires_yes_of
    # A finding can be answered only where its parent was answered "yes" (every finding of
    # the first pass otherwise); an ineligible unanswered finding says nothing about the count.
    eligible = np.ones_like(answered)
    for j in np.flatnonzero(parent >= 0):
        eligible[:, j] = answered[:, parent[j]] & (X[:, parent[j]] == 1.0)
    answered_f = answered.astype(np.float64)
    skipped_f = (eligible & ~answered).astype(np.float64)
    free = parent < 0
    fallback = np.where(free, tables.salience, 0.0)
    fallback /= fallback.sum()
    single = np.flatnonzero(answered.sum(axis=1) == 1)
    log_by_component = []
    for weight, lo, hi in zip(tables.answer_probs, tables.answer_lo, tables.answer_hi):
        # The generator's own per-finding probabilities, one column per target count.
        p = _answer_probabilities(tables, np.arange(lo, hi + 1)).astype(np.float64)
        with np.errstate(divide="ignore"):
            log_yes, log_no = np.log(p), np.log1p(-p)
        log_mask = _masked_log_sum(answered_f, log_yes) + _masked_log_sum(skipped_f, log_no)
        if len(single):
            # One answered finding may also be the fallback of a case that answered nothing.
            nothing = _masked_log_sum(np.broadcast_to(free, (len(single), len(free))).astype(np.float64), log_no)
            chosen = answered[single].argmax(axis=1)
            with np.errstate(divide="ignore"):
                log_mask[single] = np.logaddexp(log_mask[single], nothing + np.log(fallback[chosen])[:, None])
        top = log_mask.max(axis=1, keepdims=True)
        finite = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            log_by_component.append(np.log(weight) + finite[:, 0] + np.log(np.exp(log_mask - finite).mean(axis=1)))
    log_post = np.stack(log_by_component, axis=1)
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    return post / post.sum(axis=1, keepdims=True)


def _masked_log_sum(indicator: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """``indicator @ log_p`` where a zero indicator times a log of 0 counts as 0, not NaN."""
    return indicator @ np.where(np.isneginf(log_p), 0.0, log_p) + np.where(
        (indicator @ np.isneginf(log_p).astype(np.float64)) > 0, -np.inf, 0.0)


def answer_depth_tables(tables: Tables, shares: np.ndarray) -> Tables:
    """The generator's tables with the answer-count components drawn in ``shares`` instead."""
    return dataclasses.replace(tables, answer_probs=np.asarray(shares, dtype=np.float64))


def fully_answered_tables(tables: Tables) -> Tables:
    """The generator's tables with every finding answered (follow-ups only after a "yes").

    The answer-count target is so large that each finding's answer probability saturates at 1;
    values are drawn exactly as for ordinary cases.
    """
    big = np.array([10**6])
    return dataclasses.replace(tables, answer_probs=np.array([1.0]), answer_lo=big, answer_hi=big)


def uniform_cause_tables(tables: Tables) -> Tables:
    """The generator's tables with every cause equally likely; findings are drawn as for ordinary cases."""
    prior = np.full(len(tables.prior), 1.0 / len(tables.prior))
    return dataclasses.replace(tables, prior=prior, cum_prior=np.cumsum(prior))


def cause_tables(tables: Tables, cause: int) -> Tables:
    """The generator's tables with every case drawn from cause index ``cause`` (``tables`` order)."""
    prior = np.zeros(len(tables.prior))
    prior[cause] = 1.0
    return dataclasses.replace(tables, prior=prior, cum_prior=np.cumsum(prior))


def draw_cases(n: int, *, seed: int, stream: int, tables: Tables) -> tuple[np.ndarray, np.ndarray]:
    """``n`` encoded cases and their cause indices from ``tables`` (which may be a variant)."""
    blocks = list(iter_blocks(n, seed=seed, stream=stream, tables=tables))
    return np.vstack([X for X, _ in blocks]), np.concatenate([y for _, y in blocks])


def fully_answered_cases(
    n: int, *, seed: int, tables: Tables, stream: int = FULLY_ANSWERED_STREAM
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` encoded cases answering every finding, and their cause indices (``tables`` order).

    They come from their own seed stream, so they share no draw with the training or test data.
    """
    return draw_cases(n, seed=seed, stream=stream, tables=fully_answered_tables(tables))


def to_frame(X: np.ndarray, y: np.ndarray | None, tables: Tables) -> pd.DataFrame:
    """The contract's DataFrame encoding of an encoded matrix (and cause indices)."""
    columns: dict[str, object] = {}
    for j, ft in enumerate(tables.findings):
        if ft.type == CHOICE:
            codes = np.where(np.isnan(X[:, j]), -1, X[:, j]).astype(np.int8)
            choices = list(tables.kb.findings[ft.id].choices)
            columns[ft.id] = pd.Categorical.from_codes(codes, categories=choices)
        else:
            columns[ft.id] = X[:, j]
    if y is not None:
        columns["cause"] = pd.Categorical.from_codes(y.astype(np.int8), categories=list(tables.cause_ids))
    return pd.DataFrame(columns, copy=False)


def write_dataset(
    out: str | Path, *, n: int, seed: int = DEFAULT_SEED, n_test: int | None = None, chunk_rows: int = BLOCK_ROWS
) -> dict:
    """Write ``train.csv``, ``test.csv`` and ``manifest.json`` under ``out``; return the manifest.

    The files are written in chunks (memory does not grow with ``n``) into a staging folder that
    replaces ``out`` as one unit only when all are complete: a crash, a full disk or a second
    concurrent writer leaves the old dataset whole (see :func:`bicep_twitch._io.replaced_folder`).
    ``n_test`` defaults to a fifth of ``n`` (at least 1). Train and test come from separate
    seed streams, so they share no case by construction.

    Raises
    ------
    ValueError
        When ``n``, ``n_test``, ``seed`` or ``chunk_rows`` is not allowed; the message names it.
    PermissionError
        When ``out`` cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> from bicep_twitch.data.generate import write_dataset
    >>> with tempfile.TemporaryDirectory() as out:
    ...     manifest = write_dataset(out, n=1000, seed=7)
    >>> manifest["files"]["train"]["rows"], manifest["files"]["test"]["rows"], manifest["seed"]
    (1000, 200, 7)
    """
    n = check_count(n, "n")
    seed = check_seed(seed)
    n_test = max(1, n // 5) if n_test is None else check_count(n_test, "n_test")
    chunk_rows = check_count(chunk_rows, "chunk_rows")
    if chunk_rows % BLOCK_ROWS:
        raise ValueError(f"'chunk_rows' must be a multiple of {BLOCK_ROWS} (got {chunk_rows})")
    for name, value in (("n", n), ("n_test", n_test)):
        if value > MAX_DATASET_CASES:
            raise ValueError(f"'{name}' must be a whole number from 1 to {MAX_DATASET_CASES:,} (got {value:,})")
    out = ensure_writable_dir(out, parameter="out")
    need, free = (n + n_test) * BYTES_PER_CASE, shutil.disk_usage(out).free
    if need > free:
        raise ValueError(
            f"'n' must fit the disk: {n + n_test:,} cases need about {need / 1e9:.1f} GB, but {str(out)!r} has "
            f"{free / 1e9:.1f} GB free; ask for fewer cases or free some space"
        )
    tables = compile_tables()
    files = {}
    with replaced_folder(out) as stage:  # the whole folder at once: a crash leaves the old one whole
        for split, rows, stream in (("train", n, TRAIN_STREAM), ("test", n_test, TEST_STREAM)):
            name = f"{split}.csv"
            files[split] = _write_csv(stage / name, name, rows, seed, stream, tables, chunk_rows)
        manifest = _manifest(seed, files, tables)
        with open(stage / MANIFEST_NAME, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _write_csv(path: Path, name: str, n: int, seed: int, stream: int, tables: Tables, chunk_rows: int) -> dict:
    digest = hashlib.sha256()
    counts = np.zeros(len(tables.cause_ids), dtype=np.int64)
    with open(path, "wb") as fh:
        blocks = iter_blocks(n, seed=seed, stream=stream, tables=tables)
        first = True
        while True:
            chunk = [b for _, b in zip(range(chunk_rows // BLOCK_ROWS), blocks)]
            if not chunk:
                break
            X = np.concatenate([c[0] for c in chunk])
            y = np.concatenate([c[1] for c in chunk])
            counts += np.bincount(y, minlength=len(counts))
            buffer = io.StringIO()
            to_frame(X, y, tables).to_csv(buffer, index=False, header=first, na_rep="", lineterminator="\n")
            data = buffer.getvalue().encode("utf-8")
            digest.update(data)
            fh.write(data)
            first = False
        fh.flush()
        os.fsync(fh.fileno())
    return {
        "path": name,
        "rows": n,
        "sha256": digest.hexdigest(),
        "counts": {c: int(k) for c, k in zip(tables.cause_ids, counts)},
    }


def _manifest(seed: int, files: dict, tables: Tables) -> dict:
    return {
        "format": "bicep-twitch synthetic cases",
        "format_version": DATASET_FORMAT_VERSION,
        "seed": seed,
        "block_rows": BLOCK_ROWS,
        "knowledge_base_sha256": tables.kb.sha256,
        "columns": list(tables.finding_ids) + ["cause"],
        "files": files,
        "versions": {
            "bicep_twitch": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    }


def read_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / MANIFEST_NAME
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


__all__ = ["generate_cases", "generate_encoded", "write_dataset", "read_manifest", "to_frame"]
