"""kg.web.sparql_text: the lexer that decides on form, updates, SERVICE and FROM before a query runs;
the example queries of queries/ on the endpoint; rebuilds picked up without a restart."""
from __future__ import annotations

import itertools
import time

import pyoxigraph
import pytest

from kg.resources import resource_dir
from kg.settings import Settings
from kg.store import build_store
from kg.web import create_app
from kg.web.sparql_text import inspect_query, syntax_error_message
from web_support import LINKS, build_sample_store, sample_quads


@pytest.mark.parametrize("text, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX select: <http://e/> BASE <http://b/> ask { ?s select:x ?o }", "ASK"),
    ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("describe <http://e/x>", "DESCRIBE"),
    ("CONSTRUCTWHERE{?s ?p ?o}", "CONSTRUCT"),
])
def test_query_form(text, form):
    assert inspect_query(text).form == form


@pytest.mark.parametrize("text, keyword", [
    ("INSERT DATA { <a:b> <a:b> <a:b> }", "INSERT"),
    ("PREFIX ex: <http://e/> DELETE WHERE { ?s ex:p ?o }", "DELETE"),
    ("LOAD <http://example.org/x.ttl>", "LOAD"),
    ("with <http://g/> delete { ?s ?p ?o } where { ?s ?p ?o }", "WITH"),
])
def test_update_keywords(text, keyword):
    info = inspect_query(text)
    assert info.update_keyword == keyword and info.form is None


@pytest.mark.parametrize("text, uses", [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { service<http://x/>{ ?s ?p ?o } }", True),
    ("SELECT * WHERE { ?s ?p '''SERVICE <http://x/>''' }", False),
    ('SELECT * WHERE { ?s ?p "say \\"SERVICE\\"" }', False),
    ("SELECT ?service WHERE { ?service <http://e/SERVICE> ?o }", False),
    ("PREFIX ex: <http://e/> SELECT * WHERE { ex:a\\# ?p ?o . SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:p \"x\"@service }", False),
    ("PREFIX : <http://x/> SELECT * WHERE { ?a ?b ?c FILTER(?c<=?c)SERVICE:x#>\n{ ?x ?y ?z } }", True),
    ("SELECT * WHERE { ?a ?b ?c FILTER(?c<?c)service?ep#>\n{ ?x ?y ?z } }", True),
    ("SELECT * WHERE { ?a ?b ?c FILTER(?c<?c)SERVICE#>\n<http://x/> { ?x ?y ?z } }", True),
    ("SELECT * WHERE { ?s <http://example.org/national-migration-service> ?o }", False),
    ("SELECT * WHERE { SERVICEsilent <http://x/> { ?s ?p ?o } }", True),
    ("PREFIX x: <http://x/> SELECT * WHERE { SERVICEx:y { ?s ?p ?o } }", True),
])
def test_service_detection_follows_the_grammar(text, uses):
    assert inspect_query(text).uses_service is uses


def test_from_graphs_resolve_prefixes_and_base():
    info = inspect_query("BASE <http://b/dir/> PREFIX g: <http://g/> SELECT * FROM <rel> FROM g:one "
                         "FROM NAMED <http://n/> WHERE { ?s ?p ?o }")
    assert info.from_graphs == ["http://b/dir/rel", "http://g/one"]
    assert info.from_named_graphs == ["http://n/"]
    assert inspect_query("SELECT * FROM undeclared:g WHERE {}").unresolved == ["undeclared:g"]
    assert inspect_query("SELECT * FROMNAMED<http://n/> WHERE {}").from_named_graphs == ["http://n/"]


def test_syntax_message_points_at_the_position():
    query = "SELECT ?s\nWHERE { ?s ?p }"
    try:
        pyoxigraph.Store().query(query)
    except SyntaxError as error:
        message = syntax_error_message(query, str(error))
    assert message.startswith("SPARQL syntax error at line 2, column")
    assert message.splitlines()[1] == "WHERE { ?s ?p }"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = build_sample_store(tmp_path_factory.mktemp("examples") / "kg-store")
    app = create_app(Settings(store=store), in_process=True)
    yield app.test_client()
    app.extensions["kg"].close()


def example_files():
    try:
        return sorted(resource_dir("queries").glob("*.rq"))
    except FileNotFoundError:
        return []


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_example_queries_are_listed_and_run_unless_foreign(client, path):
    html = client.get("/").get_data(as_text=True)
    assert f'data-name="{path.stem}"' in html
    text = path.read_text(encoding="utf-8")
    response = client.post("/sparql", data={"query": text})
    if "kg:runs-on" in text:
        assert response.status_code == 400  # SERVICE: shown, not run here
    else:
        assert response.status_code == 200, response.get_data(as_text=True)


def test_a_rebuild_is_served_without_restart(tmp_path):
    target = build_sample_store(tmp_path / "kg-store")
    app = create_app(Settings(store=target))
    client = app.test_client()
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    try:
        assert client.get("/sparql", query_string=query).get_json()["results"]["bindings"][0]["n"]["value"] \
            == str(len(sample_quads()))
        links = [q for q in sample_quads() if q.graph_name.value == LINKS]
        build_store(target, links)
        deadline = time.time() + 10
        value = None
        while time.time() < deadline and value != str(len(links)):
            time.sleep(0.5)
            value = client.get("/sparql", query_string=query).get_json()["results"]["bindings"][0]["n"]["value"]
        assert value == str(len(links))
    finally:
        app.extensions["kg"].close()


def test_every_service_the_engine_parses_is_seen():
    """Differential check: fused keywords, comments and ``<`` as an operator, against the engine itself.
    Targets are unbound variables, so the engine proves it parsed a SERVICE without fetching anything."""
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://s"), pyoxigraph.NamedNode("http://p"),
                              pyoxigraph.Literal(1), pyoxigraph.DefaultGraph()))
    before = ["", "?c ?d ?e .", "FILTER(?c<?c)", "FILTER(?c<=?c)", "FILTER(?c<?c||?c<?c)", "MINUS{}", "?a:p?c."]
    keywords = ["SERVICE", "service", "SERVICEsilent", "SERVICE SILENT", "SERVICE#x\n", "SeRvIcE"]
    gaps = ["", " ", "#>\n", "\n"]
    engine_saw = missed = 0
    for pre, keyword, gap, gap2 in itertools.product(before, keywords, gaps, gaps):
        query = f"PREFIX : <http://e/> SELECT * WHERE {{ ?a ?b ?c {pre}{keyword}{gap}?ep{gap2}{{?x ?y ?z}} }}"
        try:
            list(store.query(query))
        except SyntaxError:
            continue
        except RuntimeError as error:
            assert "service" in str(error).lower()
            engine_saw += 1
            missed += not inspect_query(query).uses_service
    assert engine_saw > 100 and missed == 0
