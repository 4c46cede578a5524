"""A bounded LRU cache of query answers, and the checked jobs raw requests are known to resolve to.

The served store is read-only, so an answer stays right until the store is
replaced (the service clears the cache then). Bounded in bytes
(``settings.cache_max_bytes``); an answer larger than a sixteenth of the bound
is not kept, so one big result cannot flush everything else. Every answer that
passes through gets an ETag (a hash of its body), so HTTP caches can revalidate.

*Routes* remember, per raw request (method, query string, body, content type,
Accept), the job the full request path resolved it to after all its protocol
checks passed: `kg.web.fastpath` runs a repeated request from them without
parsing or negotiating again. They record checks, not answers, so they serve
with the answer cache off too. The service clears routes and answers together
when the store is replaced (graph names, hence the checks, may have changed),
and a generation counter each keeps a request that started before a clear
from storing what it learned from the old store.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

from kg.web.workers import Answer, Job

Key = tuple[object, ...]
#: Routes remembered at most (each holds a raw request and its job, a few KB at most).
MAX_ROUTES = 4096


def cache_key(job: Job) -> Key:
    return (job.query, job.results_format, job.graph_format, job.union_default_graph,
            job.default_graphs, job.named_graphs)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def cache_control(max_age: int) -> str:
    """Cache-Control of cached answers: HTTP caches may reuse one ``max_age`` seconds
    (``settings.cache_max_age``), then revalidate it with its ETag."""
    return f"public, max-age={max(0, int(max_age))}"


class AnswerCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def get(self, job: Job) -> Answer | None:
        return self.get_key(cache_key(job))

    def get_key(self, key: Key) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, job: Job, answer: Answer, generation: int | None = None) -> Answer:
        """Keep ``answer`` (unless too large, or the cache was cleared since ``generation``);
        returns it with its ETag."""
        answer = replace(answer, etag=etag_of(answer.body))
        if len(answer.body) > self.max_bytes // 16:
            return answer
        key = cache_key(job)
        with self._lock:
            if generation is not None and generation != self.generation:
                return answer
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._items[key] = answer
            self._size += len(answer.body)
            while self._size > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted.body)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
            self.generation += 1


class Routes:
    """Raw request -> the `Job` it passed every protocol check as (bounded, cleared on store swap)."""

    def __init__(self, max_routes: int = MAX_ROUTES):
        self.max_routes = max_routes
        self._jobs: dict[Key, Job] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, raw: Key) -> Job | None:
        return self._jobs.get(raw)

    def remember(self, raw: Key, job: Job, generation: int) -> None:
        """Note that ``raw`` passed every check as ``job`` (learned in ``generation``)."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._jobs) >= self.max_routes:
                self._jobs.clear()  # rare; the next requests learn their routes again
            self._jobs[raw] = job

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self.generation += 1

    def __len__(self) -> int:
        return len(self._jobs)
