"""The generator: reproducible, in the contract's encoding, faithful to the knowledge base,
strict about its parameters, and never leaving a half-written dataset behind."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from bicep_twitch import generate_cases
from bicep_twitch.data import generate as _generate
from bicep_twitch.data.generate import BLOCK_ROWS, generate_encoded, read_manifest, write_dataset
from bicep_twitch._io import sha256_file

N_STATS = 200_000  # cases for the statistical checks: < 0.3 s to draw
SIGMAS = 5  # tolerance in standard errors; with a fixed seed the checks are deterministic anyway
MIN_CELLS = 100  # a statistic over fewer known cells says too little to check


@pytest.fixture(scope="module")
def encoded():
    return generate_encoded(N_STATS, seed=123)


def within(stat: float, p: float, m: int) -> bool:
    """Is a sample proportion over ``m`` cells within SIGMAS standard errors of ``p``?"""
    return abs(stat - p) <= SIGMAS * math.sqrt(p * (1 - p) / m) + 1e-12


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_same_frame_other_seed_other_frame():
    a = generate_cases(3000, seed=5)
    pd.testing.assert_frame_equal(a, generate_cases(3000, seed=5))
    b = generate_cases(3000, seed=6)
    assert not a.equals(b)
    assert (a["cause"] != b["cause"]).mean() > 0.5  # not a shifted copy: most labels differ


def test_a_smaller_n_is_a_prefix_of_a_larger_one():
    # across a block boundary too, where a new block seed takes over
    X_small, y_small = generate_encoded(BLOCK_ROWS + 10, seed=9)
    X_big, y_big = generate_encoded(BLOCK_ROWS + 500, seed=9)
    np.testing.assert_array_equal(X_small, X_big[: BLOCK_ROWS + 10])
    np.testing.assert_array_equal(y_small, y_big[: BLOCK_ROWS + 10])
    pd.testing.assert_frame_equal(generate_cases(40, seed=9), generate_cases(700, seed=9).iloc[:40])


def test_streams_are_independent():
    X0, y0 = generate_encoded(2000, seed=1, stream=0)
    X1, y1 = generate_encoded(2000, seed=1, stream=1)
    assert (y0 != y1).mean() > 0.5


def test_same_seed_same_files_whatever_the_chunk_size(tmp_path):
    n = BLOCK_ROWS + 1000  # more than one chunk of the smaller size
    a = write_dataset(tmp_path / "a", n=n, n_test=300, seed=4, chunk_rows=BLOCK_ROWS)
    b = write_dataset(tmp_path / "b", n=n, n_test=300, seed=4, chunk_rows=2 * BLOCK_ROWS)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    assert a == b
    c = write_dataset(tmp_path / "c", n=300, n_test=300, seed=5)
    assert c["files"]["test"]["sha256"] != a["files"]["test"]["sha256"]


# --- the frame matches the contract ----------------------------------------------------------


def test_frame_matches_the_contract(kb):
    frame = generate_cases(20_000, seed=2)
    assert list(frame.columns) == list(kb.finding_ids) + ["cause"]
    assert len(frame) == 20_000
    assert isinstance(frame["cause"].dtype, pd.CategoricalDtype)
    assert list(frame["cause"].cat.categories) == list(kb.cause_ids)
    assert frame["cause"].notna().all()
    for fid, f in kb.findings.items():
        col = frame[fid]
        known = col.dropna()
        assert 0 < len(known) < len(col), fid  # every finding is sometimes answered, never always
        if f.type == "choice":
            assert list(col.cat.categories) == list(f.choices), fid
            assert set(known) == set(f.choices), fid
            continue
        assert col.dtype == np.float64, fid
        if f.type == "yes/no":
            assert set(known.unique()) == {0.0, 1.0}, fid
        else:
            assert known.min() >= f.min and known.max() <= f.max, fid
            steps = (known - f.min) / f.step
            assert np.array_equal(steps, np.round(steps)), fid  # values lie on the finding's grid


def test_follow_ups_only_after_a_recent_workout(kb):
    frame = generate_cases(20_000, seed=2)
    workout = frame["recent_arm_workout"]
    for fid in ("hours_after_workout", "stretched_after_workout"):
        assert kb.findings[fid].requires == {"recent_arm_workout": True}
        given = frame[fid].notna()
        assert given.sum() > 100
        assert (workout[given] == 1.0).all(), fid
    # and a recent workout does not force the follow-ups to be answered
    assert frame.loc[workout == 1.0, "hours_after_workout"].isna().mean() > 0.2


def test_how_many_findings_a_case_answers(encoded):
    X, _ = encoded
    answered = (~np.isnan(X)).sum(axis=1)
    share_2_to_6 = float(((answered >= 2) & (answered <= 6)).mean())
    print(f"cases answering 2 to 6 findings: {share_2_to_6:.1%}; exactly 1: {(answered == 1).mean():.1%}; "
          f"7 or more: {(answered >= 7).mean():.1%}")
    assert answered.min() >= 1  # a case always says something
    assert answered.max() >= 20  # and a few say nearly everything
    assert 0.45 <= share_2_to_6 <= 0.65  # the majority answers a handful (measured: 52%)
    assert np.median(answered) <= 6


# --- the data honours the knowledge base ------------------------------------------------------


def test_cause_frequencies_match_the_priors(kb, encoded):
    _, y = encoded
    counts = np.bincount(y, minlength=len(kb.cause_ids))
    for c, cid in enumerate(kb.cause_ids):
        assert within(counts[c] / len(y), kb.causes[cid].prior, len(y)), cid


def test_each_relationship_within_tolerance_of_its_parameter(kb, encoded):
    """P(yes | cause), P(choice | cause) and P(bin | cause) over the cells where the finding is known."""
    X, y = encoded
    checked = skipped = 0
    too_few = []
    failures = []
    for c, cid in enumerate(kb.cause_ids):
        rows = X[y == c]
        for j, (fid, f) in enumerate(kb.findings.items()):
            values = rows[:, j][~np.isnan(rows[:, j])]
            if len(values) < MIN_CELLS:
                skipped += 1
                too_few.append((cid, fid))
                continue
            dist = kb.distribution(cid, fid)
            if f.type == "yes/no":
                pairs = [((values == 1.0).mean(), dist.p_yes)]
            elif f.type == "choice":
                pairs = [((values == k).mean(), dist.p[ch]) for k, ch in enumerate(f.choices)]
            else:
                pairs = [
                    (((values >= lo) & (values <= hi)).mean(), w) for (lo, hi), w in zip(f.bins, dist.weights)
                ]
            for stat, p in pairs:
                checked += 1
                if not within(stat, p, len(values)):
                    failures.append((cid, fid, round(stat, 4), p, len(values)))
    assert failures == []
    # only follow-ups and the rarest causes (under 1 in 100 cases) have too few cells
    assert checked > 600 and all(kb.findings[fid].requires or kb.causes[cid].prior < 0.01 for cid, fid in too_few)


def test_numbers_are_uniform_within_their_bin(kb, encoded):
    X, _ = encoded
    for j, (fid, f) in enumerate(kb.findings.items()):
        if f.type != "number":
            continue
        col = X[:, j][~np.isnan(X[:, j])]
        for (lo, hi), size in zip(f.bins, f.bin_sizes()):
            if size < 2:
                continue
            inside = col[(col >= lo) & (col <= hi)]
            index = np.round((inside - lo) / f.step)
            # uniform on 0..size-1: mean (size-1)/2, variance (size^2-1)/12
            se = math.sqrt((size * size - 1) / 12 / len(inside))
            assert abs(index.mean() - (size - 1) / 2) <= SIGMAS * se, (fid, lo, hi)
            assert index.min() == 0 and index.max() == size - 1 or size > len(inside), (fid, lo, hi)


def test_which_findings_are_answered_does_not_depend_on_the_cause(kb, encoded):
    X, y = encoded
    for j, (fid, f) in enumerate(kb.findings.items()):
        if f.requires:  # follow-ups depend on the parent's answer, by design
            continue
        known = ~np.isnan(X[:, j])
        overall = known.mean()
        for c, cid in enumerate(kb.cause_ids):
            rows = known[y == c]
            assert within(rows.mean(), overall, len(rows)), (fid, cid)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1, 2.0, 1.5, True, "10", None])
def test_bad_n_names_the_parameter(n):
    with pytest.raises(ValueError, match="^" + re.escape(f"'n' must be a whole number of at least 1 (got {n!r})") + "$"):
        generate_cases(n)
    with pytest.raises(ValueError, match=r"^'n' must be a whole number of at least 1"):
        generate_encoded(n)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", None, True, 2**64])
def test_bad_seed_names_the_parameter(seed):
    message = rf"^'seed' must be a whole number from 0 to {2**32 - 1} \(got "
    with pytest.raises(ValueError, match=message):
        generate_cases(10, seed=seed)
    with pytest.raises(ValueError, match=message):
        generate_encoded(10, seed=seed)


def test_numpy_integers_are_fine():
    pd.testing.assert_frame_equal(generate_cases(np.int64(50), seed=np.uint8(3)), generate_cases(50, seed=3))


def test_bad_write_dataset_parameters(tmp_path):
    with pytest.raises(ValueError, match=r"^'n' must be a whole number of at least 1 \(got 0\)$"):
        write_dataset(tmp_path / "x", n=0)
    with pytest.raises(ValueError, match=r"^'n_test' must be a whole number of at least 1 \(got -5\)$"):
        write_dataset(tmp_path / "x", n=10, n_test=-5)
    with pytest.raises(ValueError, match=rf"^'chunk_rows' must be a multiple of {BLOCK_ROWS} \(got 1000\)$"):
        write_dataset(tmp_path / "x", n=10, chunk_rows=1000)
    assert not (tmp_path / "x").exists()  # parameters are checked before anything is created


def test_unwritable_output_folder_names_the_parameter(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match=r"^'out' must be a writable folder \(got '.*a_file/data'"):
        write_dataset(blocker / "data", n=10)
    with pytest.raises(PermissionError, match=r"^'out' must be a writable folder \(got '.*a_file'"):
        write_dataset(blocker, n=10)
    assert blocker.read_text() == "not a folder"


# --- atomic writes -----------------------------------------------------------------------------


def _crash_on_second_file(monkeypatch):
    real = _generate._write_csv
    calls = []

    def flaky(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            path.write_bytes(b"cause,movement\nhalf a line")  # a half-written temp file
            raise OSError("disk full (simulated)")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(_generate, "_write_csv", flaky)
    return calls


def test_a_crash_mid_write_leaves_the_old_files_whole(tmp_path, monkeypatch):
    out = tmp_path / "data"
    write_dataset(out, n=500, n_test=100, seed=1)
    before = snapshot(out)
    assert sorted(before) == ["manifest.json", "test.csv", "train.csv"]
    calls = _crash_on_second_file(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(out, n=800, n_test=200, seed=2)
    assert len(calls) == 2  # the crash came after the first file was complete
    assert snapshot(out) == before  # no temp files, no new files, old ones intact


def test_a_crash_in_a_new_folder_leaves_no_files(tmp_path, monkeypatch):
    _crash_on_second_file(monkeypatch)
    with pytest.raises(OSError):
        write_dataset(tmp_path / "new", n=300, seed=2)
    assert list((tmp_path / "new").iterdir()) == []


# --- what write_dataset writes ---------------------------------------------------------------


def test_files_hold_the_generated_cases_and_the_manifest_describes_them(kb, tmp_path):
    import bicep_twitch

    manifest = write_dataset(tmp_path, n=1200, n_test=300, seed=8)
    assert read_manifest(tmp_path) == manifest
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert manifest["seed"] == 8
    assert manifest["knowledge_base_sha256"] == kb.sha256
    assert manifest["columns"] == list(kb.finding_ids) + ["cause"]
    assert set(manifest["versions"]) >= {"bicep_twitch", "python", "numpy", "pandas"}
    assert manifest["versions"]["bicep_twitch"] == bicep_twitch.__version__
    for split, rows, stream in (("train", 1200, 0), ("test", 300, 1)):
        entry = manifest["files"][split]
        path = tmp_path / entry["path"]
        assert entry["rows"] == rows
        assert entry["sha256"] == sha256_file(path)
        frame = pd.read_csv(path)
        assert len(frame) == rows
        # the CSV is the generated frame, written without loss
        X, y = generate_encoded(rows, seed=8, stream=stream)
        expected = _generate.to_frame(X, y, _generate.compile_tables())
        for fid in kb.finding_ids:
            want = expected[fid].astype(object) if fid == "movement" else expected[fid]
            got = frame[fid].astype(object) if fid == "movement" else frame[fid]
            pd.testing.assert_series_equal(got, want, check_dtype=False, check_categorical=False)
        counts = frame["cause"].value_counts().to_dict()
        assert entry["counts"] == {cid: counts.get(cid, 0) for cid in kb.cause_ids}
        assert sum(entry["counts"].values()) == rows
