"""The training step: fit the tree on the synthetic cases, choose its size, evaluate it, export it.

The recipe is in :mod:`.fit` (soft labels, proposal cases, confidence weight, honest
probabilities) and :mod:`.select` (the size by cross-validation on what users need); the
metrics in :mod:`.evaluate`, the report in :mod:`.report`, the files in :mod:`.export`.
Nothing here draws: the ``train`` command draws the tree after.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable, Collection

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from .._errors import DataError
from .._io import ensure_writable_dir, sha256_file
from ..core.checks import check_count, check_seed
from ..core.knowledge import load_knowledge
from ..data.datasets import load_split
from ..data.generate import (
    DEFAULT_SEED, FIDELITY_RARE_STREAM, FIDELITY_STREAM, MANIFEST_NAME, PROPOSAL_STREAM,
    PROPOSAL_TUNING_STREAM, REGION_STREAM, REGION_TUNING_STREAM, answer_depth_posterior, answer_depth_tables,
    cause_tables, draw_cases, fully_answered_cases, iter_blocks, write_dataset,
)
from ..data.tables import Tables, compile_tables
from .evaluate import (
    CONFIDENT, MIN_CLEAR_CASES, accuracy_block, calibration, cause_agreement, clear_cases_of, evaluate, fidelity_scores,
    triage_tradeoff, with_rare_causes,
)
from .export import export_model
from ..data.posterior import posterior_matrix
from .fit import (
    CONFIDENCE_WEIGHT, MIN_SAMPLES_LEAF, RISK_WEIGHT, Encoded, RegionDraws, TrainingRows, encode_split, encoded_from_arrays, fit_tree, mixture_rows,
    node_means, path_lengths,
)
from .report import report_markdown
from .sensitivity import sensitivity
from .select import cross_validate

DEFAULT_DATA_DIR = Path("data/synthetic")
DEFAULT_MODEL_DIR = Path("models")
DEFAULT_TRAIN_CASES = 300_000
REPORT_NAME = "report.md"
FULLY_ANSWERED_CASES = 50_000  # for the report
# Fresh natural cases for the fidelity figures, per training case (at most FIDELITY_CASES): the
# default 300,000 training cases give 500,000, about 200 clear cases of the rarest cause.
FIDELITY_PER_TRAINING_CASE = 5
FIDELITY_CASES = 500_000
# A cause with fewer than evaluate.MIN_CLEAR_CASES clear natural cases is measured on cases drawn
# from it alone, in blocks until it has that many clear cases or RARE_CAUSE_DRAWS_PER_TRAINING_CASE
# per training case were drawn, at most RARE_CAUSE_MAX_DRAWS (the default training set's): a small
# training set (the tests') is measured roughly, and quickly.
RARE_CAUSE_MAX_DRAWS = 2_000_000
RARE_CAUSE_DRAWS_PER_TRAINING_CASE = 7
# Proposal cases per natural training case. Measured (seed 0, 300k natural cases, depth 22, KB v1):
# 1.0 with every cause equally likely lifted the worst cause's agreement from 0.72 to 0.91. The
# evidence-based priors of KB v3 make the doctor causes rare (Isaacs syndrome 0.001) and their clear
# cases rarer still (1 in 2,400 Isaacs cases as people answer): measured (seed 0, depth 24, 2,000
# leaves, cause-targeted test draws), equal cause shares gave clear nerve-damage cases 0.877 and
# Isaacs 0.0; 2.0 proposal cases with the shares below 0.897 and 0.75 (more leaves, depth 40, the risk
# weight at 0 or 4, or stronger boosts did not do better).
PROPOSAL_SHARE = 2.0
# A cause's share of the proposal cases: enough to bring its clear cases (natural and proposal
# together) to PROPOSAL_CLEAR_TARGET, given its clear-case rate among cases drawn from it alone;
# between PROPOSAL_MIN_SHARE and PROPOSAL_MAX_SHARE, then normalised. So the common causes, which
# have thousands of clear natural cases, keep a little, and the rare doctor causes get most.
PROPOSAL_CLEAR_TARGET = 2000
PROPOSAL_MIN_SHARE, PROPOSAL_MAX_SHARE = 0.01, 0.25
# Drawn per cause (and per answer-count component for region draws) to measure a clear-case rate:
# one case per 6 training cases, from 5,000 to 50,000 (the default training set's). The rates set
# only how many cases of each kind are drawn, never their weights, so a rougher rate for a small
# training set costs efficiency, not correctness, and keeps the tests' small trainings quick.
PROPOSAL_TUNING_CASES = 50_000
PROPOSAL_TUNING_MIN = 5_000
# A doctor cause (a missed one costs most) with fewer than REGION_CLEAR_TARGET clear cases expected
# among the natural and proposal cases gets region draws: cases of it drawn with the answer-count
# components in proportion to how many clear cases each yields (clear cases answer many findings),
# kept where its exact posterior is at least REGION_FLOOR (the clear region and its border), until
# its expected clear cases reach the target (scaled down for fewer training cases than the default).
# Isaacs syndrome is clear in about 1 of 2,800 cases drawn from it alone, 1 in 170 of those answering
# 13 or more findings. Measured (seed 0, 300k cases, sizes chosen by cross-validation; clear cases of
# each cause's own draws): Isaacs syndrome 0.536 without region draws, 0.958 with them for it alone
# (magnesium deficiency 0.993); region draws for magnesium deficiency too (clear in 1 of 8,300, a
# self-care cause already at 1.000 without) cost Isaacs syndrome (0.82 to 0.87) and magnesium itself
# (0.86 to 0.96), its border being fifty times its clear cases.
REGION_CLEAR_TARGET = 4000
REGION_FLOOR = 0.2
# The recipe of version 0.1.0, kept as the baseline the report compares against.
PREVIOUS_RECIPE = {"max_depth": 14, "max_leaf_nodes": 700, "min_samples_leaf": 20}
OFF = 1.0 + 1e-9  # a threshold on the doctor causes together that no case reaches: the rule of 0.1.0


def train_model(
    data_dir: str | Path = DEFAULT_DATA_DIR,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    *,
    seed: int = DEFAULT_SEED,
    n_cases: int = DEFAULT_TRAIN_CASES,
    progress: Callable[[str], None] | None = None,
    finish: Callable[[Path], Any] | None = None,
    own_files: Collection[str] = (),
) -> dict[str, Any]:
    """Fit the tree on ``data_dir`` (generated first if absent), evaluate it, export it to ``out_dir``.

    Parameters
    ----------
    data_dir : str or Path
        Synthetic cases written by ``bicep-twitch generate`` (``train.csv``, ``test.csv`` and
        ``manifest.json``). When it holds no manifest, ``n_cases`` cases are generated into it
        with ``seed``.
    out_dir : str or Path
        The model folder. Its files are replaced together only when all are written; on any
        error the old model stays whole.
    seed : int
        Seeds the cross-validation folds and the tree (and the data, when generated).
    n_cases : int
        Training cases to generate when ``data_dir`` has none.
    progress : callable, optional
        Called with one line per stage ("[ 12.3s] fitting the tree ..."); the command line
        prints them on stderr.
    finish : callable, optional
        Called with the staged model folder, which already loads, before it replaces ``out_dir``:
        the command draws the pictures and the page there, so the folder changes as one unit
        (model, pictures and page together). If it raises, ``out_dir`` stays the old folder whole.
    own_files : collection of str
        Files of the old folder that describe the old model only (its pictures, its page):
        never carried over into the new folder.

    Returns
    -------
    dict
        The metadata record written to ``bicep_twitch_tree.json`` (metrics under ``"metrics"``).

    Raises
    ------
    DataError
        When the data comes from another knowledge base, lacks columns, is empty or altered.
    PermissionError
        When ``out_dir`` cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from bicep_twitch.model.train import train_model
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     record = train_model(f"{tmp}/data", f"{tmp}/model", n_cases=20_000)
    >>> record["metrics"]["ratio"] > 0.8, record["metrics"]["fidelity"]["agreement"] > 0.8
    (True, True)
    """
    seed = check_seed(seed)
    n_cases = check_count(n_cases, "n_cases")
    say = _stage_printer(progress)
    out = ensure_writable_dir(out_dir, parameter="out")
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise DataError(f"'data' must be a folder of generated cases (got the file {str(data_dir)!r})")
    if not (data_dir / MANIFEST_NAME).exists():
        say(f"generating {n_cases:,} cases into {str(data_dir)!r}")
        write_dataset(data_dir, n=n_cases, seed=seed)
    kb = load_knowledge()
    tables = compile_tables(kb)
    say(f"reading and checking the cases in {str(data_dir)!r}")
    # Read and check both splits before any work, so bad data fails fast.
    train_frame, _ = load_split(data_dir, "train")
    test_frame, _ = load_split(data_dir, "test")
    train = encode_split(train_frame, tables, what="training data")
    test = encode_split(test_frame, tables, what="test data")
    del train_frame, test_frame

    say(f"drawing {PROPOSAL_SHARE:g} proposal cases per training case (the causes with few clear cases boosted) "
        "and their exact posterior")
    rows = training_rows(train, tables, seed=seed)
    n_proposal, regions = rows.composition["proposal"], rows.composition["regions"]
    if regions:
        say("drew region cases of " + ", ".join(f"{c} ({p['cases']:,} kept)" for c, p in regions.items())
            + ": more findings answered, kept where the cause is likely")
    say(f"cross-validating the tree's size on {len(rows.X):,} cases (a minute or so)")
    cv = cross_validate(rows, seed=seed)
    size = {k: cv["chosen"][k] for k in ("max_depth", "max_leaf_nodes")}
    say(f"fitting the tree: depth at most {size['max_depth']}, at most {size['max_leaf_nodes']} leaves")
    tree = fit_tree(rows, seed=seed, **size)
    say("evaluating it against the exact posterior on unseen cases, and the knowledge base's numbers across "
        "their plausible ranges (a few seconds)")
    metrics = _metrics(tree, train, test, tables, seed=seed, say=say)
    metadata = {
        "seed": seed,
        "data_manifest_sha256": sha256_file(data_dir / MANIFEST_NAME),
        "training": {
            "cases": int(len(train.X)),
            "proposal_cases": n_proposal,
            "proposal_source": f"generated with seed {seed}, stream {PROPOSAL_STREAM}, cause shares from each "
                               f"cause's clear-case rate (up to {PROPOSAL_CLEAR_TARGET:,} clear cases each)",
            "region_cases": regions,
            "region_source": f"generated with seed {seed}, stream {REGION_STREAM} + the cause's index: cases of a "
                             f"doctor cause expected to have under {REGION_CLEAR_TARGET:,} clear cases, answer-count "
                             "components in proportion to the clear cases each yields, kept where the cause's exact "
                             f"posterior is at least {REGION_FLOOR:g}",
            "labels": "soft: the exact posterior of each case (a multi-output regression on the posterior vectors), "
                      f"plus the doctor causes' probability together, weighted {RISK_WEIGHT:g}",
            "split_weight": f"1, plus {CONFIDENCE_WEIGHT:g} shared out equally among each cause's confident cases "
                            f"(exact posterior at least {CONFIDENT} on it)",
            "node_values": "mean exact posterior of the training, proposal and region cases reaching the node, each "
                           "weighed by p(x)/m(x) so that it is the mean over natural cases",
        },
        "hyperparameters": {**size, "min_samples_leaf": MIN_SAMPLES_LEAF,
                            "criterion": "squared_error on the posterior vectors (the splits of gini on soft labels)",
                            "splitter": "best"},
        "cross_validation": cv,
        "metrics": metrics,
        "disclaimer": kb.disclaimer,
    }
    say(f"writing the model into {str(out)!r}")
    record = export_model(tree, out, kb=kb, metadata=metadata,
                          extra_files={REPORT_NAME: lambda rec: report_markdown(rec, kb)}, finish=finish,
                          own_files=own_files)
    return record


def tuning_cases(n_natural: int) -> int:
    """Cases drawn to measure one clear-case rate, for ``n_natural`` training cases."""
    return int(min(PROPOSAL_TUNING_CASES, max(PROPOSAL_TUNING_MIN, n_natural // 6)))


def clear_rates(tables: Tables, *, seed: int, n: int = PROPOSAL_TUNING_CASES) -> np.ndarray:
    """Each cause's clear-case rate (``tables`` order) among ``n`` cases drawn from it alone."""
    return np.array([_clear_rate(tables, k, seed=seed, stream=PROPOSAL_TUNING_STREAM + k, n=n)
                     for k in range(len(tables.cause_ids))])


def proposal_prior(tables: Tables, rates: np.ndarray, *, n_natural: int, n_proposal: int) -> np.ndarray:
    """The cause shares of the proposal cases (``tables`` order): what each cause lacks in clear cases.

    ``rates`` are the causes' clear-case rates (:func:`clear_rates`); the natural cases are expected
    to hold ``n_natural * prior * rate`` clear cases of a cause, and the proposal makes up the rest
    of ``PROPOSAL_CLEAR_TARGET``.
    """
    want = []
    for k, rate in enumerate(rates):
        missing = max(PROPOSAL_CLEAR_TARGET - n_natural * tables.prior[k] * rate, 0.0)
        want.append(missing / rate / n_proposal)
    share = np.clip(want, PROPOSAL_MIN_SHARE, PROPOSAL_MAX_SHARE)
    return share / share.sum()


def _clear_rate(tables: Tables, k: int, *, seed: int, stream: int, n: int, depth: np.ndarray | None = None) -> float:
    """Share of ``n`` cases drawn from cause ``k`` alone (answer-count components ``depth``, natural
    when None) that are clear cases of it; at least one counted."""
    drawn = cause_tables(tables, k) if depth is None else answer_depth_tables(cause_tables(tables, k), depth)
    X, _ = draw_cases(n, seed=seed, stream=stream, tables=drawn)
    post = posterior_matrix(X, tables)
    return max(int(clear_cases_of(post, k).sum()), 1) / n


def region_draws(tables: Tables, rates: np.ndarray, proposal_shares: np.ndarray, *, n_natural: int,
                 n_proposal: int, seed: int, classes: Collection[str]) -> list[RegionDraws]:
    """Region draws for each doctor cause expected to have fewer than ``REGION_CLEAR_TARGET`` clear cases.

    The answer-count components are drawn in proportion to the clear cases each yields (each
    component's rate measured on :func:`tuning_cases` cases), enough to expect the clear
    cases the cause lacks (the target scaled by ``n_natural`` against the default training
    size), kept where its exact posterior is at least ``REGION_FLOOR``.
    """
    classes = tuple(classes)
    target = REGION_CLEAR_TARGET * min(1.0, n_natural / DEFAULT_TRAIN_CASES)
    n_components = len(tables.answer_probs)
    regions = []
    for k, (cause, rate) in enumerate(zip(tables.cause_ids, rates)):
        expected = (n_natural * tables.prior[k] + n_proposal * proposal_shares[k]) * rate
        if cause not in tables.kb.see_doctor_causes or expected >= target:
            continue
        rates = np.array([_clear_rate(tables, k, seed=seed, stream=REGION_TUNING_STREAM + n_components * k + i,
                                      n=tuning_cases(n_natural), depth=np.eye(n_components)[i])
                          for i in range(n_components)])
        depth = tables.answer_probs * rates / (tables.answer_probs * rates).sum()
        n_draw = int(np.ceil(max(target - expected, 0.0) / float(depth @ rates)))
        if n_draw == 0:
            continue
        X, y = draw_cases(n_draw, seed=seed, stream=REGION_STREAM + k,
                          tables=answer_depth_tables(cause_tables(tables, k), depth))
        cases = encoded_from_arrays(X, y, tables)
        j = classes.index(cause)
        keep = cases.posterior[:, j] >= REGION_FLOOR
        ratio = depth / tables.answer_probs
        regions.append(RegionDraws(
            cases=Encoded(cases.X[keep], cases.y[keep], cases.posterior[keep], cases.classes), cause=j,
            floor=REGION_FLOOR, kept=float(keep.mean()),
            depth_ratio=lambda X, ratio=ratio: answer_depth_posterior(X, tables) @ ratio,
        ))
    return regions


def training_rows(train: Encoded, tables: Tables, *, seed: int) -> TrainingRows:
    """The training cases pooled with their proposal cases (rare causes boosted) and the rarest
    causes' region draws, weighted back."""
    n_proposal = round(PROPOSAL_SHARE * len(train.X))
    rates = clear_rates(tables, seed=seed, n=tuning_cases(len(train.X)))
    q = proposal_prior(tables, rates, n_natural=len(train.X), n_proposal=n_proposal)
    shifted = dataclasses.replace(tables, prior=q, cum_prior=np.cumsum(q))
    proposal = encoded_from_arrays(
        *draw_cases(n_proposal, seed=seed, stream=PROPOSAL_STREAM, tables=shifted), tables
    ) if n_proposal else None
    regions = region_draws(tables, rates, q, n_natural=len(train.X), n_proposal=n_proposal, seed=seed,
                           classes=train.classes) if n_proposal else []
    order = [tables.cause_ids.index(c) for c in train.classes]
    return mixture_rows(train, proposal, prior=tables.prior[order], proposal_prior=q[order],
                        doctor_causes=tables.kb.see_doctor_causes, regions=regions)


def _stage_printer(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    """Stage lines with the seconds since training began, for people watching a long run."""
    if progress is None:
        return lambda message: None
    start = time.perf_counter()
    return lambda message: progress(f"[{time.perf_counter() - start:5.1f}s] {message}")


def _metrics(tree, train: Encoded, test: Encoded, tables: Tables, *, seed: int,
             say: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    kb = tables.kb
    proba = tree.predict_proba(test.X)
    metrics = evaluate(proba, test.y, test.posterior, test.X, path_lengths(tree, test.X), classes=test.classes, kb=kb)

    n_fresh = min(FIDELITY_CASES, FIDELITY_PER_TRAINING_CASE * len(train.X))
    fresh = encoded_from_arrays(*draw_cases(n_fresh, seed=seed, stream=FIDELITY_STREAM, tables=tables), tables)
    fresh_proba = tree.predict_proba(fresh.X)
    clear_draws: dict[str, list[tuple[Encoded, int]]] = {}
    metrics["fidelity"] = fidelity_with_rare_causes(tree.predict_proba, fresh_proba, fresh, tables, seed=seed,
                                                    clear_draws=clear_draws, max_draws=_rare_cause_draws(len(train.X)))
    metrics["triage_tradeoff"] = triage_tradeoff(fresh_proba, fresh.posterior, fresh.X, classes=fresh.classes, kb=kb)

    X_full, y_full = fully_answered_cases(FULLY_ANSWERED_CASES, seed=seed, tables=tables)
    full = encoded_from_arrays(X_full, y_full, tables)
    full_proba = tree.predict_proba(full.X)
    full_calibration = calibration(full_proba, full.y)
    metrics["fully_answered"] = {
        **accuracy_block(full_proba, full.y, full.posterior),
        "mean_path_length": float(path_lengths(tree, full.X).mean()),
        **{k: full_calibration[k] for k in ("mean_top_probability", "ece", "log_loss")},
    }
    say("refitting the previous recipe on the same cases, for comparison")
    metrics["previous_recipe"] = _previous_recipe(train, test, fresh, full, tables, seed=seed, clear_draws=clear_draws)
    say("moving each general-knowledge number across its plausible range")
    metrics["sensitivity"] = sensitivity(tables, seed=seed)
    return metrics


def fidelity_with_rare_causes(predict_proba, fresh_proba: np.ndarray, fresh: Encoded, tables: Tables, *,
                              seed: int, clear_draws: dict[str, list[tuple[Encoded, int]]] | None = None,
                              max_draws: int | None = None) -> dict[str, Any]:
    """Fidelity on natural cases; each cause with too few clear ones measured on its own draws, weighted back.

    Its own draws stop at ``max_draws`` (``RARE_CAUSE_MAX_DRAWS`` when None), recorded as ``max_own_draws``.

    ``clear_draws`` keeps, per cause, the clear cases of those draws and how many were drawn, between
    calls: which cases are clear does not depend on the tree, so a second tree measured on the same
    cases needs neither the draws nor their posterior again.
    """
    clear_draws = {} if clear_draws is None else clear_draws
    max_draws = RARE_CAUSE_MAX_DRAWS if max_draws is None else max_draws
    natural = fidelity_scores(fresh_proba, fresh.posterior, fresh.y, classes=fresh.classes)
    rare, drawn = {}, {}
    for cause, n in natural["confident_cases_by_cause"].items():
        if n >= MIN_CLEAR_CASES:
            continue
        k = tables.cause_ids.index(cause)
        j = fresh.classes.index(cause)
        if cause not in clear_draws:
            clear_draws[cause] = _rare_clear_cases(tables, k, j, seed=seed, max_draws=max_draws)
        found, weighted, total, drawn[cause] = 0, 0.0, 0.0, 0
        for block, n_drawn in clear_draws[cause]:
            drawn[cause] += n_drawn
            if not len(block.X):  # a block without a clear case (a short last one, say) has nothing to score
                continue
            agreement, clear, weight = cause_agreement(predict_proba(block.X), block.posterior, cause=j,
                                                       prior=float(tables.prior[k]))
            if clear:
                weighted += agreement * weight
                total += weight
                found += clear
        rare[cause] = (weighted / total if total else None, found)
    return {**with_rare_causes(natural, rare, draws=drawn), "max_own_draws": max_draws}


def _rare_cause_draws(n_train: int) -> int:
    return min(RARE_CAUSE_MAX_DRAWS, RARE_CAUSE_DRAWS_PER_TRAINING_CASE * n_train)


def _rare_clear_cases(tables: Tables, k: int, j: int, *, seed: int, max_draws: int) -> list[tuple[Encoded, int]]:
    """Blocks of cases drawn from cause ``k`` alone until ``MIN_CLEAR_CASES`` are clear (column ``j``):
    each block's clear cases and its size."""
    out, found = [], 0
    for X, y in iter_blocks(max_draws, seed=seed, stream=FIDELITY_RARE_STREAM + k,
                            tables=cause_tables(tables, k)):
        block = encoded_from_arrays(X, y, tables)
        clear = clear_cases_of(block.posterior, j)
        out.append((Encoded(block.X[clear], block.y[clear], block.posterior[clear], block.classes), len(X)))
        found += int(clear.sum())
        if found >= MIN_CLEAR_CASES:
            break
    return out


def fit_previous_recipe(train: Encoded, *, seed: int) -> tuple[DecisionTreeClassifier, np.ndarray]:
    """The recipe of 0.1.0 refitted on ``train``: hard arg-max labels, depth 14, 700 leaves.

    Returns the tree and its node values, the mean exact posterior of the cases reaching each
    node in ``train.classes`` order, as 0.1.0 shipped them: ``values[tree.apply(X)]`` are its
    probabilities.
    """
    labels = np.asarray(train.classes)[train.posterior.argmax(axis=1)]
    old = DecisionTreeClassifier(random_state=seed, **PREVIOUS_RECIPE).fit(train.X, labels)
    return old, node_means(old, train.X, train.posterior)


def _previous_recipe(train: Encoded, test: Encoded, fresh: Encoded, full: Encoded, tables: Tables, *,
                     seed: int, clear_draws: dict[str, list[tuple[Encoded, int]]] | None = None) -> dict[str, Any]:
    """The previous recipe's figures on the same cases, with the triage of 0.1.0.

    That triage sent a case to a doctor only for a doctor cause ranked first or a symptom red
    flag (no threshold on the doctor causes together, no medicine rule).
    """
    kb = tables.kb
    old, values = fit_previous_recipe(train, seed=seed)

    def proba(X: np.ndarray) -> np.ndarray:
        return values[old.apply(X)]

    fresh_proba = proba(fresh.X)
    old_kb = dataclasses.replace(kb, medicine_flags=())
    tradeoff = triage_tradeoff(fresh_proba, fresh.posterior, fresh.X, classes=fresh.classes, kb=old_kb,
                               thresholds=(OFF,))
    return {
        **PREVIOUS_RECIPE,
        "leaves": int(old.get_n_leaves()),
        "depth": int(old.get_depth()),
        "test": accuracy_block(proba(test.X), test.y, test.posterior),
        "fully_answered": accuracy_block(proba(full.X), full.y, full.posterior),
        "fidelity": fidelity_with_rare_causes(proba, fresh_proba, fresh, tables, seed=seed, clear_draws=clear_draws,
                                              max_draws=_rare_cause_draws(len(train.X))),
        "triage": next(r for r in tradeoff["rows"] if r["threshold"] == OFF),
    }


__all__ = ["train_model", "training_rows", "fit_previous_recipe", "PREVIOUS_RECIPE", "REPORT_NAME", "DEFAULT_DATA_DIR",
           "DEFAULT_MODEL_DIR"]
