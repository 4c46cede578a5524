"""Bounded load test of SPARQL endpoints: N requests, C at a time, one small query.

    python benchmarks/load_test.py http://127.0.0.1:8000/sparql [--requests 2000] [--concurrency 8]
    python benchmarks/load_test.py kg=http://127.0.0.1:8000/sparql oxigraph=http://127.0.0.1:7878/query \\
        --requests 1500 --concurrency 1,4,8 --rounds 5 --warmup 200

Prints requests/s, latency median/p90/p99 and the error count per endpoint and
concurrency level. Several endpoints (``name=URL``) are measured side by side:
each level is split into ``--rounds`` slices taken round-robin across the
endpoints, so a change in the machine's load hits every endpoint alike.
Keep-alive connections, one per client thread, so the figure measures the
server rather than TCP setup. Meant for loopback targets you run yourself.
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

DEFAULT_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
ACCEPT = "application/sparql-results+json"


def _client(url: str, query: str, count: int, latencies: list[float], errors: list[str]) -> None:
    parts = urlsplit(url)
    path = f"{parts.path or '/'}?{urlencode({'query': query})}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
    headers = {"Accept": ACCEPT}
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


def _fire(url: str, requests: int, concurrency: int, query: str) -> tuple[list[float], list[str], float]:
    """(latencies, errors, wall seconds) of ``requests`` GETs from ``concurrency`` threads."""
    latencies: list[float] = []
    errors: list[str] = []
    shares = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    threads = [threading.Thread(target=_client, args=(url, query, n, latencies, errors)) for n in shares if n]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def _figures(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies), "seconds": seconds, "rps": len(latencies) / seconds if seconds else 0.0,
        "median_ms": statistics.median(ordered) * 1000, "p90_ms": percentile(ordered, 0.9) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000, "errors": errors,
    }


def run(url: str, requests: int = 2000, concurrency: int = 8, query: str = DEFAULT_QUERY) -> dict[str, float]:
    """Fire ``requests`` GETs from ``concurrency`` threads; returns the figures printed by main()."""
    latencies, errors, seconds = _fire(url, requests, concurrency, query)
    return _figures(latencies, len(errors), seconds)


def compare(targets: dict[str, str], requests: int, levels: list[int], query: str, rounds: int = 5,
            warmup: int = 0) -> dict[tuple[str, int], dict[str, float]]:
    """Figures per (endpoint, level); each level in ``rounds`` slices taken round-robin across endpoints."""
    names = list(targets)
    for name in names:
        if warmup:
            _fire(targets[name], warmup, max(levels), query)
    results = {}
    for level in levels:
        collected: dict[str, list] = {n: [[], 0, 0.0] for n in names}
        for r in range(rounds):
            share = requests // rounds + (1 if r < requests % rounds else 0)
            for name in names[r % len(names):] + names[:r % len(names)]:
                latencies, errors, seconds = _fire(targets[name], share, level, query)
                total = collected[name]
                total[0] += latencies
                total[1] += len(errors)
                total[2] += seconds
        for name, (latencies, errors, seconds) in collected.items():
            results[(name, level)] = _figures(latencies, errors, seconds)
    return results


def table(results: dict[tuple[str, int], dict[str, float]], names: list[str], levels: list[int]) -> str:
    """Markdown: requests/s (median / p90 ms) per level and endpoint, errors noted."""
    lines = ["| clients | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for level in levels:
        cells = []
        for name in names:
            f = results[(name, level)]
            cell = f"{f['rps']:,.0f} ({f['median_ms']:.2f}/{f['p90_ms']:.2f})"
            cells.append(cell + (f" {f['errors']:.0f} errors" if f["errors"] else ""))
        lines.append(f"| {level} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _targets(values: list[str]) -> dict[str, str]:
    targets = {}
    for n, value in enumerate(values, start=1):
        name, sep, url = value.partition("=")
        if not sep or "://" in name:
            name, url = (f"#{n}" if len(values) > 1 else "endpoint"), value
        targets[name] = url
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", metavar="[NAME=]URL",
                        help="SPARQL endpoint URL(s), e.g. http://127.0.0.1:8000/sparql")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and level (default 2000)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[8],
                        help="client threads, comma-separated levels (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="round-robin slices per level (default 5)")
    parser.add_argument("--warmup", type=int, default=0, help="unmeasured requests per endpoint first")
    parser.add_argument("--query", default=DEFAULT_QUERY)
    args = parser.parse_args()
    targets = _targets(args.targets)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    results = compare(targets, args.requests, args.concurrency, args.query, max(1, args.rounds), args.warmup)
    for (name, level), f in results.items():
        print(f"{name}: {f['requests']:.0f} requests, {level} concurrent, {f['seconds']:.2f} s, "
              f"requests/s {f['rps']:.0f}, latency median {f['median_ms']:.2f} ms, p90 {f['p90_ms']:.2f} ms, "
              f"p99 {f['p99_ms']:.2f} ms, errors {f['errors']:.0f}")
    print()
    print(table(results, list(targets), args.concurrency))
    print(f"\nload average at start {load}, at end " + "/".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
