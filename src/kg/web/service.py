"""The query service behind every route: bounded concurrency, timeout, cached counts.

All queries, the users' and the pages' own, pass through one semaphore of
``max_concurrent_queries`` slots; a request that finds none free is answered
503 with Retry-After at once rather than queued, so a burst cannot pile up
work behind a slow query. When a build swaps a new store directory in, the
service notices (the directory's inode changes), starts workers on the new
store and retires the old ones: a rebuild needs no restart. Answers are
cached (`kg.web.cache`, with an ETag each) when ``settings.cache_enabled``; a
cache cleared by a reload while a query ran does not take that query's answer.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from pyoxigraph import Store

from kg.iris import Iris
from kg.remote import is_remote, remote_for
from kg.settings import Settings
from kg.store import StoreStats, open_store, stats_from
from kg.vocab import vocab_for
from kg.web.cache import AnswerCache, Routes, cache_control
from kg.web.pages import rows
from kg.web.workers import Answer, Executor, InProcessExecutor, Job, WorkerPool


#: How often (seconds) the server looks whether `kg build` swapped in a new store.
_RELOAD_CHECK_SECONDS = 2.0


class Busy(Exception):
    """Every query slot is taken (503 with Retry-After)."""


class QueryService:
    def __init__(self, settings: Settings, store: Store | None = None, in_process: bool = False,
                 isolate_network: bool = True):
        self.settings = settings
        self.iris = Iris(settings.base_iri)
        self.prefixes = vocab_for(self.iris.base).prefixes()
        self.remote_url = str(settings.store) if store is None and is_remote(settings.store) else None
        self.store_path: Path | None = None if store is not None or self.remote_url else Path(settings.store)
        self.in_process = in_process
        self.isolate_network = isolate_network
        self._store_id = self._current_store_id()
        self._next_check = time.monotonic() + _RELOAD_CHECK_SECONDS
        self.executor: Executor = InProcessExecutor(store) if store is not None else self._open()
        self._slots = threading.BoundedSemaphore(max(1, settings.max_concurrent_queries))
        self.cache = AnswerCache(settings.cache_max_bytes) if settings.cache_enabled else None
        self.cache_control = cache_control(settings.cache_max_age)
        self.routes = Routes()  # raw requests known to pass every check (`kg.web.fastpath`)
        self._stats: StoreStats | None = None
        self._stats_lock = threading.Lock()
        self._reload_lock = threading.Lock()

    def _open(self) -> Executor:
        if self.remote_url:
            from kg.web.remote_executor import RemoteExecutor

            return RemoteExecutor(remote_for(self.remote_url, self.settings.remote_user,
                                             self.settings.remote_password, retries=0))
        assert self.store_path is not None
        if not self.store_path.is_dir():
            raise FileNotFoundError(f"no store at {self.store_path}: run `kg build` first")
        if self.in_process:
            return InProcessExecutor(open_store(self.store_path))
        return WorkerPool(str(self.store_path), self.settings.max_concurrent_queries,
                          isolate_network=self.isolate_network)

    def _current_store_id(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.store_path) if self.store_path else None
        except OSError:
            return None
        return (info.st_dev, info.st_ino) if info else None

    def reload_due(self) -> bool:
        """True when `follow_rebuilds` would look at the store directory now."""
        return self.store_path is not None and time.monotonic() >= self._next_check

    def follow_rebuilds(self) -> None:
        """Reopen the store when a build has swapped a new directory in (checked every few seconds)."""
        if not self.reload_due():
            return
        if not self._reload_lock.acquire(blocking=False):
            return  # another request is checking
        try:
            self._next_check = time.monotonic() + _RELOAD_CHECK_SECONDS
            current = self._current_store_id()
            if current is None or current == self._store_id:
                return
            try:
                fresh = self._open()
            except (OSError, RuntimeError):
                return  # mid-swap or unreadable: keep serving the old store, look again later
            with self._stats_lock:
                old, self.executor = self.executor, fresh
                self._store_id, self._stats = current, None
                self.routes.clear()
                if self.cache is not None:
                    self.cache.clear()
            old.close()
        finally:
            self._reload_lock.release()

    def run(self, job: Job) -> Answer:
        """The answer to ``job``, from the cache when it holds one (with an ETag when caching)."""
        self.follow_rebuilds()
        cache = self.cache
        generation = cache.generation if cache is not None else 0
        cached = cache.get(job) if cache is not None else None
        if cached is not None:
            return cached
        if not self._slots.acquire(blocking=False):
            raise Busy(f"all {self.settings.max_concurrent_queries} query slots are busy; retry shortly")
        try:
            answer = self.executor.run(job, self.settings.query_timeout)
        finally:
            self._slots.release()
        return cache.put(job, answer, generation) if cache is not None else answer

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        """Rows of one of the server's own SELECT queries (union default graph)."""
        return rows(self.run(Job(query)).body)

    def job(self, query: str, **kwargs: object) -> Job:
        return Job(query, prefixes=self.prefixes, **kwargs)  # type: ignore[arg-type]

    def stats(self) -> StoreStats:
        """Counts for VoID and the service description, computed once per server process."""
        with self._stats_lock:
            if self._stats is None:
                self._stats = stats_from(
                    lambda q: [{k: v["value"] for k, v in r.items()} for r in self.select(q)])
            return self._stats

    def graph_names(self) -> set[str]:
        return set(self.stats().graphs)

    def is_local_graph(self, iri: str) -> bool:
        """A graph of this dataset: under the base IRI (existing or not) or a graph the store holds."""
        return iri.startswith(self.iris.base) or iri in self.graph_names()

    @property
    def dumps_dir(self) -> Path | None:
        return self.store_path / "dumps" if self.store_path else None

    def close(self) -> None:
        self.executor.close()
