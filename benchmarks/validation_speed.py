"""Mapping and validation time per 1,000 items, both validation engines side by side on the same mapped items.

    python benchmarks/validation_speed.py --items 10000 [--seed 1] [--pyshacl-batches 3]

Generates a corpus (benchmarks/generate.py) and extracts it once; then, batch by batch as a build worker does,
maps 1,000 records and validates them with the compiled engine (the build's default) and with pyshacl,
interleaved. Wall-clock seconds and CPU seconds (time.process_time, all threads of this process) per 1,000
items; the first batch is a warm-up (caches, compiled shapes) and is not counted.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from kg.extract import extract, load_catalogue
from kg.iris import Iris
from kg.map import map_record
from kg.model import BulletinItem
from kg.read import read_paths
from kg.validate import Validator

HERE = Path(__file__).resolve().parent


def _timed(work) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _measure(records: list, engines: dict[str, Validator], pyshacl_batches: int) -> tuple[dict, int]:
    """(wall, CPU) seconds per 1,000 items of each batch after the first, per stage; and the quads mapped."""
    iris = Iris()
    seconds: dict[str, list[tuple[float, float]]] = {"map": [], **{name: [] for name in engines}}
    quads = 0
    for n, start in enumerate(range(0, len(records), 1000)):
        batch = records[start:start + 1000]
        per = 1000 / len(batch)
        mapped, wall, cpu = _timed(lambda: [map_record(record, iris) for record in batch])
        quads += sum(len(m.quads) + len(m.reference) for m in mapped)
        if n == 0:  # warm-up: mapping caches, the compiled engine's first store
            engines["sparql"].validate_items(mapped)
            continue
        seconds["map"].append((wall * per, cpu * per))
        for name, validator in engines.items():
            if name == "sparql" or n <= pyshacl_batches:
                _, wall, cpu = _timed(lambda: validator.validate_items(mapped))
                seconds[name].append((wall * per, cpu * per))
    return seconds, quads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pyshacl-batches", type=int, default=3, help="pyshacl is slow: time only this many")
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args()
    corpus = args.workdir / f"corpus-{args.items}-s{args.seed}"
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--items", str(args.items), "--seed",
                    str(args.seed), "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    catalogue = load_catalogue()
    records = [extract(item, catalogue) for item in read_paths([corpus]) if isinstance(item, BulletinItem)]
    engines = {"sparql": Validator(engine="sparql"), "pyshacl": Validator(engine="pyshacl")}
    seconds, quads = _measure(records, engines, args.pyshacl_batches)
    print(f"{len(records)} items, {quads} quads; the first batch of 1,000 is a warm-up, not counted")
    print("| stage | batches | seconds per 1,000 items (median) | min | max | CPU seconds per 1,000 items (median) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, values in seconds.items():
        if not values:
            continue
        walls, cpus = sorted(w for w, _ in values), sorted(c for _, c in values)
        label = "map" if name == "map" else f"validate, {name}"
        print(f"| {label} | {len(values)} | {walls[len(walls) // 2]:.2f} | {walls[0]:.2f} | {walls[-1]:.2f} "
              f"| {cpus[len(cpus) // 2]:.2f} |")


if __name__ == "__main__":
    main()
