"""The exact reference: bayes_posterior is P(cause | known findings) under the generator's model."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from bicep_twitch import InvalidCaseError, bayes_posterior, generate_cases
from bicep_twitch.data.generate import generate_encoded
from bicep_twitch.core.knowledge import KNOWLEDGE_FILE
from bicep_twitch.data.posterior import posterior_matrix

RAW = json.loads(KNOWLEDGE_FILE.read_text(encoding="utf-8"))


def brute_force_posterior(case: dict) -> dict:
    """P(cause | case) written independently, straight from the KB json, one case at a time.

    The generator's model: prior x product over answered findings of P(value | cause), where a
    number's value has P(its bin | cause) / (grid values in the bin). Unanswered findings drop out.
    """
    case = dict(case)
    for fid, spec in RAW["findings"].items():  # a follow-up implies its parent was "yes"
        for parent in spec.get("requires", {}):
            if case.get(fid) is not None and case.get(parent) is None:
                case[parent] = 1.0
    scores = {}
    for cid, cause in RAW["causes"].items():
        log_p = math.log(cause["prior"])
        for fid, value in case.items():
            if value is None:
                continue
            spec = RAW["findings"][fid]
            dist = cause["findings"].get(fid, spec["background"])
            if spec["type"] == "yes/no":
                log_p += math.log(dist["p_yes"] if value == 1.0 else 1 - dist["p_yes"])
            elif spec["type"] == "choice":
                log_p += math.log(dist["p"][value])
            else:
                for (lo, hi), w in zip(spec["bins"], dist["weights"]):
                    if lo <= value <= hi:
                        size = round((hi - lo) / spec["step"]) + 1
                        log_p += math.log(w / size)
                        break
                else:
                    raise AssertionError(f"{fid}={value} is in no bin")
        scores[cid] = log_p
    top = max(scores.values())
    total = sum(math.exp(s - top) for s in scores.values())
    return {cid: math.exp(s - top) / total for cid, s in scores.items()}


def as_cases(frame: pd.DataFrame) -> list[dict]:
    records = frame.drop(columns="cause").astype(object).to_dict("records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in records]


def test_rows_are_distributions_with_the_cause_columns(kb):
    cases = generate_cases(5000, seed=21)
    cases.index = cases.index + 1000
    post = bayes_posterior(cases)
    assert list(post.columns) == list(kb.cause_ids)
    assert post.index.equals(cases.index)
    assert (post.to_numpy() >= 0).all()
    np.testing.assert_allclose(post.sum(axis=1).to_numpy(), 1.0, atol=1e-12)


def test_agrees_with_a_brute_force_computation(kb):
    cases = generate_cases(400, seed=22)
    post = bayes_posterior(cases)
    for i, case in enumerate(as_cases(cases)):
        expected = brute_force_posterior(case)
        np.testing.assert_allclose(post.iloc[i].to_numpy(), [expected[c] for c in kb.cause_ids], rtol=1e-9,
                                   atol=1e-12, err_msg=str(case))


def test_fast_path_equals_the_frame_path():
    X, _ = generate_encoded(3000, seed=23)
    cases = generate_cases(3000, seed=23)
    np.testing.assert_allclose(posterior_matrix(X, chunk_rows=700), bayes_posterior(cases).to_numpy(), atol=1e-12)


def test_empty_case_gives_the_priors(kb):
    priors = [kb.causes[c].prior for c in kb.cause_ids]
    no_columns = bayes_posterior(pd.DataFrame(index=range(2)))
    np.testing.assert_allclose(no_columns.to_numpy(), [priors, priors], atol=1e-12)
    all_unknown = pd.DataFrame({fid: [np.nan] for fid in kb.finding_ids if fid != "movement"})
    np.testing.assert_allclose(bayes_posterior(all_unknown).iloc[0].to_numpy(), priors, atol=1e-12)


def test_a_follow_up_implies_its_parent():
    implied = bayes_posterior(pd.DataFrame({"hours_after_workout": [1.0]}))
    explicit = bayes_posterior(pd.DataFrame({"recent_arm_workout": [1.0], "hours_after_workout": [1.0]}))
    pd.testing.assert_frame_equal(implied, explicit)
    hours_alone = brute_force_posterior({"hours_after_workout": 1.0, "recent_arm_workout": 1.0})
    assert implied.iloc[0]["exercise_overuse"] == pytest.approx(hours_alone["exercise_overuse"])
    assert implied.iloc[0]["exercise_overuse"] > 0.8  # an hour after heavy curls: the workout


def test_a_value_between_grid_points_counts_as_the_nearer_one():
    frame = pd.DataFrame({"caffeine_cups_per_day": [2.4, 2.0, 2.6, 3.0, 2.5]})
    post = bayes_posterior(frame).to_numpy()
    np.testing.assert_allclose(post[0], post[1])
    np.testing.assert_allclose(post[2], post[3])
    np.testing.assert_allclose(post[4], post[1])  # halfway goes low, as a tree's x <= 2.5 does
    assert not np.allclose(post[1], post[3])  # 2 and 3 cups sit in different bins


def test_bad_values_raise_invalid_case_error():
    frame = pd.DataFrame({"stress_level": [3.0, 11.0], "movement": ["spasm", "spasm"]})
    with pytest.raises(
        InvalidCaseError,
        match=r"^cases, row 1: 'stress_level' must be a number from 0 to 10 \(got 11\) \(1 bad rows in all\)$",
    ):
        bayes_posterior(frame)
    with pytest.raises(InvalidCaseError, match=r"^cases, row 0: 'movement' must be one of 'twitch', 'spasm'"):
        bayes_posterior(pd.DataFrame({"movement": ["cramp"]}))
    contradiction = pd.DataFrame({"recent_arm_workout": [0.0], "hours_after_workout": [2.0]})
    with pytest.raises(InvalidCaseError, match=r"^cases, row 0: 'hours_after_workout' applies only when"):
        bayes_posterior(contradiction)
    with pytest.raises(InvalidCaseError, match=r"^unknown finding 'stres_level'"):
        bayes_posterior(pd.DataFrame({"stres_level": [3.0]}))
    with pytest.raises(TypeError, match=r"^'cases' must be a pandas DataFrame \(got dict\)$"):
        bayes_posterior({"stress_level": [3.0]})


def single_finding_codes(kb, X: np.ndarray, j: int) -> np.ndarray:
    """A finding's value as a category: its code, or its bin for numbers; -1 for unknown."""
    f = kb.findings[kb.finding_ids[j]]
    col = X[:, j]
    if f.type == "number":
        uppers = np.array([hi for _, hi in f.bins])
        codes = np.searchsorted(uppers, np.nan_to_num(col, nan=f.min), side="left")
    else:
        codes = np.nan_to_num(col, nan=0).astype(int)
    return np.where(np.isnan(col), -1, codes)


def test_beats_every_single_finding_rule(kb):
    """For each finding, the best rule from its value (or bin, or unknown) to one cause, fitted on
    one sample and scored on another, is less accurate than the posterior's arg-max."""
    n_causes = len(kb.cause_ids)
    X_fit, y_fit = generate_encoded(40_000, seed=31, stream=0)
    X_eval, y_eval = generate_encoded(40_000, seed=31, stream=1)
    bayes_accuracy = (posterior_matrix(X_eval).argmax(axis=1) == y_eval).mean()
    rule_accuracy = {"(no finding: the commonest cause)": (y_eval == np.bincount(y_fit).argmax()).mean()}
    for j, fid in enumerate(kb.finding_ids):
        fit, ev = single_finding_codes(kb, X_fit, j) + 1, single_finding_codes(kb, X_eval, j) + 1
        table = np.zeros((max(fit.max(), ev.max()) + 1, n_causes))
        np.add.at(table, (fit, y_fit), 1)
        rule = table.argmax(axis=1)  # the commonest cause for each value
        rule_accuracy[fid] = (rule[ev] == y_eval).mean()
    best = max(rule_accuracy, key=rule_accuracy.get)
    print(f"bayes accuracy {bayes_accuracy:.3f}; best single-finding rule {best}: {rule_accuracy[best]:.3f}")
    assert bayes_accuracy > rule_accuracy[best] + 0.05
    # and the rules are real rules: the best of them beats always answering the commonest cause
    assert rule_accuracy[best] > rule_accuracy["(no finding: the commonest cause)"]
