"""The build orchestrator: read -> extract -> map -> validate -> load.

Items travel in batches (``Settings.validation_batch``). A batch is processed
by `process_batch`, a pure function of its items, so batches can run in worker
processes and give exactly what the single-process path gives. The parent
process alone writes the store: conforming items are loaded, failing items go
to the quarantine with their record, graph and report. Nothing is dropped.

Stage times are CPU seconds (of the thread doing the stage; of the whole process
for bulk loads, whose threads are the store's), so a busy machine does not
inflate them; ``BuildSummary.seconds`` is the wall time.
"""
from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from itertools import chain, islice
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date
from functools import lru_cache
from time import perf_counter, process_time, thread_time
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse, serialize

from .iris import Iris
from .model import BulletinItem, ReadError
from .read import page_paths, read_page
from .resources import resource_dir
from .settings import Settings

if TYPE_CHECKING:
    from .store import DumpWriter

STAGES = ("read", "extract", "map", "validate", "load", "finish")
QUARANTINE_DIR = "quarantine"
SUMMARY_FILE = "build.json"
REPORT_FILE = "validation.html"
#: Batches are loaded together up to this many N-Quads bytes: one large bulk load is much faster than
#: many small ones (each writes its own files that `optimize` then has to compact).
LOAD_CHUNK_BYTES = 128 * 2**20


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
    nquads: bytes                  # the loaded items' own graphs, for the store
    reference: frozenset[bytes]    # N-Quads lines of the reference graph they point to (shared across batches)
    dump_gz: bytes                 # this batch's gzip member of kg.nq.gz (item graphs)
    dump_trig: bytes               # and its TriG document
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


def read_batches(paths: Iterable[Path], size: int, summary: BuildSummary) -> Iterator[list[BulletinItem]]:
    """Items in batches of `size`, page by page as they are needed, so a large corpus is never held whole.
    Pages, items read, errors and read time are counted into `summary` on the way."""
    files = page_paths(paths)
    summary.pages = len(files)
    size = max(1, size)
    batch: list[BulletinItem] = []
    for path in files:
        clock = thread_time()
        page_items, page_errors = read_page(path)
        summary.errors.extend(page_errors)
        summary.items_read += len(page_items)
        summary.stages["read"] += thread_time() - clock
        batch.extend(page_items)
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
    if batch:
        yield batch


def process_batch(items: list[BulletinItem], settings: Settings) -> BatchResult:
    """Extract, map and validate one batch, and serialize its share of the store and the dumps;
    pure, so it may run in any process."""
    from .extract import extract, load_catalogue
    from .map import map_record
    from .store import dump_chunk

    seconds = dict.fromkeys(STAGES, 0.0)
    clock = thread_time()
    catalogue, validator = load_catalogue(), _validator(settings)
    _freeze_long_lived()
    records = [extract(item, catalogue) for item in items]
    seconds["extract"], clock = thread_time() - clock, thread_time()
    iris = Iris(settings.base_iri)
    mapped = [map_record(record, iris) for record in records]
    seconds["map"], clock = thread_time() - clock, thread_time()
    verdicts = validator.validate_items(mapped)
    seconds["validate"], clock = thread_time() - clock, thread_time()
    good, reference, bad, findings = [], [], [], []
    for record, graph, verdict in zip(records, mapped, verdicts):
        findings.extend(verdict.results)
        if verdict.conforms:
            good.extend(graph.quads)
            reference.extend(graph.reference)
        else:
            bad.append(_quarantine_entry(record, graph, verdict))
    nquads, dump_gz, dump_trig = dump_chunk(good, dump_prefixes(iris))
    lines = serialize(reference, format=RdfFormat.N_QUADS).splitlines(keepends=True) if reference else []
    seconds["load"] = thread_time() - clock
    return BatchResult(nquads=nquads, reference=frozenset(lines), dump_gz=dump_gz, dump_trig=dump_trig,
                       loaded=len(items) - len(bad), quarantined=bad, seconds=seconds, findings=findings)


def _quarantine_entry(record, graph, verdict) -> QuarantineEntry:
    item = record.item
    trig = serialize(list(graph.quads) + list(graph.reference), format=RdfFormat.TRIG).decode("utf-8")
    findings = tuple(finding.to_json() for finding in verdict.results)
    return QuarantineEntry(item_slug=graph.item_slug, source=item.source, index=item.index, title=item.title,
                           record_json=json.dumps(record.to_json(explain=True), ensure_ascii=False, indent=2),
                           graph_trig=trig, findings=findings)


@lru_cache(maxsize=1)
def _freeze_long_lived() -> None:
    """In a build worker, move the catalogue, the compiled shapes and the modules out of the garbage
    collector's sight once they are loaded: full collections otherwise rescan them for every batch
    (measured: about a third of the mapping and validation time)."""
    if multiprocessing.parent_process() is not None:
        gc.freeze()


@lru_cache(maxsize=2)
def _validator(settings: Settings):
    """One validator per process: parsing and compiling the shapes is the expensive part."""
    from .validate import Validator

    return Validator.from_settings(settings)


def link_quads(reference: list[Quad], iris: Iris) -> list[Quad]:
    """The Wikidata linkset for the entities of the reference graph, from the SSSOM mapping sets."""
    from .links import linkset_quads, read_sssom

    subjects = {quad.subject.value for quad in reference}
    quads = []
    for path in sorted(resource_dir("mappings").glob("*.sssom.tsv")):
        quads.extend(linkset_quads(read_sssom(path), iris, subjects))
    return quads


def ontology_graph_quads(iris: Iris) -> list[Quad]:
    """The vocabulary and its SKOS schemes, so that queries can read labels of classes and concepts."""
    from .vocab import ontology_quads

    return list(ontology_quads(iris, NamedNode(iris.ontology_graph)))


def dump_prefixes(iris: Iris) -> dict[str, str]:
    from .vocab import EXTERNAL_PREFIXES

    return {"kg": iris.term(""), "kgid": iris.base + "id/", **EXTERNAL_PREFIXES}


def _write_report(path: Path, findings: list) -> None:
    """The HTML validation report of the build, served at /validation."""
    from .validate_report import Report

    path.write_text(Report(findings=findings, targets={}).render("html"), encoding="utf-8")


def run_batches(batches: Iterable[list[BulletinItem]], settings: Settings) -> Iterator[BatchResult]:
    """Batch results in input order, from worker processes when `build_workers` != 1. At most two
    batches per worker are in flight, so the corpus is read only as fast as it is processed."""
    batches = iter(batches)
    first = list(islice(batches, 2))
    workers = settings.build_workers or os.cpu_count() or 1
    if workers == 1 or len(first) <= 1:
        for batch in chain(first, batches):
            yield process_batch(batch, settings)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[BatchResult]] = deque()
        for batch in chain(first, batches):
            pending.append(pool.submit(process_batch, batch, settings))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


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
    from .store import DUMPS_DIR, DumpWriter, StoreBuilder

    started = perf_counter()
    settings = settings.with_(build_date=settings.build_date or date.today())
    summary = BuildSummary(build_date=settings.build_date.isoformat())
    findings: list = []
    prefixes = dump_prefixes(Iris(settings.base_iri))
    with StoreBuilder(settings.store, dumps=False) as builder:
        with _Loader(builder.store) as loader, DumpWriter(builder.new_dir / DUMPS_DIR, prefixes) as dumps:
            batches = read_batches(paths, settings.validation_batch, summary)
            for result in run_batches(batches, settings):
                _take(result, loader, dumps, builder.new_dir, summary, findings)
                if progress:
                    progress(result.loaded + len(result.quarantined))
            clock = thread_time()
            _finish_graphs(loader, dumps, Iris(settings.base_iri))
        summary.triples = len(builder.store)
        summary.stages["load"] += thread_time() - clock + loader.seconds
        clock = process_time()
        _write_report(builder.new_dir / REPORT_FILE, findings)
        builder.seal()
        summary.stages["finish"] = process_time() - clock
        summary.seconds = perf_counter() - started
        (builder.new_dir / SUMMARY_FILE).write_text(json.dumps(summary.to_json(), indent=2) + "\n",
                                                    encoding="utf-8")
    return summary


def _take(result: BatchResult, loader: "_Loader", dumps: "DumpWriter", folder: Path, summary: BuildSummary,
          findings: list) -> None:
    """Account for one batch: its quads to the loader and the dumps, its failing items to the quarantine."""
    clock = thread_time()
    loader.add(result.nquads, result.reference)
    dumps.add_chunk(result.dump_gz, result.dump_trig)
    write_quarantine(folder / QUARANTINE_DIR, result.quarantined)
    summary.stages["load"] += thread_time() - clock
    for stage, seconds in result.seconds.items():
        summary.stages[stage] += seconds
    summary.items_loaded += result.loaded
    summary.items_quarantined += len(result.quarantined)
    summary.quarantined.extend(entry.item_slug for entry in result.quarantined)
    findings.extend(result.findings)


def _finish_graphs(loader: "_Loader", dumps: "DumpWriter", iris: Iris) -> None:
    """The graphs written once per build: reference, Wikidata links, ontology (store and dumps)."""
    reference = list(parse(b"".join(sorted(loader.reference)), format=RdfFormat.N_QUADS))
    extra = link_quads(reference, iris) + ontology_graph_quads(iris)
    loader.add(serialize(extra, format=RdfFormat.N_QUADS), frozenset())
    dumps.add_quads(reference + extra)


class _Loader:
    """Bulk loads of the store in a background thread (pyoxigraph releases the GIL while loading), in
    chunks of up to `LOAD_CHUNK_BYTES`: one large bulk load is much faster than many small ones. At most
    one chunk loads while the next fills. Reference quads are loaded once, however many batches cite them."""

    def __init__(self, store: Store):
        self.store = store
        self.reference: set[bytes] = set()
        self._pending: list[bytes] = []
        self._size = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-load")
        self._running: Future | None = None
        self.seconds = 0.0      # CPU seconds of the bulk loads (the loader's own threads included)

    def add(self, nquads: bytes, reference: frozenset[bytes]) -> None:
        new = reference - self.reference
        self.reference |= new
        for data in (nquads, b"".join(new)):
            if data:
                self._pending.append(data)
                self._size += len(data)
        if self._size >= LOAD_CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        self._wait()
        data, self._pending, self._size = b"".join(self._pending), [], 0
        self._running = self._thread.submit(self._load, data) if data else None

    def _wait(self) -> None:
        if self._running is not None:
            self._running.result()
            self._running = None

    def _load(self, data: bytes) -> None:
        clock = process_time()
        self.store.bulk_load(data, RdfFormat.N_QUADS)
        self.seconds += process_time() - clock

    def __enter__(self) -> "_Loader":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._flush()
                self._wait()
        finally:
            self._thread.shutdown(wait=True)
