"""Compare SPARQL endpoints side by side on the same N-Quads data, in one run.

Endpoints: ours (``kg serve``), ``oxigraph serve-read-only`` (same engine, Rust HTTP
server) and ``rdflib-endpoint`` (the Python peer, rdflib engine). The harness loads
the data into each, starts the servers on free loopback ports, runs every query
round-robin across the endpoints (never one endpoint after the other), measures the
median and p90 latency per query, then requests per second with 1, 4 and 8
concurrent clients on a light query, stops the servers and prints a Markdown report.

    python benchmarks/compare_endpoints.py --data dump.nq --queries queries/
    python benchmarks/compare_endpoints.py              # synthetic data made on the fly

An endpoint that fails to start is reported and left out; the others still run.

Oxigraph's server runs as ``serve-read-only --union-default-graph``, without
``--timeout-s``: with it, the server keeps one timer thread per request alive for the
whole timeout, and at a few thousand requests/s it ran out of threads ("Resource
temporarily unavailable (os error 11)", then a panic that ended the process). Its
requests are capped at ``--server-timeout`` by the client instead, and it is restarted
after a capped request (about a second); ``--oxigraph-timeout`` passes the flag.

rdflib-endpoint has no query timeout and keeps evaluating after its client gives
up, so a request to it is capped at ``--cap`` seconds: past it the table says
"timed out after N s", the endpoint is restarted (its runaway evaluation would
otherwise take a core from the others' measurements) and skips that query's
remaining runs; once ``--max-restarts`` restarts are used up, the next capped
request stops it for the rest of the run. The throughput test runs first and the
lookups before the other queries, so a stopped endpoint still has those figures.
``--lookups-only rdflib-endpoint`` leaves it out of every query but the lookups
and the throughput test from the start. For a 10k-item build (about 10 minutes):

    python benchmarks/compare_endpoints.py --data STORE_OR_DUMP --cap 30 --max-restarts 12 --seconds 5
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sparql_peers import (ACCEPT, ENDPOINTS, TEMPLATES, Client, Query, Server, describe_data, load_queries,
                          pick_entity, prepare, result_size, start, stop, synthesize, unpack)

REPO = Path(__file__).resolve().parent.parent


# --- measurements --------------------------------------------------------------

#: Endpoints without a server-side query timeout: their requests are capped (rdflib-endpoint at --cap,
#: Oxigraph's server at --server-timeout unless it runs with its own) and they are restarted after a
#: capped request, which they would otherwise go on evaluating.
UNBOUNDED = ("rdflib-endpoint", "oxigraph")
#: Endpoints whose restarts count against --max-restarts (the others restart in about a second).
SLOW_RESTART = ("rdflib-endpoint",)


def _unbounded(server: Server, args: argparse.Namespace) -> bool:
    return server.name in UNBOUNDED and not (server.name == "oxigraph" and args.oxigraph_timeout)


@dataclass
class Cell:
    times: list[float] = field(default_factory=list)
    warmup: float | None = None
    errors: list[str] = field(default_factory=list)
    size: str = ""
    spent: float = 0.0
    timed_out: float | None = None
    skipped: str = ""


def _client_timeout(server: Server, args: argparse.Namespace) -> float:
    if not _unbounded(server, args):
        return args.query_timeout
    return args.cap if server.name in SLOW_RESTART else args.server_timeout


def _skip_reason(server: Server, query: Query, args: argparse.Namespace) -> str:
    """Why ``server`` does not run ``query`` ("" when it does): lookups run everywhere."""
    if server.stopped:
        return f"skipped (stopped after {server.restarts + 1} capped requests)"
    if query.name.startswith("lookup"):
        return ""
    if server.name in args.lookups_only:
        return "skipped (--lookups-only)"
    return ""


def _restart(server: Server, clients: dict[str, Client], args: argparse.Namespace) -> None:
    """Stop a server that is still evaluating a capped request and start it afresh; once
    --max-restarts restarts are used up, leave it stopped so the run stays bounded."""
    clients[server.name].close()
    stop(server)
    if server.name in SLOW_RESTART:  # the others are back in about a second: not counted
        if server.restarts >= args.max_restarts:
            server.stopped = True
            print(f"{server.name}: stopped after a capped request ({server.restarts} restarts used)",
                  file=sys.stderr)
            return
        server.restarts += 1
    print(f"{server.name}: restarting after a capped request", file=sys.stderr)
    try:
        start(server, args.startup_timeout)
    except RuntimeError as exc:  # its later requests fail and say so in the table
        print(f"{server.name}: did not come back: {exc}", file=sys.stderr)
    clients[server.name] = Client(server.url, _client_timeout(server, args))


def _timed(client: Client, query: Query) -> tuple[float, int, bytes, str]:
    begin = time.perf_counter()
    status, body, media_type = client.get(query.text, ACCEPT[query.form])
    return time.perf_counter() - begin, status, body, media_type


def _measure_one(server: Server, query: Query, rep: int, cell: Cell, clients: dict[str, Client],
                 args: argparse.Namespace) -> bool:
    """One run of ``query`` on ``server`` into ``cell``; False when the server leaves this query."""
    try:
        seconds, status, body, media_type = _timed(clients[server.name], query)
    except TimeoutError:
        cell.timed_out = _client_timeout(server, args)
        cell.errors.append(f"timed out after {cell.timed_out:g} s")
        if _unbounded(server, args):
            _restart(server, clients, args)
        return False
    except OSError as exc:
        cell.errors.append(f"{type(exc).__name__}")
        return False
    cell.spent += seconds
    if status != 200:
        cell.errors.append(f"HTTP {status}: {body[:120].decode('utf-8', 'replace')}")
        return False
    if rep == 0:
        cell.size, cell.warmup = result_size(query.form, body, media_type), seconds
    else:
        cell.times.append(seconds)
    return cell.spent <= args.seconds


def measure_latency(servers: list[Server], queries: list[Query], args: argparse.Namespace) -> dict:
    """Per query: one warm-up, then up to --requests timed runs per endpoint, round-robin."""
    clients = {s.name: Client(s.url, _client_timeout(s, args)) for s in servers}
    cells: dict[tuple[str, str], Cell] = {}
    for number, query in enumerate(queries, start=1):
        print(f"[{number}/{len(queries)}] {query.name}", file=sys.stderr)
        live = []
        for server in servers:
            cell = cells.setdefault((query.name, server.name), Cell())
            cell.skipped = _skip_reason(server, query, args)
            if not cell.skipped:
                live.append(server)
        for rep in range(args.requests + 1):
            order = live[rep % len(live):] + live[:rep % len(live)] if live else []
            for server in order:
                if not _measure_one(server, query, rep, cells[(query.name, server.name)], clients, args):
                    live.remove(server)
    for client in clients.values():
        client.close()
    return cells


def _hammer(server: Server, query: Query, clients: list[Client], seconds: float) -> tuple[int, int]:
    """`len(clients)` threads issue the query back to back for `seconds`; (ok, failed) counts."""
    deadline = time.perf_counter() + seconds
    counts = [[0, 0] for _ in clients]

    def run(i: int) -> None:
        while time.perf_counter() < deadline:
            try:
                status = clients[i].get(query.text, ACCEPT[query.form])[0]
            except OSError:
                status = 0
            counts[i][0 if status == 200 else 1] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def measure_throughput(servers: list[Server], query: Query, args: argparse.Namespace) -> dict:
    """Requests/s per endpoint and client count, in 1-second slices taken round-robin."""
    results: dict[tuple[str, int], tuple[float, int]] = {}
    slices = max(1, round(args.throughput_seconds / args.slice))
    for level in args.concurrency:
        pools = {s.name: [Client(s.url, args.query_timeout) for _ in range(level)] for s in servers}
        totals = {s.name: [0, 0, 0.0] for s in servers}
        for n in range(slices):
            for server in servers[n % len(servers):] + servers[:n % len(servers)]:
                begin = time.perf_counter()
                ok, failed = _hammer(server, query, pools[server.name], args.slice)
                total = totals[server.name]
                total[0], total[1], total[2] = total[0] + ok, total[1] + failed, total[2] + time.perf_counter() - begin
        for name, (ok, failed, spent) in totals.items():
            results[(name, level)] = (ok / spent, failed)
        for pool in pools.values():
            for client in pool:
                client.close()
    return results


# --- report --------------------------------------------------------------------

def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "unknown CPU")
    mem = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, {mem / 1024 ** 2:.1f} GiB RAM"


def _loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("kg", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "waitress", "uvicorn"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return "–"
    if cell.skipped:
        return cell.skipped
    if cell.timed_out is not None and not cell.times:
        return f"timed out after {cell.timed_out:g} s" + (
            f" (warm-up {1000 * cell.warmup:.0f})" if cell.warmup is not None else "")
    if cell.errors and not cell.times:
        return f"error ({cell.errors[0][:60]})"
    if cell.times:
        text = f"{1000 * statistics.median(cell.times):.1f} / {_ms(cell.times, 0.9):.1f}"
    else:
        text = f"{1000 * cell.warmup:.0f} (warm-up only)" if cell.warmup is not None else "–"
    text += " (answer not parsable)" if cell.size == "?" else ""
    return text + (f" ({len(cell.errors)} err)" if cell.errors else "")


def report(ctx: dict, servers: list[Server], queries: list[Query], cells: dict, rates: dict,
           light: Query, args: argparse.Namespace) -> str:
    names = [s.name for s in servers]
    out = ["## SPARQL endpoints side by side", "",
           f"- Date: {ctx['when']}", f"- Machine: {machine()} (servers and clients share it; loopback only)",
           f"- Load average (1/5/15 min) at start {ctx['load'][0]}, at end {ctx['load'][-1]}: other work on the "
           "machine skews the numbers when it exceeds the CPU count",
           f"- Command: `{ctx['command']}`", f"- Data: {ctx['data']}", f"- Lookup entity: `<{ctx['entity']}>`",
           f"- Versions: {_versions()}",
           f"- Runs: 1 warm-up + up to {args.requests} timed runs per query and endpoint (at most "
           f"{args.seconds:g} s each), round-robin across endpoints; HTTP GET with keep-alive; query timeout "
           f"{args.server_timeout:g} s: kg's own, " + (
               "Oxigraph's --timeout-s" if args.oxigraph_timeout else
               "Oxigraph's server (run without --timeout-s) capped by the client and restarted") +
           f"; client timeout {args.query_timeout:g} s; rdflib-endpoint (no timeout) capped at {args.cap:g} s, "
           f"then restarted (at most {args.max_restarts}x, then stopped); throughput measured first, lookups "
           "before the other queries."]
    out += [f"- Left out: {note}" for note in ctx["skipped"]]
    if args.lookups_only:
        out.append(f"- Lookups only (no other query): {', '.join(sorted(args.lookups_only))}")
    out += ["", "Startup: " + "; ".join(f"{s.name} load {s.prepare_seconds:.1f} s + ready {s.ready_seconds:.1f} s"
                                        for s in servers), "",
            "### Latency per query (ms, median / p90)", "",
            "| query | form | " + " | ".join(names) + " | results |", "|---|---|" + "---|" * len(names) + "---|"]
    for query in queries:
        sizes = {n: cells[(query.name, n)].size for n in names
                 if (query.name, n) in cells and cells[(query.name, n)].size not in ("", "?")}
        agree = len(set(sizes.values())) <= 1
        size_text = next(iter(sizes.values()), "") if agree else ", ".join(f"{n} {v}" for n, v in sizes.items())
        row = [query.name, query.form] + [_cell_text(cells.get((query.name, n))) for n in names]
        out.append("| " + " | ".join(row + [size_text if agree else f"differ: {size_text}"]) + " |")
    out += ["", f"### Throughput (requests/s, query `{light.name}`, {args.throughput_seconds:g} s per endpoint "
                f"and level in {args.slice:g} s round-robin slices)", "",
            "| clients | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for level in args.concurrency:
        row = [str(level)]
        for n in names:
            rate, failed = rates[(n, level)]
            row.append(f"{rate:,.0f}" + (f" ({failed} failed)" if failed else ""))
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


# --- main ----------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="N-Quads file (.nq or .nq.gz) or a kg store folder (default: synthetic data made on the fly)")
    p.add_argument("--synthetic-items", type=int, default=2000, help="items of the synthetic data (default 2000)")
    p.add_argument("--queries", type=Path, action="append",
                   help="folder of .rq files (repeatable; default: the repo's queries/)")
    p.add_argument("--endpoints", default=",".join(ENDPOINTS), help="comma-separated subset of " +
                   ", ".join(ENDPOINTS))
    p.add_argument("--requests", type=int, default=20, help="timed runs per query and endpoint (default 20)")
    p.add_argument("--seconds", type=float, default=10.0, help="time cap per query and endpoint (default 10)")
    p.add_argument("--query-timeout", type=float, default=60.0, help="client timeout per request (default 60 s)")
    p.add_argument("--cap", type=float, default=30.0,
                   help="seconds one request to rdflib-endpoint may take before it is recorded as timed out "
                        "and the endpoint restarted (default 30)")
    p.add_argument("--max-restarts", type=int, default=3,
                   help="restarts of rdflib-endpoint after capped requests; the next capped request "
                        "stops it for the rest of the run (default 3)")
    p.add_argument("--lookups-only", type=lambda v: {x.strip() for x in v.split(",") if x.strip()}, default=set(),
                   metavar="ENDPOINTS", help="comma-separated endpoints that run only the lookup queries "
                                             "(and the throughput test), e.g. rdflib-endpoint")
    p.add_argument("--entity", help="IRI for the lookup queries (default: picked from the data)")
    p.add_argument("--entity-class", default="https://schema.org/NewsArticle",
                   help="the lookups use the first instance of this class (default schema:NewsArticle)")
    p.add_argument("--server-timeout", type=float, default=30.0,
                   help="query timeout: kg's --timeout, and the client's cap on Oxigraph's requests "
                        "(its --timeout-s with --oxigraph-timeout) (default 30 s)")
    p.add_argument("--oxigraph-timeout", action="store_true",
                   help="start Oxigraph's server with --timeout-s (off by default: it then keeps a thread per "
                        "request for the whole timeout, and under the throughput test it ran out of threads "
                        "and died); without it, its requests are capped at --server-timeout and it is restarted")
    p.add_argument("--light", default="lookup_select", help="query for the throughput test (default lookup_select)")
    p.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 8])
    p.add_argument("--throughput-seconds", type=float, default=5.0, help="per endpoint and level (default 5)")
    p.add_argument("--slice", type=float, default=1.0, help="round-robin slice length in seconds (default 1)")
    p.add_argument("--startup-timeout", type=float, default=600.0, help="seconds to wait for a server (default 600)")
    p.add_argument("--kg-cache", action="store_true", help="leave kg's response cache on (off by default: "
                   "the peers have none)")
    p.add_argument("--kg-bin"), p.add_argument("--oxigraph-bin"), p.add_argument("--rdflib-endpoint-bin")
    p.add_argument("--workdir", type=Path, help="where stores and logs go (default: a temporary folder, removed)")
    p.add_argument("--output", type=Path, help="also write the Markdown report to this file")
    return p.parse_args(argv)


def _start_all(names: list[str], data: Path, work: Path, args: argparse.Namespace) -> tuple[list, list]:
    servers, skipped = [], []
    for name in names:
        try:
            server = prepare(name, data, work, args)
            start(server, args.startup_timeout)
            servers.append(server)
            print(f"{name}: up at {server.url} (load {server.prepare_seconds:.1f} s, ready {server.ready_seconds:.1f} s)",
                  file=sys.stderr)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            skipped.append(f"{name}: {exc}")
            print(f"{name}: left out: {exc}", file=sys.stderr)
    return servers, skipped


def run(args: argparse.Namespace, work: Path) -> str:
    ctx = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load": [_loadavg()],
           "command": shlex.join([Path(sys.executable).name, *sys.argv])}
    data = args.data
    if data is None:
        data = work / "synthetic.nq"
        ctx["data"] = f"`{data.name}`, " + synthesize(data, args.synthetic_items, seed=1)
    else:
        ctx["data"] = f"`{data}`" + ("" if data.is_dir() else f" ({data.stat().st_size / 1024 ** 2:.1f} MiB)")
        data = unpack(data, work)
    ctx["entity"] = args.entity or pick_entity(data, args.entity_class)
    quads, graphs = describe_data(data)
    ctx["data"] += f"; {quads:,} quads in {graphs:,} named graphs"
    queries = load_queries(args.queries or [REPO / "queries"], ctx["entity"])
    queries += load_queries([TEMPLATES / "queries"], ctx["entity"])
    light = next((q for q in queries if q.name == args.light), None)
    if light is None:
        raise SystemExit(f"no query named {args.light}")
    servers, ctx["skipped"] = _start_all([n.strip() for n in args.endpoints.split(",")], data, work, args)
    try:
        if not servers:
            raise SystemExit("no endpoint could be started")
        rates = measure_throughput(servers, light, args)
        lookups_first = sorted(queries, key=lambda q: not q.name.startswith("lookup"))
        cells = measure_latency(servers, lookups_first, args)
    finally:
        for server in servers:
            stop(server)
    ctx["load"].append(_loadavg())
    return report(ctx, servers, queries, cells, rates, light, args)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        text = run(args, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
