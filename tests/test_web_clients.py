"""kg.web against real clients over HTTP (SPARQLWrapper, rdflib SPARQLStore, urllib, http.client),
and proof that no query makes the server connect anywhere."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from kg.settings import Settings
from kg.web import create_app
from kg.web.workers import Job, QueryError, WorkerPool
from web_support import PAN, LiveServer, build_sample_store, get, sample_quads


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_sample_store(tmp_path_factory.mktemp("clients") / "kg-store")


@pytest.fixture(scope="module")
def server(store_path):
    settings = Settings(store=store_path)
    app = create_app(settings)
    with LiveServer(settings, app) as live:
        yield live
    app.extensions["kg"].close()


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture()
def listener():
    probe = Listener()
    yield probe
    probe.close()


def test_sparqlwrapper_select_ask_construct(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == len(sample_quads())
    client.setQuery(f"ASK {{ <{PAN}> ?p ?o }}")
    assert client.query().convert()["boolean"] is True
    client.setMethod("POST")
    client.setQuery("CONSTRUCT WHERE { ?s ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == len({(q.subject, q.predicate, q.object) for q in sample_quads()})
    client.setQuery("SELECT ?s WHERE { ?s a <https://schema.org/Country> }")
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[0] == "s"


def test_rdflib_sparqlstore(server):
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql"))
    rows = list(graph.query("SELECT ?c WHERE { ?c a <https://schema.org/Country> }"))
    assert {str(r[0]) for r in rows} == {PAN, PAN.replace("pan", "cri")}


def test_plain_http_get_and_direct_post(server):
    query = urllib.parse.quote("SELECT ?s WHERE { ?s a <https://schema.org/Country> }")
    status, headers, body = get(f"{server.url}/sparql?query={query}", accept="text/tab-separated-values")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    assert len(body.decode().splitlines()) == 3
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", "/sparql", body="ASK { ?s ?p ?o }".encode(),
                 headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    assert response.status == 200 and json.loads(response.read())["boolean"] is True
    conn.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ ?a ?b ?c FILTER(?c<=?c)SERVICE:x#>\n{{ ?x ?y ?z }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
])
def test_no_query_reaches_a_listener(server, listener, template):
    query = urllib.parse.quote(template.format(port=listener.port))
    status, _, body = get(f"{server.url}/sparql?query={query}")
    time.sleep(0.3)
    assert status == 400, body
    assert listener.connections == 0


def _service_from_worker(store_path, port: int, isolate: bool) -> bool:
    """Run a SERVICE query straight in a worker (past the text checks); True if the worker was isolated."""
    pool = WorkerPool(str(store_path), size=1, prestart=0, isolate_network=isolate)
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        try:
            pool.run(Job(query), timeout=10)
        except QueryError:
            pass
        worker = pool._idle.get_nowait()
        pool._idle.put(worker)
        time.sleep(0.3)
        return worker.isolated
    finally:
        pool.close()


def test_workers_have_no_network_even_past_the_checks(store_path, listener):
    control = Listener()
    try:
        _service_from_worker(store_path, control.port, isolate=False)
        assert control.connections >= 1, "the probe must see a worker that is not isolated"
    finally:
        control.close()
    if not _service_from_worker(store_path, listener.port, isolate=True):
        pytest.skip("this OS does not let the worker drop into its own network namespace")
    assert listener.connections == 0
