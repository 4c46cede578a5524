"""kg.web: SPARQL 1.1 Protocol checks with Flask's test client on the on-disk fixture store."""
from __future__ import annotations

import csv
import io
import json
import logging

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat

from kg.settings import Settings
from kg.web import create_app
from web_support import ITEM1, ITEM2, LINKS, QUERIES, REFERENCE, build_sample_store, sample_quads

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PUBLIC = "https://kg.example.net/sparql"
UNKNOWN_GRAPH = REFERENCE.rsplit("/", 1)[0] + "/bulletin/does-not-exist"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_sample_store(tmp_path_factory.mktemp("web") / "kg-store")
    settings = Settings(store=store, public_url=PUBLIC, max_query_bytes=2000, query_timeout=20)
    application = create_app(settings, queries_dir=QUERIES)
    yield application
    application.extensions["kg"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


def count(response) -> int:
    assert response.status_code == 200, response.data
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_body_agree(client):
    total = len(sample_quads())
    assert count(client.get("/sparql", query_string={"query": COUNT})) == total
    assert count(client.post("/sparql", data={"query": COUNT})) == total
    assert count(client.post("/sparql", data=COUNT.encode(),
                             content_type="application/sparql-query; charset=utf-8")) == total


@pytest.mark.parametrize("kwargs, status, words", [
    ({"data": "query=ASK{}", "content_type": "text/plain"}, 415, "content type"),
    ({"data": {"query": "ASK {}"}, "content_type": "application/x-www-form-urlencoded; charset=iso-8859-1"}, 415, "charset"),
    ({"data": "ASK {}", "content_type": "application/sparql-query; charset=latin1"}, 415, "charset"),
    ({"data": {}}, 400, "missing query"),
    ({"data": "query=ASK%7B%7D&query=ASK%7B%7D", "content_type": "application/x-www-form-urlencoded"}, 400, "repeated"),
    ({"data": {"update": "CLEAR ALL"}}, 400, "read-only"),
    ({"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "read-only"),
    ({"data": "CLEAR ALL", "content_type": "application/sparql-update"}, 400, "read-only"),
    ({"data": {"query": "INSERT DATA { <a:b> <a:b> <a:b> }"}}, 400, "read-only"),
    ({"data": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}}, 400, "read-only"),
    ({"data": b"query=ASK%20%7B%22%FF%22%7D", "content_type": "application/x-www-form-urlencoded"}, 400, "UTF-8"),
    ({"data": b"ASK {\"\xff\"}", "content_type": "application/sparql-query"}, 400, "UTF-8"),
    ({"data": {"query": "SELECT * WHERE { ?s ?p \"" + "x" * 3000 + "\" }"}}, 413, "larger"),
    ({"data": b"ASK {} #" + b"x" * 200_000, "content_type": "application/sparql-query"}, 413, "too large"),
])
def test_refusals_are_4xx_with_a_short_message(client, kwargs, status, words):
    response = client.post("/sparql", **kwargs)
    assert response.status_code == status
    assert words.lower() in response.get_data(as_text=True).lower()
    assert "Traceback" not in response.get_data(as_text=True)


def test_update_parameter_is_refused_on_get_too(client):
    response = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert response.status_code == 400
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400 and "repeated" in response.get_data(as_text=True)


def test_syntax_error_gives_line_and_column(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n  ?s ?p \n}}"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "line 3" in text and "column" in text and "Traceback" not in text


@pytest.mark.parametrize("accept, media", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*;q=0.9, application/sparql-results+json;q=0.1, text/csv;q=0", "text/tab-separated-values"),
])
def test_select_negotiation(client, accept, media):
    response = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    if media.startswith("text/"):
        assert response.mimetype_params["charset"] == "utf-8"
    if media == "text/csv":
        assert len(list(csv.reader(io.StringIO(response.get_data(as_text=True))))) == len(sample_quads()) + 1
        return
    parsed = pyoxigraph.parse_query_results(response.data, format=pyoxigraph.QueryResultsFormat.from_media_type(media))
    assert len(list(parsed)) == len(sample_quads())


def test_nothing_acceptable_is_406(client):
    response = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept, fmt", [
    (None, RdfFormat.TURTLE), ("application/n-triples", RdfFormat.N_TRIPLES),
    ("application/ld+json", RdfFormat.JSON_LD), ("application/rdf+xml", RdfFormat.RDF_XML),
    ("application/n-quads", RdfFormat.N_QUADS), ("application/trig", RdfFormat.TRIG),
])
def test_construct_negotiation(client, accept, fmt):
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == fmt.media_type
    assert len(list(pyoxigraph.parse(response.data, format=fmt))) == len(sample_quads())


def test_prefixes_are_predeclared_and_resolve_from_clauses(client):
    countries = "SELECT (COUNT(*) AS ?n) WHERE { ?c a schema:Country }"
    assert count(client.get("/sparql", query_string={"query": countries})) == 2
    from_kgid = "SELECT (COUNT(*) AS ?n) FROM kgid:nothing WHERE { ?s ?p ?o }"
    assert count(client.get("/sparql", query_string={"query": from_kgid})) == 0
    redeclared = "PREFIX schema: <http://nowhere.example/> SELECT (COUNT(*) AS ?n) WHERE { ?c a schema:Country }"
    assert count(client.get("/sparql", query_string={"query": redeclared})) == 0


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", query_string={"query": ALL, "format": "csv"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.mimetype == "text/csv"
    response = client.get("/sparql", query_string={"query": ALL, "format": "yaml"})
    assert response.status_code == 400


def graph_count(client, query: str, **params) -> int:
    return count(client.get("/sparql", query_string={"query": query, **params}))


def test_protocol_dataset_replaces_the_union(client):
    assert graph_count(client, COUNT, **{"default-graph-uri": REFERENCE}) == \
        sum(1 for q in sample_quads() if q.graph_name.value == REFERENCE)
    assert graph_count(client, COUNT, **{"default-graph-uri": UNKNOWN_GRAPH}) == 0
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert graph_count(client, named, **{"named-graph-uri": LINKS}) == 3
    assert graph_count(client, COUNT, **{"named-graph-uri": LINKS}) == 0  # empty default graph


def test_from_clauses_are_honoured_not_overridden_by_the_union(client):
    in_item = sum(1 for q in sample_quads() if q.graph_name.value == ITEM1)
    assert graph_count(client, f"SELECT (COUNT(*) AS ?n) FROM <{ITEM1}> WHERE {{ ?s ?p ?o }}") == in_item
    prefixed = f"PREFIX g: <{ITEM2.rsplit('/', 1)[0]}/> SELECT (COUNT(*) AS ?n) FROM g:page-1-item-1 WHERE {{ ?s ?p ?o }}"
    assert graph_count(client, prefixed) == in_item
    assert graph_count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ITEM1}> WHERE {{ ?s ?p ?o }}") == 0


@pytest.mark.parametrize("query, params", [
    ("SELECT * FROM <http://127.0.0.1:9/remote> WHERE { ?s ?p ?o }", {}),
    ("SELECT * FROM NAMED <http://127.0.0.1:9/remote> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("PREFIX r: <http://127.0.0.1:9/> SELECT * FROM r:g WHERE { ?s ?p ?o }", {}),
    (ALL, {"default-graph-uri": "http://127.0.0.1:9/remote"}),
    (ALL, {"named-graph-uri": "http://127.0.0.1:9/remote"}),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", {}),
    ("select * where { service silent ?endpoint { ?s ?p ?o } }", {}),
    ("PREFIX ex: <http://e/> SELECT * WHERE { ex:a\\# ?p ?o . SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", {}),
])
def test_remote_graphs_and_service_are_refused(client, query, params):
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 400
    assert "remote" in response.get_data(as_text=True) or "SERVICE" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "# a comment about SERVICE\nSELECT ?service WHERE { ?service ?p \"SERVICE <x:y>\" }",
    "PREFIX svc: <http://e/> SELECT * WHERE { ?s svc:service <http://e/services/x> }",
])
def test_the_word_service_outside_keywords_is_fine(client, query):
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    store = pyoxigraph.Store()
    store.load(response.data, format=RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert bool(store.query(f"ASK {{ <{PUBLIC}> <{sd}endpoint> <{PUBLIC}> ; <{sd}feature> <{sd}UnionDefaultGraph> }}"))
    names = {r["g"].value for r in store.query(f"SELECT ?g WHERE {{ ?x <{sd}name> ?g }}")}
    assert names == {ITEM1, ITEM2, REFERENCE, LINKS}
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and json.loads(jsonld.data)


def test_browser_get_without_query_goes_to_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/")


def test_cors_preflight_and_headers(client):
    response = client.options("/sparql", headers={"Origin": "https://other.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert client.get("/sparql", query_string={"query": ALL}).headers["Access-Control-Allow-Origin"] == "*"


def test_access_log_line_per_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="kg.web.access"):
        client.get("/sparql", query_string={"query": ALL})
    lines = [r.getMessage() for r in caplog.records if r.name == "kg.web.access"]
    assert len(lines) == 1 and " 200 " in lines[0] and "ms" in lines[0] and "B" in lines[0]

