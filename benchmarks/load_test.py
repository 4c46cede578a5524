"""Bounded load test of SPARQL endpoints: N requests, C at a time, one small query.

    python benchmarks/load_test.py http://127.0.0.1:8000/sparql [--requests 2000] [--concurrency 8]
    python benchmarks/load_test.py kg=http://127.0.0.1:8000/sparql oxigraph=http://127.0.0.1:7878/query \\
        --requests 1500 --concurrency 1,4,8 --rounds 5 --warmup 200

Prints requests/s, latency median/p90/p99 and the error count per endpoint and
concurrency level; with ``--cpu NAME=PID``, also the server's CPU time per request
(the process and its children, e.g. kg's query workers), read from /proc. Several
endpoints (``name=URL``) are measured side by side: each level is split into
``--rounds`` slices taken round-robin across the endpoints, so a change in the
machine's load hits every endpoint alike.
Keep-alive connections, one per client thread, so the figure measures the
server rather than TCP setup. Meant for loopback targets you run yourself.

The client is Python threads (``http.client``) by default. On a small machine the
client's own CPU (a few hundred microseconds per request, under one GIL) competes with
the server's and flattens the differences between fast servers; ``--client wrk`` drives
the same requests with wrk (Debian package ``wrk``, C, event loop), ``--seconds`` per
endpoint and level instead of a request count, and reports wrk's latency percentiles
(the median over the round-robin slices of each slice's percentile).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from urllib.parse import urlencode, urlsplit

from build_speed import tree_cpu

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


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * _WRK_UNITS[unit]


def wrk_slice(url: str, seconds: float, concurrency: int, query: str) -> dict[str, float]:
    """One wrk run of ``seconds`` with ``concurrency`` connections: the figures of `_figures`."""
    parts = urlsplit(url)
    target = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}?{urlencode({'query': query})}"
    command = ["wrk", f"-t{min(concurrency, os.cpu_count() or 1)}", f"-c{concurrency}",
               f"-d{max(1, round(seconds))}s", "--latency", "-H", f"Accept: {ACCEPT}", target]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    wall = _wrk_ms(done.group(2) + done.group(3)) / 1000
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|connect|read|write|timeout):? (\d+)", out))
    return {"requests": int(done.group(1)), "seconds": wall, "rps": int(done.group(1)) / wall,
            "median_ms": _wrk_ms(percentiles["50"]), "p90_ms": _wrk_ms(percentiles["90"]),
            "p99_ms": _wrk_ms(percentiles["99"]), "errors": errors}


def _slices(names: list[str], rounds: int, pids: dict[str, int], fire):
    """Yield (name, result of ``fire(round, name)``, server CPU seconds it took), the endpoints
    taken round-robin with the first one rotating each round."""
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            before = tree_cpu(pids[name]) if name in pids else 0.0
            result = fire(r, name)
            yield name, result, (tree_cpu(pids[name]) - before) if name in pids else 0.0


def compare_wrk(targets: dict[str, str], seconds: float, levels: list[int], query: str, rounds: int = 5,
                pids: dict[str, int] | None = None) -> dict[tuple[str, int], dict[str, float]]:
    """As `compare`, with wrk as the client: ``seconds`` per endpoint and level, in ``rounds`` slices."""
    if shutil.which("wrk") is None:
        raise SystemExit("--client wrk needs the wrk program (Debian: apt-get install wrk)")
    names, pids = list(targets), pids or {}
    for name in names:
        wrk_slice(targets[name], 1, max(levels), query)  # warm-up
    results = {}
    for level in levels:
        slices: dict[str, list[dict[str, float]]] = {n: [] for n in names}
        cpu = dict.fromkeys(names, 0.0)

        def fire(r: int, name: str) -> dict[str, float]:
            return wrk_slice(targets[name], seconds / rounds, level, query)

        for name, figures, used in _slices(names, rounds, pids, fire):
            slices[name].append(figures)
            cpu[name] += used
        for name, runs in slices.items():
            total, wall = sum(f["requests"] for f in runs), sum(f["seconds"] for f in runs)
            results[(name, level)] = {
                "requests": total, "seconds": wall, "rps": total / wall, "server_cpu_s": cpu[name],
                "errors": sum(f["errors"] for f in runs),
                **{k: statistics.median(f[k] for f in runs) for k in ("median_ms", "p90_ms", "p99_ms")}}
    return results


def compare(targets: dict[str, str], requests: int, levels: list[int], query: str, rounds: int = 5,
            warmup: int = 0, pids: dict[str, int] | None = None) -> dict[tuple[str, int], dict[str, float]]:
    """Figures per (endpoint, level); each level in ``rounds`` slices taken round-robin across endpoints."""
    names, pids = list(targets), pids or {}
    for name in names:
        if warmup:
            _fire(targets[name], warmup, max(levels), query)
    results = {}
    for level in levels:
        collected: dict[str, list] = {n: [[], 0, 0.0, 0.0] for n in names}

        def fire(r: int, name: str) -> tuple[list[float], list[str], float]:
            share = requests // rounds + (1 if r < requests % rounds else 0)
            return _fire(targets[name], share, level, query)

        for name, (latencies, errors, seconds), used in _slices(names, rounds, pids, fire):
            total = collected[name]
            total[0] += latencies
            total[1] += len(errors)
            total[2] += seconds
            total[3] += used
        for name, (latencies, errors, seconds, cpu) in collected.items():
            results[(name, level)] = {**_figures(latencies, errors, seconds), "server_cpu_s": cpu}
    return results


def table(results: dict[tuple[str, int], dict[str, float]], names: list[str], levels: list[int]) -> str:
    """Markdown: requests/s (median / p90 ms) per level and endpoint, errors noted."""
    lines = ["| clients | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for level in levels:
        cells = []
        for name in names:
            f = results[(name, level)]
            cell = f"{f['rps']:,.0f} ({f['median_ms']:.2f}/{f['p90_ms']:.2f})"
            if f.get("server_cpu_s"):
                cell += f" [{1e6 * f['server_cpu_s'] / max(1, f['requests']):,.0f} µs CPU]"
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
    parser.add_argument("--client", choices=("python", "wrk"), default="python",
                        help="load generator: Python threads (default) or wrk")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="with --client wrk: seconds per endpoint and level (default 10)")
    parser.add_argument("--cpu", action="append", default=[], metavar="NAME=PID",
                        help="also report the server CPU per request of endpoint NAME: user + system time "
                             "of process PID and its children (repeatable)")
    args = parser.parse_args()
    targets = _targets(args.targets)
    pids = {name: int(pid) for name, _, pid in (value.partition("=") for value in args.cpu)}
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    if args.client == "wrk":
        results = compare_wrk(targets, args.seconds, args.concurrency, args.query, max(1, args.rounds), pids)
    else:
        results = compare(targets, args.requests, args.concurrency, args.query, max(1, args.rounds),
                          args.warmup, pids)
    for (name, level), f in results.items():
        print(f"{name}: {f['requests']:.0f} requests, {level} concurrent, {f['seconds']:.2f} s, "
              f"requests/s {f['rps']:.0f}, latency median {f['median_ms']:.2f} ms, p90 {f['p90_ms']:.2f} ms, "
              f"p99 {f['p99_ms']:.2f} ms, errors {f['errors']:.0f}")
    print()
    print(table(results, list(targets), args.concurrency))
    print(f"\nload average at start {load}, at end " + "/".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
