"""Reasons for and against a cause: exact under the knowledge base, sourced, and a bounded text."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace

import pytest

from bicep_twitch.core.knowledge import KNOWLEDGE_DIR, Distribution, Source
from bicep_twitch.core.tree import TreeData
from bicep_twitch.predict.predictor import Predictor
from bicep_twitch.predict.reasons import cause_reasons, kb_model, open_questions, separated_causes
from bicep_twitch.predict.result import TEXT_AGAINST, TEXT_FOR, TEXT_OPEN, format_result_text

NAN = math.nan
ARTICLE = (KNOWLEDGE_DIR / "article.txt").read_text(encoding="utf-8")


def toy_kb(kb, causes: dict[str, tuple[float, dict[str, float]]]):
    """The real knowledge base cut down to ``causes``: id -> (prior, {yes/no finding: p_yes}).

    Every cause keeps its real label and sources; only the listed findings get a distribution
    of their own (quoted from the real cause), the rest follow the background.
    """
    made = {}
    for cid, (prior, p_yes) in causes.items():
        real = kb.causes[cid]
        source = Source(general_knowledge=f"toy: {cid}")
        findings = {fid: Distribution(fid, source, p_yes=p) for fid, p in p_yes.items()}
        made[cid] = replace(real, prior=prior, findings=findings)
    return replace(kb, causes=made, see_doctor_causes=())


def test_pure_python_posterior_is_bayes_posterior(kb):
    from bicep_twitch import bayes_posterior, generate_cases
    from bicep_twitch.data.frame import encode_frame_strict

    cases = generate_cases(3000, seed=11)
    expected = bayes_posterior(cases).to_numpy()
    X = encode_frame_strict(cases, kb)
    model = kb_model(kb)
    worst = max(
        abs(p - q)
        for row, want in zip(X, expected)
        for p, q in zip(model.posterior(model.known(dict(zip(kb.finding_ids, row)))), want)
    )
    assert worst < 1e-12


def test_two_causes_each_factor_is_the_likelihood_ratio(kb):
    # Two causes: leaving one answer out changes the odds by exactly P(answer|A) / P(answer|B).
    toy = toy_kb(kb, {
        "caffeine": (0.5, {"weakness": 0.8, "stiffness": 0.3, "continuous": 0.6, "atrophy": 0.5}),
        "stress_anxiety": (0.5, {"weakness": 0.2, "stiffness": 0.6, "continuous": 0.4, "atrophy": 0.5}),
    })
    row = {"weakness": 1.0, "stiffness": 1.0, "continuous": 0.0, "atrophy": 1.0}
    got = cause_reasons(toy, row, "caffeine")
    assert [(r.finding, r.direction) for r in got.supporting] == [("weakness", "for")]
    # stiffness yes: 0.3/0.6 = 1/2; continuous no: 0.4/0.6 = 2/3; atrophy: the same under both.
    assert [r.finding for r in got.opposing] == ["stiffness", "continuous"]
    assert got.supporting[0].odds_ratio == pytest.approx(4.0)
    assert [r.odds_ratio for r in got.opposing] == pytest.approx([0.5, 2 / 3])
    # The runner-up's reasons are the mirror image.
    other = cause_reasons(toy, row, "stress_anxiety")
    assert [(r.finding, r.odds_ratio) for r in other.supporting] == [
        ("stiffness", pytest.approx(2.0)), ("continuous", pytest.approx(1.5))]
    assert got.probability == pytest.approx(1 / (1 + 1 / (4.0 * 0.5 * (2 / 3))))


def test_against_the_rest_and_sourced_from_the_cause_the_answer_points_to(kb):
    # Three even causes; only medication models the corticosteroid (0.9 against 0.1 elsewhere).
    toy = toy_kb(kb, {
        "medication": (1 / 3, {"takes_corticosteroid": 0.9}),
        "caffeine": (1 / 3, {"takes_corticosteroid": 0.1}),
        "exercise_overuse": (1 / 3, {}),
    })
    toy = replace(toy, background={**kb.background,
                                   "takes_corticosteroid": replace(kb.background["takes_corticosteroid"], p_yes=0.1)})
    row = {"takes_corticosteroid": 1.0}
    (reason,) = cause_reasons(toy, row, "medication").supporting
    # odds with the answer 0.9 / (0.1 + 0.1) = 4.5; without it 1/3 / (2/3) = 0.5; factor 9.
    assert reason.odds_ratio == pytest.approx(9.0) and reason.source_cause == "medication"
    (against,) = cause_reasons(toy, row, "exercise_overuse").opposing
    # exercise follows the background: the reason is medication's relationship, quoted from it.
    assert against.source_cause == "medication"
    assert against.general_knowledge == "toy: medication"


def test_a_follow_up_does_not_hide_its_precondition(kb):
    row = {"recent_arm_workout": 1.0, "hours_after_workout": 1.0}
    got = cause_reasons(kb, row, "exercise_overuse")
    assert {r.finding for r in got.supporting} == {"recent_arm_workout", "hours_after_workout"}


@pytest.fixture(scope="module")
def shipped():
    return Predictor.load()


def test_every_quote_shown_is_verbatim_in_the_shipped_article(shipped):
    from bicep_twitch import generate_cases

    cases = generate_cases(400, seed=21).drop(columns=["cause"])
    results = shipped.predict_many(cases)
    shown = 0
    for result in results:
        for block in result.to_dict()["reasons"]:
            for r in block["for"] + block["against"]:
                assert [r["quote"], r["general_knowledge"], r["published"]].count(None) == 2, r
                assert r["quote"] is None or r["quote"] in ARTICLE, r
        flat = " ".join(result.text().split())
        for quote in re.findall(r'article: "(.*?)"(?= [+-] | The tree| \()', flat):
            assert quote in ARTICLE, quote
            shown += 1
    assert shown > 100


def test_text_keeps_to_a_few_reasons_and_json_keeps_them_all(shipped):
    case = {"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1, "stress_level": 2,
            "sleep_hours": 8, "caffeine_cups_per_day": 0, "alcohol_drinks_per_day": 0, "continuous": False,
            "weakness": False, "takes_corticosteroid": False, "age_years": 25}
    result = shipped.predict(case)
    text = result.text()
    block = text.split("Why this cause")[1].split("The tree's path")[0]
    assert block.count("\n  + ") <= TEXT_FOR and block.count("\n  - ") <= TEXT_AGAINST
    top = result.to_dict()["reasons"][0]
    assert len(top["for"]) + len(top["against"]) > TEXT_FOR + TEXT_AGAINST
    assert top["cause"] == result.cause
    assert result.to_dict()["reasons"][1]["cause"] == result.differential[1][0]
    json.dumps(result.to_dict(), allow_nan=False)


def chain_tree(kb, findings: list[str]) -> TreeData:
    """A path of one split per finding (yes/no), unknowns going on down the chain."""
    ids = list(kb.finding_ids)
    n = len(findings)
    left, right, feature, threshold, value = [], [], [], [], []
    for i, fid in enumerate(findings):  # split i is node 2i; its leaf on the right is node 2i+1
        left.append(2 * i + 2 if i < n - 1 else 2 * i + 2)
        right.append(2 * i + 1)
        feature.append(ids.index(fid))
        threshold.append(0.5)
        value.append([0.5, 0.5])
        left.append(-1), right.append(-1), feature.append(-2), threshold.append(-2.0), value.append([0.9, 0.1])
    left.append(-1), right.append(-1), feature.append(-2), threshold.append(-2.0), value.append([0.3, 0.7])
    return TreeData.from_arrays(
        features=ids, classes=["caffeine", "stress_anxiety"], children_left=left, children_right=right,
        feature=feature, threshold=threshold, missing_go_to_left=[True] * len(left), value=value,
        n_samples=[10] * len(left),
    )


def test_a_deep_path_does_not_make_the_text_longer(kb, tmp_path):
    yes_no = [fid for fid, f in kb.findings.items() if f.type == "yes/no" and not f.requires]
    case = {yes_no[0]: False}  # answered at the root; every other decision unknown
    texts = {}
    for depth in (2, len(yes_no)):
        predictor = Predictor(chain_tree(kb, yes_no[:depth]), kb, {}, tmp_path)
        result = predictor.predict(case)
        assert len(result.path) == depth and len(result.to_dict()["surer_if_answered"]) == depth - 1
        texts[depth] = result.text()
    deep = texts[len(yes_no)]
    assert deep.count("\n  - ") - texts[2].count("\n  - ") <= TEXT_OPEN - 1
    assert f"and {len(yes_no) - 1 - TEXT_OPEN} more on this path" in deep
    assert len(deep) <= len(texts[2]) + 400  # a few questions and one line more, whatever the depth


def test_open_questions_are_ranked_by_what_they_could_change(kb):
    row = {"caffeine_cups_per_day": 7.0}
    ranked = open_questions(kb, row, "caffeine", ["age_years", "stress_level", "weakness"])
    changes = [q.expected_change for q in ranked]
    assert changes == sorted(changes, reverse=True) and all(c > 0 for c in changes)
    # Exact: the expected absolute change of P(caffeine) over the answers to weakness.
    model = kb_model(kb)
    j = model.causes.index("caffeine")
    now = model.posterior(model.known(row))[j]
    yes = model.posterior(model.known({**row, "weakness": 1.0}))
    no = model.posterior(model.known({**row, "weakness": 0.0}))
    p_yes = sum(p * model.outcomes["weakness"][k][1] for k, p in enumerate(model.posterior(model.known(row))))
    expected = p_yes * abs(yes[j] - now) + (1 - p_yes) * abs(no[j] - now)
    assert next(q for q in ranked if q.finding == "weakness").expected_change == pytest.approx(expected)


def test_separated_causes_name_the_cause_the_answer_raises(kb):
    (cause, words, before, after), *_ = separated_causes(kb, {}, "takes_corticosteroid")
    assert (cause, words) == ("medication", "yes") and after > before
    # Isaacs syndrome is rare (under 1 in a million): stiffness separates it once the picture fits it
    causes = [c for c, *_ in separated_causes(kb, {"continuous": 1.0, "excessive_sweating": 1.0}, "stiffness")]
    assert "autoimmune" in causes
