"""Countries and places: catalogue hits, demonyms, cities (known or "in <City>, <Country>"), regions.

A country is evidenced by its name, a demonym or one of its cities (the gold's `via`, strongest first).
Mentions inside an office or government body name ("ILO Office for Central America, Haiti, Panama")
are kept but flagged `in_org_name`; a region or country that opens a programme's name ("Mesoamerica
Program") names no place at all.
"""
from __future__ import annotations

import re

from . import orgs
from .catalogue import Catalogue, Hit
from .found import Found, Scan
from .text import NormText

_CITY_BEFORE_COUNTRY = re.compile(
    r"(?:\b(?:in|at|and|from|near|of|to) |^|\n)((?:[A-Z][\w'-]+)(?: (?:de|del|la|las|los|el|[A-Z][\w'-]+)){0,3}), $")


_DATELINE_END = re.compile(r" ?[-\u2013\u2014:.,]")
_NEXT_CAPITALISED = re.compile(r" ([A-Z][\w-]*)")
_NEXT_WORD = re.compile(r" ([\w-]+)")


def scan_item(nt: NormText, catalogue: Catalogue) -> Scan:
    """Every catalogue-driven mention of one item (people are added by `people.find_people`)."""
    scan = Scan.start(nt, catalogue)
    orgs.catalogue_orgs(scan)
    orgs.offices(scan)
    orgs.acronym_definitions(scan)
    orgs.head_phrases(scan)
    orgs.learned_acronyms(scan)
    place_mentions(scan)
    nested_places(scan)
    cities_before_countries(scan)
    return scan


def place_mentions(scan: Scan) -> None:
    """Country, region and city hits outside false friends; flagged when inside an organization name."""
    for hit in scan.hits:
        entry = scan.entry(hit)
        if entry.kind not in ("country", "region", "city") or _opens_a_name(scan, hit):
            continue
        if hit.form.how == "lang_demonym" and not _before_people_noun(scan, hit):
            continue
        container = _container(scan, hit.start, hit.end)
        if container is not None and hit.form.how == "adjective":
            continue
        in_org = container is not None and not scan.orgs[container.key].name.startswith("Government")
        _add_place(scan, hit, in_org)


def nested_places(scan: Scan) -> None:
    """Places named inside an office / government body the catalogue knows ("US Department of State")."""
    bearing = scan.catalogue.words("place_bearing_org_type")
    selected = {(h.start, h.end) for h in scan.hits}
    for hit in scan.valid:
        entry = scan.entry(hit)
        if (hit.start, hit.end) in selected or entry.kind not in ("country", "region", "city") \
                or hit.form.how not in ("name", "acronym"):
            continue
        container = _container(scan, hit.start, hit.end)
        if container is None or scan.orgs[container.key].org_type not in bearing:
            continue
        if any(f.start <= hit.start and f.end >= hit.end and f.kind in ("country", "place") for f in scan.found):
            continue
        _add_place(scan, hit, True)


def _add_place(scan: Scan, hit: Hit, in_org: bool) -> None:
    entry = scan.entry(hit)
    how = "demonym" if hit.form.how in ("demonym", "lang_demonym") else "name"
    if entry.kind == "country":
        scan.found.append(Found(hit.start, hit.end, "country", entry.iso2, how, in_org))
        return
    place_type = "city" if entry.kind == "city" else "region"
    scan.places.setdefault(entry.name, (place_type, entry.iso2, entry.wikidata))
    scan.found.append(Found(hit.start, hit.end, "place", entry.name, hit.form.how, in_org))
    if entry.kind == "city" and entry.iso2:
        scan.found.append(Found(hit.start, hit.end, "country", entry.iso2, "city", in_org))


def _container(scan: Scan, start: int, end: int) -> Found | None:
    return next((f for f in scan.found if f.kind == "organization" and f.start <= start and f.end >= end), None)


def _opens_a_name(scan: Scan, hit: Hit) -> bool:
    """"Mesoamerica Program", "Panama Plan": the place word is part of an initiative's name."""
    m = _NEXT_CAPITALISED.match(scan.nt.norm, hit.end, hit.end + 30)
    return bool(m) and m.group(1) in scan.catalogue.words("org_blocker")


def _before_people_noun(scan: Scan, hit: Hit) -> bool:
    """A demonym that is also a language ("Spanish") names a country only before a people noun."""
    m = _NEXT_WORD.match(scan.nt.norm, hit.end, hit.end + 30)
    return bool(m) and m.group(1).lower() in scan.catalogue.words("demonym_noun")


def cities_before_countries(scan: Scan) -> None:
    """"in Tapachula, Mexico": an unknown capitalised name right before a country is one of its cities."""
    stops = scan.catalogue.words("name_stop")
    norm = scan.nt.norm
    for country in [f for f in scan.found if f.kind == "country" and f.how == "name" and not f.in_org_name]:
        if not norm.startswith(", ", country.start - 2):
            continue
        m = _CITY_BEFORE_COUNTRY.search(norm, max(0, country.start - 60), country.start)
        if m is None or m.group(1).split()[0] in stops or _taken(scan, m.start(1), m.end(1)):
            continue
        if m.start() == m.start(1) and not _DATELINE_END.match(norm, country.end):
            continue  # at a line start only a dateline ("Tapachula, Mexico – ...") names a city
        name = m.group(1)
        scan.places.setdefault(name, ("city", country.key, None))
        scan.found.append(Found(m.start(1), m.end(1), "place", name, "city"))
        scan.found.append(Found(m.start(1), m.end(1), "country", country.key, "city"))


def _taken(scan: Scan, start: int, end: int) -> bool:
    if any(h.start < end and start < h.end for h in scan.hits):
        return True
    return any(f.start < end and start < f.end for f in scan.found)
