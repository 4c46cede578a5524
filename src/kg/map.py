"""Record -> RDF quads: the item's own named graph plus shared reference facts.

IRIs (all via kg.iris.Iris, so the same record always gives the same IRIs):
countries ``id/country/{iso3}``; organizations, places, people, courses and
initiatives ``id/{kind}/{slugify(name)}`` (one node across bulletins, so a
programme reported by two items is one thing); events ``id/event/{item
slug}-{slugify(label)}`` (an event is what one item reports; a second event
of the same label in the item gets ``-2``); the item ``id/bulletin/{slug}``
and its page ``id/source/{slugify(page stem)}``.

Names, codes and types of countries, places, organizations, people and
source pages go to the reference graph; everything an item states (its
bulletin node, mentions, roles, events, courses, initiatives, evidence) goes
to the item's graph. Wikidata links are not written here: they come from
the SSSOM linksets (kg.links).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date

import pyoxigraph as ox

from .iris import Iris, slugify
from .model import Course, Event, Initiative, Organization, Person, Place, Record
from .vocab import MODALITY, EVENT_TYPE, INITIATIVE_KIND, ORG_TYPE, PLACE_TYPE, PROV, RDF, SCHEMA, ORG, SKOS, XSD, Vocab, vocab_for

_PARTIAL = ((re.compile(r"^\d{4}-\d{2}$"), "YearMonth", "gYearMonth"),
            (re.compile(r"^\d{4}$"), "Year", "gYear"),
            (re.compile(r"^--\d{2}-\d{2}$"), "MonthDay", "gMonthDay"))
_MAX_EVENT_SLUG = 80


@dataclass(frozen=True)
class MappedItem:
    item_slug: str
    graph: ox.NamedNode             # {base}graph/bulletin/{slug}
    quads: list[ox.Quad]            # in `graph`
    reference: list[ox.Quad]        # in {base}graph/reference

    def all_quads(self) -> list[ox.Quad]:
        return self.quads + self.reference


@dataclass
class _Out:
    """Quads being written for one record, and the resolver of names to nodes."""

    record: Record
    iris: Iris
    v: Vocab
    graph: ox.NamedNode
    ref_graph: ox.NamedNode
    item: list[ox.Quad] = field(default_factory=list)
    ref: list[ox.Quad] = field(default_factory=list)
    names: dict[str, ox.NamedNode] = field(default_factory=dict)
    stubs: set[str] = field(default_factory=set)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o) -> None:
        self.item.append(ox.Quad(s, p, o, self.graph))

    def add_ref(self, s: ox.NamedNode, p: ox.NamedNode, o) -> None:
        self.ref.append(_ref_quad(s, p, o, self.ref_graph))

    def node(self, kind: str, name: str) -> ox.NamedNode:
        return _node(self.iris, kind, name)

    def named(self, kind: str, name: str) -> ox.NamedNode:
        """A course or initiative: shared across bulletins when it has a proper name, else this item's own
        ("the new course", "curso" must not merge every course of the corpus into one node)."""
        return self.node(kind, name if _is_proper_name(name) else f"{self.record.item.slug} {name}")

    def org(self, name: str) -> ox.NamedNode:
        """An organization by canonical name; one not described in the record gets a minimal node."""
        node = self.node("organization", name)
        if name not in self.stubs:
            self.stubs.add(name)
            _typed(self, node, (self.v.kg.Organization, SCHEMA.Organization), name, reference=True)
        return node


# Reference facts and entity IRIs repeat across items: building a pyoxigraph Quad holding a literal costs
# several microseconds, so the immutable quads and nodes are shared through these caches.
@lru_cache(maxsize=200_000)
def _ref_quad(s: ox.NamedNode, p: ox.NamedNode, o, g: ox.NamedNode) -> ox.Quad:
    return ox.Quad(s, p, o, g)


@lru_cache(maxsize=200_000)
def _node(iris: Iris, kind: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(iris.thing(kind, slugify(name)))


@lru_cache(maxsize=200_000)
def _is_proper_name(name: str) -> bool:
    """Two capitalized words ("Mesoamerica Program") or an acronym ("R4V"), not a description."""
    words = name.split()
    capitalized = [w for w in words if w[:1].isupper()]
    return len(capitalized) >= 2 or (len(words) == 1 and sum(c.isupper() for c in name) >= 2)


def _lit(text: str) -> ox.Literal:
    return ox.Literal(text)


def _typed_lit(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD[datatype])


def _date(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=XSD.date)


def _bool(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=XSD.boolean)


def _typed(out: _Out, node: ox.NamedNode, classes: tuple, name: str, reference: bool) -> None:
    add = out.add_ref if reference else out.add
    for cls in classes:
        add(node, RDF.type, cls)
    add(node, SCHEMA.name, _lit(name))


def _evidence(out: _Out, node: ox.NamedNode, text: str) -> None:
    if text:
        out.add(node, out.v.kg.evidence, _lit(text))


def map_record(record: Record, iris: Iris) -> MappedItem:
    """All quads of one record; pure function of (record, base)."""
    slug = record.item.slug
    out = _Out(record, iris, vocab_for(iris.base), ox.NamedNode(iris.bulletin_graph(slug)),
               ox.NamedNode(iris.reference_graph))
    bulletin = _map_bulletin(out)
    for country in record.countries:
        out.add(bulletin, SCHEMA.mentions, _map_country(out, country))
    for place in record.places:
        out.add(bulletin, SCHEMA.mentions, _map_place(out, place))
    for org in record.organizations:
        out.add(bulletin, SCHEMA.mentions, _map_organization(out, org))
    for person in record.people:
        out.add(bulletin, SCHEMA.mentions, _map_person(out, person))
    for initiative in record.initiatives:
        out.add(bulletin, SCHEMA.about, _map_initiative(out, initiative))
    for course in record.courses:
        out.add(bulletin, SCHEMA.about, _map_course(out, course))
    used: set[str] = set()
    for event in record.events:
        out.add(bulletin, SCHEMA.about, _map_event(out, event, used))
    return MappedItem(slug, out.graph, out.item, out.ref)


def _map_bulletin(out: _Out) -> ox.NamedNode:
    item, kg = out.record.item, out.v.kg
    node = ox.NamedNode(out.iris.thing("bulletin", item.slug))
    out.add(node, RDF.type, kg.Bulletin)
    out.add(node, RDF.type, SCHEMA.NewsArticle)
    out.add(node, SCHEMA.headline, _lit(item.title))
    if item.date_published:
        out.add(node, SCHEMA.datePublished, _date(item.date_published))
    out.add(node, kg.itemIndex, _typed_lit(item.index, "integer"))
    out.add(node, kg.titleLine, _typed_lit(item.title_line, "integer"))
    source = out.node("source", item.source.rsplit(".", 1)[0])
    out.add_ref(source, RDF.type, PROV.Entity)
    out.add_ref(source, SCHEMA.name, _lit(item.source))
    out.add(node, PROV.wasDerivedFrom, source)
    return node


def _map_country(out: _Out, country) -> ox.NamedNode:
    node = ox.NamedNode(out.iris.thing("country", country.iso3.lower()))
    out.names[country.name] = out.names[country.iso2] = node
    _typed(out, node, (SCHEMA.Country,), country.name, reference=True)
    out.add_ref(node, out.v.kg.iso2, _lit(country.iso2))
    out.add_ref(node, out.v.kg.iso3, _lit(country.iso3))
    _evidence(out, node, country.evidence)
    return node


def _map_place(out: _Out, place: Place) -> ox.NamedNode:
    node = out.node("place", place.name)
    out.names[place.name] = node
    _typed(out, node, (SCHEMA.Place,), place.name, reference=True)
    out.add_ref(node, out.v.kg.placeType, out.v.concept(PLACE_TYPE, place.type))
    country = out.names.get(place.country_iso2 or "")
    if country is not None:
        out.add_ref(node, SCHEMA.containedInPlace, country)
    _evidence(out, node, place.evidence)
    return node


def _map_organization(out: _Out, org: Organization) -> ox.NamedNode:
    kg = out.v.kg
    node = out.org(org.name)
    out.names[org.name] = node
    if org.acronym:
        out.add_ref(node, kg.acronym, _lit(org.acronym))
    if org.org_type:
        out.add_ref(node, kg.orgType, out.v.concept(ORG_TYPE, org.org_type))
    if org.parent and org.parent != org.name:
        out.add_ref(node, ORG.subOrganizationOf, out.org(org.parent))
    for alias in org.aliases:
        out.add_ref(node, SKOS.altLabel, _lit(alias))
    _evidence(out, node, org.evidence)
    return node


def _map_person(out: _Out, person: Person) -> ox.NamedNode:
    node = out.node("person", person.name)
    out.names[person.name] = node
    _typed(out, node, (SCHEMA.Person,), person.name, reference=True)
    if person.role:
        out.add(node, out.v.kg.role, _lit(person.role))
    if person.organization:
        out.add(node, SCHEMA.affiliation, out.org(person.organization))
    _evidence(out, node, person.evidence)
    return node


def _map_initiative(out: _Out, initiative: Initiative) -> ox.NamedNode:
    kg = out.v.kg
    node = out.named("initiative", initiative.name)
    out.names.setdefault(initiative.name, node)
    _typed(out, node, (kg.Initiative,), initiative.name, reference=False)
    out.add(node, kg.initiativeKind, out.v.concept(INITIATIVE_KIND, initiative.kind))
    for name in initiative.organizations:
        out.add(node, kg.involves, out.org(name))
    if initiative.period:
        out.add(node, kg.period, _lit(initiative.period))
    _evidence(out, node, initiative.evidence)
    return node


def _map_course(out: _Out, course: Course) -> ox.NamedNode:
    kg = out.v.kg
    node = out.named("course", course.name)
    _typed(out, node, (kg.Course, SCHEMA.Course), course.name, reference=False)
    for name in course.providers:
        out.add(node, SCHEMA.provider, out.org(name))
    for name in course.partners:
        out.add(node, kg.partner, out.org(name))
    if course.modality:
        out.add(node, kg.modality, out.v.concept(MODALITY, course.modality))
    for language in course.languages:
        out.add(node, SCHEMA.inLanguage, _lit(language))
    for prop, value in ((kg.audience, course.audience), (kg.duration, course.duration),
                        (kg.platform, course.platform)):
        if value:
            out.add(node, prop, _lit(value))
    if course.certificate is not None:
        out.add(node, kg.certificate, _bool(course.certificate))
    _evidence(out, node, course.evidence)
    return node


def _event_node(out: _Out, event: Event, used: set[str]) -> ox.NamedNode:
    base = f"{out.record.item.slug}-{slugify(event.label)[:_MAX_EVENT_SLUG].rstrip('-')}"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return ox.NamedNode(out.iris.thing("event", slug))


def _map_event(out: _Out, event: Event, used: set[str]) -> ox.NamedNode:
    kg = out.v.kg
    node = _event_node(out, event, used)
    _typed(out, node, (kg.Event, SCHEMA.Event), event.label, reference=False)
    out.add(node, kg.eventType, out.v.concept(EVENT_TYPE, event.type))
    _map_event_dates(out, node, event)
    _map_location(out, node, event)
    for name in event.organizers:
        out.add(node, SCHEMA.organizer, out.names.get(name) or out.org(name))
    for name in event.participants:
        known = out.names.get(name)
        if known is not None:
            out.add(node, SCHEMA.attendee, known)
        else:
            out.add(node, kg.participantGroup, _lit(name))
    if event.attendance is not None:
        out.add(node, kg.attendance, _typed_lit(event.attendance, "integer"))
    _evidence(out, node, event.evidence)
    return node


def _map_event_dates(out: _Out, node: ox.NamedNode, event: Event) -> None:
    kg = out.v.kg
    for side, day, partial in (("start", event.start, event.start_partial), ("end", event.end, event.end_partial)):
        if day is not None:
            out.add(node, SCHEMA[f"{side}Date"], _date(day))
        elif partial:
            for pattern, suffix, datatype in _PARTIAL:
                if pattern.match(partial):
                    out.add(node, kg[f"{side}{suffix}"], _typed_lit(partial, datatype))
                    break
    if event.date_text:
        out.add(node, kg.dateText, _lit(event.date_text))


def _map_location(out: _Out, node: ox.NamedNode, event: Event) -> None:
    loc = event.location
    if loc is None:
        return
    if loc.place:
        place = out.names.get(loc.place)
        if place is None:
            place = out.node("place", loc.place)
            _typed(out, place, (SCHEMA.Place,), loc.place, reference=True)
        out.add(node, SCHEMA.location, place)
    country = out.names.get(loc.country_iso2 or "")
    if country is not None:
        out.add(node, SCHEMA.location, country)
    if loc.online:
        out.add(node, SCHEMA.eventAttendanceMode, SCHEMA.OnlineEventAttendanceMode)
