"""Initiative extraction: proper names, unnamed plans and agreements, partnerships between named parties."""
from __future__ import annotations

from datetime import date

import pytest

from extract_pages import page_records, record

# (page, item) -> expected initiatives as (kind, name, period)
EXPECTED = {
    ("article_dated.txt", 1): {("Agreement", "memorandum of understanding", None),
                               ("Network", "Child Protection Network", None)},
    ("article_dated.txt", 2): set(),
    ("article_undated.txt", 1): {("Other", "Dakar Declaration on Labour Mobility", None)},
    ("chrome_article.txt", 1): set(),
    ("listing_dated.txt", 1): set(),
    ("listing_dated.txt", 2): {("Plan", "Regional Refugee and Migrant Response Plan", "2021")},
    ("listing_dated.txt", 3): {("Campaign", "Somos Migrantes", None)},
    ("listing_undated.txt", 1): {("Program", "EU-IOM Joint Initiative for Migrant Protection and Reintegration", None)},
    ("listing_undated.txt", 2): {("Plan", "work plan", "2020-2021")},
    ("listing_undated.txt", 3): set(),
}


@pytest.mark.parametrize("where", sorted(EXPECTED))
def test_page_initiatives(where):
    found = page_records()[where].initiatives
    assert {(i.kind, i.name, i.period) for i in found} == EXPECTED[where]
    assert all(i.evidence for i in found)


def test_owner_organizations_of_a_named_programme():
    (programme,) = page_records()[("listing_undated.txt", 1)].initiatives
    assert set(programme.organizations) >= {"European Union", "International Organization for Migration"}


def test_partnership_between_named_parties():
    body = "A partnership between the International Labour Organization and IOM will train 300 inspectors."
    (found,) = record("Labour inspection", body, None).initiatives
    assert (found.kind, found.name) == ("Partnership", "partnership")
    assert set(found.organizations) == {"International Labour Organization", "International Organization for Migration"}


def test_partnership_needs_its_parties():
    assert record("News", "IOM works in partnership with local authorities.", None).initiatives == ()


def test_lower_case_programme_is_generic():
    assert record("News", "The ministry runs training programs on migration.", None).initiatives == ()


def test_an_organization_named_programme_is_no_initiative():
    r = record("Food aid", "The World Food Programme distributed food in Haiti.", date(2020, 1, 1))
    assert r.initiatives == ()


def test_named_plan_with_its_period_and_sentence_initial_determiner():
    body = "The National Strategy against Trafficking in Persons 2020-2024 was adopted by the cabinet."
    (found,) = record("Cabinet adopts strategy", body, None).initiatives
    assert (found.kind, found.name, found.period) == ("Other", "National Strategy against Trafficking in Persons",
                                                     "2020-2024")


def test_quoted_campaign_name():
    (found,) = record("Campaign", "IOM started the “Safe Journeys” campaign in schools.", None).initiatives
    assert (found.kind, found.name) == ("Campaign", "Safe Journeys")


def test_spanish_names_follow_their_head():
    body = ("El taller forma parte del Programa Regional sobre Migración. Los participantes conocieron la "
            "Política Migratoria Integral de Costa Rica.")
    found = {(i.kind, i.name) for i in record("Taller", body, None).initiatives}
    assert found == {("Program", "Programa Regional sobre Migración"),
                     ("Other", "Política Migratoria Integral de Costa Rica")}


def test_title_case_headline_words_are_no_names():
    body = ("The Government of Japan and IOM today signed an agreement worth USD 5 million. The funds go to IOM's "
            "Community-Based Reintegration Programme.")
    found = {(i.kind, i.name) for i in record("IOM and Japan Sign USD 5 Million Agreement", body, None).initiatives}
    assert found == {("Program", "Community-Based Reintegration Programme")}
