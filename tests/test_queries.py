"""The example queries of queries/ on the sample corpus (read -> extract -> map -> in-memory store)."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.iris import Iris
from kg.links import linkset_quads, read_sssom
from kg.map import map_record
from kg.model import BulletinItem
from kg.read import read_paths
from kg.vocab import ontology_quads

REPO = Path(__file__).resolve().parents[1]
QUERIES = sorted((REPO / "queries").glob("*.rq"))
WIKIDATA_SIDE = "# kg:runs-on wikidata"
#: The record field a query's rows come from: without such entities in the sample, no rows are possible.
NEEDS = {"courses.rq": "courses", "events-by-type.rq": "events", "events-per-month.rq": "events",
         "initiatives-of-organization.rq": "initiatives", "organizations-in-events-with-country.rq": "events",
         "people.rq": "people"}


def _local(path: Path) -> bool:
    return WIKIDATA_SIDE not in path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(sample_dir):
    extract_module = pytest.importorskip("kg.extract", reason="extraction is not available")
    catalogue = extract_module.load_catalogue()
    items = [entry for entry in read_paths(sorted(sample_dir.glob("*.txt"))) if isinstance(entry, BulletinItem)]
    records = [extract_module.extract(item, catalogue) for item in items]
    iris = Iris()
    store = ox.Store()
    for record in records:
        mapped = map_record(record, iris)
        store.extend(mapped.quads + mapped.reference)
    store.extend(ontology_quads(iris, ox.NamedNode(f"{iris.base}graph/ontology")))
    subjects = {q.subject.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iris.reference_graph))}
    for path in sorted((REPO / "mappings").glob("*.sssom.tsv")):
        store.extend(linkset_quads(read_sssom(path), iris, subjects))
    return store, records


def _rows(store: ox.Store, name: str) -> list[dict[str, str | None]]:
    solutions = store.query((REPO / "queries" / name).read_text(encoding="utf-8"), use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_there_are_enough_example_queries():
    assert len([q for q in QUERIES if _local(q)]) >= 9
    for path in QUERIES:
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name} must say what it answers"


@pytest.mark.parametrize("path", [q for q in QUERIES if _local(q)], ids=lambda p: p.name)
def test_every_query_returns_rows(corpus, path):
    store, records = corpus
    rows = _rows(store, path.name)
    field = NEEDS.get(path.name)
    if not rows and field and not any(getattr(r, field) for r in records):
        pytest.skip(f"the sample's extraction yields no {field} yet")
    assert rows, path.name


def test_federated_query_is_meant_for_wikidata():
    [path] = [q for q in QUERIES if not _local(q)]
    text = path.read_text(encoding="utf-8")
    assert "SERVICE" in text and "wikibase:label" in text


def test_iom_is_the_organization_in_most_bulletins(corpus):
    rows = _rows(corpus[0], "organizations-with-iom.rq")
    assert rows[0]["acronym"] == "IOM"
    assert int(rows[0]["bulletins"]) > int(rows[1]["bulletins"])
    assert all(int(r["withIOM"]) <= int(r["bulletins"]) for r in rows)


def test_panama_has_bulletins_in_2017(corpus):
    rows = _rows(corpus[0], "bulletins-per-country-year.rq")
    assert any(r["iso2"] == "PA" and r["year"] == "2017" and int(r["bulletins"]) >= 1 for r in rows)


def test_every_country_row_has_a_wikidata_iri(corpus):
    if not list((REPO / "mappings").glob("*.sssom.tsv")):
        pytest.skip("no SSSOM mapping set in mappings/ yet")
    rows = _rows(corpus[0], "countries-wikidata.rq")
    assert rows and all((r["wikidata"] or "").startswith("http://www.wikidata.org/entity/Q") for r in rows)
    assert any(r["iso2"] == "PA" and r["wikidata"].endswith("/Q804") for r in rows)


def test_integrators_see_wikidata_iris_of_several_kinds(corpus):
    rows = _rows(corpus[0], "wikidata-links.rq")
    if not rows:
        pytest.skip("no SSSOM mapping set in mappings/ yet")
    assert {"country", "organization"} <= {r["type"] for r in rows}


def test_people_rows_name_their_organization(corpus):
    rows = _rows(corpus[0], "people.rq")
    if not rows:
        pytest.skip("the sample's extraction yields no people yet")
    assert any(r["organizationName"] == "International Organization for Migration" for r in rows)
