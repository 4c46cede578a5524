"""The benchmark corpus generator: deterministic, every layout, and readable by kg.read."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from kg.model import LAYOUTS, ReadError
from kg.read import read_paths

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
ITEMS = 600


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def catalogue():
    mappings = REPO / "mappings"
    has_own = (mappings / "countries.tsv").exists() and (mappings / "organizations.tsv").exists()
    if not has_own and not SHARED.exists():
        pytest.skip(f"no catalogue: neither {mappings}/countries.tsv + organizations.tsv nor {SHARED}")
    return gen.load_catalogue(mappings, SHARED)


@pytest.fixture(scope="module")
def templates():
    return gen.load_templates()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, catalogue, templates):
    out = tmp_path_factory.mktemp("corpus")
    manifest = gen.generate(ITEMS, 11, out, catalogue, templates)
    return out, manifest


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_bytes(tmp_path, catalogue, templates):
    gen.generate(300, 5, tmp_path / "a", catalogue, templates)
    gen.generate(300, 5, tmp_path / "b", catalogue, templates)
    gen.generate(300, 6, tmp_path / "c", catalogue, templates)
    first, second, other = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert first == second
    pages = lambda files: [data for name, data in files.items() if name.endswith(".txt")]  # noqa: E731
    assert pages(first) != pages(other)


def test_regenerating_into_a_folder_replaces_the_old_corpus(tmp_path, catalogue, templates):
    gen.generate(400, 1, tmp_path, catalogue, templates)
    manifest = gen.generate(50, 2, tmp_path, catalogue, templates)
    assert len(list(tmp_path.glob("*.txt"))) == manifest["pages"]


def test_item_count_is_exact_and_every_layout_present(corpus):
    out, manifest = corpus
    assert manifest["items"] == ITEMS
    assert sum(manifest["items_per_layout"].values()) == ITEMS
    assert set(manifest["items_per_layout"]) == set(LAYOUTS)
    assert all(n > 0 for n in manifest["items_per_layout"].values()), manifest["items_per_layout"]
    assert len(list(out.glob("*.txt"))) == manifest["pages"]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest


def test_pages_carry_the_variation_the_reader_must_handle(corpus):
    out, manifest = corpus
    assert all(n > 0 for n in manifest["variants"].values()), manifest["variants"]
    raw = [p.read_bytes() for p in out.glob("*.txt")]
    assert sum(data.startswith(b"\xef\xbb\xbf") for data in raw) == manifest["variants"]["bom"]
    assert sum(b"\r\n" in data for data in raw) == manifest["variants"]["crlf"]
    text = "".join(data.decode("utf-8-sig") for data in raw)
    for mark in ("\u00a0", "“", "”", "’", "Date Publish:", "Fecha de publicación:"):
        assert mark in text, mark
    assert re.search(r"^\d{1,2} de [a-z]+ de \d{4}\r?$", text, re.MULTILINE), "no Spanish listing date"
    for phrase in ("On ", "From ", " to ", "today (", "online course on ", "Regional Coalition against "):
        assert phrase in text, phrase


def test_reader_reads_back_every_item(corpus):
    """Each generated item comes back from kg.read with its title, date and layout."""
    out, manifest = corpus
    results = list(read_paths([out]))
    errors = [str(r) for r in results if isinstance(r, ReadError)]
    assert errors == []
    items = [r for r in results if not isinstance(r, ReadError)]
    assert len(items) == manifest["items"]
    assert Counter(item.layout for item in items) == Counter(
        {k: v for k, v in manifest["items_per_layout"].items() if v})
    expected = [json.loads(line) for line in (out / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [{"source": i.source, "index": i.index, "layout": i.layout, "title": i.title,
            "date": i.date_published.isoformat() if i.date_published else None} for i in items]
    wrong = [(e, g) for e, g in zip(expected, got) if e != g]
    assert not wrong, f"{len(wrong)} items differ; first: expected {wrong[0][0]}, read {wrong[0][1]}"


def test_command_line_writes_the_requested_corpus(tmp_path, catalogue):
    assert gen.main(["--items", "40", "--seed", "3", "--out", str(tmp_path), "--shared", str(SHARED)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["items"] == 40 and manifest["seed"] == 3
