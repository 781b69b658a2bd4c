"""Thresholds in the values people type: one function words every branch, with no gap between sides."""

from __future__ import annotations

import pytest

from bicep_twitch.core.words import amount_words, branch_words, threshold_words, tree_branch_words
from bicep_twitch.predict.reasons import outcome_words


def test_amounts_read_as_a_person_says_them(kb):
    f = kb.findings
    assert amount_words(f["hours_after_workout"], 1) == "1 hour"
    assert amount_words(f["hours_after_workout"], 0.5) == "30 minutes"
    assert amount_words(f["duration_days"], 0.25) == "6 hours"
    assert amount_words(f["duration_days"], 0.1) == "0.1 days"  # 2.4 hours is not a whole number
    assert amount_words(f["duration_days"], 3) == "3 days"
    assert amount_words(f["caffeine_cups_per_day"], 1) == "1 cup a day"


def test_both_sides_of_a_split_name_one_boundary(kb):
    f = kb.findings
    assert branch_words(f["hours_after_workout"], 2.25) == ("up to 2 hours", "more than 2 hours")
    assert branch_words(f["duration_days"], 14.0) == ("up to 14 days", "more than 14 days")
    assert branch_words(f["duration_days"], 0.25) == ("up to 6 hours", "more than 6 hours")
    assert branch_words(f["age_years"], 59.5) == ("up to 59 years", "more than 59 years")
    # A midway threshold and the grid value below it read the same.
    assert branch_words(f["duration_days"], 14.125) == branch_words(f["duration_days"], 14.0)


def test_ranges_between_splits_and_bins_leave_no_gap(kb):
    f = kb.findings
    assert threshold_words(f["duration_days"], None, 3.125) == "up to 3 days"
    assert threshold_words(f["age_years"], 14.5, 59.5) == "more than 14 and up to 59 years"
    days = [outcome_words(f["duration_days"], k) for k in range(len(f["duration_days"].bins))]
    assert "more than 60 and up to 365 days" in days
    assert days[-1] == "more than 365 days"
    assert not any(".25" in d or ".125" in d for d in days)


def test_tree_branch_words_are_the_words_of_every_split(kb, toy_model):
    from bicep_twitch import Predictor

    tree = Predictor.load(toy_model).tree
    words = tree_branch_words(tree, kb)
    assert len(words) == tree.node_count
    for node, pair in enumerate(words):
        if tree.is_leaf(node):
            assert pair is None
        else:
            f = kb.findings[tree.features[tree.feature[node]]]
            plain = branch_words(f, tree.cut[node])
            assert pair[0].startswith(plain[0]) and pair[1].startswith(plain[1])
            assert ("unknown" in pair[0]) == tree.missing_go_to_left[node] or "answered" in pair
