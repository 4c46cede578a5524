"""kg.remote against real SPARQL stores (oxigraph serve, Virtuoso) started on loopback ports.

Faults are injected by a small proxy in front of the real server, so a failed load
is checked on the store itself: the previous graphs are untouched and no staging
graph is left behind.
"""
from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from kg.remote import RemoteError, RemoteStore, iri
from kg.store import memory_store
from kg.remote_load import LoadError, chunks, group_quads

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "remote"
BASE = "https://example.org/iom-kg/"
MARK = NamedNode(f"{BASE}def/loadMark")
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"server did not answer {url} within {START_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not binary:
        pytest.skip("the `oxigraph` command is not installed (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph")
    base = f"http://127.0.0.1:{free_port()}"
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", base[7:]],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"{base}/query", process, log)
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="module")
def virtuoso_url(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("virtuoso-t")
    if not binary:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    ini = (FIXTURES / "virtuoso.ini.in").read_text(encoding="utf-8")
    ini = ini.replace("{dir}", str(folder)).replace("{sql_port}", str(free_port()))
    (folder / "virtuoso.ini").write_text(ini.replace("{http_port}", str(http_port)), encoding="utf-8")
    log = folder / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "+configfile", str(folder / "virtuoso.ini"), "+foreground"],
                                   cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(f"{base}/sparql", process, folder / "virtuoso.log")
        yield base
    finally:
        stop(process)


CLIENTS: dict[str, Callable[[str], RemoteStore]] = {
    "oxigraph": lambda base: RemoteStore.oxigraph(base, retries=2, backoff=0.01, timeout=20),
    "virtuoso": lambda base: RemoteStore.virtuoso(base, "dba", "dba", retries=2, backoff=0.01, timeout=20),
}


@pytest.fixture(params=sorted(CLIENTS))
def server(request) -> Iterator[tuple[str, Callable[[str], RemoteStore]]]:
    """(base URL, client factory) of a clean store: the test graphs and staging graphs removed."""
    base = request.getfixturevalue(f"{request.param}_url")
    make = CLIENTS[request.param]
    with make(base) as remote:
        remote.clear_graphs(BASE)
        remote.clear_staging()
    yield base, make


# -- the fixture dataset and what a store should hold -----------------------------------------------

def fixture_quads() -> list[Quad]:
    return list(parse(path=str(FIXTURES / "dataset.trig")))


def expected_sizes(quads: list[Quad]) -> dict[str, int]:
    """Per-graph counts from an in-memory store, independently of the code under test."""
    store = Store()
    store.extend(quads)
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def marked(quads: list[Quad], label: str) -> list[Quad]:
    """The dataset plus one triple per graph saying which version it is."""
    graphs = sorted({q.graph_name for q in quads}, key=str)
    return quads + [Quad(g, MARK, Literal(label), g) for g in graphs]


def marks(remote: RemoteStore) -> dict[str, str]:
    rows = remote.select(f"SELECT ?g ?m WHERE {{ GRAPH ?g {{ ?g {iri(MARK.value)} ?m }} }}")
    return {row["g"]: row["m"] for row in rows}


# -- fault injection ----------------------------------------------------------------------------

class FaultProxy:
    """Forwards to ``upstream``; ``rule(method, graph, proxy)`` may answer 'pass', '500', 'close' or 'lost'.

    'lost' forwards the request and then answers 502, as when the server did the work but the
    answer never arrived. ``log`` has one (method, graph, status) per request that reached a
    decision, 401 digest challenges excluded.
    """

    def __init__(self, upstream: str, rule: Callable[[str, str | None, "FaultProxy"], str]):
        self.upstream = urlsplit(upstream)
        self.rule = rule
        self.log: list[tuple[str, str | None, int | str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str, graph: str | None = None) -> int:
        return sum(1 for m, g, _ in self.log if m == method and (graph is None or g == graph))

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                graph = (parse_qs(urlsplit(self.path).query).get("graph") or [None])[0]
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length", "keep-alive")}
                action = proxy.rule(self.command, graph, proxy) if self.command != "GET" else "pass"
                if action == "close":
                    proxy.log.append((self.command, graph, "close"))
                    self.close_connection = True
                    return
                if action == "500":
                    proxy.log.append((self.command, graph, 500))
                    return self.answer(500, [("Content-Type", "text/plain")], b"injected failure")
                status, out_headers, out = proxy.forward(self.command, self.path, headers, body)
                if status != 401:
                    proxy.log.append((self.command, graph, 502 if action == "lost" else status))
                if action == "lost" and status != 401:
                    return self.answer(502, [("Content-Type", "text/plain")], b"upstream answer lost")
                self.answer(status, out_headers, out)

            def answer(self, status: int, headers: list, body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = handle_one

        return Handler


# -- against the servers ------------------------------------------------------------------------

def test_load_dataset_graphs_and_counts(server):
    base, make = server
    quads = fixture_quads()
    with make(base) as remote:
        report = remote.load_dataset(serialize(quads, format=RdfFormat.N_QUADS))
        sizes = expected_sizes(quads)
        assert report.graphs == len(sizes) and report.triples == len(quads)
        assert remote.named_graphs(BASE) == sorted(sizes)
        assert remote.graph_sizes(BASE) == sizes
        assert remote.triples(BASE) == len(quads)
        assert remote.named_graphs(remote.staging_prefix) == []
        for name in sizes:  # literals, language tags, datatypes and UTF-8 come back unchanged
            assert set(remote.graph(name)) == {q.triple for q in quads if q.graph_name.value == name}


def test_query_comes_back_in_sparql_json(server):
    base, make = server
    quads = fixture_quads()
    reference = f"{BASE}graph/reference"
    with make(base) as remote:
        remote.load_dataset(memory_store(quads))  # an embedded store (e.g. a built kg-store) loads as it is
        status, content_type, body = remote.query(
            "SELECT ?label WHERE { GRAPH ?g { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?label "
            "FILTER(LANG(?label) = 'es') } }")
        assert status == 200 and content_type.startswith("application/sparql-results+json")
        labels = {b["label"]["value"] for b in json.loads(body)["results"]["bindings"]}
        assert labels == {q.object.value for q in quads if getattr(q.object, "language", None) == "es"
                          and q.predicate.value.endswith("#label")}
        counted = remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph_uris=[reference])
        rows = json.loads(counted.body)["results"]["bindings"]
        assert int(rows[0]["n"]["value"]) == expected_sizes(quads)[reference]


def test_query_error_carries_the_server_message(server):
    base, make = server
    with make(base) as remote:
        with pytest.raises(RemoteError) as caught:
            remote.query("SELEC ?x WHERE { ?x ?y ?z }")
        assert caught.value.status == 400 and caught.value.message
        assert remote.requests_sent == 1  # a 4xx is not retried


def test_failed_load_leaves_previous_graphs_and_no_staging(server):
    base, make = server
    quads = fixture_quads()
    with make(base) as remote:
        remote.load_dataset(marked(quads, "v1"))
        before = marks(remote)
    seen: list[str] = []

    def third_graph_fails(method: str, graph: str | None, proxy: FaultProxy) -> str:
        if method == "PUT" and graph not in seen:
            seen.append(graph)
        return "500" if method == "PUT" and seen.index(graph) == 2 else "pass"

    proxy = FaultProxy(base, third_graph_fails)
    try:
        with make(proxy.url) as faulty, pytest.raises(LoadError):
            faulty.load_dataset(marked(quads, "v2"))
        assert proxy.count("PUT", seen[2]) == 1 + faulty.retries
        assert proxy.count("PUT") == 2 + 1 + faulty.retries  # nothing staged after the failure
    finally:
        proxy.close()
    with make(base) as remote:
        assert marks(remote) == before and set(before.values()) == {"v1"}
        assert remote.named_graphs(remote.staging_prefix) == []
        assert remote.graph_sizes(BASE) == expected_sizes(marked(quads, "v1"))


def test_retries_on_dropped_connections_and_5xx(server):
    base, make = server
    quads = fixture_quads()
    tried: set[str] = set()
    updates: list[str] = []

    def flaky(method: str, graph: str | None, proxy: FaultProxy) -> str:
        if method == "PUT" and graph not in tried:
            tried.add(graph)
            return "close"
        if method == "POST" and graph is None and not updates:
            updates.append(method)
            return "500"  # the first switch request fails before reaching the server
        return "pass"

    proxy = FaultProxy(base, flaky)
    try:
        with make(proxy.url) as remote:
            report = remote.load_dataset(marked(quads, "v3"))
        graphs = len(expected_sizes(quads))
        assert proxy.count("PUT") == 2 * graphs
        assert report.retries == graphs + 1  # one per graph, one for the switch
    finally:
        proxy.close()
    with make(base) as remote:
        assert set(marks(remote).values()) == {"v3"} and len(marks(remote)) == graphs
        assert remote.named_graphs(remote.staging_prefix) == []


def switch_posts(proxy: FaultProxy) -> int:
    """Update (and staging check) requests that reached a decision, once every graph was staged."""
    return sum(1 for method, graph, _ in proxy.log if method == "POST" and graph is None)


def test_switch_rolls_forward_after_a_failed_batch(server):
    base, make = server
    quads = marked(fixture_quads(), "v5")
    graphs = len(expected_sizes(quads))

    def second_switch_fails(method: str, graph: str | None, proxy: FaultProxy) -> str:
        staged = proxy.count("PUT") == graphs
        return "500" if staged and method == "POST" and graph is None and switch_posts(proxy) == 1 else "pass"

    proxy = FaultProxy(base, second_switch_fails)
    try:
        with make(proxy.url) as remote:
            report = remote.load_dataset(quads, switch_batch=2)
        assert report.retries == 1 and any(status == 500 for *_, status in proxy.log)
    finally:
        proxy.close()
    with make(base) as remote:
        assert remote.graph_sizes(BASE) == expected_sizes(quads)
        assert remote.named_graphs(remote.staging_prefix) == []


def test_lost_switch_answer_is_not_repeated(server):
    """The switch ran but a gateway answered 502: a blind MOVE retry would empty graphs on Virtuoso."""
    base, make = server
    quads = marked(fixture_quads(), "v4")
    graphs = len(expected_sizes(quads))

    def lose_first_switch(method: str, graph: str | None, proxy: FaultProxy) -> str:
        staged = proxy.count("PUT") == graphs
        return "lost" if staged and method == "POST" and graph is None and not switch_posts(proxy) else "pass"

    proxy = FaultProxy(base, lose_first_switch)
    try:
        with make(proxy.url) as remote, pytest.raises(LoadError) as caught:
            remote.load_dataset(quads)
        assert caught.value.staging_kept and switch_posts(proxy) == 1
    finally:
        proxy.close()
    with make(base) as remote:
        assert remote.graph_sizes(BASE) == expected_sizes(quads)
        assert remote.clear_staging() == []


def test_prune_removes_graphs_the_new_build_lacks(server):
    base, make = server
    quads = fixture_quads()
    bulletins = f"{BASE}graph/bulletin/"
    dropped = sorted(q.graph_name.value for q in quads if q.graph_name.value.startswith(bulletins))[0]
    kept = [q for q in quads if q.graph_name.value != dropped]
    with make(base) as remote:
        remote.load_dataset(quads)
        report = remote.load_dataset(kept, prune_prefix=bulletins)
        assert report.pruned == (dropped,)
        assert remote.graph_sizes(BASE) == expected_sizes(kept)


def test_server_down_halfway_then_leftovers_cleared(server):
    base, make = server
    quads = fixture_quads()
    with make(base) as remote:
        remote.load_dataset(marked(quads, "v1"))
    proxy = FaultProxy(base, lambda method, graph, p: "close" if p.count("PUT") >= 2 else "pass")
    try:
        with make(proxy.url) as faulty, pytest.raises(LoadError) as caught:
            faulty.load_dataset(marked(quads, "v2"))
        assert any("clear_staging" in note for note in getattr(caught.value, "__notes__", []))
    finally:
        proxy.close()
    with make(base) as remote:
        assert set(marks(remote).values()) == {"v1"}
        assert len(remote.clear_staging()) == 2
        assert remote.named_graphs(remote.staging_prefix) == []


# -- without a server ---------------------------------------------------------------------------

def test_unreachable_server_is_retried_then_raised():
    remote = RemoteStore(f"http://127.0.0.1:{free_port()}/sparql", retries=2, backoff=0.0, timeout=2)
    with pytest.raises(RemoteError) as caught:
        remote.query("ASK {}")
    assert caught.value.status is None and remote.requests_sent == 3 and remote.retries_done == 2
    assert not caught.value.maybe_applied  # no connection was made, so nothing can have run


def test_default_graph_triples_are_refused():
    quad = Quad(NamedNode(f"{BASE}id/x"), MARK, Literal("x"))
    with pytest.raises(ValueError):
        group_quads([quad])


def test_graphs_with_blank_nodes_are_sent_whole():
    ground = [Triple(NamedNode(f"{BASE}id/{n}"), MARK, Literal(str(n))) for n in range(5)]
    assert [len(c) for c in chunks(ground, 2)] == [2, 2, 1]
    with_bnode = ground + [Triple(BlankNode(), MARK, Literal("b"))]
    assert chunks(with_bnode, 2) == [with_bnode]


def test_iri_refuses_what_would_break_the_update():
    assert iri(f"{BASE}graph/reference") == f"<{BASE}graph/reference>"
    with pytest.raises(ValueError):
        iri(BASE + "x> } ; DROP ALL ; <y")
