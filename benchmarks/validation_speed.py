"""Validation time per 1,000 items, both engines side by side on the same mapped items.

    python benchmarks/validation_speed.py --items 10000 [--seed 1]

Generates a corpus (benchmarks/generate.py), extracts and maps it once, then validates the same batches of
1,000 items with the compiled engine (the build's default) and with pyshacl, interleaved batch by batch.
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
    catalogue, iris = load_catalogue(), Iris()
    mapped = [map_record(extract(item, catalogue), iris) for item in read_paths([corpus])
              if isinstance(item, BulletinItem)]
    engines = {"sparql": Validator(engine="sparql"), "pyshacl": Validator(engine="pyshacl")}
    seconds = {name: [] for name in engines}
    for n, start in enumerate(range(0, len(mapped), 1000)):
        batch = mapped[start:start + 1000]
        for name, validator in engines.items():
            if name == "pyshacl" and n >= args.pyshacl_batches:
                continue
            clock = time.perf_counter()
            validator.validate_items(batch)
            seconds[name].append((time.perf_counter() - clock) * 1000 / len(batch))
    print(f"{len(mapped)} items, {sum(len(m.quads) + len(m.reference) for m in mapped)} quads")
    print("| engine | batches | seconds per 1,000 items (median) | min | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in seconds.items():
        values.sort()
        print(f"| {name} | {len(values)} | {values[len(values) // 2]:.2f} | {values[0]:.2f} | {values[-1]:.2f} |")


if __name__ == "__main__":
    main()
