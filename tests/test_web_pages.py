"""kg.web linked data: entity dereferencing, VoID, dumps, the query page."""
from __future__ import annotations

import gzip
import json

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat

from kg.settings import Settings
from kg.web import create_app
from web_support import ITEM1, LINKS, PAN, QUERIES, build_sample_store, sample_quads

VOID = "http://rdfs.org/ns/void#"
WIKIDATA_PAN = "http://www.wikidata.org/entity/Q804"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = build_sample_store(tmp_path_factory.mktemp("pages") / "kg-store")
    app = create_app(Settings(store=store), queries_dir=QUERIES)
    yield app.test_client()
    app.extensions["kg"].close()


def rdf(response, fmt=RdfFormat.TURTLE) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(response.data, format=fmt)
    return store


@pytest.mark.parametrize("accept, target", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/country/pan"),
    ("text/turtle", "/data/country/pan"),
    ("application/ld+json", "/data/country/pan"),
    (None, "/data/country/pan"),
])
def test_entity_iri_303_by_accept(client, accept, target):
    response = client.get("/id/country/pan", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == target
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("accept, fmt", [("text/turtle", RdfFormat.TURTLE), ("application/ld+json", RdfFormat.JSON_LD),
                                         ("application/rdf+xml", RdfFormat.RDF_XML)])
def test_entity_data_describes_it(client, accept, fmt):
    response = client.get("/data/country/pan", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == fmt.media_type
    store = rdf(response, fmt)
    exact = "http://www.w3.org/2004/02/skos/core#exactMatch"
    assert bool(store.query(f"ASK {{ <{PAN}> <{exact}> <{WIKIDATA_PAN}> }}"))
    assert bool(store.query(f"ASK {{ ?article <https://schema.org/mentions> <{PAN}> }}"))


def test_entity_page_shows_label_wikidata_and_bulletins(client):
    html = client.get("/page/country/pan").get_data(as_text=True)
    assert "<h1>Panama</h1>" in html
    assert f'href="{WIKIDATA_PAN}"' in html
    assert 'href="/page/bulletin/page-1-item-1"' in html and "IOM Panama trains border officials" in html
    mentions = sum(1 for q in sample_quads() if q.object.value == PAN and q.predicate.value.endswith("mentions"))
    assert f'<strong id="mention-count">{mentions}</strong>' in html


def test_entity_page_links_only_web_iris(client):
    html = client.get("/page/organization/iom").get_data(as_text=True)
    assert 'href="https://www.iom.int/"' in html
    assert "javascript:alert(1)" in html and 'href="javascript:' not in html


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_entity_is_404(client):
    assert client.get("/page/country/atlantis").status_code == 404
    assert client.get("/data/country/atlantis").status_code == 404


def test_void_counts_linkset_and_dumps(client):
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    store = rdf(response)
    triples = store.query(f"SELECT ?n WHERE {{ ?d <{VOID}sparqlEndpoint> ?e ; <{VOID}triples> ?n }}")
    assert [int(r["n"].value) for r in triples] == [len(sample_quads())]
    linkset = f"ASK {{ <{LINKS}> a <{VOID}Linkset> ; <{VOID}triples> 3 ; <{VOID}objectsTarget> ?t }}"
    assert bool(store.query(linkset))
    assert bool(store.query(f"ASK {{ ?d <{VOID}subset> <{ITEM1}> . <{ITEM1}> <{VOID}triples> ?n }}"))
    dumps = [r["u"].value for r in store.query(f"SELECT ?u WHERE {{ ?d <{VOID}dataDump> ?u }}")]
    nquads = next(u for u in dumps if u.endswith(".nq.gz"))
    dump = client.get(nquads.replace("http://localhost", ""))
    assert dump.status_code == 200
    parsed = pyoxigraph.parse(gzip.decompress(dump.data), format=RdfFormat.N_QUADS)
    assert set(parsed) == set(sample_quads())
    assert client.get("/dumps/../store.py").status_code == 404


def test_query_page_lists_examples_and_marks_foreign_ones(client):
    html = client.get("/").get_data(as_text=True)
    assert "Countries and their Wikidata items" in html
    assert "runs on wikidata" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<script")[0].replace("https://example.org", "")
    config = json.loads(html.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert {e["name"] for e in config["examples"]} == {p.stem for p in QUERIES.glob("*.rq")}
    assert "PREFIX schema: <https://schema.org/>" in config["prologue"]
