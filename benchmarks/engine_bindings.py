"""The same engine two ways: pyoxigraph in this process vs Oxigraph's own server, on one store.

    python benchmarks/engine_bindings.py --data STORE_OR_DUMP [--runs 5] [--seconds 20]

kg evaluates queries with pyoxigraph (the Python binding of Oxigraph, in its query
workers); the endpoint comparison measures it against the `oxigraph` server binary.
This isolates what neither kg's code nor HTTP explains: the data is loaded once with
`oxigraph load`, the server is started on it read-only, and the same store is opened
read-only here with pyoxigraph. Each query then runs alternately in-process (evaluation
plus JSON serialization, nothing else) and through the server (HTTP on loopback
included); the report gives both medians and their ratio. A ratio above 1 is time the
binding's build spends that the server binary does not, with no kg code involved.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store, serialize
from sparql_peers import ACCEPT, TEMPLATES, Client, load_queries, pick_entity, prepare, start, stop, unpack

REPO = Path(__file__).resolve().parent.parent


def in_process(store: Store, text: str) -> float:
    begin = time.perf_counter()
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        result.serialize(format=QueryResultsFormat.JSON)
    else:
        serialize(result, format=RdfFormat.N_TRIPLES)
    return time.perf_counter() - begin


def through_server(client: Client, text: str, form: str) -> float:
    begin = time.perf_counter()
    status, body, _ = client.get(text, ACCEPT[form])
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
    return time.perf_counter() - begin


def measure(store: Store, client: Client, queries: list, runs: int, seconds: float) -> list[tuple]:
    """(name, in-process median s, server median s, timed runs) per query; one warm-up each."""
    rows = []
    for query in queries:
        local, remote, spent = [], [], 0.0
        for rep in range(runs + 1):
            pair = (in_process(store, query.text), through_server(client, query.text, query.form))
            if rep:
                local.append(pair[0])
                remote.append(pair[1])
            spent += sum(pair)
            if spent > seconds:
                break
        if local:
            rows.append((query.name, statistics.median(local), statistics.median(remote), len(local)))
        print(f"{query.name}: {len(local)} runs", file=sys.stderr)
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="kg store folder or N-Quads file")
    p.add_argument("--runs", type=int, default=5, help="timed runs per query and side (default 5)")
    p.add_argument("--seconds", type=float, default=20.0, help="time cap per query (default 20)")
    p.add_argument("--oxigraph-bin")
    args = p.parse_args()
    args.oxigraph_timeout = False  # the server as the comparison runs it
    with tempfile.TemporaryDirectory(prefix="kg-engine-") as tmp:
        work = Path(tmp)
        data = unpack(args.data, work)
        entity = pick_entity(data, "https://schema.org/NewsArticle")
        queries = load_queries([REPO / "queries", TEMPLATES / "queries"], entity)
        server = prepare("oxigraph", data, work, args)
        start(server, 600)
        try:
            store = Store.read_only(str(work / "oxigraph-store"))
            rows = measure(store, Client(server.url, 120), queries, args.runs, args.seconds)
        finally:
            stop(server)
    print("| query | pyoxigraph in-process (ms) | oxigraph server (ms) | ratio | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, local, remote, runs in rows:
        print(f"| {name} | {1000 * local:.1f} | {1000 * remote:.1f} | {local / remote:.2f} | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
