"""Extraction stage: the entity catalogue and the first pass (countries, places, organizations, people).

The pages under tests/pages/entities/ are written for these tests (other IOM offices, Spanish names,
demonyms, acronym definitions, CRLF line ends, curly quotes); none of their text is from the sample.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.extract import build_context, extract, load_catalogue
from kg.extract.catalogue import read_tsv
from kg.iris import slugify
from kg.model import BulletinItem
from kg.read import read_paths
from kg.resources import resource_dir

PAGES = Path(__file__).resolve().parent / "pages" / "entities"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def contexts(catalogue):
    """Item title -> ItemContext for every item of the test pages."""
    items = [i for i in read_paths(sorted(PAGES.glob("*.txt"))) if isinstance(i, BulletinItem)]
    return {item.title: build_context(item, catalogue) for item in items}


def item(title: str, body: str) -> BulletinItem:
    return BulletinItem(source="test.txt", index=1, title=title, title_line=1, date_published=None,
                        date_raw=None, body=body, body_line=2, layout="article")


def by(entities, attr: str) -> dict:
    return {getattr(e, attr): e for e in entities}


# --- catalogue -------------------------------------------------------------------------------

def test_catalogue_is_loaded_once(catalogue):
    assert load_catalogue() is catalogue
    assert load_catalogue(resource_dir("mappings")) is catalogue


def test_every_mapping_file_says_what_it_is():
    for path in sorted(resource_dir("mappings").glob("*.tsv")):
        assert path.read_text(encoding="utf-8").startswith("#"), path.name


def test_catalogue_has_every_iso_country(catalogue):
    rows = read_tsv(resource_dir("mappings") / "countries.tsv")
    assert len(rows) == 249 == len(catalogue.by_iso2)
    assert len({r["iso3"] for r in rows}) == 249


def test_linkset_subjects_are_catalogue_entities(catalogue):
    """Every SSSOM row links an entity the catalogue has, with the entity's own label."""
    known = {f"country/{e.iso3.lower()}" for e in catalogue.entries if e.kind == "country"}
    known |= {f"organization/{slugify(e.name)}" for e in catalogue.entries if e.kind == "organization"}
    known |= {f"place/{slugify(e.name)}" for e in catalogue.entries if e.kind in ("city", "region")}
    rows = read_tsv(resource_dir("mappings") / "wikidata.sssom.tsv")
    assert rows
    for row in rows:
        assert row["subject_id"].startswith("kgid:") and row["subject_id"][5:] in known, row["subject_id"]
        assert row["predicate_id"] == "skos:exactMatch"
        assert row["object_id"].startswith("wikidata:Q") and row["object_id"][10:].isdigit()
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert 0 < float(row["confidence"]) <= 1 and row["comment"]


def test_linkset_qids_come_from_the_verified_sources():
    """A QID in the linkset is the verified one of the shared link tables, never another."""
    if not SHARED.is_dir():
        pytest.skip("../shared (verified QID sources) is not next to the repository")
    verified = {}
    with open(SHARED / "data" / "countries_wikidata.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["status"] == "verified":
                verified[f"kgid:country/{row['iso3'].lower()}"] = row["wikidata_qid"]
    with open(SHARED / "gold" / "wikidata_links.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["status"].startswith("verified") and row["kind"] in ("organization", "place"):
                verified[f"kgid:{row['kind']}/{slugify(row['label'])}"] = row["wikidata_qid"]
    for row in read_tsv(resource_dir("mappings") / "wikidata.sssom.tsv"):
        assert verified.get(row["subject_id"]) == row["object_id"].split(":")[1], row["subject_id"]


# --- countries and places --------------------------------------------------------------------

def test_countries_by_name_demonym_and_city(contexts):
    west = contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"]
    countries = by(west.countries, "iso2")
    assert set(countries) == {"SN", "ML", "GW", "CI"}          # no ES/FR/PT from language names
    assert countries["SN"].via == "name" and "Senegalese" in countries["SN"].surface
    assert countries["CI"].wikidata == "Q1008"                  # curly apostrophe in "Côte d’Ivoire"
    listing = contexts["OIM and ACNUR support Venezuelan families in Perú and Ecuador"]
    countries = by(listing.countries, "iso2")
    assert countries["VE"].via == "demonym" and countries["HT"].via == "demonym"
    assert countries["PE"].via == "name" and "Perú" in countries["PE"].surface
    tapachula = contexts["Officials from the Northern Triangle meet in Tapachula"]
    assert by(tapachula.countries, "iso2")["MX"].via == "city"


def test_spanish_country_names(contexts):
    ctx = contexts["Dominican Republic and Haiti strengthen border cooperation"]
    assert "República Dominicana" in by(ctx.countries, "iso2")["DO"].surface


def test_cities_known_and_before_a_country(contexts):
    west = by(contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"].places, "name")
    assert (west["Dakar"].type, west["Dakar"].country_iso2) == ("city", "SN")
    assert west["Thiès"].country_iso2 == "SN"                   # "in Thiès, Senegal": not in the catalogue
    listing = by(contexts["OIM and ACNUR support Venezuelan families in Perú and Ecuador"].places, "name")
    assert listing["Huaquillas"].country_iso2 == "EC" and listing["Lima"].country_iso2 == "PE"


def test_regions_and_names_that_open_a_programme(contexts):
    ctx = contexts["Officials from the Northern Triangle meet in Tapachula"]
    places = by(ctx.places, "name")
    assert places["Northern Triangle"].type == "region" and places["Northern Triangle"].country_iso2 is None
    assert places["Mesoamerica"].surface == ("Mesoamerican region",)   # not from "Mesoamerica Program"


def test_country_inside_an_organization_name_is_flagged(contexts):
    ctx = contexts["Dominican Republic and Haiti strengthen border cooperation"]
    us = [m for m in ctx.mentions if m.kind == "country" and m.iso2 == "US"]
    assert us and all(m.in_org_name for m in us)
    dakar = [m for m in contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"].mentions
             if m.surface == "Dakar" and m.kind == "place"]
    assert [m.in_org_name for m in dakar] == [False, True]      # dateline, then "IOM Regional Office in Dakar"


def test_place_in_a_job_title_is_flagged(contexts):
    ctx = contexts["Minister of Labour meets IOM Chief of Mission in Guatemala"]
    flags = [m.in_org_name for m in ctx.mentions if m.kind == "country"]
    assert flags == [False, True]                               # title, then the role of Mr Chauzy


def test_false_friends():
    body = ("The International Organization for Migration worked with government entities, international "
            "and local NGOs and a local partner in New Mexico. Call +507 2123 4567 for details. Delegates from "
            "Africa, Asia and Europe and South American officials discussed the UN Global Compact. Materials "
            "are in Spanish and English.\nWHO WE ARE\nThe IOM office opened.")
    ctx = build_context(item("IOM supports border towns", body))
    assert ctx.countries == ()                                  # New Mexico, +507, Spanish, IOM: none
    assert {p.name for p in ctx.places} == {"Africa", "Asia", "Europe", "South America"}
    assert {o.name for o in ctx.organizations} == {"International Organization for Migration"}


def test_line_start_city_only_in_a_dateline():
    ctx = build_context(item("Centre opens", "Ciudad Hidalgo, Mexico \u2013 IOM opened a centre.\nMeanwhile, Peru extended permits."))
    assert {p.name for p in ctx.places} == {"Ciudad Hidalgo"}
    assert by(ctx.countries, "iso2")["MX"].via == "name"


def test_acronyms_in_capitals():
    ctx = build_context(item("IOM AND UNHCR LAUNCH APPEAL FOR VENEZUELANS", "WHO WE ARE\nCONTACT US"))
    assert {o.acronym for o in ctx.organizations} == {"IOM", "UNHCR"}   # not WHO, not the US
    assert {c.iso2 for c in ctx.countries} == {"VE"}


# --- organizations ---------------------------------------------------------------------------

def test_headline_phrase_is_not_trusted_alone():
    ctx = build_context(item("IOM Opens New Office in Lima", "The office will serve migrants in Lima."))
    assert {o.name for o in ctx.organizations} == {"International Organization for Migration"}
    ctx = build_context(item("Ministry of Labour Meets IOM", "The Ministry of Labour met IOM staff."))
    assert "Ministry of Labour" in {o.name for o in ctx.organizations}


def test_acronym_definitions_teach_new_organizations(contexts):
    ctx = contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"]
    orgs = by(ctx.organizations, "name")
    aneci = orgs["National Agency for Civil Status and Identification"]
    assert aneci.acronym == "ANECI" and aneci.aliases == ("National Agency for Civil Status and Identification", "ANECI")
    later = [m for m in ctx.mentions if m.surface == "ANECI"]
    assert len(later) == 2 and {m.name for m in later} == {aneci.name}
    assert by(contexts["Costa Rican journalists trained on migration reporting"].organizations, "acronym")["DGME"]


def test_known_acronyms_in_other_languages(contexts):
    ctx = contexts["OIM and ACNUR support Venezuelan families in Perú and Ecuador"]
    orgs = by(ctx.organizations, "acronym")
    assert orgs["IOM"].wikidata == "Q472311" and "OIM" in orgs["IOM"].aliases
    assert orgs["UNHCR"].name == "Office of the United Nations High Commissioner for Refugees"
    assert "ACNUR" in orgs["UNHCR"].aliases
    other = by(contexts["Dominican Republic and Haiti strengthen border cooperation"].organizations, "name")
    assert "IDB" in other["Inter-American Development Bank"].aliases


def test_offices_and_organs(contexts):
    orgs = by(contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"].organizations, "name")
    office = orgs["IOM Regional Office for West and Central Africa"]       # "IOM Regional Office in Dakar"
    assert office.parent == "International Organization for Migration" and office.org_type == "sub_unit"
    assert orgs["ECOWAS Commission"].parent == "Economic Community of West African States"
    assert orgs["Ministry of the Interior and Public Security"].org_type == "government"
    assert orgs["African Union"].acronym == "AU" and orgs["African Union"].wikidata is None  # no verified QID


def test_unknown_office_of_a_known_organization():
    ctx = build_context(item("New office", "The ILO Office for Peru and Bolivia opened in Lima."))
    office = by(ctx.organizations, "name")["ILO Office for Peru and Bolivia"]
    assert office.parent == "International Labour Organization"
    assert all(m.in_org_name for m in ctx.mentions if m.kind == "country" and m.iso2 == "BO")


def test_owned_body_defined_by_acronym():
    body = "The European Commission\u2019s Directorate-General for Migration and Home Affairs (DG HOME) met IOM."
    dg = by(build_context(item("Talks", body)).organizations, "acronym")["DG HOME"]
    assert (dg.name, dg.parent) == ("Directorate-General for Migration and Home Affairs", "European Commission")


def test_possessive_country_names_the_ministry():
    ctx = build_context(item("Talks", "Panama\u2019s Ministry of Public Security met IOM."))
    ministry = by(ctx.organizations, "name")["Ministry of Public Security of Panama"]
    assert ministry.acronym == "MINSEG" and ministry.aliases == ("Ministry of Public Security",)


def test_national_bodies_are_named_after_their_country():
    ctx = build_context(item("Talks", "Panama\u2019s Government, the Guatemalan Government and the Nigerien Ministry "
                                      "of Interior met the Swiss Agency for Development and Cooperation."))
    names = {o.name for o in ctx.organizations}
    assert {"Government of Panama", "Government of Guatemala", "Ministry of Interior of Niger"} <= names
    assert "Swiss Agency for Development and Cooperation" in names     # not a national head noun


def test_phrases_without_an_organization_head_are_not_organizations():
    body = ("The Labor Market Information Systems (LMIS) study and the Response for Venezuelans (R4V) Program "
            "were presented at the Virtual Camp on the Learning Platform.")
    assert build_context(item("Study", body)).organizations == ()


# --- people ----------------------------------------------------------------------------------

def test_people_patterns(contexts):
    ctx = contexts["Minister of Labour meets IOM Chief of Mission in Guatemala"]
    people = by(ctx.people, "name")
    assert set(people) == {"Ana Lucía Pérez", "Jean-Philippe Chauzy"}      # "Pérez said" merged
    assert people["Ana Lucía Pérez"].role == "Minister"
    chauzy = people["Jean-Philippe Chauzy"]
    assert (chauzy.role, chauzy.organization) == ("Chief of Mission in Guatemala", "International Organization for Migration")
    mendez = by(contexts["Costa Rican journalists trained on migration reporting"].people, "name")["Laura Méndez"]
    assert mendez.organization == "University of Costa Rica"


def test_contact_person_and_role_organization(contexts):
    people = by(contexts["IOM and ECOWAS Train Border Officials in Senegal and Mali"].people, "name")
    assert set(people) == {"Aïssatou Ndiaye", "Amadou Diallo"}
    assert people["Aïssatou Ndiaye"].organization == "ECOWAS Commission"
    assert people["Amadou Diallo"].organization == "IOM Regional Office for West and Central Africa"


def test_organizations_and_places_are_not_people():
    body = "\u201cWe act now,\u201d IOM said. The Fable of the Lion and the Coyote was shown in San Pedro Sula."
    assert build_context(item("Film", body)).people == ()


# --- context and record ----------------------------------------------------------------------

def test_offsets_survive_nbsp_crlf_and_curly_quotes():
    body = "The\u00a0International  Organization for\u00a0Migration\u2019s office\r\nopened in Belize\u00a0City."
    ctx = build_context(item("Opening", body))
    assert ctx.text == "Opening\n" + body
    for mention in ctx.mentions:
        assert ctx.text[mention.start:mention.end] == mention.surface
    org = ctx.organizations[0]
    assert org.aliases == ("International Organization for Migration",)
    assert by(ctx.places, "name")["Belize City"].country_iso2 == "BZ"


def test_context_for_the_finders(contexts):
    for ctx in contexts.values():
        assert [m.start for m in ctx.mentions] == sorted(m.start for m in ctx.mentions)
        assert all(ctx.text[s.start:s.end] == s.text for s in ctx.sentences)
        for entity in ctx.countries + ctx.places + ctx.organizations + ctx.people:
            assert entity.evidence and entity.evidence in ctx.text
        assert ctx.catalogue is load_catalogue()


def test_extract_returns_the_record(contexts):
    ctx = next(iter(contexts.values()))
    record = extract(ctx.item)
    assert record.countries == ctx.countries and record.organizations == ctx.organizations
    out = record.to_json()
    assert out["source"] == ctx.item.source and all("evidence" not in c for c in out["countries"])
