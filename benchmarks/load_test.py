"""Bounded load test of a SPARQL endpoint: N requests, C at a time, one small query.

    python benchmarks/load_test.py http://127.0.0.1:8000/sparql [--requests 2000] [--concurrency 8]

Prints requests/s, latency median/p90/p99 and the error count. Keep-alive
connections, one per client thread, so the figure measures the server rather
than TCP setup. Meant for loopback targets you run yourself.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

DEFAULT_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"


def _client(url: str, query: str, count: int, latencies: list[float], errors: list[str]) -> None:
    parts = urlsplit(url)
    path = f"{parts.path or '/'}?{urlencode({'query': query})}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
    headers = {"Accept": "application/sparql-results+json"}
    for _ in range(count):
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(str(response.status))
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        latencies.append(time.perf_counter() - started)
    conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(url: str, requests: int = 2000, concurrency: int = 8, query: str = DEFAULT_QUERY) -> dict[str, float]:
    """Fire ``requests`` GETs from ``concurrency`` threads; returns the figures printed by main()."""
    latencies: list[float] = []
    errors: list[str] = []
    shares = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    threads = [threading.Thread(target=_client, args=(url, query, n, latencies, errors)) for n in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
        "median_ms": statistics.median(ordered) * 1000, "p90_ms": percentile(ordered, 0.9) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000, "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SPARQL endpoint URL, e.g. http://127.0.0.1:8000/sparql")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--query", default=DEFAULT_QUERY)
    args = parser.parse_args()
    figures = run(args.url, args.requests, args.concurrency, args.query)
    print(f"{figures['requests']} requests, {args.concurrency} concurrent, {figures['seconds']:.2f} s")
    print(f"requests/s {figures['rps']:.0f}")
    print(f"latency median {figures['median_ms']:.2f} ms, p90 {figures['p90_ms']:.2f} ms, "
          f"p99 {figures['p99_ms']:.2f} ms")
    print(f"errors {figures['errors']}")


if __name__ == "__main__":
    main()
