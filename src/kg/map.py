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


@dataclass(slots=True)
class _Out:
    """Quads being written for one record, and the resolver of names to nodes."""

    record: Record
    slug: str                       # the item's (computed once: BulletinItem.slug is a property)
    iris: Iris
    v: Vocab
    graph: ox.NamedNode
    ref_graph: ox.NamedNode
    graph_text: str                 # `graph` in N-Quads syntax
    item: list[ox.Quad | None] = field(default_factory=list)   # None: the next of `lines`
    lines: list[str] = field(default_factory=list)             # N-Quads of the item's literal-valued quads
    ref: list[ox.Quad] = field(default_factory=list)
    names: dict[str, ox.NamedNode] = field(default_factory=dict)
    stubs: set[str] = field(default_factory=set)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | str) -> None:
        """`o` is a node or a literal in N-Quads syntax (`_lit`, `_date`, ...)."""
        if o.__class__ is str:
            self.item.append(None)
            self.lines.append(f"{s} {p} {o} {self.graph_text} .\n")
        else:
            self.item.append(ox.Quad(s, p, o, self.graph))

    def item_quads(self) -> list[ox.Quad]:
        """The item's quads in the order written, the literal-valued ones parsed from `lines` in one call.

        pyoxigraph's Quad() tries a literal object as a NamedNode and a BlankNode first and builds a Python
        exception for each failure (about 4 microseconds a quad); its N-Quads parser makes the same quads for
        less. Lenient parsing skips IRI validation, which the NamedNodes written here have already passed."""
        if not self.lines:
            return self.item
        parsed = list(ox.parse("".join(self.lines), format=ox.RdfFormat.N_QUADS, lenient=True))
        if len(parsed) != len(self.lines):
            raise ValueError(f"{self.slug}: {len(self.lines)} literal quads written, {len(parsed)} parsed")
        rest = iter(parsed)
        return [q if q is not None else next(rest) for q in self.item]

    def node(self, kind: str, name: str) -> ox.NamedNode:
        return _node(self.iris.base, kind, name)

    def named(self, kind: str, name: str) -> ox.NamedNode:
        """A course or initiative: shared across bulletins when it has a proper name, else this item's own
        ("the new course", "curso" must not merge every course of the corpus into one node)."""
        return self.node(kind, name if _is_proper_name(name) else f"{self.slug} {name}")

    def org(self, name: str) -> ox.NamedNode:
        """An organization by canonical name; one not described in the record gets a minimal node."""
        node, quads = _org_stub(self.iris.base, name)
        if name not in self.stubs:
            self.stubs.add(name)
            self.ref.extend(quads)
        return node


# Reference facts and entity IRIs repeat across items, and building a pyoxigraph Quad costs 2 (IRI object)
# to 6 (literal object) microseconds: the immutable quads and nodes are shared through these caches, keyed
# by strings where possible (their hashes are cached; hashing a pyoxigraph term is not).
@lru_cache(maxsize=200_000)
def _node(base: str, kind: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(Iris(base).thing(kind, slugify(name)))


def _typed_quads(base: str, node: ox.NamedNode, classes: tuple, name: str) -> tuple[ox.Quad, ...]:
    graph = _ref_graph(base)
    return (*(ox.Quad(node, RDF.type, cls, graph) for cls in classes),
            ox.Quad(node, SCHEMA.name, ox.Literal(name), graph))


@lru_cache(maxsize=100_000)
def _typed_ref(base: str, kind: str, name: str, cls: ox.NamedNode) -> tuple[ox.NamedNode, tuple[ox.Quad, ...]]:
    """A place or person by name: its node and its type and name quads (reference graph)."""
    node = _node(base, kind, name)
    return node, _typed_quads(base, node, (cls,), name)


@lru_cache(maxsize=50_000)
def _org_stub(base: str, name: str) -> tuple[ox.NamedNode, tuple[ox.Quad, ...]]:
    """An organization's node and its type and name quads (reference graph)."""
    node = _node(base, "organization", name)
    return node, _typed_quads(base, node, (vocab_for(base).kg.Organization, SCHEMA.Organization), name)


@lru_cache(maxsize=50_000)
def _org_link(base: str, name: str, prop: str, value: str) -> ox.Quad:
    """An organization's alias (prop "altLabel") or parent organization ("parent") quad (reference graph)."""
    node, graph = _node(base, "organization", name), _ref_graph(base)
    if prop == "parent":
        return ox.Quad(node, ORG.subOrganizationOf, _node(base, "organization", value), graph)
    return ox.Quad(node, SKOS.altLabel, ox.Literal(value), graph)


@lru_cache(maxsize=20_000)
def _place_ref(base: str, name: str, place_type: str,
               country: ox.NamedNode | None) -> tuple[ox.NamedNode, tuple[ox.Quad, ...]]:
    """A place's node and its type, name, place type and country quads (reference graph)."""
    node, typed = _typed_ref(base, "place", name, SCHEMA.Place)
    v, graph = vocab_for(base), _ref_graph(base)
    located = (ox.Quad(node, SCHEMA.containedInPlace, country, graph),) if country is not None else ()
    return node, (*typed, ox.Quad(node, v.kg.placeType, v.concept(PLACE_TYPE, place_type), graph), *located)


@lru_cache(maxsize=50_000)
def _org_facts(base: str, name: str, acronym: str | None, org_type: str | None) -> tuple[ox.Quad, ...]:
    """An organization's acronym and type quads (reference graph)."""
    v, graph, node = vocab_for(base), _ref_graph(base), _node(base, "organization", name)
    return ((ox.Quad(node, v.kg.acronym, ox.Literal(acronym), graph),) if acronym else ()) + \
        ((ox.Quad(node, v.kg.orgType, v.concept(ORG_TYPE, org_type), graph),) if org_type else ())


@lru_cache(maxsize=10_000)
def _country_ref(base: str, iso3: str, iso2: str, name: str) -> tuple[ox.NamedNode, tuple[ox.Quad, ...]]:
    """A country's node and its type, name and ISO code quads (reference graph)."""
    node, graph, kg = ox.NamedNode(Iris(base).thing("country", iso3.lower())), _ref_graph(base), vocab_for(base).kg
    return node, (*_typed_quads(base, node, (SCHEMA.Country,), name), ox.Quad(node, kg.iso2, ox.Literal(iso2), graph),
                  ox.Quad(node, kg.iso3, ox.Literal(iso3), graph))


@lru_cache(maxsize=20_000)
def _source_ref(base: str, source: str) -> tuple[ox.NamedNode, tuple[ox.Quad, ...]]:
    """A source page's node and its type and file name quads (reference graph)."""
    node = _node(base, "source", source.rsplit(".", 1)[0])
    return node, _typed_quads(base, node, (PROV.Entity,), source)


@lru_cache(maxsize=200_000)
def _is_proper_name(name: str) -> bool:
    """Two capitalized words ("Mesoamerica Program") or an acronym ("R4V"), not a description."""
    words = name.split()
    capitalized = [w for w in words if w[:1].isupper()]
    return len(capitalized) >= 2 or (len(words) == 1 and sum(c.isupper() for c in name) >= 2)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _lit(text: str) -> str:
    """A string literal in N-Quads syntax (for `_Out.add`): only the quote, the backslash and line breaks
    are escaped (STRING_LITERAL_QUOTE), everything else is written as is."""
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


@lru_cache(maxsize=10_000)
def _typed_lit(text: str, datatype: str) -> str:
    return f"{_lit(text)}^^{XSD[datatype]}"


@lru_cache(maxsize=10_000)
def _date(value: date) -> str:
    return _typed_lit(value.isoformat(), "date")


def _bool(value: bool) -> str:
    return _typed_lit("true" if value else "false", "boolean")


def _typed(out: _Out, node: ox.NamedNode, classes: tuple, name: str) -> None:
    """Type and name of an item's own node (event, course, initiative)."""
    for cls in classes:
        out.add(node, RDF.type, cls)
    out.add(node, SCHEMA.name, _lit(name))


def _evidence(out: _Out, node: ox.NamedNode, text: str) -> None:
    if text:
        out.add(node, out.v.kg.evidence, _lit(text))


def map_record(record: Record, iris: Iris) -> MappedItem:
    """All quads of one record; pure function of (record, base)."""
    slug = record.item.slug
    graph = iris.bulletin_graph(slug)
    out = _Out(record, slug, iris, vocab_for(iris.base), ox.NamedNode(graph), _ref_graph(iris.base), f"<{graph}>")
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
    return MappedItem(slug, out.graph, out.item_quads(), out.ref)


@lru_cache(maxsize=8)
def _ref_graph(base: str) -> ox.NamedNode:
    return ox.NamedNode(Iris(base).reference_graph)


def _map_bulletin(out: _Out) -> ox.NamedNode:
    item, kg = out.record.item, out.v.kg
    node = ox.NamedNode(out.iris.thing("bulletin", out.slug))
    out.add(node, RDF.type, kg.Bulletin)
    out.add(node, RDF.type, SCHEMA.NewsArticle)
    out.add(node, SCHEMA.headline, _lit(item.title))
    if item.date_published:
        out.add(node, SCHEMA.datePublished, _date(item.date_published))
    out.add(node, kg.itemIndex, _typed_lit(str(item.index), "integer"))
    out.add(node, kg.titleLine, _typed_lit(str(item.title_line), "integer"))
    source, quads = _source_ref(out.iris.base, item.source)
    out.ref.extend(quads)
    out.add(node, PROV.wasDerivedFrom, source)
    return node


def _map_country(out: _Out, country) -> ox.NamedNode:
    node, quads = _country_ref(out.iris.base, country.iso3, country.iso2, country.name)
    out.names[country.name] = out.names[country.iso2] = node
    out.ref.extend(quads)
    _evidence(out, node, country.evidence)
    return node


def _map_place(out: _Out, place: Place) -> ox.NamedNode:
    out.names[place.name] = out.node("place", place.name)  # before the country lookup, as a name may be both
    node, quads = _place_ref(out.iris.base, place.name, place.type, out.names.get(place.country_iso2 or ""))
    out.ref.extend(quads)
    _evidence(out, node, place.evidence)
    return node


def _map_organization(out: _Out, org: Organization) -> ox.NamedNode:
    node = out.org(org.name)
    out.names[org.name] = node
    if org.acronym or org.org_type:
        out.ref.extend(_org_facts(out.iris.base, org.name, org.acronym, org.org_type))
    if org.parent and org.parent != org.name:
        out.org(org.parent)
        out.ref.append(_org_link(out.iris.base, org.name, "parent", org.parent))
    for alias in org.aliases:
        out.ref.append(_org_link(out.iris.base, org.name, "altLabel", alias))
    _evidence(out, node, org.evidence)
    return node


def _map_person(out: _Out, person: Person) -> ox.NamedNode:
    node, quads = _typed_ref(out.iris.base, "person", person.name, SCHEMA.Person)
    out.names[person.name] = node
    out.ref.extend(quads)
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
    _typed(out, node, (kg.Initiative,), initiative.name)
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
    _typed(out, node, (kg.Course, SCHEMA.Course), course.name)
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
    base = f"{out.slug}-{slugify(event.label)[:_MAX_EVENT_SLUG].rstrip('-')}"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return ox.NamedNode(out.iris.thing("event", slug))


def _map_event(out: _Out, event: Event, used: set[str]) -> ox.NamedNode:
    kg = out.v.kg
    node = _event_node(out, event, used)
    _typed(out, node, (kg.Event, SCHEMA.Event), event.label)
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
        out.add(node, kg.attendance, _typed_lit(str(event.attendance), "integer"))
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
            place, quads = _typed_ref(out.iris.base, "place", loc.place, SCHEMA.Place)
            out.ref.extend(quads)
        out.add(node, SCHEMA.location, place)
    country = out.names.get(loc.country_iso2 or "")
    if country is not None:
        out.add(node, SCHEMA.location, country)
    if loc.online:
        out.add(node, SCHEMA.eventAttendanceMode, SCHEMA.OnlineEventAttendanceMode)
