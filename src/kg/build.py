"""The build orchestrator: read -> extract -> map -> validate -> load.

Items travel in batches (``Settings.validation_batch``). A batch is processed
by `process_batch`, a pure function of its items, so batches can run in worker
processes and give exactly what the single-process path gives. The parent
process alone writes the store: conforming items are loaded, failing items go
to the quarantine with their record, graph and report. Nothing is dropped.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date
from functools import lru_cache
from time import perf_counter

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from .iris import Iris
from .model import BulletinItem, ReadError
from .read import page_paths, read_page
from .resources import resource_dir
from .settings import Settings

STAGES = ("read", "extract", "map", "validate", "load", "finish")
QUARANTINE_DIR = "quarantine"
SUMMARY_FILE = "build.json"
REPORT_FILE = "validation.html"
#: Batches are loaded together up to this many N-Quads bytes: one large bulk load is much faster than
#: many small ones (each writes its own files that `optimize` then has to compact).
LOAD_CHUNK_BYTES = 256 * 2**20


@dataclass(frozen=True)
class QuarantineEntry:
    """A failing item, kept whole so a steward can see why and rebuild."""

    item_slug: str
    source: str
    index: int
    title: str
    record_json: str
    graph_trig: str
    findings: tuple[dict, ...]


@dataclass
class BatchResult:
    nquads: bytes
    loaded: int
    quarantined: list[QuarantineEntry]
    seconds: dict[str, float]
    findings: list = field(default_factory=list)   # every finding of the batch, warnings of loaded items too


@dataclass
class BuildSummary:
    build_date: str = ""
    pages: int = 0
    items_read: int = 0
    items_loaded: int = 0
    items_quarantined: int = 0
    errors: list[ReadError] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "errors"}
        data["errors"] = [str(e) for e in self.errors]
        return data


def read_corpus(paths: Iterable[Path]) -> tuple[list[BulletinItem], list[ReadError], int]:
    """All items of all pages, the pages' errors, and the number of pages."""
    items: list[BulletinItem] = []
    errors: list[ReadError] = []
    files = page_paths(paths)
    for path in files:
        page_items, page_errors = read_page(path)
        items.extend(page_items)
        errors.extend(page_errors)
    return items, errors, len(files)


def process_batch(items: list[BulletinItem], settings: Settings) -> BatchResult:
    """Extract, map and validate one batch; pure, so it may run in any process."""
    from .extract import extract, load_catalogue
    from .map import map_record

    seconds = dict.fromkeys(STAGES, 0.0)
    clock = perf_counter()
    catalogue = load_catalogue()
    records = [extract(item, catalogue) for item in items]
    seconds["extract"], clock = perf_counter() - clock, perf_counter()
    iris = Iris(settings.base_iri)
    mapped = [map_record(record, iris) for record in records]
    seconds["map"], clock = perf_counter() - clock, perf_counter()
    verdicts = _validator(settings).validate_items(mapped)
    seconds["validate"] = perf_counter() - clock
    good, bad, findings = [], [], []
    for record, graph, verdict in zip(records, mapped, verdicts):
        findings.extend(verdict.results)
        if verdict.conforms:
            good.extend(graph.quads)
            good.extend(graph.reference)
        else:
            bad.append(_quarantine_entry(record, graph, verdict))
    nquads = serialize(good, format=RdfFormat.N_QUADS) if good else b""
    return BatchResult(nquads=nquads, loaded=len(items) - len(bad), quarantined=bad, seconds=seconds,
                       findings=findings)


def _quarantine_entry(record, graph, verdict) -> QuarantineEntry:
    item = record.item
    trig = serialize(list(graph.quads) + list(graph.reference), format=RdfFormat.TRIG).decode("utf-8")
    findings = tuple(finding.to_json() for finding in verdict.results)
    return QuarantineEntry(item_slug=graph.item_slug, source=item.source, index=item.index, title=item.title,
                           record_json=json.dumps(record.to_json(explain=True), ensure_ascii=False, indent=2),
                           graph_trig=trig, findings=findings)


@lru_cache(maxsize=2)
def _validator(settings: Settings):
    """One validator per process: parsing and compiling the shapes is the expensive part."""
    from .validate import Validator

    return Validator.from_settings(settings)


def add_links(store: Store, iris: Iris) -> int:
    """The Wikidata linkset for the entities this build holds, from the SSSOM mapping sets."""
    from .links import linkset_quads, read_sssom

    reference = NamedNode(iris.reference_graph)
    subjects = {quad.subject.value for quad in store.quads_for_pattern(None, None, None, reference)}
    quads = []
    for path in sorted(resource_dir("mappings").glob("*.sssom.tsv")):
        quads.extend(linkset_quads(read_sssom(path), iris, subjects))
    store.extend(quads)
    return len(quads)


def add_ontology(store: Store, iris: Iris) -> None:
    """The vocabulary and its SKOS schemes, so that queries can read labels of classes and concepts."""
    from .vocab import ontology_quads

    store.extend(ontology_quads(iris, NamedNode(iris.ontology_graph)))


def dump_prefixes(iris: Iris) -> dict[str, str]:
    from .vocab import EXTERNAL_PREFIXES

    return {"kg": iris.term(""), "kgid": iris.base + "id/", **EXTERNAL_PREFIXES}


def _write_report(path: Path, findings: list) -> None:
    """The HTML validation report of the build, served at /validation."""
    from .validate_report import Report

    path.write_text(Report(findings=findings, targets={}).render("html"), encoding="utf-8")


def _batches(items: list[BulletinItem], size: int) -> list[list[BulletinItem]]:
    size = max(1, size)
    return [items[i:i + size] for i in range(0, len(items), size)]


def run_batches(items: list[BulletinItem], settings: Settings) -> Iterator[BatchResult]:
    """Batch results in input order, from worker processes when `build_workers` != 1."""
    batches = _batches(items, settings.validation_batch)
    workers = settings.build_workers or os.cpu_count() or 1
    if workers == 1 or len(batches) <= 1:
        for batch in batches:
            yield process_batch(batch, settings)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(process_batch, batches, [settings] * len(batches))


def write_quarantine(folder: Path, entries: Iterable[QuarantineEntry]) -> None:
    """One folder per failing item: record.json, graph.trig, report.json."""
    for entry in entries:
        target = folder / entry.item_slug
        target.mkdir(parents=True, exist_ok=True)
        (target / "record.json").write_text(entry.record_json + "\n", encoding="utf-8")
        (target / "graph.trig").write_text(entry.graph_trig, encoding="utf-8")
        meta = {"item": entry.item_slug, "source": entry.source, "index": entry.index,
                "title": entry.title, "findings": list(entry.findings)}
        (target / "report.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")


def build(paths: Iterable[Path], settings: Settings,
          progress: Callable[[int], None] | None = None) -> BuildSummary:
    """Build the store at `settings.store` from the pages at `paths`; the old store is replaced only on success."""
    from .store import StoreBuilder

    started = perf_counter()
    settings = settings.with_(build_date=settings.build_date or date.today())
    summary = BuildSummary(build_date=settings.build_date.isoformat())
    items, summary.errors, summary.pages = read_corpus(paths)
    summary.items_read = len(items)
    summary.stages["read"] = perf_counter() - started
    findings: list = []
    with StoreBuilder(settings.store, prefixes=dump_prefixes(Iris(settings.base_iri))) as builder:
        _load_all(builder.store, builder.new_dir, items, settings, summary, progress, findings)
        clock = perf_counter()
        _write_report(builder.new_dir / REPORT_FILE, findings)
        builder.seal()
        summary.stages["finish"] = perf_counter() - clock
        summary.seconds = perf_counter() - started
        (builder.new_dir / SUMMARY_FILE).write_text(json.dumps(summary.to_json(), indent=2) + "\n",
                                                    encoding="utf-8")
    return summary


def _load_all(store: Store, folder: Path, items: list[BulletinItem], settings: Settings,
              summary: BuildSummary, progress: Callable[[int], None] | None, findings: list) -> None:
    pending: list[bytes] = []
    for result in run_batches(items, settings):
        clock = perf_counter()
        pending.append(result.nquads)
        if sum(map(len, pending)) >= LOAD_CHUNK_BYTES:
            _bulk_load(store, pending)
        write_quarantine(folder / QUARANTINE_DIR, result.quarantined)
        summary.stages["load"] += perf_counter() - clock
        for stage, seconds in result.seconds.items():
            summary.stages[stage] += seconds
        summary.items_loaded += result.loaded
        summary.items_quarantined += len(result.quarantined)
        summary.quarantined.extend(entry.item_slug for entry in result.quarantined)
        findings.extend(result.findings)
        if progress:
            progress(result.loaded + len(result.quarantined))
    clock = perf_counter()
    _bulk_load(store, pending)
    add_links(store, Iris(settings.base_iri))
    add_ontology(store, Iris(settings.base_iri))
    store.flush()
    summary.triples = len(store)
    summary.stages["load"] += perf_counter() - clock


def _bulk_load(store: Store, pending: list[bytes]) -> None:
    """Load the buffered N-Quads of several batches at once, then empty the buffer."""
    data = b"".join(pending)
    pending.clear()
    if data:
        store.bulk_load(data, RdfFormat.N_QUADS)
