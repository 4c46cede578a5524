"""The build orchestrator: whole sample loads, quarantine keeps failing items, swaps are atomic."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import Store

import kg.build as build_module
from kg.build import build
from kg.settings import Settings
from kg.validate import Validator


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory, sample_dir) -> tuple[Path, object]:
    target = tmp_path_factory.mktemp("build") / "store"
    summary = build([sample_dir], Settings(store=target))
    return target, summary


def _graphs(path: Path) -> set[str]:
    return {g.value for g in Store.read_only(str(path)).named_graphs()}


def test_sample_builds_with_every_item_loaded(sample_store):
    target, summary = sample_store
    assert (summary.pages, summary.items_read, summary.items_loaded, summary.items_quarantined) == (5, 29, 29, 0)
    assert summary.errors == [] and summary.triples > 29 * 10
    graphs = _graphs(target)
    base = Settings().base_iri
    assert len([g for g in graphs if g.startswith(base + "graph/bulletin/")]) == 29
    assert {base + "graph/reference", base + "graph/links/wikidata"} <= graphs
    recorded = json.loads((target / "build.json").read_text(encoding="utf-8"))
    assert recorded["items_loaded"] == 29 and set(recorded["stages"]) == set(build_module.STAGES)


def test_unreadable_page_is_reported_and_the_rest_loads(tmp_path: Path, sample_dir: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "bad.txt").write_bytes(b"Title\n\n\xff\xfe body\n")
    (pages / "good.txt").write_bytes((sample_dir / "004_b59d9b25a20bdcd6.txt").read_bytes())
    summary = build([pages], Settings(store=tmp_path / "store"))
    assert [str(e).split(":")[0] for e in summary.errors] == ["bad.txt"]
    assert summary.items_loaded == 6


def test_failing_items_are_quarantined_not_dropped(tmp_path: Path, sample_dir: Path, monkeypatch):
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "strict.ttl").write_text("""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<urn:test:LongHeadline> a sh:NodeShape ; sh:targetClass schema:NewsArticle ;
  sh:name "long headline" ;
  sh:property [ sh:path schema:headline ; sh:minLength 90 ; dcterms:identifier "TST-001" ;
                sh:message "headline shorter than 90 characters" ] .
""", encoding="utf-8")
    monkeypatch.setattr(build_module, "_validator", lambda settings: Validator(shapes, base_iri=settings.base_iri))
    target = tmp_path / "store"
    summary = build([sample_dir / "004_b59d9b25a20bdcd6.txt"], Settings(store=target))
    assert summary.items_read == 6
    assert summary.items_loaded + summary.items_quarantined == 6
    assert summary.items_quarantined >= 1 and len(summary.quarantined) == summary.items_quarantined
    for slug in summary.quarantined:
        folder = target / "quarantine" / slug
        assert {p.name for p in folder.iterdir()} == {"record.json", "graph.trig", "report.json"}
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert report["findings"] and "TST-001" in json.dumps(report)
        assert Settings().base_iri + "graph/bulletin/" + slug not in _graphs(target)


def test_failed_build_leaves_the_old_store_untouched(tmp_path: Path, sample_dir: Path, monkeypatch):
    target = tmp_path / "store"
    first = build([sample_dir / "004_b59d9b25a20bdcd6.txt"], Settings(store=target))
    before = _graphs(target)

    def broken(items, settings):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "process_batch", broken)
    with pytest.raises(RuntimeError):
        build([sample_dir], Settings(store=target))
    assert _graphs(target) == before and first.items_loaded == 6
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store.new")]


def test_worker_processes_give_the_same_store(tmp_path: Path, sample_dir: Path):
    serial = build([sample_dir], Settings(store=tmp_path / "serial", validation_batch=4, build_workers=1))
    parallel = build([sample_dir], Settings(store=tmp_path / "parallel", validation_batch=4, build_workers=2))
    assert serial.items_loaded == parallel.items_loaded == 29
    quads = [set(Store.read_only(str(tmp_path / name))) for name in ("serial", "parallel")]
    assert quads[0] == quads[1]


def test_loading_batch_by_batch_gives_the_same_store(tmp_path: Path, sample_dir: Path, sample_store, monkeypatch):
    """A tiny load buffer loads every batch on its own; the store must not depend on how batches are grouped."""
    monkeypatch.setattr(build_module, "LOAD_CHUNK_BYTES", 1)
    target = tmp_path / "store"
    summary = build([sample_dir], Settings(store=target, validation_batch=4))
    assert summary.triples == sample_store[1].triples
    assert set(Store.read_only(str(target))) == set(Store.read_only(str(sample_store[0])))
    assert summary.stages["finish"] > 0


def test_dumps_hold_exactly_the_quads_of_the_store(tmp_path: Path, sample_dir: Path):
    """The dumps are written batch by batch (gzip members, TriG documents); together they are the store."""
    import gzip

    from pyoxigraph import RdfFormat, parse

    target = tmp_path / "store"
    build([sample_dir], Settings(store=target, validation_batch=4, build_workers=2))
    stored = set(Store.read_only(str(target)))
    with gzip.open(target / "dumps" / "kg.nq.gz") as dump:
        lines = dump.read().splitlines()
    assert len(lines) == len(stored)                     # no quad twice, however many batches cite it
    assert set(parse(b"\n".join(lines), format=RdfFormat.N_QUADS)) == stored
    trig = (target / "dumps" / "kg.trig").read_bytes()
    assert set(parse(trig, format=RdfFormat.TRIG)) == stored


def test_pages_are_read_as_batches_are_needed(tmp_path: Path, sample_dir: Path):
    summary = build_module.BuildSummary()
    batches = build_module.read_batches([sample_dir], 4, summary)
    first = next(batches)
    assert len(first) == 4 and summary.items_read < 29        # not the whole corpus for the first batch
    rest = list(batches)
    assert [len(b) for b in rest] == [4] * 6 + [1] and (summary.pages, summary.items_read) == (5, 29)


def test_worker_pool_keeps_few_batches_in_flight(sample_dir: Path):
    summary = build_module.BuildSummary()
    items = [item for batch in build_module.read_batches([sample_dir], 1, summary) for item in batch]
    taken = []

    def batches():
        for item in items:
            taken.append(item)
            yield [item]

    results = build_module.run_batches(batches(), Settings(build_workers=2, validation_batch=1))
    next(results)
    assert len(taken) <= 2 * 2 + 1
    assert sum(r.loaded + len(r.quarantined) for r in results) == len(items) - 1
