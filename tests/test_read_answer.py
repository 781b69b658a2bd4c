"""``read_answer``: one typed answer, read by the description's rules, restricted to the finding asked."""

from __future__ import annotations

import pytest

from bicep_twitch._errors import InvalidCaseError
from bicep_twitch.core.describe import read_answer
from bicep_twitch.core.knowledge import load_knowledge

F = load_knowledge().findings


@pytest.mark.parametrize("fid, typed, value", [
    ("duration_days", "3 weeks", 21), ("duration_days", "2 hours", 2 / 24), ("duration_days", "half a day", 0.5),
    ("duration_days", "a fortnight", 14), ("duration_days", "2", 2), ("duration_days", "1.3", 1.3),
    ("hours_after_workout", "2 days", 48), ("hours_after_workout", "half an hour", 0.5),
    ("sleep_hours", "7 hours", 7), ("caffeine_cups_per_day", "5 cups", 5), ("caffeine_cups_per_day", "14 cups a week", 2),
    ("caffeine_cups_per_day", "5-6", 5.5), ("caffeine_cups_per_day", "a couple", 2), ("water_liters_per_day", "500 ml", 0.5),
    ("stress_level", "7/10", 7), ("age_years", "34 years old", 34),
    ("weakness", "y", True), ("weakness", "Nope", False), ("weakness", "no weakness", False),
    ("takes_corticosteroid", "prednisone", True), ("movement", "SPASM", "spasm"), ("movement", "flickering", "twitch"),
    ("weakness", "?", None), ("caffeine_cups_per_day", "  ", None),
])
def test_answers_in_words_and_units(fid, typed, value):
    got = read_answer(F[fid], typed)
    if F[fid].type == "number" and value is not None:
        assert isinstance(got, float) and got == pytest.approx(value, rel=1e-12)
    else:
        assert got is value or (isinstance(value, str) and got == value)


@pytest.mark.parametrize("fid, typed, words", [
    ("duration_days", "3 kg", "'3 kg': 'kg' is not a unit of this question: please answer a number from 0 to 3650 "
                               "days, or a number with hours, days, weeks, fortnights, months or years"),
    ("caffeine_cups_per_day", "3 beers", "'3 beers': 'beers' is not a unit of this question: please answer a number "
                                         "from 0 to 30 cups a day"),
    ("duration_days", "11 years", "'11 years' is 4015 days, more than 3650 days: please answer"),
    ("caffeine_cups_per_day", "31", "31 is more than 30 cups a day: please answer"),
    ("weakness", "maybe", "'maybe' is not an answer to this question: please answer yes or no"),
    ("weakness", "I think so", "please answer yes or no"),  # a hedge is never a yes
    ("takes_diuretic", "prednisone", "please answer yes or no"),  # read, but for another finding
    ("movement", "wiggle", "please answer twitch or spasm"),
])
def test_refused_answers_say_what_was_wrong_and_what_is_allowed(fid, typed, words):
    with pytest.raises(InvalidCaseError) as err:
        read_answer(F[fid], typed, tail="(tail)")
    assert words in str(err.value) and str(err.value).endswith("(tail)")
