"""The predictor: results, triage, bad input, batches, safe loading and agreement with scikit-learn."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from bicep_twitch import (
    InvalidCaseError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    Predictor,
    Result,
    generate_cases,
)


def copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


# -- the result ------------------------------------------------------------------------------


def test_result_fields(toy, kb):
    result = toy.predict({"caffeine_cups_per_day": 7})
    assert isinstance(result, Result)
    assert (result.cause, result.label, result.probability) == ("caffeine", "Too much caffeine", 0.8)
    assert result.advice == kb.causes["caffeine"].advice
    assert result.answers == {"caffeine_cups_per_day": 7}
    assert result.leaf == 5 and result.ok and result.error is None
    # Every cause, even those the tree never predicts, most likely first, summing to 1.
    assert [c for c, _ in result.differential[:2]] == ["caffeine", "stress_anxiety"]
    assert sorted(c for c, _ in result.differential) == sorted(kb.cause_ids)
    probs = [p for _, p in result.differential]
    assert probs == sorted(probs, reverse=True) and math.isclose(sum(probs), 1.0)
    assert dict(result.differential)["exercise_overuse"] == 0.0


def test_to_dict_is_json_and_carries_everything(toy):
    result = toy.predict({"caffeine_cups_per_day": 7, "weakness": True, "movement": "spasm"})
    d = json.loads(json.dumps(result.to_dict()))
    assert d["cause"] == "caffeine" and d["triage"] == "see_doctor" and d["red_flags"] == ["weakness"]
    assert d["differential"][0] == {"cause": "caffeine", "label": "Too much caffeine", "probability": 0.8}
    assert len(d["differential"]) == len(toy.kb.causes)
    assert [s["text"] for s in d["path"]] == [s.text for s in result.path]
    assert set(d["path"][0]) >= {"finding", "value", "operator", "threshold", "branch", "text"}
    assert d["answers"] == {"caffeine_cups_per_day": 7, "weakness": True, "movement": "spasm"}
    assert d["summary"] == list(result.summary) and d["error"] is None
    assert d["disclaimer"].startswith("This is not a diagnosis")


# -- triage and red flags --------------------------------------------------------------------


def test_triage_by_cause(toy):
    assert toy.predict({"caffeine_cups_per_day": 7}).triage == "self_care"
    # neuromuscular_disease is a see-doctor cause; no red flag among the answers.
    result = toy.predict({"caffeine_cups_per_day": 1})
    assert (result.cause, result.triage, result.red_flags) == ("neuromuscular_disease", "see_doctor", ())


def test_every_red_flag_of_the_knowledge_base(toy, kb):
    """Each symptom rule alone, through the predictor (the boundaries of every rule: tests/test_triage.py)."""
    assert {f.finding for f in kb.red_flags} >= {"weakness", "atrophy", "stiffness", "numbness_tingling",
                                                 "duration_days", "other_muscles_affected"}
    both = toy.predict({"caffeine_cups_per_day": 7, "duration_days": 30, "weakness": True})
    assert both.red_flags == ("weakness", "duration_days")  # knowledge-base order
    assert [r.rule for r in both.triage_reasons] == ["weakness", "duration_days"]
    assert both.how_soon == "within a few days"  # the most pressing of the two


def test_triage_comes_from_the_knowledge_base_data(toy, kb):
    changed = dataclasses.replace(kb, see_doctor_causes=("caffeine",), red_flags=())
    predictor = Predictor(toy.tree, changed, toy.metadata, toy.model_dir)
    assert predictor.predict({"caffeine_cups_per_day": 7, "weakness": True}).triage == "see_doctor"
    result = predictor.predict({"caffeine_cups_per_day": 1, "weakness": True})
    assert (result.cause, result.red_flags, result.triage) == ("neuromuscular_disease", (), "self_care")


def test_a_medicine_that_can_cause_twitching_sends_to_its_prescriber(toy, kb):
    medicines = [flag.finding for flag in kb.medicine_flags]
    assert medicines == ["takes_corticosteroid", "takes_diuretic", "takes_synthetic_estrogen"]
    for finding in medicines:
        hit = toy.predict({"caffeine_cups_per_day": 7, finding: True})
        assert (hit.cause, hit.triage, hit.red_flags) == ("caffeine", "see_doctor", (finding,))
        # The prescriber advice leads, the cause's own advice follows.
        assert hit.advice == f"{kb.medicine_advice} {kb.causes['caffeine'].advice}"
        assert "do not stop it" in hit.text()
        for not_taken in (False, None):
            miss = toy.predict({"caffeine_cups_per_day": 7, finding: not_taken})
            assert (miss.triage, miss.red_flags, miss.advice) == ("self_care", (), kb.causes["caffeine"].advice)
    both = toy.predict({"caffeine_cups_per_day": 7, "takes_diuretic": True, "weakness": True})
    assert both.red_flags == ("weakness", "takes_diuretic")  # symptoms first, then medicines


def test_the_medicine_cause_does_not_repeat_the_prescriber_advice(toy, kb):
    changed = dataclasses.replace(kb, medicine_cause="caffeine")
    predictor = Predictor(toy.tree, changed, toy.metadata, toy.model_dir)
    result = predictor.predict({"caffeine_cups_per_day": 7, "takes_corticosteroid": True})
    assert result.advice == kb.causes["caffeine"].advice


@pytest.mark.parametrize("threshold, verdict", [(0.35, "see_doctor"), (0.3500001, "self_care")])
def test_doctor_causes_together_at_the_threshold(kb, threshold, verdict):
    from bicep_twitch.core.triage import triage

    # Caffeine first, the doctor causes 0.35 together: sent exactly from the threshold on.
    p = {"caffeine": 0.65, "medication": 0.1, "nerve_damage": 0.1, "neuromuscular_disease": 0.1, "autoimmune": 0.05}
    told = triage(kb, is_top=lambda c: c == "caffeine", probability=lambda c: p.get(c, 0.0),
                  answer=lambda f: math.nan, doctor_threshold=threshold)
    assert told.verdict == verdict and told.red_flags == ()
    assert told.doctor_probability == pytest.approx(0.35)


def test_doctor_causes_together_through_the_predictor(toy, kb):
    # Leaf 3 of the toy tree: neuromuscular 0.7, nerve damage 0.3. Make them not "doctor
    # causes" except nerve damage: only the sum rule can then send the case to a doctor.
    result_case = {"caffeine_cups_per_day": 1}
    for threshold, verdict in ((0.3, "see_doctor"), (0.31, "self_care")):
        changed = dataclasses.replace(kb, see_doctor_causes=("nerve_damage",), doctor_threshold=threshold)
        result = Predictor(toy.tree, changed, toy.metadata, toy.model_dir).predict(result_case)
        assert (result.cause, result.triage) == ("neuromuscular_disease", verdict)
        if verdict == "see_doctor":
            assert "likely enough (30%)" in result.text()


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, message",
    [
        ({"movment": "spasm"}, r"unknown finding 'movment'; did you mean 'movement'\?"),
        ({"stress_level": 11}, r"^'stress_level' must be a number from 0 to 10 \(got 11\)$"),
        ({"stress_level": "7"}, r"'stress_level' must be a number from 0 to 10 \(got '7'\)"),
        ({"weakness": 1}, r"'weakness' must be true or false \(yes/no\) \(got 1\)"),
        ({"movement": "cramp"}, r"'movement' must be one of 'twitch', 'spasm' \(got 'cramp'\)"),
        ({"sleep_hours": float("nan")}, r"'sleep_hours' must be a number from 0 to 16 \(got nan\)"),
        ({"age_years": float("inf")}, r"'age_years' must be a number from 0 to 120 \(got inf\)"),
        (["movement", "spasm"], r"a case must be a mapping"),
        ({"recent_arm_workout": False, "hours_after_workout": 2}, r"'hours_after_workout' applies only when"),
    ],
)
def test_bad_cases_raise_invalid_case_error(toy, case, message):
    with pytest.raises(InvalidCaseError, match=message):
        toy.predict(case)


def test_none_means_unknown(toy):
    assert toy.predict({"caffeine_cups_per_day": None, "weakness": None}).leaf == toy.predict({}).leaf


def frame_to_cases(frame, kb):
    """The contract's DataFrame encoding as Python case dicts (yes/no as bools, NaN left out)."""
    cases = []
    for row in frame.astype(object).to_dict("records"):
        case = {}
        for fid, v in row.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            case[fid] = bool(v) if kb.findings[fid].type == "yes/no" else v
        cases.append(case)
    return cases


# -- many cases ------------------------------------------------------------------------------


def test_predict_many_keeps_every_row_in_order(toy):
    cases = [{"caffeine_cups_per_day": 7}, {"stress_level": 11}, {"caffeine_cups_per_day": 1, "weakness": False},
             "not a case", {"caffeine_cups_per_day": 12}]
    results = toy.predict_many(cases)
    assert len(results) == 5 and sorted(results.errors) == [1, 3]
    assert [r.cause for r in results] == ["caffeine", None, "stress_anxiety", None, "caffeine"]
    bad = results[1]
    assert not bad.ok and bad.error == "'stress_level' must be a number from 0 to 10 (got 11)"
    assert (bad.differential, bad.path, bad.triage, bad.red_flags, bad.triage_reasons) == ((), (), None, (), ())
    assert json.loads(json.dumps(bad.to_dict()))["error"] == bad.error
    assert results[3].error.startswith("a case must be a mapping")
    for i in (0, 2, 4):
        assert results[i].to_dict() == toy.predict(cases[i]).to_dict()
    assert results[-1].cause == "caffeine" and [r.cause for r in results[1:3]] == [None, "stress_anxiety"]
    with pytest.raises(IndexError):
        results[5]


def test_predict_many_refuses_a_single_case(toy):
    with pytest.raises(InvalidCaseError, match="use predict"):
        toy.predict_many({"caffeine_cups_per_day": 7})


def test_predict_many_of_nothing(toy):
    assert len(toy.predict_many([])) == 0
    assert list(toy.predict_many([]).to_frame().columns) == [
        "cause", "probability", "top_causes", "triage", "red_flags", "safety_net", "triage_reasons", "error"]


def test_predict_many_dataframe_nan_is_unknown(toy):
    frame = pd.DataFrame({"caffeine_cups_per_day": [7.0, np.nan, 40.0], "weakness": [np.nan, 1.0, 0.0]})
    results = toy.predict_many(frame)
    assert results[0].to_dict() == toy.predict({"caffeine_cups_per_day": 7}).to_dict()
    assert results[1].to_dict() == toy.predict({"weakness": True}).to_dict()
    assert results.errors == {2: "'caffeine_cups_per_day' must be a number from 0 to 30 (got 40)"}


def test_predict_many_agrees_with_predict_on_generated_cases(default):
    frame = generate_cases(400, seed=21).drop(columns=["cause"])
    results = default.predict_many(frame)
    records = frame_to_cases(frame, default.kb)
    from_dicts = default.predict_many(records)
    assert not results.errors and not from_dicts.errors
    np.testing.assert_array_equal(results.leaves, from_dicts.leaves)
    for i in range(0, 400, 37):
        assert results[i].to_dict() == default.predict(records[i]).to_dict()


def test_to_frame_matches_the_results(default):
    frame = generate_cases(200, seed=8).drop(columns=["cause"])
    frame.loc[3, "stress_level"] = 12.0
    results = default.predict_many(frame)
    assert "path" not in results.to_frame()  # the explanation only when asked for: it is most of the time
    table = results.to_frame(explain=True)
    assert list(table.columns) == ["cause", "probability", "top_causes", "triage", "red_flags", "safety_net",
                                   "triage_reasons", "path", "error"]
    assert len(table) == 200
    for i in range(200):
        row, result = table.iloc[i], results[i]
        if i == 3:
            assert row["error"] == "'stress_level' must be a number from 0 to 10 (got 12)"
            assert pd.isna(row["cause"]) and math.isnan(row["probability"]) and row["path"] == ""
            continue
        assert (row["cause"], row["probability"], row["triage"]) == (result.cause, result.probability, result.triage)
        assert row["red_flags"] == ";".join(result.red_flags) and row["safety_net"] == result.safety_net
        assert row["triage_reasons"] == "; ".join(f"{r.rule} ({r.level}, {r.how_soon})" for r in result.triage_reasons)
        assert row["top_causes"] == "; ".join(f"{c} {p:.3f}" for c, p in result.differential[:3])
        assert row["path"] == "; ".join(s.text for s in result.path) and row["error"] == ""
    proba = results.probabilities
    assert np.isnan(proba[3]).all()
    ok = np.delete(proba, 3, axis=0)
    np.testing.assert_allclose(ok.sum(axis=1), 1.0)
    assert dict(zip(default.kb.cause_ids, proba[0])) == pytest.approx(dict(results[0].differential))


def test_to_frame_columns_are_chosen_by_name(default):
    frame = generate_cases(50, seed=9).drop(columns=["cause"])
    frame.loc[4, "weakness"] = 2.0
    results = default.predict_many(frame)
    table = results.to_frame(columns=["error", "top2", "p_caffeine", "cause"])
    assert list(table.columns) == ["error", "top2", "p_caffeine", "cause"]
    for i in (0, 4, 17):
        result = results[i]
        if i == 4:
            assert table["error"][i] and pd.isna(table["top2"][i]) and math.isnan(table["p_caffeine"][i])
            continue
        assert (table["top2"][i], table["p_caffeine"][i], table["cause"][i]) == (
            result.differential[1][0], dict(result.differential)["caffeine"], result.cause)
    with pytest.raises(ValueError, match=r"'columns' has no column 'top4' \(allowed: cause, probability, "):
        results.to_frame(columns=["top4"])


# -- loading ---------------------------------------------------------------------------------


def test_load_by_folder_metadata_or_model_file(toy_model):
    for path in (toy_model, toy_model / "bicep_twitch_tree.json", toy_model / "bicep_twitch_tree.tree.json",
                 str(toy_model)):
        assert Predictor.load(path).model_dir == toy_model


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(ModelNotFoundError, match="bicep-twitch train"):
        Predictor.load(tmp_path / "nowhere")


def test_missing_tree_file_says_how_to_train(toy_model, tmp_path):
    model = copy_model(toy_model, tmp_path / "m")
    (model / "bicep_twitch_tree.tree.json").unlink()
    with pytest.raises(ModelNotFoundError, match=r"bicep_twitch_tree.tree.json' is missing; train one"):
        Predictor.load(model)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "is unreadable: not valid JSON"),
        (b"\xff\xfe garbage", "is unreadable: not valid JSON"),
        (b'{"format": "something else"}', "is unreadable: 'format' must be 'bicep-twitch model'"),
        (b"[1, 2]", "is unreadable: 'format' must be"),
        (b'{"format": "bicep-twitch model", "files": {}}', r"lacks files.tree.path and files.tree.sha256"),
    ],
)
def test_unreadable_metadata_says_so(toy_model, tmp_path, content, message):
    model = copy_model(toy_model, tmp_path / "m")
    (model / "bicep_twitch_tree.json").write_bytes(content)
    with pytest.raises(ModelIntegrityError, match=message):
        Predictor.load(model)


def test_tampered_tree_file_is_refused(toy_model, tmp_path):
    model = copy_model(toy_model, tmp_path / "m")
    path = model / "bicep_twitch_tree.tree.json"
    # A change that keeps valid JSON of the right shape: a different threshold.
    path.write_text(path.read_text().replace("4.5", "5.5", 1))
    with pytest.raises(ModelIntegrityError, match="does not match the SHA-256 in its metadata"):
        Predictor.load(model)


def test_tree_trained_for_other_findings_is_refused(toy, kb, toy_model):
    other = dataclasses.replace(toy.tree, features=toy.tree.features[::-1])
    with pytest.raises(ModelIntegrityError, match="trained on other findings"):
        Predictor(other, kb, toy.metadata, toy_model)


# -- the scikit-learn estimator --------------------------------------------------------------


def forbid_unpickling(monkeypatch):
    import pickle

    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("unpickled a model file that should have been refused first")

    monkeypatch.setattr(joblib, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)


def test_tampered_joblib_is_refused_before_unpickling(small_model, tmp_path, monkeypatch):
    model = copy_model(small_model, tmp_path / "m")
    with open(model / "bicep_twitch_tree.joblib", "ab") as fh:
        fh.write(b"\x00")
    predictor = Predictor.load(model)  # the data tree is intact: predicting still works
    assert predictor.predict({"movement": "spasm"}).ok
    forbid_unpickling(monkeypatch)
    with pytest.raises(ModelIntegrityError, match=r"bicep_twitch_tree.joblib' does not match the SHA-256"):
        predictor.estimator


def test_other_scikit_learn_version_is_refused_before_unpickling(small_model, tmp_path, monkeypatch):
    model = copy_model(small_model, tmp_path / "m")
    meta_path = model / "bicep_twitch_tree.json"
    meta = json.loads(meta_path.read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    meta_path.write_text(json.dumps(meta))
    predictor = Predictor.load(model)
    forbid_unpickling(monkeypatch)
    with pytest.raises(ModelVersionError, match=r"trained with scikit-learn 0.24.2, but scikit-learn \S+ is installed"):
        predictor.estimator


def test_estimator_is_the_scikit_learn_pipeline(small_model):
    predictor = Predictor.load(small_model)
    estimator = predictor.estimator
    assert estimator is predictor.estimator  # unpickled once
    assert type(estimator).__name__ == "Pipeline"
    assert list(estimator.classes_) == list(predictor.tree.classes)


@pytest.mark.parametrize("which", ["default", "small"])
def test_data_tree_and_estimator_agree_on_every_leaf(which, small_model):
    predictor = Predictor.load() if which == "default" else Predictor.load(small_model)
    estimator = predictor.estimator
    frame = generate_cases(3000, seed=13).drop(columns=["cause"])
    X = estimator[:-1].transform(frame)
    sk_leaves = estimator[-1].apply(X)
    results = predictor.predict_many(frame)
    np.testing.assert_array_equal(results.leaves, sk_leaves)
    rows = X.tolist()
    assert [predictor.tree.decision_path(r)[-1] for r in rows] == sk_leaves.tolist()
    np.testing.assert_array_equal(results.causes, estimator.predict(frame))
    proba = estimator.predict_proba(frame)
    for i in range(0, 3000, 101):
        ours = dict(results[i].differential)
        assert [ours[c] for c in estimator.classes_] == pytest.approx(proba[i].tolist())


def test_agreement_at_every_threshold(default):
    """Values on, just below and just above each split threshold land where scikit-learn sends them."""
    estimator = default.estimator
    tree = default.tree
    rows = []
    for node in range(tree.node_count):
        if tree.is_leaf(node):
            continue
        t = tree.threshold[node]
        if math.isinf(t):  # an answered-or-not split: any known value, and unknown
            xs = (0.0, math.nan)
        else:
            xs = (t, math.nextafter(t, -math.inf), math.nextafter(t, math.inf), float(np.float32(t)),
                  tree.cut[node], math.nextafter(tree.cut[node], math.inf))
        for x in xs:
            row = [math.nan] * len(tree.features)
            row[tree.feature[node]] = x
            rows.append(row)
    X = np.array(rows)
    np.testing.assert_array_equal(default.apply(X), estimator[-1].apply(X))


def test_the_readme_example_is_one_where_the_answers_change_the_result(default):
    # The first case the README and `make demo` show must move the tree off its no-answer path.
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    readme = re.search(r"bicep-twitch predict --case '([^']+)'", (repo / "README.md").read_text()).group(1)
    example = re.search(r"^EXAMPLE \?= (.+)$", (repo / "Makefile").read_text(), re.M).group(1)
    nothing = default.predict({})
    for case in (json.loads(readme), json.loads(example)):
        result = default.predict(case)
        assert result.leaf != nothing.leaf
        assert result.probability > nothing.probability + 0.3, (case, result.probability, nothing.probability)
