"""SHACL validation: rule ids of known defects, batches, reports, input errors."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

from kg.iris import Iris
from kg.map import map_record
from kg.validate import ValidationInputError, Validator, validate_graph
from mapping_records import golden_record

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUILD_DATE = date(2026, 12, 1)
BROKEN_RULES = {"BUL-003", "BUL-009", "CRS-003", "CRS-010", "CTY-003", "CTY-007", "EVT-003", "EVT-020",
                "ORG-008", "ORG-009"}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(build_date=BUILD_DATE)


@pytest.fixture(scope="module")
def broken_report(validator):
    return validator.validate_graph(FIXTURES / "broken.trig")


def _broken_items():
    """The golden record with a wrong-datatype date, a course without provider and an event ending too early."""
    record = golden_record()
    course = dataclasses.replace(record.courses[0], name="Course without provider", providers=())
    event = dataclasses.replace(record.events[0], end=date(2020, 7, 1))
    item = dataclasses.replace(record.item, index=3, date_published=date(2031, 5, 1))
    return dataclasses.replace(record, item=item, courses=(course,), events=(event,))


def test_the_golden_record_conforms(validator):
    [verdict] = validator.validate_items([map_record(golden_record(), Iris())])
    assert verdict.conforms and verdict.results == []


def test_broken_file_gives_the_expected_rule_ids(broken_report):
    assert {f.rule_id for f in broken_report.findings} == BROKEN_RULES
    assert broken_report.failed and not broken_report.conforms
    bad_qid = next(f for f in broken_report.findings if f.rule_id == "ORG-008")
    assert bad_qid.value == "http://www.wikidata.org/entity/177403"
    assert bad_qid.focus_node.endswith("/id/organization/iom")
    assert next(f for f in broken_report.findings if f.rule_id == "CRS-003").severity == "Warning"


def test_findings_go_to_the_item_that_states_them(validator):
    good, bad = map_record(golden_record(), Iris()), map_record(_broken_items(), Iris())
    verdicts = validator.validate_items([good, bad])
    assert [v.item_slug for v in verdicts] == [good.item_slug, bad.item_slug]
    assert verdicts[0].conforms and verdicts[0].results == []
    assert not verdicts[1].conforms
    assert {f.rule_id for f in verdicts[1].results} == {"BUL-009", "CRS-003", "EVT-020"}


def test_a_wrong_value_on_a_shared_node_goes_to_the_item_stating_it(validator):
    record = golden_record()
    bogus = dataclasses.replace(record.initiatives[0], kind="Bogus")
    other = dataclasses.replace(record, item=dataclasses.replace(record.item, index=4), initiatives=(bogus,))
    good, bad = validator.validate_items([map_record(record, Iris()), map_record(other, Iris())])
    assert good.conforms
    assert [f.rule_id for f in bad.results] == ["INI-003"]


def test_batch_size_does_not_change_verdicts():
    items = [map_record(golden_record(), Iris()), map_record(_broken_items(), Iris())]
    one = Validator(build_date=BUILD_DATE, batch_size=1).validate_items(items)
    two = Validator(build_date=BUILD_DATE, batch_size=2).validate_items(items)
    assert one == two


def test_build_date_decides_the_future_rule():
    item = map_record(_broken_items(), Iris())
    later = Validator(build_date=date(2032, 1, 1)).validate_items([item])[0]
    assert "BUL-009" not in {f.rule_id for f in later.results}


def test_warnings_only_do_not_fail_an_item_unless_asked():
    record = golden_record()
    item = map_record(dataclasses.replace(record, courses=(dataclasses.replace(record.courses[0], providers=()),)),
                      Iris())
    lenient = Validator(build_date=BUILD_DATE).validate_items([item])[0]
    strict = Validator(build_date=BUILD_DATE, fail_on="Warning").validate_items([item])[0]
    assert lenient.conforms and [f.rule_id for f in lenient.results] == ["CRS-003"]
    assert not strict.conforms


def test_another_base_iri_validates_the_same():
    base = "http://data.example.net/iom/"
    verdict = Validator(base_iri=base, build_date=BUILD_DATE).validate_items([map_record(_broken_items(), Iris(base))])
    assert {f.rule_id for f in verdict[0].results} == {"BUL-009", "CRS-003", "EVT-020"}


def test_text_report_summarises_by_rule_and_shows_empty_shapes(broken_report):
    text = broken_report.render("text")
    assert text.startswith("FAILS")
    for rule in BROKEN_RULES:
        assert rule in text
    assert "PER-001" in text and "(matched nothing)" in text
    assert broken_report.targets["BUL-001"] == 2


def test_machine_readable_reports(broken_report):
    data = json.loads(broken_report.render("json"))
    assert data["total"] == len(broken_report.findings) and data["counts"]["Warning"] == 1
    rows = list(csv.DictReader(io.StringIO(broken_report.render("csv"))))
    assert {r["rule_id"] for r in rows} == BROKEN_RULES
    assert "<table" in broken_report.render("html")
    graph = rdflib.Graph().parse(data=broken_report.render("ttl"), format="turtle")
    assert len(set(graph.subjects(SH.result, None))) == 1
    assert len(list(graph.objects(None, SH.result))) == len(broken_report.findings)
    with pytest.raises(ValueError):
        broken_report.render("pdf")


def test_caps_shorten_details_but_not_the_summary(validator):
    report = validator.validate_graph(FIXTURES / "broken.trig", max_results=3, max_per_shape=1)
    assert len(report.details()) == 3
    assert sum(row["count"] for row in report.summary()) == len(report.findings) > 3


def test_fail_on_threshold(validator, tmp_path):
    record = golden_record()
    item = map_record(dataclasses.replace(record, courses=(dataclasses.replace(record.courses[0], providers=()),)),
                      Iris())
    path = tmp_path / "warn.nq"
    path.write_bytes(ox.serialize(item.all_quads(), format=ox.RdfFormat.N_QUADS))
    assert not validate_graph(path, build_date=BUILD_DATE).failed
    assert validate_graph(path, build_date=BUILD_DATE, fail_on="Warning").failed


def test_unparsable_input_is_a_one_line_error(validator, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix : <http://x/> .\n:a :b \n", encoding="utf-8")
    with pytest.raises(ValidationInputError) as error:
        validator.validate_graph(bad)
    assert "\n" not in str(error.value) and "bad.ttl" in str(error.value)
    with pytest.raises(ValidationInputError, match="no such file"):
        validator.validate_graph(tmp_path / "missing.ttl")
    with pytest.raises(ValidationInputError, match="unknown RDF format"):
        validator.validate_graph(tmp_path / "data.docx")


def _without(item, predicate, subject_suffix: str):
    """The item without its reference quads stating `predicate` of the node whose IRI ends with the suffix."""
    keep = [q for q in item.reference if not (q.predicate == predicate and q.subject.value.endswith(subject_suffix))]
    return dataclasses.replace(item, reference=keep)


def test_a_missing_fact_goes_to_every_item_describing_the_node_and_no_other(validator):
    """A finding without a value (IOM has no name) goes to the items describing IOM, not to one that does not."""
    record = golden_record()
    second = dataclasses.replace(record, item=dataclasses.replace(record.item, index=5))
    unrelated = dataclasses.replace(record, item=dataclasses.replace(record.item, index=6), places=(), organizations=(),
                                    people=(), events=(), courses=(), initiatives=())
    name = ox.NamedNode("https://schema.org/name")
    items = [_without(map_record(r, Iris()), name, "/id/organization/international-organization-for-migration")
             for r in (record, second, unrelated)]
    verdicts = validator.validate_items(items)
    missing = [[f for f in v.results if f.rule_id == "ORG-002"] for v in verdicts]
    assert [len(found) for found in missing] == [1, 1, 0]
    assert missing[0][0].focus_node.endswith("/id/organization/international-organization-for-migration")
    assert verdicts[2].conforms


def test_a_finding_on_a_node_no_item_describes_goes_to_every_item(validator):
    """A focus node that is no item's subject (a literal where a source page belongs) cannot be traced to an
    item: every item of the batch gets the finding, so that none is loaded unchecked."""
    record = golden_record()
    first = map_record(record, Iris())
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    quads = [ox.Quad(q.subject, q.predicate, ox.Literal("page.txt"), q.graph_name) if q.predicate == derived else q
             for q in first.quads]
    broken = dataclasses.replace(first, quads=quads)
    other = map_record(dataclasses.replace(record, item=dataclasses.replace(record.item, index=8)), Iris())
    verdicts = validator.validate_items([broken, other])
    assert {"BUL-004"} <= {f.rule_id for f in verdicts[0].results}
    assert "BUL-004" not in {f.rule_id for f in verdicts[1].results}
    assert all(any(f.focus_node == "page.txt" for f in v.results) for v in verdicts)


def test_verdicts_do_not_depend_on_shared_quad_objects(validator):
    """The mapper shares reference Quad objects between items and the validator loads each object once;
    items holding equal but separate objects get the same verdicts."""
    record = golden_record()
    name = ox.NamedNode("https://schema.org/name")
    records = [dataclasses.replace(record, item=dataclasses.replace(record.item, index=n)) for n in (2, 3, 4)]
    shared = [_without(map_record(r, Iris()), name, "/id/organization/international-organization-for-migration")
              for r in records]
    copied = [dataclasses.replace(item, reference=[ox.Quad(q.subject, q.predicate, q.object, q.graph_name)
                                                   for q in item.reference]) for item in shared]
    assert shared[0].reference[0] is shared[1].reference[0] and copied[0].reference[0] is not copied[1].reference[0]
    expected = validator.validate_items(shared)
    assert validator.validate_items(copied) == expected
    assert all(any(f.rule_id == "ORG-002" for f in v.results) for v in expected)
