"""The compiled SHACL engine (kg.shacl_sparql) gives exactly the findings of pyshacl through kg.validate."""
from __future__ import annotations

import dataclasses
import random
import re
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import RDF, SH, XSD

from kg.extract import extract, load_catalogue
from kg.iris import Iris
from kg.map import MappedItem, map_record
from kg.read import read_paths
from kg.shacl_compile import SURE_LEXICAL
from kg.shacl_sparql import VERIFIERS, CompiledShapes, Converter, _max_one_query, _shared_paths, _value_query
from kg.validate import Validator, _finding, load_data
from kg.vocab import PROV, SCHEMA, SKOS, WD, vocab_for

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shacl"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bulletins"
BUILD_DATE = date(2026, 12, 1)
KG = vocab_for(Iris().base).kg
TYPE = ox.NamedNode(str(RDF.type))


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(build_date=BUILD_DATE)


@pytest.fixture(scope="module")
def compiled(validator) -> CompiledShapes:
    return CompiledShapes.from_graph(validator.shapes)


@pytest.fixture(scope="module")
def sample_items() -> list:
    return [item for item in read_paths([SAMPLE]) if hasattr(item, "title")]


@pytest.fixture(scope="module")
def mapped(sample_items) -> list[MappedItem]:
    catalogue = load_catalogue()
    return [map_record(extract(item, catalogue), Iris()) for item in sample_items]


def _batch(items: list[MappedItem]) -> tuple[rdflib.Graph, ox.Store]:
    """The data graph and store of a batch, built as kg.validate builds them."""
    data, store, convert = rdflib.Graph(), ox.Store(), Converter()
    for item in items:
        store.extend(item.quads + item.reference)
        for q in item.quads + item.reference:
            data.add((convert(q.subject), convert(q.predicate), convert(q.object)))
    return data, store


def _compare(validator, compiled, items) -> Counter:
    data, store = _batch(items)
    expected, got = Counter(validator._run(data, store)), Counter(compiled.run(store))
    assert got == expected, f"missing {list(expected - got)[:3]}, extra {list(got - expected)[:3]}"
    return Counter(f.rule_id for f, _ in got.elements())


def test_all_project_shapes_compile(compiled):
    assert compiled.unsupported == []
    assert len(compiled.shapes_needing_pyshacl()) == 0
    assert {c.rule_id for c in compiled.checks} >= {"BUL-001", "BUL-010", "CTY-003", "EVT-020", "PLC-005", "SRC-002"}


def test_sample_corpus_findings_equal_pyshacl(validator, compiled, mapped):
    _compare(validator, compiled, mapped)


# ------------------------------------------------------------------ broken data, made by mutating mapped quads

def _edit(items: list[MappedItem], predicate, change, obj=None) -> list[MappedItem]:
    """Items whose first quad with `predicate` (and `obj`) is replaced by `change(quad)` (a list of quads)."""
    out, done = [], False
    for item in items:
        quads, reference = [], []
        for target, source in ((quads, item.quads), (reference, item.reference)):
            for q in source:
                if not done and q.predicate == predicate and obj in (None, q.object):
                    target.extend(change(q))
                    done = True
                else:
                    target.append(q)
        out.append(dataclasses.replace(item, quads=quads, reference=reference))
    assert done, f"no {predicate} in the sample"
    return out


def _edit_all(items: list[MappedItem], predicate) -> list[MappedItem]:
    return [dataclasses.replace(item, quads=[q for q in item.quads if q.predicate != predicate],
                                reference=[q for q in item.reference if q.predicate != predicate]) for item in items]


def _object(value):
    return lambda q: [ox.Quad(q.subject, q.predicate, value, q.graph_name)]


def _plus(*pairs):
    return lambda q: [q] + [ox.Quad(q.subject, p, o, q.graph_name) for p, o in pairs]


def _date(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(str(XSD.date)))


def _event_subject_quad(q):
    """An event node: an event's type quad gets impossible dates."""
    return [q, ox.Quad(q.subject, SCHEMA.startDate, _date("2020-07-29"), q.graph_name),
            ox.Quad(q.subject, SCHEMA.endDate, _date("2020-07-01"), q.graph_name)]


def _subclass(q):
    """An organization typed only by a subclass of kg:Organization stated in the data."""
    special = ox.NamedNode("https://example.org/test/SpecialOrganization")
    return [ox.Quad(q.subject, TYPE, special, q.graph_name),
            ox.Quad(special, ox.NamedNode(str(rdflib.RDFS.subClassOf)), KG.Organization, q.graph_name)]


MUTATIONS = {
    "wrong datatype": (SCHEMA.datePublished, _object(ox.Literal("29 July 2020")), {"BUL-003", "BUL-009"}),
    "ill-typed date": (SCHEMA.datePublished, _object(_date("2020-02-30")), {"BUL-003"}),
    "future date": (SCHEMA.datePublished, _object(_date("2031-01-01")), {"BUL-009"}),
    "bad QID pattern": (KG.iso3, _plus((SKOS.exactMatch, ox.NamedNode(WD.iri + "804"))), {"CTY-005"}),
    "too many Wikidata links": (KG.iso3, _plus((SKOS.exactMatch, WD.Q804), (SKOS.exactMatch, WD.Q1)), {"CTY-006"}),
    "literal Wikidata link": (KG.acronym, _plus((SKOS.exactMatch, ox.Literal("Q177403"))), {"ORG-008"}),
    "unknown SKOS concept": (KG.eventType, _object(ox.NamedNode(Iris().concept("event-type", "Party"))), {"EVT-003"}),
    "literal mention": (SCHEMA.mentions, _object(ox.Literal("IOM")), {"BUL-007", "BUL-010"}),
    "literal source": (PROV.wasDerivedFrom, _object(ox.Literal("page.txt")), {"BUL-004", "SRC-002"}),
    "empty headline": (SCHEMA.headline, _object(ox.Literal("")), {"BUL-002"}),
    "item index 0": (KG.itemIndex, _object(ox.Literal("0", datatype=ox.NamedNode(str(XSD.integer)))), {"BUL-005"}),
    "two headlines": (SCHEMA.headline, _plus((SCHEMA.headline, ox.Literal("Another title"))), {"BUL-002"}),
    "long acronym": (KG.acronym, _object(ox.Literal("A" * 40)), {"ORG-004"}),
    "language tag on a name": (SCHEMA.name, _object(ox.Literal("Panama", language="es")), None),
    "no news article type": ((TYPE, SCHEMA.NewsArticle), lambda q: [], {"BUL-001"}),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_broken_graphs_give_pyshacl_findings(validator, compiled, mapped, name):
    match, change, expected = MUTATIONS[name]
    predicate, obj = match if isinstance(match, tuple) else (match, None)
    rules = _compare(validator, compiled, _edit(mapped, predicate, change, obj))
    baseline = _compare(validator, compiled, mapped)
    new = {rule for rule in rules if rules[rule] > baseline.get(rule, 0)}
    assert new, f"the mutation {name!r} should add findings"
    if expected:
        assert new & expected


def test_event_ending_before_it_starts(validator, compiled, mapped):
    items = _edit(mapped, KG.eventType, _event_subject_quad)
    assert "EVT-020" in _compare(validator, compiled, items)


def test_course_without_provider(validator, compiled, mapped):
    assert "CRS-003" in _compare(validator, compiled, _edit_all(mapped, SCHEMA.provider))


def test_subclasses_stated_in_the_data_are_followed(validator, compiled, mapped):
    """An organization typed only by a subclass of kg:Organization is still a focus node (its missing name shows)."""
    organization = next(q for item in mapped for q in item.reference if q.predicate == TYPE and q.object == KG.Organization)

    def retype(q):
        if q == organization:
            return _subclass(q)
        return [] if q.subject == organization.subject and q.predicate == SCHEMA.name else [q]
    items = [dataclasses.replace(item, reference=[x for q in item.reference for x in retype(q)]) for item in mapped]
    rules = _compare(validator, compiled, items)
    assert {"ORG-002", "BUL-010"} <= set(rules)


def test_shared_paths_are_read_per_focus_node_with_the_same_solutions(compiled, mapped):
    """Paths of several classes (schema:name, kg:evidence) get a pattern of their own instead of the one scan of
    the target's paths; on data with violations of both kinds the two query forms select the same rows."""
    shared = _shared_paths(compiled.checks)
    assert {SCHEMA.name.value, KG.evidence.value} <= {str(p) for p in shared}
    assert SCHEMA.headline.value not in {str(p) for p in shared}
    broken = _edit(mapped, KG.evidence, _object(ox.NamedNode("https://example.org/not-a-sentence")))
    for cls in (SCHEMA.Country, KG.Event, KG.Organization):  # a second name where at most one is allowed
        broken = _edit(broken, TYPE, _plus((SCHEMA.name, ox.Literal("Another name"))), cls)
    _, store = _batch(broken)
    rows = 0
    for query in compiled.queries:
        if query.mode not in ("value", "max1") or query.checks[0].path is None:
            continue
        build = _value_query if query.mode == "value" else _max_one_query
        for variant in (0, 1):
            got = sorted(map(str, store.query(query.texts[variant], use_default_graph_as_union=True)))
            one_scan = build(list(query.checks), variant)  # no shared paths: the plan before the split
            assert got == sorted(map(str, store.query(one_scan, use_default_graph_as_union=True)))
            rows += len(got)
    assert rows > 0


# ------------------------------------------------------------------ components the project's shapes do not use

def test_fixture_shapes_with_fallback_equal_pyshacl():
    validator = Validator(FIXTURES / "shapes", build_date=BUILD_DATE)
    compiled = CompiledShapes.from_graph(validator.shapes)
    assert sorted(u.split(":")[1] for u in compiled.unsupported) == ["NoMessageShape", "OrShape"]
    store = ox.Store()
    store.load(path=str(FIXTURES / "data.ttl"), format=ox.RdfFormat.TURTLE)
    data = load_data(store)
    got = compiled.run(store)
    rest = compiled.shapes_needing_pyshacl()
    assert not set(rest.subjects(SH.targetClass, None)) & {rdflib.URIRef("https://example.org/test/ThingShape")}
    _, report, _ = pyshacl.validate(data, shacl_graph=rest, inference="none", advanced=True, allow_warnings=True)
    got += [_finding(report, r, validator.rule_ids) for r in report.subjects(RDF.type, SH.ValidationResult)]
    expected = validator._run(data, store)
    assert Counter(got) == Counter(expected)
    assert {f.rule_id for f, _ in got} >= {"T-002", "T-003", "T-004", "T-005", "T-006", "T-007", "T-009", "N-001",
                                           "S-001", "M-001", None}


def test_sparql_constraints_that_need_pre_binding_go_to_pyshacl():
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/test/> .
        ex:A a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this WHERE { $this ex:p ?x } } }" ] .
        ex:B a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select "SELECT $this WHERE { { $this ex:p ?x } UNION { $this ex:q ?x } }" ] .
        ex:C a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?x . FILTER NOT EXISTS { ?x ex:q $this } }" ] .
        """, format="turtle")
    compiled = CompiledShapes.from_graph(shapes)
    assert sorted(u.split(":")[1] for u in compiled.unsupported) == ["A", "B"]
    assert len(compiled.checks) == 1


def _lexical_samples(rng: random.Random, n: int):
    """Strings shaped like the lexical forms of XSD numbers, booleans and dates, many of them invalid."""
    def digits(low: int, high: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(low, high)))
    shapes = [lambda: f"{digits(1, 5)}-{digits(1, 2)}-{digits(1, 2)}", lambda: f"{digits(4, 4)}-{digits(2, 2)}-{digits(2, 2)}",
              lambda: f"{digits(4, 4)}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}",
              lambda: f"--{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}", lambda: f"{digits(4, 4)}-{rng.randint(0, 13):02d}", lambda: f"--{digits(1, 2)}-{digits(1, 2)}",
              lambda: digits(1, 5), lambda: f"{digits(1, 5)}-{digits(1, 2)}", lambda: rng.choice("+-") + digits(1, 4),
              lambda: f"{rng.choice(['', '-', '+'])}{digits(1, 3)}.{digits(0, 3)}",
              lambda: rng.choice(["true", "false", "1", "0", "True", "yes"])]
    return [rng.choice(shapes)() for _ in range(n)]


def test_surely_well_typed_lexical_forms_are_well_typed_for_pyshacl():
    samples = _lexical_samples(random.Random(7), 20000)
    for datatype, pattern in SURE_LEXICAL.items():
        matcher = re.compile(pattern.replace("\\\\", "\\"))
        sure = [text for text in samples if matcher.match(text)]
        assert len(sure) > 20, f"too few samples for {datatype}"
        for text in sure:
            assert VERIFIERS["datatype"](rdflib.Literal(text, datatype=datatype), datatype), (datatype, text)


# ------------------------------------------------------------------ speed (printed, not asserted)

def test_speed_of_both_engines(validator, compiled, sample_items, capsys):
    catalogue = load_catalogue()
    many = [dataclasses.replace(item, source=f"p{k}_{item.source}") for k in range(20) for item in sample_items]
    items = [map_record(extract(item, catalogue), Iris()) for item in many]
    data, store = _batch(items)
    start = time.perf_counter()
    expected = validator._run(data, store)
    slow = time.perf_counter() - start
    start = time.perf_counter()
    got = compiled.run(store)
    fast = time.perf_counter() - start
    assert Counter(got) == Counter(expected)
    with capsys.disabled():
        print(f"\n{len(items)} items: pyshacl {len(items) / slow:,.0f} items/s, compiled {len(items) / fast:,.0f} items/s")


@pytest.fixture(scope="module")
def pyshacl_validator() -> Validator:
    return Validator(build_date=BUILD_DATE, engine="pyshacl")


def _verdicts(validator: Validator, items: list[MappedItem]) -> list[tuple]:
    return [(v.item_slug, v.conforms, sorted((f.rule_id, f.focus_node, f.value or "") for f in v.results))
            for v in validator.validate_items(items)]


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_both_engines_give_the_same_item_verdicts(validator, pyshacl_validator, mapped, name):
    """What the build quarantines must not depend on the engine: same verdicts, same findings per item."""
    assert validator.compiled is not None and pyshacl_validator.compiled is None
    match, change, _ = MUTATIONS[name]
    predicate, obj = match if isinstance(match, tuple) else (match, None)
    broken = _edit(mapped, predicate, change, obj)
    compiled_verdicts = _verdicts(validator, broken)
    assert compiled_verdicts == _verdicts(pyshacl_validator, broken)
    assert not all(conforms for _, conforms, _ in compiled_verdicts) or name == "language tag on a name"
