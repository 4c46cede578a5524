"""A bounded LRU cache of query answers.

The served store is read-only, so an answer stays right until the store is
replaced (the service clears the cache then). Bounded in bytes
(``settings.cache_max_bytes``); an answer larger than a sixteenth of the bound
is not kept, so one big result cannot flush everything else.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from kg.web.workers import Answer, Job

Key = tuple[object, ...]


def cache_key(job: Job) -> Key:
    return (job.query, job.results_format, job.graph_format, job.union_default_graph,
            job.default_graphs, job.named_graphs)


class AnswerCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, job: Job) -> Answer | None:
        key = cache_key(job)
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, job: Job, answer: Answer) -> None:
        if len(answer.body) > self.max_bytes // 16:
            return
        key = cache_key(job)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._items[key] = answer
            self._size += len(answer.body)
            while self._size > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
