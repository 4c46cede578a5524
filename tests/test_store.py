"""kg.store: build with an atomic swap, read-only opening, dumps, stats."""
from __future__ import annotations

import gzip

import pyoxigraph
import pytest

from kg.store import (DUMPS_DIR, NQUADS_DUMP, TRIG_DUMP, StoreBuilder, build_store, load_quads, memory_store,
                      named_graphs, open_store, store_stats)
from web_support import ITEM1, LINKS, PAN, REFERENCE, sample_quads


def test_build_store_counts_and_dumps(tmp_path):
    quads = sample_quads()
    target = tmp_path / "kg-store"
    stats = build_store(target, quads)
    assert stats.triples == len(quads)
    assert stats.graphs[REFERENCE] == sum(1 for q in quads if q.graph_name.value == REFERENCE)
    assert stats.classes["https://schema.org/Country"] == 2
    with gzip.open(target / DUMPS_DIR / NQUADS_DUMP) as dump:
        assert set(pyoxigraph.parse(dump, format=pyoxigraph.RdfFormat.N_QUADS)) == set(quads)
    trig = list(pyoxigraph.parse(path=str(target / DUMPS_DIR / TRIG_DUMP)))
    assert set(trig) == set(quads)
    assert not list(tmp_path.glob(".kg-store.*")), "no build directories are left behind"


def test_failed_build_leaves_the_served_store_intact(tmp_path):
    target = tmp_path / "kg-store"
    build_store(target, sample_quads())
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(RuntimeError):
        with StoreBuilder(target) as builder:
            load_quads(builder.store, sample_quads()[:3])
            raise RuntimeError("extraction failed halfway")
    assert sorted(p.name for p in target.iterdir()) == before
    assert len(open_store(target)) == len(sample_quads())
    assert not list(tmp_path.glob(".kg-store.*"))


def test_rebuild_swaps_in_the_new_content(tmp_path):
    target = tmp_path / "kg-store"
    build_store(target, sample_quads())
    only_links = [q for q in sample_quads() if q.graph_name.value == LINKS]
    build_store(target, only_links)
    store = open_store(target)
    assert len(store) == len(only_links)
    assert named_graphs(store) == [LINKS]


def test_read_only_store_refuses_writes(tmp_path):
    target = tmp_path / "s"
    build_store(target, sample_quads())
    store = open_store(target)
    quad = pyoxigraph.Quad(pyoxigraph.NamedNode(PAN), pyoxigraph.NamedNode(PAN), pyoxigraph.Literal("x"))
    with pytest.raises((OSError, RuntimeError)):
        store.add(quad)
    assert len(open_store(target)) == len(sample_quads())


def test_open_missing_store_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="kg build"):
        open_store(tmp_path / "nowhere")


def test_memory_store_union_default_graph_and_stats():
    store = memory_store(sample_quads())
    plain = list(store.query("SELECT ?s WHERE { ?s ?p ?o }"))
    union = list(store.query("SELECT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True))
    assert plain == [] and len(union) == len(store)
    stats = store_stats(store)
    assert ITEM1 in stats.graphs and stats.triples == len(store)
    assert stats.entities == len({q.subject for q in store})


def test_sealed_store_keeps_files_added_after_the_dumps(tmp_path):
    target = tmp_path / "kg-store"
    with StoreBuilder(target) as builder:
        load_quads(builder.store, sample_quads())
        builder.seal()
        assert (builder.new_dir / DUMPS_DIR / NQUADS_DUMP).is_file()
        (builder.new_dir / "build.json").write_text("{}", encoding="utf-8")
    assert (target / "build.json").read_text(encoding="utf-8") == "{}"
    trig = set(pyoxigraph.parse(path=str(target / DUMPS_DIR / TRIG_DUMP)))
    assert trig == set(sample_quads())
