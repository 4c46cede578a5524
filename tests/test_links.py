"""SSSOM mapping sets -> linkset quads and exports."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import rdflib

from kg.iris import Iris
from kg.links import MappingSet, SSSOMError, export_links, linkset_quads, read_sssom

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "links.sssom.tsv"
REAL = Path(__file__).resolve().parents[1] / "mappings" / "wikidata.sssom.tsv"
EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def mapping_set() -> MappingSet:
    return read_sssom(FIXTURE)


def test_reads_metadata_and_rows(mapping_set):
    assert mapping_set.curie_map["wikidata"] == WD
    assert len(mapping_set.mappings) == 4
    first = mapping_set.mappings[0]
    assert (first.subject_id, first.object_id, first.confidence) == ("kgid:country/pan", "wikidata:Q804", 1.0)
    assert mapping_set.mappings[3].predicate_modifier == "Not"


def test_linkset_uses_the_base_of_the_setting(mapping_set):
    iris = Iris("http://data.example.net/iom/")
    quads = linkset_quads(mapping_set, iris)
    assert {q.graph_name.value for q in quads} == {"http://data.example.net/iom/graph/links/wikidata"}
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in quads}
    assert ("http://data.example.net/iom/id/country/pan", EXACT, WD + "Q804") in triples
    assert len(triples) == 3  # the negated (predicate_modifier Not) row gives no link


def test_linkset_keeps_only_entities_of_the_build(mapping_set):
    iris = Iris()
    quads = linkset_quads(mapping_set, iris, subjects={iris.thing("country", "arg")})
    assert [(q.subject.value, q.object.value) for q in quads] == [(iris.thing("country", "arg"), WD + "Q414")]
    assert linkset_quads(mapping_set, iris, subjects=set()) == []


def test_sssom_export_round_trips(mapping_set, tmp_path):
    path = tmp_path / "again.sssom.tsv"
    path.write_text(export_links(mapping_set, "sssom"), encoding="utf-8")
    again = read_sssom(path)
    assert again.mappings == mapping_set.mappings
    assert again.metadata == mapping_set.metadata


def test_turtle_export_is_rebased_rdf(mapping_set):
    text = export_links(mapping_set, "ttl", Iris("http://data.example.net/iom/"))
    graph = rdflib.Graph().parse(data=text, format="turtle")
    assert (rdflib.URIRef("http://data.example.net/iom/id/country/pan"), rdflib.URIRef(EXACT),
            rdflib.URIRef(WD + "Q804")) in graph
    assert len(graph) == 3


def test_csv_export_has_one_row_per_mapping(mapping_set):
    rows = list(csv.DictReader(io.StringIO(export_links(mapping_set, "csv"))))
    assert len(rows) == 4 and rows[2]["object_id"] == "wikidata:Q177403"
    with pytest.raises(ValueError):
        export_links(mapping_set, "xlsx")


def test_unreadable_files_give_one_line_errors(tmp_path):
    with pytest.raises(SSSOMError, match="cannot read"):
        read_sssom(tmp_path / "missing.sssom.tsv")
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text("# curie_map: [unclosed\nsubject_id\tobject_id\n", encoding="utf-8")
    with pytest.raises(SSSOMError) as error:
        read_sssom(bad)
    assert "\n" not in str(error.value)


def _validate_with_sssom_package(path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(path)
    assert len(msdf.df) > 0
    validate(msdf, fail_on_error=True)


def test_fixture_is_valid_for_the_sssom_package(mapping_set, tmp_path):
    # the fixture and our own export are both valid SSSOM for the reference implementation
    _validate_with_sssom_package(FIXTURE)
    path = tmp_path / "export.sssom.tsv"
    path.write_text(export_links(mapping_set, "sssom"), encoding="utf-8")
    _validate_with_sssom_package(path)


def test_real_wikidata_mapping_set_is_valid_sssom():
    if not REAL.is_file():
        pytest.skip("mappings/wikidata.sssom.tsv does not exist yet")
    _validate_with_sssom_package(REAL)
    mapping_set = read_sssom(REAL)
    quads = linkset_quads(mapping_set, Iris())
    assert quads and all(q.object.value.startswith(WD + "Q") for q in quads)
    assert any(q.subject.value.endswith("/id/country/pan") for q in quads)
