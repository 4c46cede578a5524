"""Build throughput: `kg build` on generated corpora, items/s and triples/s, per stage, peak memory.

    python benchmarks/build_speed.py --items 10000 100000 --workers 1 2

Each run generates its corpus (benchmarks/generate.py, seeded), then runs `kg build` in a child
process while sampling the resident memory of the child and its workers (sum over the process tree).
Prints a Markdown table with the machine, the date and the command.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    total = 0
    for current in process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its live descendants."""
    ticks = 0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def run_build(corpus: Path, store: Path, workers: int) -> dict:
    command = [sys.executable, "-m", "kg.cli", "build", str(corpus), "--store", str(store),
               "--workers", str(workers)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(child.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    out, err = child.communicate()
    if child.returncode not in (0, 1):
        raise RuntimeError(f"kg build failed ({child.returncode}): {err[-2000:]}")
    summary = json.loads((store / "build.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_rss": peak, "summary": summary, "line": out.strip().splitlines()[0],
            "load": (load_before, os.getloadavg()[0])}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {model}, {memory / 2**20:.0f} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args()
    rows = []
    for items in args.items:
        corpus = args.workdir / f"corpus-{items}-s{args.seed}"
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--items", str(items), "--seed",
                        str(args.seed), "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        for workers in args.workers:
            result = run_build(corpus, args.workdir / f"store-{items}-w{workers}", workers)
            rows.append((items, workers, result))
            print(result["line"], file=sys.stderr)
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"Command: `python benchmarks/build_speed.py {' '.join(sys.argv[1:])}`\n")
    print("| items | workers | seconds | items/s | triples/s | loaded | quarantined | peak RSS (MiB) | "
          "read | extract | map | validate | load | finish | load avg (start/end) |")
    print("| ---: " * 14 + "| ---: |")
    for items, workers, r in rows:
        s = r["summary"]
        stages = " | ".join(f"{s['stages'][name]:.1f}" for name in ("read", "extract", "map", "validate", "load", "finish"))
        print(f"| {items} | {workers} | {r['seconds']:.1f} | {items / r['seconds']:.0f} | "
              f"{s['triples'] / r['seconds']:.0f} | {s['items_loaded']} | {s['items_quarantined']} | "
              f"{r['peak_rss'] / 2**20:.0f} | {stages} | {r['load'][0]:.1f} / {r['load'][1]:.1f} |")
    print("\nStage columns are seconds summed over worker processes (time spent per stage); load includes"
          " the workers' serialization for the store and dumps and the parent's bulk loads; finish is the"
          " parent's report, flush and compaction after the last batch.")


if __name__ == "__main__":
    main()
