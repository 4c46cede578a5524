"""Extraction quality on the sample, scored by the shared scorer against the gold annotation."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.extract import extract, load_catalogue
from kg.model import BulletinItem
from kg.read import read_paths
from kg.resources import sample_bulletins

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCORER = SHARED / "tools" / "score_extraction.py"
GOLD = SHARED / "gold"

# The quality bar of the project on the sample, for every entity type and attribute the scorer measures.
THRESHOLDS = {
    "items.f1": 1.0,
    "items.title_exact": 1.0,
    "items.date_accuracy": 1.0,
    "countries.f1": 0.97,
    "organizations.f1": 0.92,
    "people.f1": 0.9,
    "places.f1": 0.85,
    "wikidata.precision": 1.0,
    "wikidata.recall": 0.9,
    "events.f1": 0.85,
    "events.type_accuracy": 0.85,
    "events.start_accuracy": 0.85,
    "courses.f1": 0.85,
    "initiatives.f1": 0.75,
}


def test_sample_meets_the_quality_floors(tmp_path):
    if not (SCORER.is_file() and GOLD.is_dir()):
        pytest.skip("../shared (gold annotation and scorer) is not next to the repository")
    catalogue = load_catalogue()
    pred = tmp_path / "pred.jsonl"
    with open(pred, "w", encoding="utf-8") as fh:
        for item in read_paths(sample_bulletins()):
            if isinstance(item, BulletinItem):
                fh.write(json.dumps(extract(item, catalogue).to_json(), ensure_ascii=False) + "\n")
    args = [sys.executable, str(SCORER), "--gold", str(GOLD), "--pred", str(pred)]
    for metric, floor in THRESHOLDS.items():
        args += ["--min", f"{metric}={floor}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
