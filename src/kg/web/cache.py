"""A bounded LRU cache of query answers, and the requests known to resolve to them.

The served store is read-only, so an answer stays right until the store is
replaced (the service clears the cache then). Bounded in bytes
(``settings.cache_max_bytes``); an answer larger than a sixteenth of the bound
is not kept, so one big result cannot flush everything else. Every answer that
passes through gets an ETag (a hash of its body), so HTTP caches can revalidate.

*Routes* remember, per raw request (method, query string, body, content type,
Accept), the cache key the full request path resolved it to after all its
protocol checks passed: `kg.web.fastpath` answers a repeated request from them
without parsing or negotiating again. Routes and answers are cleared together,
and the generation counter keeps a request that started before a clear from
storing what it learned from the old store.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

from kg.web.workers import Answer, Job

Key = tuple[object, ...]
#: Routes remembered at most (each holds one raw request of a few hundred bytes).
MAX_ROUTES = 4096


def cache_key(job: Job) -> Key:
    return (job.query, job.results_format, job.graph_format, job.union_default_graph,
            job.default_graphs, job.named_graphs)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class AnswerCache:
    def __init__(self, max_bytes: int, max_routes: int = MAX_ROUTES):
        self.max_bytes = max_bytes
        self.max_routes = max_routes
        self._items: OrderedDict[Key, Answer] = OrderedDict()
        self._routes: dict[Key, Key] = {}
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

    def route(self, raw: Key) -> tuple[Key, Answer] | None:
        """(cache key, answer) for a raw request seen before whose answer is still cached."""
        key = self._routes.get(raw)
        if key is None:
            return None
        answer = self.get_key(key)
        return None if answer is None else (key, answer)

    def remember(self, raw: Key, key: Key, generation: int) -> None:
        """Note that ``raw`` passed every check and resolved to ``key`` (in ``generation``)."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._routes) >= self.max_routes:
                self._routes.clear()  # rare; the next requests learn their routes again
            self._routes[raw] = key

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._routes.clear()
            self._size = 0
            self.generation += 1
