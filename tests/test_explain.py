"""The explanation path: sentences in the finding's own words, structured fields, summary, text."""

from __future__ import annotations

import json
import math
import re
from textwrap import dedent

from bicep_twitch.predict.explain import Explainer, Step, summarize
from bicep_twitch.predict.result import format_result_text
from bicep_twitch.predict.predictor import Predictor
from bicep_twitch.core.tree import TreeData

NAN = math.nan


def texts(result):
    return [step.text for step in result.path]


def test_number_steps_use_the_findings_words_and_threshold(toy):
    result = toy.predict({"caffeine_cups_per_day": 7})
    assert texts(result) == [
        "drinks 7 cups of coffee or the like a day: more than 4 cups a day",
        "drinks 7 cups of coffee or the like a day: up to 10 cups a day",
    ]
    first, second = result.path
    assert first.to_dict() == {
        "text": "drinks 7 cups of coffee or the like a day: more than 4 cups a day",
        "finding": "caffeine_cups_per_day",
        "value": 7,
        "operator": ">",
        "threshold": 4.5,
        "branch": "right",
        "condition": "more than 4 cups a day",
        "node": 0,
    }
    assert (second.operator, second.branch, second.node) == ("<=", "left", 4)


def test_yes_no_steps_use_the_yes_and_no_sentences(toy):
    assert texts(toy.predict({"caffeine_cups_per_day": 2, "weakness": False})) == [
        "drinks 2 cups of coffee or the like a day: up to 4 cups a day",
        "the arm is not weaker than usual",
    ]
    step = toy.predict({"caffeine_cups_per_day": 0.5, "weakness": True}).path[1]
    assert (step.text, step.value, step.operator, step.threshold, step.branch) == (
        "the arm is weaker than usual", True, "is", None, "right",
    )
    assert toy.predict({"caffeine_cups_per_day": 0.5}).path[0].text == (
        "drinks 0.5 cups of coffee or the like a day: up to 4 cups a day"
    )


def test_unknown_findings_say_so_and_which_way_the_tree_went(toy):
    result = toy.predict({})
    assert texts(result) == [
        "cups of coffee or the like a day was not answered, so the tree went on as for up to 4 cups a day",
        "arm weakness was not answered, so the tree went on as for the answer yes",
    ]
    assert [(s.value, s.operator, s.branch) for s in result.path] == [
        (None, "unknown", "left"), (None, "unknown", "right"),
    ]
    assert result.path[0].threshold == 4.5  # which split it was, even though the value was not given


def test_direction_is_read_from_the_child_taken_not_recomputed(toy):
    explainer = Explainer(toy.tree, toy.kb)
    # The walk's child decides, whatever the value: a step told it went right says "more than".
    step = explainer.step(0, toy.tree.children_right[0], 3.0)
    assert (step.branch, step.operator, step.text) == (
        "right", ">", "drinks 3 cups of coffee or the like a day: more than 4 cups a day",
    )
    # scikit-learn compares in float32: 4.5000001 rounds to 4.5 and goes left ("up to").
    just_above = toy.predict({"caffeine_cups_per_day": 4.5000001}).path[0]
    assert (just_above.branch, just_above.operator) == ("left", "<=")
    clearly_above = toy.predict({"caffeine_cups_per_day": 4.50001}).path[0]
    assert (clearly_above.branch, clearly_above.text) == (
        "right", "drinks 4.50001 cups of coffee or the like a day: more than 4 cups a day",
    )


def test_choice_steps_use_the_choice_text(kb):
    ids = list(kb.finding_ids)
    tree = TreeData.from_arrays(
        features=ids, classes=["caffeine", "exercise_overuse"],
        children_left=[1, -1, -1], children_right=[2, -1, -1], feature=[ids.index("movement"), -2, -2],
        threshold=[0.5, -2.0, -2.0], missing_go_to_left=[1, 0, 0],
        value=[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], n_samples=[2, 1, 1],
    )
    explainer = Explainer(tree, kb)

    def say(code):
        row = [NAN] * len(ids)
        row[0] = code
        return [s.text for s in explainer.steps(row, tree.decision_path(row))]

    assert say(1.0) == ["it is a violent spasm of the whole biceps"]
    assert say(0.0) == ["it is a small local twitch"]
    assert say(NAN) == ["kind of movement was not answered, so the tree went on as for the answer twitch"]


def test_summary_merges_repeated_splits_into_one_range(toy, kb):
    assert toy.predict({"caffeine_cups_per_day": 7}).summary == (
        "drinks 7 cups of coffee or the like a day: more than 4 and up to 10 cups a day",
    )
    # Two splits on the same side keep the tighter bound.
    assert toy.predict({"caffeine_cups_per_day": 12}).summary == (
        "drinks 12 cups of coffee or the like a day: more than 10 cups a day",
    )
    assert toy.predict({"caffeine_cups_per_day": 2, "weakness": False}).summary == (
        "drinks 2 cups of coffee or the like a day: up to 4 cups a day",
        "the arm is not weaker than usual",
    )
    unknown = [Step(0, "weakness", None, "unknown", None, "left", "no", ""),
               Step(3, "weakness", None, "unknown", None, "right", "yes", "")]
    assert summarize(unknown, kb) == ("arm weakness was not answered; the tree went on as for the answer no then yes",)


def test_format_result_text(toy):
    result = toy.predict({"caffeine_cups_per_day": 7, "weakness": True})
    expected = dedent(
        """\
        Most likely: Too much caffeine (80%)

        Top 2:
          1. Too much caffeine   80%
          2. Stress or anxiety   20%

        Why this cause: the answers that weigh most, each on its own (by the knowledge base)
          + drinks 7 cups of coffee or the like a day (odds x4.8)
              article: "Other causes include excess caffeine or alcohol consumption, anxiousness or a
              magnesium deficiency."
          - the arm is weaker than usual (odds /1.7: it points to Disease of motor neurons or muscle
            (ALS, muscular dystrophy, spinal muscular atrophy))
              article: "If these diseases are the cause, the biceps may become weak and atrophied, and
              other muscles may also be affected."

        The tree's path: your answers it used
          - drinks 7 cups of coffee or the like a day: more than 4 and up to 10 cups a day

        What to do: see a doctor within a few days, because:
          - the arm is weaker than usual (see doctor, within a few days; NHS)
        Safety net: Book an appointment with a GP within a few days; go sooner if the arm gets weaker or
          the twitching spreads, and if the arm suddenly becomes weak or you have trouble swallowing,
          speaking or breathing, call 999 (UK), 112 (EU) or 911 (US), or your local emergency number.
        Advice: Cut down on coffee, energy drinks and other caffeine, and see whether the twitching settles over a few days.

        """
    ) + toy.kb.disclaimer + "\n"
    assert format_result_text(result) == expected


def test_format_result_text_names_a_see_doctor_cause_and_ends_with_the_disclaimer(toy):
    text = format_result_text(toy.predict({"caffeine_cups_per_day": 1, "duration_days": 20}))
    assert "What to do: see a doctor within 2 weeks, because:\n" \
           "  - the most likely cause is one a doctor should examine (see doctor, within 2 weeks; general\n" \
           "    knowledge)\n" \
           "  - episodes for more than 14 days (see doctor, within 2 weeks; NHS)\n" in text
    assert text.rstrip("\n").endswith(toy.kb.disclaimer)
    self_care = format_result_text(toy.predict({"caffeine_cups_per_day": 12}))
    assert "What to do: self-care is reasonable" in self_care


def test_error_results_are_explained_too(toy):
    result = toy.predict_many([{"stress_level": 11}])[0]
    text = format_result_text(result)
    assert text.startswith("Could not rank causes for this case: 'stress_level' must be a number from 0 to 10")
    assert text.rstrip("\n").endswith(toy.kb.disclaimer)


def test_default_model_sentences_never_show_encoded_names():
    from bicep_twitch import generate_cases

    predictor = Predictor.load()
    cases = generate_cases(300, seed=5).drop(columns=["cause"])
    results = predictor.predict_many(cases)
    ids = predictor.kb.finding_ids
    for result in results:
        assert len(result.path) >= 1
        for step in result.path:
            assert step.finding in ids
            assert not any(fid in step.text for fid in ids if "_" in fid), step.text
            assert not re.search(r"\bnan\b|\binf\b|<=|\d\.0\b", step.text), step.text
        json.dumps([s.to_dict() for s in result.path])


def test_answered_or_not_splits_say_so(kb):
    """scikit-learn can split answered from unanswered cases (threshold +inf, unknown to the right)."""
    ids = list(kb.finding_ids)
    tree = TreeData.from_arrays(
        features=ids, classes=["caffeine", "stress_anxiety"],
        children_left=[1, -1, -1], children_right=[2, -1, -1],
        feature=[ids.index("caffeine_cups_per_day"), -2, -2], threshold=[math.inf, -2.0, -2.0],
        missing_go_to_left=[0, 0, 0], value=[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], n_samples=[2, 1, 1],
    )
    explainer = Explainer(tree, kb)
    row = [NAN] * len(ids)
    (unknown,) = explainer.steps(row, tree.decision_path(row))
    assert (unknown.text, unknown.operator, unknown.threshold, unknown.branch, unknown.condition) == (
        "cups of coffee or the like a day was not answered, and the tree treats unanswered cases on their own here",
        "unknown", None, "right", "not answered",
    )
    row[ids.index("caffeine_cups_per_day")] = 3.0
    (known,) = explainer.steps(row, tree.decision_path(row))
    assert (known.text, known.operator, known.threshold, known.branch) == (
        "drinks 3 cups of coffee or the like a day; here the tree only checks that it was answered",
        "answered", None, "left",
    )
    assert summarize((known,), kb) == ("drinks 3 cups of coffee or the like a day",)
    assert summarize((unknown,), kb) == ("cups of coffee or the like a day was not answered",)
    json.dumps(known.to_dict(), allow_nan=False)


def test_format_result_text_asks_unanswered_findings_as_questions(toy):
    text = format_result_text(toy.predict({"weakness": False}))
    expected = dedent(
        """\
        The tree's path: your answers it used
          - the arm is not weaker than usual
        Answering these would make the result surer:
          - How many cups of coffee, energy drinks or the like a day?
        """
    )
    assert expected in text
    nothing = format_result_text(toy.predict({}))
    assert "  - none of your answers is tested on this path" in nothing
    # An unanswered decision is a question to answer, never an assumed answer.
    assert "as for" not in nothing and "  - Is the arm weaker than usual, beyond the tiredness" in nothing
