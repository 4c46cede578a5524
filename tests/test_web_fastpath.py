"""kg.web.fastpath and kg.web.inline: known queries run without Flask (cached or not) and answer
exactly like the Flask path, failures included; they keep every protocol refusal, revalidate with
ETags and follow rebuilds; only cached answers are served on the server loop."""
from __future__ import annotations

import http.client
import json
import logging
import re
import time
from urllib.parse import urlencode

import pytest

import kg.web.service
from kg.settings import Settings
from kg.store import build_store, memory_store
from kg.web import create_app
from kg.web.cache import AnswerCache, Routes
from kg.web.workers import Answer, Job, QueryError, QueryTimeout
from web_support import LiveServer, build_sample_store, sample_quads

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
JSON_RESULTS = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
#: Headers a cached answer must carry the same on both paths (Date and Server come from waitress).
RELEVANT = ("Content-Type", "Content-Length", "ETag", "Cache-Control", "Vary", "Server-Timing",
            "Access-Control-Allow-Origin", "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_sample_store(tmp_path_factory.mktemp("fastpath") / "kg-store")


@pytest.fixture()
def app():
    """A fresh app on an in-memory store (queries in-process): the fast path does not care where
    answers come from, and each test starts with an empty cache."""
    application = create_app(Settings(), store=memory_store(sample_quads()))
    yield application
    application.extensions["kg"].close()


def front(app):
    return app.wsgi_app


def headers_of(response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.items() if k not in ("Date", "Server")]


@pytest.mark.parametrize("method, kwargs, variant", [
    ("get", {"query_string": {"query": ALL}, "headers": {"Accept": JSON_RESULTS}},
     {"Accept": JSON_RESULTS + ", */*;q=0.1"}),
    ("get", {"query_string": {"query": ALL}, "headers": {"Accept": "text/csv"}}, {"Accept": "text/csv;q=0.9"}),
    ("get", {"query_string": {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}}, {"Accept": "text/turtle"}),
    ("post", {"data": {"query": COUNT}, "headers": {"Accept": "application/sparql-results+xml"}},
     {"Accept": "application/sparql-results+xml;q=1"}),
    ("post", {"data": COUNT.encode(), "content_type": "application/sparql-query"}, {"Accept": "*/*"}),
])
def test_fast_path_answers_like_the_flask_path(app, method, kwargs, variant):
    client = app.test_client()
    first = getattr(client, method)("/sparql", **kwargs)  # Flask, evaluated
    assert first.status_code == 200 and front(app).answered == 0
    second = getattr(client, method)("/sparql", **kwargs)  # the same raw request: fast path
    assert front(app).answered == 1
    other = {**kwargs, "headers": {**kwargs.get("headers", {}), **variant}}
    third = getattr(client, method)("/sparql", **other)  # another Accept text, same format: Flask, cached
    assert front(app).answered == 1 and app.extensions["kg"].cache.hits == 2
    assert first.data == second.data == third.data
    assert headers_of(first) == headers_of(second) == headers_of(third)
    assert second.headers["ETag"] and second.headers["Cache-Control"].startswith("public")
    assert second.headers["Vary"] == "Accept" and second.headers["Access-Control-Allow-Origin"] == "*"
    assert second.headers["X-Content-Type-Options"] == "nosniff"


def test_if_none_match_gives_304_on_both_paths(app):
    client = app.test_client()
    query = {"query": COUNT}
    etag = client.get("/sparql", query_string=query).headers["ETag"]
    for n, header in enumerate((etag, f"W/{etag}", f'"other", {etag}', "*"), start=1):
        answered = front(app).answered
        fast = client.get("/sparql", query_string=query, headers={"If-None-Match": header})
        flask = client.get("/sparql", query_string=query,  # an Accept text not seen yet: Flask path
                           headers={"If-None-Match": header, "Accept": f"*/*;q=0.{n}"})
        assert front(app).answered == answered + 1
        for response in (fast, flask):
            assert response.status_code == 304 and response.data == b""
            assert response.headers["ETag"] == etag and "Content-Type" not in response.headers
        assert headers_of(fast) == headers_of(flask)
    stale = client.get("/sparql", query_string=query, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag


def test_cache_max_age_is_a_setting_on_both_paths():
    application = create_app(Settings(cache_max_age=5), store=memory_store(sample_quads()))
    try:
        client = application.test_client()
        flask = client.get("/sparql", query_string={"query": COUNT})
        fast = client.get("/sparql", query_string={"query": COUNT})
        revalidated = client.get("/sparql", query_string={"query": COUNT},
                                 headers={"If-None-Match": fast.headers["ETag"]})
        assert front(application).answered == 2 and revalidated.status_code == 304
        assert {r.headers["Cache-Control"] for r in (flask, fast, revalidated)} == {"public, max-age=5"}
    finally:
        application.extensions["kg"].close()


@pytest.mark.parametrize("method, kwargs, status", [
    ("post", {"data": COUNT, "content_type": "text/plain"}, 415),
    ("post", {"data": COUNT, "content_type": "application/sparql-query; charset=latin1"}, 415),
    ("post", {"data": {"query": COUNT}, "content_type": f"{FORM}; charset=iso-8859-1"}, 415),
    ("post", {"data": {"query": COUNT, "update": "CLEAR ALL"}}, 400),
    ("get", {"query_string": {"query": COUNT, "format": "yaml"}}, 400),
    ("get", {"query_string": [("query", COUNT), ("query", COUNT)]}, 400),
    ("get", {"query_string": {"query": COUNT, "default-graph-uri": "http://127.0.0.1:9/g"}}, 400),
    ("get", {"query_string": {"query": COUNT}, "headers": {"Accept": "image/png"}}, 406),
])
def test_refusals_still_hold_for_a_cached_query(app, method, kwargs, status):
    client = app.test_client()
    for primer in (client.get("/sparql", query_string={"query": COUNT}),
                   client.post("/sparql", data=COUNT, content_type="application/sparql-query"),
                   client.post("/sparql", data={"query": COUNT})):
        assert primer.status_code == 200
    answered = front(app).answered
    for _ in range(2):
        assert getattr(client, method)("/sparql", **kwargs).status_code == status
    assert front(app).answered == answered


def test_browser_redirect_is_not_routed(app):
    client = app.test_client()
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": COUNT}, headers=browser).status_code == 303
    assert front(app).answered == 0


def test_access_log_line_is_the_same_on_both_paths(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="kg.web.access"):
        for _ in range(2):
            client.get("/sparql?query=ASK%20%7B%7D", headers={"Accept": JSON_RESULTS})
    assert front(app).answered == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "kg.web.access"]
    shape = re.compile(r'^\d{4}-\d\d-\d\dT[\d:.]+\+00:00 127\.0\.0\.1 "GET /sparql\?query=ASK%20%7B%7D" '
                       r'200 \d+\.\dms 26B$')
    assert len(lines) == 2 and all(shape.match(line) for line in lines), lines


def no_cache_app():
    return create_app(Settings(cache_enabled=False), store=memory_store(sample_quads()))


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("method, kwargs", [
    ("get", {"query_string": {"query": ALL}, "headers": {"Accept": "text/csv"}}),
    ("get", {"query_string": {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}}),
    ("post", {"data": {"query": COUNT}, "headers": {"Accept": "application/sparql-results+xml"}}),
    ("post", {"data": COUNT.encode(), "content_type": "application/sparql-query"}),
])
def test_routed_jobs_run_without_flask_with_or_without_cache(method, kwargs, cached):
    app = create_app(Settings(cache_enabled=cached), store=memory_store(sample_quads()))
    try:
        client, svc = app.test_client(), app.extensions["kg"]
        responses = [getattr(client, method)("/sparql", **kwargs) for _ in range(3)]
        assert front(app).answered == 2 and len(svc.routes) == 1
        assert (svc.cache.hits, svc.cache.misses) == (2, 1) if cached else svc.cache is None
        assert all(r.status_code == 200 for r in responses)
        assert responses[0].data == responses[1].data == responses[2].data
        timing = [] if cached else ["Server-Timing"]  # evaluated again each time without the cache
        shapes = [[(k, v) for k, v in headers_of(r) if k not in timing] for r in responses]
        assert shapes[0] == shapes[1] == shapes[2]
        assert ("ETag" in responses[1].headers) is cached
        assert responses[1].headers["Server-Timing"].startswith("query;dur=")
    finally:
        app.extensions["kg"].close()


def _failing(exc: Exception):
    def run(job, timeout):
        raise exc
    return run


@pytest.mark.parametrize("exc, status, outcome", [
    (QueryTimeout("query stopped after 30 s"), 503, " timeout"),
    (QueryError("query evaluation failed: boom"), 500, ""),
    (QueryError("Parser error at 1:8: expected a variable", syntax=True), 400, ""),
])
def test_query_failures_answer_the_same_on_both_paths(monkeypatch, caplog, exc, status, outcome):
    app = no_cache_app()
    try:
        client, svc = app.test_client(), app.extensions["kg"]
        query = {"query": COUNT}
        assert client.get("/sparql", query_string=query).status_code == 200  # learns the route
        monkeypatch.setattr(svc.executor, "run", _failing(exc))
        with caplog.at_level(logging.INFO, logger="kg.web.access"):
            fast = client.get("/sparql", query_string=query)
            flask = client.get("/sparql", query_string=query, headers={"Accept": "*/*;q=0.9"})
        assert front(app).answered == 1
        assert fast.status_code == flask.status_code == status and fast.data == flask.data
        assert fast.data.decode().strip() and headers_of(fast) == headers_of(flask)
        lines = [r.getMessage() for r in caplog.records if r.name == "kg.web.access"]
        assert len(lines) == 2 and all(line.endswith(f"B{outcome}") for line in lines), lines
        assert all(f'" {status} ' in line for line in lines)
    finally:
        app.extensions["kg"].close()


def test_busy_answers_the_same_on_both_paths():
    app = no_cache_app()
    try:
        client, svc = app.test_client(), app.extensions["kg"]
        assert client.post("/sparql", data={"query": COUNT}).status_code == 200
        for _ in range(svc.settings.max_concurrent_queries):
            svc._slots.acquire()  # every slot taken, as by slow queries
        fast = client.post("/sparql", data={"query": COUNT})
        flask = client.post("/sparql", data={"query": COUNT}, headers={"Accept": "*/*"})
        assert front(app).answered == 1
        assert fast.status_code == flask.status_code == 503 and fast.data == flask.data
        assert fast.headers["Retry-After"] == "2" and headers_of(fast) == headers_of(flask)
    finally:
        app.extensions["kg"].close()


def test_no_cache_means_no_etag_and_nothing_inline_but_routes_still_run():
    app = no_cache_app()
    try:
        client = app.test_client()
        responses = [client.get("/sparql", query_string={"query": COUNT}) for _ in range(3)]
        assert front(app).answered == 2 and app.extensions["kg"].cache is None
        assert front(app).inline_hit("GET", "/sparql", "query=x", None) is None
        assert all(r.status_code == 200 and "ETag" not in r.headers for r in responses)
    finally:
        app.extensions["kg"].close()


def test_long_query_strings_are_not_routed(app):
    client = app.test_client()
    long_query = COUNT + " #" + "x" * 9000
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": long_query}).status_code == 200
    assert front(app).answered == 0 and len(app.extensions["kg"].routes) == 0


def raw_get(live: LiveServer, query: str, **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    port = int(live.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", "/sparql?" + urlencode({"query": query}), headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def served_count(live: LiveServer) -> int:
    status, _, body = raw_get(live, COUNT, Accept=JSON_RESULTS)
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_inline_answers_on_the_server_loop_match_the_threaded_path(store_path):
    settings = Settings(store=store_path)
    app = create_app(settings)
    with LiveServer(settings, app) as live:
        dispatcher = live.server.task_dispatcher
        first = raw_get(live, ALL, Accept=JSON_RESULTS)
        inline = raw_get(live, ALL, Accept=JSON_RESULTS)
        assert dispatcher.inline == 1
        threaded = raw_get(live, ALL, Accept=JSON_RESULTS + ";q=1")  # Flask path, cached answer
        assert dispatcher.inline == 1
        assert first[0] == inline[0] == threaded[0] == 200 and first[2] == inline[2] == threaded[2]
        for name in RELEVANT:
            values = {response[1].get(name) for response in (first, inline, threaded)}
            assert len(values) == 1 and None not in values, (name, values)
        assert inline[1]["Date"] and inline[1]["Server"] == "kg"
        again = raw_get(live, ALL, Accept=JSON_RESULTS)  # its head reused from the previous one
        assert dispatcher.inline == 2 and again[2] == inline[2]
        assert [(k, v) for k, v in again[1].items() if k != "Date"] == \
            [(k, v) for k, v in inline[1].items() if k != "Date"]
        status, headers, body = raw_get(live, ALL, Accept=JSON_RESULTS, **{"If-None-Match": inline[1]["ETag"]})
        assert (status, body) == (304, b"") and dispatcher.inline == 3 and headers["ETag"] == inline[1]["ETag"]
        post = app.test_client().post("/sparql", data={"query": ALL}, headers={"Accept": JSON_RESULTS})
        assert post.data == inline[2]
    app.extensions["kg"].close()


def test_no_cache_server_never_answers_inline(store_path):
    settings = Settings(store=store_path, cache_enabled=False)
    app = create_app(settings)
    with LiveServer(settings, app) as live:
        assert [raw_get(live, COUNT)[0] for _ in range(3)] == [200] * 3
        assert live.server.task_dispatcher.inline == 0 and front(app).answered == 2  # worker threads
    app.extensions["kg"].close()


@pytest.mark.parametrize("cached", [True, False])
def test_a_rebuild_clears_the_cache_and_its_routes(tmp_path, monkeypatch, cached):
    monkeypatch.setattr(kg.web.service, "_RELOAD_CHECK_SECONDS", 0.2)
    store = build_sample_store(tmp_path / "kg-store")
    settings = Settings(store=store, cache_enabled=cached)
    app = create_app(settings)
    svc = app.extensions["kg"]
    with LiveServer(settings, app) as live:
        total = len(sample_quads())
        assert [served_count(live) for _ in range(3)] == [total] * 3
        assert (live.server.task_dispatcher.inline >= 1) is cached and front(app).answered >= 1
        assert len(svc.routes) == 1 and svc.routes.generation == 0
        build_store(store, sample_quads()[:5], dumps=False)
        time.sleep(0.3)
        answered = front(app).answered
        assert served_count(live) == 5  # the new store, not a cached or routed old answer
        assert svc.routes.generation == 1 and front(app).answered == answered  # relearned through Flask
        assert served_count(live) == 5
        time.sleep(0.3)
        client = app.test_client()
        assert count_of(client.get("/sparql", query_string={"query": COUNT})) == 5
    app.extensions["kg"].close()


def count_of(response) -> int:
    assert response.status_code == 200
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_routes_and_answers_from_before_a_clear_are_not_kept():
    cache, routes = AnswerCache(1 << 20), Routes(max_routes=2)
    job = Job("ASK {}")
    generation, learned = cache.generation, routes.generation
    cache.clear()  # a rebuild swapped in while the request was running
    routes.clear()
    assert cache.put(job, Answer("json", b"{}", 0.1), generation).etag
    routes.remember(("GET", "query=ASK", None), job, learned)
    assert cache.get(job) is None and routes.get(("GET", "query=ASK", None)) is None
    stored = cache.put(job, Answer("json", b"{}", 0.1), cache.generation)
    raw = ("GET", "query=ASK%7B%7D", None)
    routes.remember(raw, job, routes.generation)
    assert routes.get(raw) is job and cache.get(routes.get(raw)) is stored
    for n in range(2):  # past the bound the routes start afresh
        routes.remember(("GET", f"query={n}", None), job, routes.generation)
    assert len(routes) == 1 and routes.get(raw) is None
