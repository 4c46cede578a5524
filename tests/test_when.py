"""The relative-date grammar: expressions resolved against the publication date, partial when they must be."""
from __future__ import annotations

from datetime import date

import pytest

from kg.extract.when import find_dates


def only(text: str, published: date | None):
    found = find_dates(text, published)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, published, start, end", [
    ("On September 23, a table met", date(2020, 10, 13), date(2020, 9, 23), None),
    ("From September 8 to 11, young people met", date(2020, 10, 2), date(2020, 9, 8), date(2020, 9, 11)),
    ("On the 28th and 29th of June, the board met", date(2017, 7, 28), date(2017, 6, 28), date(2017, 6, 29)),
    ("it started this Wednesday, September 9, online", date(2020, 9, 11), date(2020, 9, 9), None),
    ("signed On December 11, 2019 by both", None, date(2019, 12, 11), None),
    ("approved on 19 September 2016 in New York", None, date(2016, 9, 19), None),
    ("held every year on July 30.", date(2017, 9, 3), date(2017, 7, 30), None),
    ("del 8 al 11 de septiembre de 2020", None, date(2020, 9, 8), date(2020, 9, 11)),
    ("el 23 de septiembre se reunieron", date(2020, 10, 1), date(2020, 9, 23), None),
    ("28 September to 2 October 2020", None, date(2020, 9, 28), date(2020, 10, 2)),
    ("3 September, 2017", None, date(2017, 9, 3), None),
    ("29 / 07 / 2020", None, date(2020, 7, 29), None),
])
def test_day_dates(text, published, start, end):
    when = only(text, published)
    assert (when.start, when.end, when.start_partial) == (start, end, None)


def test_slash_day_month_after_today_is_day_first():
    assert only("holding a dialogue today (09/06).", date(2017, 6, 12)).start == date(2017, 6, 9)


def test_without_publication_date_day_month_stays_partial():
    when = only("holding a dialogue today (09/06).", None)
    assert (when.start, when.start_partial) == (None, "--06-09")
    when = only("was held November 19-21 in the", None)
    assert (when.start, when.start_partial, when.end_partial) == (None, "--11-19", "--11-21")


@pytest.mark.parametrize("text, published, start_partial, end_partial", [
    ("meetings were held in June and July between", date(2017, 7, 28), "2017-06", "2017-07"),
    ("one opening last month in", date(2017, 7, 28), "2017-06", None),
    ("one opening last month in", date(2020, 1, 15), "2019-12", None),
    ("by establishing this month a group", date(2020, 10, 13), "2020-10", None),
    ("el mes pasado", date(2020, 10, 1), "2020-09", None),
    ("Since March 2017, the programme", None, "2017-03", None),
    ("a conference that will take place in 2018.", None, "2018", None),
])
def test_month_and_year_precision_is_never_invented(text, published, start_partial, end_partial):
    when = only(text, published)
    assert (when.start, when.start_partial, when.end_partial) == (None, start_partial, end_partial)


def test_weekday_resolves_to_the_latest_one_before_publication():
    assert only("Vitorino said Tuesday on the release", date(2020, 4, 3)).start == date(2020, 3, 31)
    assert only("Vitorino said Tuesday on the release", None).start_partial == "Tuesday"
    assert only("we meet next Monday", date(2020, 4, 3)).start == date(2020, 4, 6)


def test_today_needs_a_publication_date():
    assert find_dates("as said today", None) == ()
    assert only("as said today", date(2020, 4, 3)).start == date(2020, 4, 3)


def test_until_gives_an_end_only():
    when = only("The course, which will last until 3 July 2018, seeks", None)
    assert (when.start, when.end, when.role) == (None, date(2018, 7, 3), "until")


def test_dateline_is_marked():
    when = only("Title\nSeptember 14, Georgetown - The IOM completed", date(2020, 9, 14))
    assert when.role == "dateline"


def test_a_month_day_far_after_publication_is_last_year():
    assert only("On December 20, IOM met", date(2021, 1, 10)).start == date(2020, 12, 20)


@pytest.mark.parametrize("text", ["it may be less familiar", "in Mar del Plata", "about 2,000 migrants",
                                  "for 2017-2022, and", "Tel: +506 2212-53-52", "a 1/2 share"])
def test_words_and_numbers_that_are_not_dates(text):
    assert find_dates(text, date(2020, 1, 1)) == ()


def test_offsets_point_into_the_text():
    text = "Intro. On September 23, a table met."
    when = only(text, date(2020, 10, 13))
    assert text[when.begin:when.finish] == when.text
