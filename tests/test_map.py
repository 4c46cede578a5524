"""Mapping records to quads: golden graph, stable IRIs, declared and constrained terms."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, SH, SKOS

from kg.iris import Iris
from kg.map import MappedItem, map_record
from kg.vocab import DEFAULT_BASE, load_rdflib, ontology_files
from mapping_records import golden_record

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def _rdflib_graph(quads: list[ox.Quad]) -> rdflib.Graph:
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def _expected(graph_iri: str) -> rdflib.Graph:
    dataset = rdflib.Dataset()
    dataset.parse(FIXTURES / "map_golden.trig", format="trig")
    graph = rdflib.Graph()
    for triple in dataset.graph(rdflib.URIRef(graph_iri)):
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def mapped() -> MappedItem:
    return map_record(golden_record(), Iris())


def _assert_isomorphic(got: rdflib.Graph, expected: rdflib.Graph) -> None:
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(f"unexpected: {sorted(only_got)[:5]}\nmissing: {sorted(only_expected)[:5]}")


def test_item_graph_matches_golden_file(mapped):
    assert mapped.graph.value == f"{DEFAULT_BASE}graph/bulletin/000-57c294818f5c2fbd-2"
    assert {q.graph_name for q in mapped.quads} == {mapped.graph}
    _assert_isomorphic(_rdflib_graph(mapped.quads), _expected(mapped.graph.value))


def test_reference_graph_matches_golden_file(mapped):
    reference = f"{DEFAULT_BASE}graph/reference"
    assert {q.graph_name.value for q in mapped.reference} == {reference}
    _assert_isomorphic(_rdflib_graph(mapped.reference), _expected(reference))


def test_same_input_same_quads():
    first, second = map_record(golden_record(), Iris()), map_record(golden_record(), Iris())
    assert first.quads == second.quads and first.reference == second.reference


def test_iris_follow_the_base_setting():
    base = "http://data.example.net/iom/"
    mapped = map_record(golden_record(), Iris(base))
    iris = {t.value for q in mapped.all_quads() for t in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(t, ox.NamedNode)}
    assert f"{base}id/country/pan" in iris
    assert f"{base}def/event-type/Launch" in iris
    assert not any(i.startswith(DEFAULT_BASE) for i in iris)


def test_partial_dates_get_their_own_datatypes(mapped):
    typed = {(q.predicate.value.rsplit("/", 1)[-1], q.object.datatype.value.rsplit("#", 1)[-1])
             for q in mapped.quads
             if isinstance(q.object, ox.Literal) and ("Year" in q.predicate.value or "MonthDay" in q.predicate.value)}
    assert typed == {("startYearMonth", "gYearMonth"), ("endYear", "gYear"),
                     ("startMonthDay", "gMonthDay"), ("endMonthDay", "gMonthDay")}


def test_unknown_names_become_groups_or_minimal_organizations():
    record = golden_record()
    event = dataclasses.replace(record.events[0], organizers=("Ministry of Nowhere",), participants=("young people",))
    mapped = map_record(dataclasses.replace(record, events=(event,)), Iris())
    ministry = f"{DEFAULT_BASE}id/organization/ministry-of-nowhere"
    assert any(q.subject.value == ministry and q.predicate == RDF_TYPE for q in mapped.reference)
    assert any(q.object == ox.Literal("young people") for q in mapped.quads)


RDF_TYPE = ox.NamedNode(str(RDF.type))


def _emitted(mapped: MappedItem) -> tuple[set[str], set[str], set[str]]:
    classes = {q.object.value for q in mapped.all_quads() if q.predicate == RDF_TYPE}
    properties = {q.predicate.value for q in mapped.all_quads()} - {str(RDF.type)}
    concepts = {q.object.value for q in mapped.all_quads()
                if isinstance(q.object, ox.NamedNode) and "/def/" in q.object.value and q.predicate != RDF_TYPE}
    return classes, properties, concepts


def test_every_emitted_term_is_declared_in_the_ontology(mapped):
    ontology = load_rdflib(ontology_files(), DEFAULT_BASE)
    declared = {str(s) for s in ontology.subjects(RDF.type, None)}
    classes, properties, concepts = _emitted(mapped)
    assert len(properties) >= 35  # the golden record exercises (almost) every property
    assert classes - declared == set()
    assert properties - declared == set()
    assert {c for c in concepts if (rdflib.URIRef(c), RDF.type, SKOS.Concept) not in ontology} == set()


def test_every_emitted_term_is_constrained_in_the_shapes(mapped):
    shapes = load_rdflib(sorted((REPO / "shapes").glob("*.ttl")), DEFAULT_BASE)
    paths = {str(o) for o in shapes.objects(None, SH.path)}
    targeted = {str(o) for p in (SH.targetClass, SH["class"]) for o in shapes.objects(None, p)}
    classes, properties, _ = _emitted(mapped)
    assert properties - paths == set()
    assert classes - targeted == set()


def test_descriptive_course_names_stay_with_their_item():
    """A named course is one node across bulletins; "the new course" of one item is not every other one's."""
    from kg.model import Course

    base = golden_record()
    record = dataclasses.replace(base, courses=(Course("nuevo curso", providers=("IOM",)),
                                                Course("Counter Trafficking in Humanitarian Settings")))
    other = dataclasses.replace(record, item=dataclasses.replace(record.item, index=7))
    nodes = [{q.subject.value for q in map_record(r, Iris()).quads if "/id/course/" in q.subject.value}
             for r in (record, other)]
    shared = Iris().thing("course", "counter-trafficking-in-humanitarian-settings")
    assert nodes[0] & nodes[1] == {shared}
    assert len(nodes[0]) == len(nodes[1]) == 2


TRICKY = ['say "hello"', "back\\slash \\n not a break", "two\nlines", "cr\r\nlf", "tab\tand \x0b\x0c\x00 controls",
          "São Tomé, Côte d’Ivoire, 😀", '"^^<http://example.org/x> .', "<http://not-an-iri>", " ",
          "\u2028 \ufeff"]


def test_literal_text_is_kept_character_for_character():
    """Literal-valued quads of the item graph are written as N-Quads and parsed in one call: escaping must
    give back exactly the strings of the record."""
    record = golden_record()
    item = dataclasses.replace(record.item, title=TRICKY[0] + TRICKY[2])
    events = tuple(dataclasses.replace(record.events[0], label=f"Launch {n}", date_text=text, evidence=text)
                   for n, text in enumerate(TRICKY))
    person = dataclasses.replace(record.people[0], role=TRICKY[1] + TRICKY[3])
    mapped = map_record(dataclasses.replace(record, item=item, events=events, people=(person,)), Iris())
    values = {q.predicate.value.rsplit("/", 1)[-1]: set() for q in mapped.quads}
    for q in mapped.quads:
        if isinstance(q.object, ox.Literal):
            values[q.predicate.value.rsplit("/", 1)[-1]].add(q.object)
    assert values["headline"] == {ox.Literal(item.title)}
    assert values["dateText"] == {ox.Literal(text) for text in TRICKY}
    assert values["role"] == {ox.Literal(person.role)}
    assert {ox.Literal(text) for text in TRICKY} <= values["evidence"]
    assert all(q.graph_name == mapped.graph for q in mapped.quads)


def test_item_quads_keep_the_order_they_are_written_in():
    """Node-valued and literal-valued quads interleave as the mapper writes them (headline before index...)."""
    mapped = map_record(golden_record(), Iris())
    names = [q.predicate.value.rsplit("/", 1)[-1] for q in mapped.quads[:7]]
    assert names == ["22-rdf-syntax-ns#type", "22-rdf-syntax-ns#type", "headline", "datePublished", "itemIndex",
                     "titleLine", "prov#wasDerivedFrom"]
