"""Event extraction: triggers, types, dates resolved against publication, merging of mentions."""
from __future__ import annotations

from datetime import date

import pytest

from extract_pages import page_records, record

# (page, item) -> expected events as (type, start, end, start_partial, end_partial)
EXPECTED = {
    ("article_dated.txt", 1): {("AgreementSigning", date(2019, 3, 12), None, None, None)},
    ("article_dated.txt", 2): {("Workshop", date(2019, 10, 28), date(2019, 10, 30), None, None)},
    ("article_undated.txt", 1): {("Conference", None, None, "Thursday", None), ("Other", None, None, None, None)},
    ("chrome_article.txt", 1): {("Launch", None, None, None, None)},
    ("listing_dated.txt", 1): {("Training", date(2021, 3, 8), date(2021, 3, 10), None, None)},
    ("listing_dated.txt", 2): {("Launch", date(2021, 2, 25), None, None, None)},
    ("listing_dated.txt", 3): set(),
    ("listing_undated.txt", 1): set(),
    ("listing_undated.txt", 2): {("Meeting", None, None, "--12-04", "--12-05")},
    ("listing_undated.txt", 3): {("Publication", None, None, None, None)},
}


def test_pages_cover_the_five_layouts():
    layouts = {r.item.layout for r in page_records().values()}
    assert layouts == {"article", "chrome-article", "listing-dated", "listing-undated"}
    assert any(r.item.date_published is None for r in page_records().values() if r.item.layout == "article")


@pytest.mark.parametrize("where", sorted(EXPECTED))
def test_page_events(where):
    events = page_records()[where].events
    assert {(e.type, e.start, e.end, e.start_partial, e.end_partial) for e in events} == EXPECTED[where]
    assert all(e.evidence for e in events)


def test_labels_organizers_participants_attendance():
    training = page_records()[("listing_dated.txt", 1)].events[0]
    assert training.label.startswith("Training") and "border management" in training.label
    assert training.attendance == 25
    assert "International Organization for Migration" in training.organizers
    assert {"Guatemala", "Honduras", "Nicaragua"} <= set(training.participants)
    assert training.location is not None and training.location.place == "Tegucigalpa"


def test_spanish_workshop_label_and_location():
    workshop = page_records()[("article_dated.txt", 2)].events[0]
    assert workshop.label.lower().startswith("taller regional sobre")
    assert workshop.location is not None and workshop.location.country_iso2 == "SV"


def test_a_noun_modifying_another_noun_is_no_event():
    r = record("Panama prepares", "IOM handed a training manual to the ministry in 2019.", date(2019, 5, 2))
    assert r.events == ()


def test_a_bare_anaphor_joins_the_event_before_it():
    body = ("On March 3, IOM held a technical meeting on labour migration in Lima. "
            "The meeting was attended by 30 officials from Peru and Chile.")
    r = record("Peru and Chile meet", body, date(2021, 3, 10))
    assert [(e.type, e.start) for e in r.events] == [("Meeting", date(2021, 3, 3))]
    assert r.events[0].attendance == 30


def test_headline_restating_the_body_event_is_merged():
    body = "On 2 June 2021, IOM and the Ministry of Labour of Peru signed a cooperation agreement on labour migration."
    r = record("IOM signs cooperation agreement with Peru", body, date(2021, 6, 4))
    assert [(e.type, e.start) for e in r.events] == [("AgreementSigning", date(2021, 6, 2))]


def test_a_headline_event_alone_is_kept():
    r = record("IOM launches a new online course on migrant rights", "The course is free.", date(2020, 1, 8))
    assert [e.type for e in r.events] == ["Launch"]


def test_dateline_date_is_not_the_event_date():
    body = "June 14, Lima - IOM completed its training workshop on the Protection of Migrant Children."
    r = record("Workshop concludes", body, date(2021, 6, 14))
    assert [(e.type, e.start) for e in r.events] == [("Workshop", None)]


def test_an_infinitive_is_a_purpose_not_a_report():
    r = record("Plans", "The ministries met in order to establish a referral network for victims.", None)
    assert [e.type for e in r.events] == ["Meeting"]


def test_a_named_body_with_an_acronym_is_not_an_event():
    r = record("News", "The Regional Conference on Migration (RCM) published its annual workplan.", None)
    assert all(e.type != "Conference" for e in r.events)


def test_launched_course_taken_by_a_cohort_is_a_training():
    body = ("IOM launched a virtual course on border management for 35 customs officers. "
            "The course will last until 20 May 2022.")
    r = record("Officers trained", body, date(2022, 4, 1))
    assert [(e.type, e.end) for e in r.events] == [("Training", date(2022, 5, 20))]


def test_observance_day_recurring_date_resolves_to_publication_year():
    body = "IOM joined the International Day of Migrants, which is celebrated every year on December 18."
    r = record("Migrants day", body, date(2019, 12, 20))
    assert ("Other", date(2019, 12, 18)) in {(e.type, e.start) for e in r.events}


def test_signing_a_declaration_and_a_named_summit():
    body = ("On June 10, 2022, leaders of 20 countries signed the Los Angeles Declaration on Migration and "
            "Protection during the Ninth Summit of the Americas.")
    events = {(e.type, e.start) for e in record("Leaders sign declaration", body, date(2022, 6, 12)).events}
    assert ("AgreementSigning", date(2022, 6, 10)) in events
    assert any(kind == "Conference" for kind, _ in events)


def test_launching_a_report_is_a_publication():
    body = "IOM today launched the World Migration Report 2022 at an online event."
    r = record("IOM Publishes World Migration Report", body, date(2021, 12, 1))
    assert [(e.type, e.start) for e in r.events] == [("Publication", date(2021, 12, 1))]


def test_named_observance_day_without_date():
    r = record("Statement", "On World Refugee Day, IOM reaffirms its commitment to displaced people.", None)
    assert [(e.type, e.label) for e in r.events] == [("Other", "World Refugee Day")]


def test_statistics_and_generic_words_give_no_event():
    body = ("More than 200,000 people have been displaced, according to IOM. Training and awareness are key, "
            "said the Chief of Mission. The situation may worsen in May. Meeting the needs of families requires funds.")
    assert record("Displacement reaches new high", body, date(2023, 3, 1)).events == ()


def test_launching_a_plan_and_a_survey_published_today():
    body = "NAPTIP, with support from IOM, launched the National Action Plan on Human Trafficking on Tuesday in Abuja."
    r = record("New plan in Nigeria", body, date(2022, 7, 15))
    assert [(e.type, e.start) for e in r.events] == [("Launch", date(2022, 7, 12))]
    r = record("Displacement", "More than 5 million people are displaced, says the IOM survey published today.",
               date(2022, 5, 12))
    assert [(e.type, e.start) for e in r.events] == [("Publication", date(2022, 5, 12))]
