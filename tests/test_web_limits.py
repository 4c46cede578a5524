"""kg.web limits on the on-disk store: query timeout (worker killed and replaced, others served
meanwhile), bounded concurrency, and the in-process path for in-memory stores."""
from __future__ import annotations

import os
import threading
import time
import urllib.parse

import pytest

from kg.settings import Settings
from kg.store import memory_store
from kg.web import create_app
from web_support import LiveServer, build_sample_store, get, sample_quads

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q . "
           "?r ?t ?u . ?v ?w ?x }")
SMALL = "ASK { ?s ?p ?o }"
TIMEOUT = 2.0


def url(server: LiveServer, query: str) -> str:
    return f"{server.url}/sparql?query={urllib.parse.quote(query)}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split()[2] != "Z"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_sample_store(tmp_path_factory.mktemp("limits") / "kg-store")


def serve(store_path, **overrides):
    settings = Settings(store=store_path, **overrides)
    app = create_app(settings)
    return LiveServer(settings, app), app.extensions["kg"]


def test_runaway_query_is_stopped_and_others_are_served(store_path):
    live, service = serve(store_path, query_timeout=TIMEOUT, max_concurrent_queries=4)
    with live:
        assert get(url(live, SMALL))[0] == 200
        outcome: dict[str, object] = {}

        def runaway() -> None:
            started = time.perf_counter()
            outcome["status"], _, outcome["body"] = get(url(live, RUNAWAY))
            outcome["seconds"] = time.perf_counter() - started

        thread = threading.Thread(target=runaway)
        thread.start()
        latencies = []
        while thread.is_alive():
            started = time.perf_counter()  # a new text each time, so no answer comes from the cache
            assert get(url(live, f"{SMALL} # {len(latencies)}"))[0] == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
        thread.join()
        assert outcome["status"] == 503 and b"stopped after" in outcome["body"]
        assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 3
        [killed] = service.executor.killed
        assert not alive(killed)
        deadline = time.time() + 10
        while service.executor.workers < 1 and time.time() < deadline:
            time.sleep(0.1)
        assert get(url(live, SMALL))[0] == 200
        print(f"\ntimeout: 503 after {outcome['seconds']:.2f}s (limit {TIMEOUT}s); "
              f"{len(latencies)} other queries meanwhile, max {max(latencies) * 1000:.1f} ms, "
              f"median {sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms; worker {killed} killed, "
              f"{service.executor.workers} worker(s) running")
        assert len(latencies) >= 5 and max(latencies) < 1.5  # not queued behind the runaway
    service.close()


def test_killed_worker_process_is_gone(store_path):
    live, service = serve(store_path, query_timeout=1.0, max_concurrent_queries=1)
    with live:
        assert get(url(live, SMALL))[0] == 200
        [pid] = service.executor.pids()
        assert get(url(live, RUNAWAY))[0] == 503
        assert not alive(pid), "the timed-out worker must be killed, freeing its CPU and memory"
        assert get(url(live, SMALL))[0] == 200
        assert service.executor.pids() != [pid]
    service.close()


def test_excess_concurrent_queries_get_503_with_retry_after(store_path):
    live, service = serve(store_path, query_timeout=3.0, max_concurrent_queries=1)
    with live:
        thread = threading.Thread(target=get, args=(url(live, RUNAWAY),))
        thread.start()
        time.sleep(0.5)
        status, headers, body = get(url(live, SMALL))
        thread.join()
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert b"busy" in body
        assert get(url(live, SMALL))[0] == 200
    service.close()


def test_repeated_queries_are_answered_from_the_cache(store_path):
    for enabled in (True, False):
        app = create_app(Settings(store=store_path, cache_enabled=enabled))
        client = app.test_client()
        service = app.extensions["kg"]
        first = client.get("/sparql", query_string={"query": SMALL})
        second = client.get("/sparql", query_string={"query": SMALL})
        assert first.data == second.data and first.status_code == 200
        if enabled:
            assert (service.cache.hits, service.cache.misses) == (1, 1)
        else:
            assert service.cache is None
        service.close()


def test_in_memory_store_runs_in_process():
    app = create_app(Settings(), store=memory_store(sample_quads()))
    response = app.test_client().get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"][0]["n"]["value"] == str(len(sample_quads()))
