from datetime import date

import pytest

from streams.domain.dates import find_dates

TUESDAY = date(2025, 11, 25)


def values(sentence: str, future: bool = False, anchor: date = TUESDAY,
           same_day: str | None = None) -> list[tuple[str, str | None]]:
    return [(m.text, m.value) for m in find_dates(sentence, anchor, future, same_day)]


@pytest.mark.parametrize("sentence,future,expected", [
    ("a phone call with Trump on Monday", False, "2025-11-24"),
    ("they will meet on Monday", True, "2025-12-01"),
    ("talks began last Tuesday", False, "2025-11-18"),
    ("he arrived yesterday", False, "2025-11-24"),
    ("it happened today", False, "2025-11-25"),
    ("Trump would visit China in April", True, "2026-04"),
    ("exports fell in April", False, "2025-04"),
    ("later in 2026", True, "2026"),
    ("this year", False, "2025"),
    ("next month", True, "2025-12"),
    ("on Nov. 3", False, "2025-11-03"),
    ("on 24 November 2025", False, "2025-11-24"),
    ("by Thanksgiving", True, "2025-11-27"),
    ("on 2025-11-20", False, "2025-11-20"),
])
def test_resolution(sentence, future, expected):
    found = values(sentence, future)
    assert found and found[-1][1] == expected, found


def test_may_the_verb_is_not_a_date():
    assert values("Tokyo may intervene if attacked") == []


def test_spans_without_anchor_give_nothing():
    assert values("in recent days the talks stalled") == []


def test_year_boundary_future_month():
    assert values("a summit in January", True, date(2025, 12, 10)) == [("January", "2026-01")]


@pytest.mark.parametrize("sentence", [
    "Hours later, the ministry rejected the claim.",
    "Foreign ministers spoke by phone later in the day.",
    "Police cleared the road in the afternoon.",
    "On the same day, workers went on strike.",
])
def test_same_day_expressions_take_the_day_they_refer_to(sentence):
    # the day of the story's last dated event, which only the caller knows; unknown without it
    assert [value for _, value in values(sentence, same_day="2025-11-24")] == ["2025-11-24"]
    assert [value for _, value in values(sentence)] == [None]
