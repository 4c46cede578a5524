"""waitress with cached answers served on its own loop thread.

waitress reads and parses requests on one loop thread and hands each to a
worker thread; for an answer that is already in memory the hand-off (queue,
thread wake-up, GIL hand-over, a trigger back to the loop) costs more than the
answer itself. Here the dispatcher asks `Front.inline_hit` first: a GET whose
answer the cache holds is answered right on the loop thread with
`Front.cached_response` (the same status, headers, body and log line as through
WSGI, without building a WSGI environ), and everything else goes to the worker
threads as before. Nothing that could block (a query, a store reload, a large
body) runs on the loop.

This leans on waitress's channel, task and dispatcher classes (waitress 3.x).
"""
from __future__ import annotations

import threading
import time
import weakref
from typing import Any

import waitress
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask
from waitress.utilities import build_http_date

from kg.web.fastpath import Front
from kg.web.workers import Answer

#: Larger cached answers are sent from a worker thread (the loop stays responsive).
MAX_INLINE_BYTES = 256 * 1024


_date_cache: tuple[int, str] = (0, "")


def _http_date(now: float) -> str:
    """waitress's Date header, formatted once per second rather than per response."""
    global _date_cache
    second = int(now)
    if _date_cache[0] != second:
        _date_cache = (second, build_http_date(second))
    return _date_cache[1]


#: Response head of a cached 200 answer, built by waitress once and reused with the Date swapped in.
_PLACEHOLDER = "Thu, 01 Jan 1970 00:00:00 GMT"
_heads: dict[int, tuple[weakref.ref, bytes, bytes]] = {}
_MAX_HEADS = 1024


class _Task(WSGITask):
    """A WSGI task, or for a request marked inline, the cached answer written directly."""

    kg_answer: Answer | None = None

    def execute(self) -> None:
        answer = getattr(self.request, "kg_hit", None)
        if answer is None:
            super().execute()
            return
        request, front = self.request, self.channel.server.kg_front
        environ = {"REQUEST_METHOD": request.command, "PATH_INFO": request.path, "QUERY_STRING": request.query,
                   "REMOTE_ADDR": self.channel.addr[0],
                   "HTTP_IF_NONE_MATCH": request.headers.get("IF_NONE_MATCH")}
        status, headers, body = front.cached_response(environ, answer, time.perf_counter())
        self.status, self.complete = status, True
        self.content_length = len(body) if self.has_body else None
        self.response_headers.extend(headers)
        reusable = status.startswith("200") and self.version == "1.1" and \
            request.headers.get("CONNECTION", "").lower() != "close"
        self.kg_answer = answer if reusable else None
        self.response_headers.append(("Date", _PLACEHOLDER if reusable else _http_date(self.start_time)))
        self.write(body)

    def build_response_header(self) -> bytes:
        """For a kept-alive 200 from the cache, the head waitress built for the same answer before
        (same headers, capitalized and sorted its way), with this response's Date."""
        answer = self.kg_answer
        if answer is None:
            return super().build_response_header()
        entry = _heads.get(id(answer))
        if entry is None or entry[0]() is not answer:
            head, _, tail = super().build_response_header().partition(_PLACEHOLDER.encode("latin-1"))
            if len(_heads) >= _MAX_HEADS:
                _heads.clear()
            _heads[id(answer)] = entry = (weakref.ref(answer), head, tail)
        return entry[1] + _http_date(self.start_time).encode("latin-1") + entry[2]


class _Channel(HTTPChannel):
    """Runs the requests the dispatcher marked inline right after reading them."""

    task_class = _Task
    kg_reading = False
    kg_inline = False

    def handle_read(self) -> None:
        self.server.kg_loop_thread = threading.get_ident()
        self.kg_reading = True
        try:
            super().handle_read()
            while self.kg_inline and self.connected:
                self.kg_inline = False
                self.service()  # may mark the next pipelined request inline
        finally:
            self.kg_reading = self.kg_inline = False


class _Dispatcher(ThreadedTaskDispatcher):
    def __init__(self, front: Front):
        super().__init__()
        self.front = front
        self.inline = 0  # requests answered on the loop thread

    def add_task(self, channel: Any) -> None:
        if isinstance(channel, _Channel) and channel.kg_reading and channel.requests:
            request = channel.requests[0]
            answer = None
            if not request.error and not request.expect_continue and \
                    channel.total_outbufs_len < channel.adj.outbuf_high_watermark // 2:
                answer = self.front.inline_hit(request.command, request.path, request.query,
                                               request.headers.get("ACCEPT"))
            if answer is not None and len(answer.body) <= MAX_INLINE_BYTES:
                request.kg_hit = answer
                channel.kg_inline = True
                self.inline += 1
                return
        super().add_task(channel)


def _pull_trigger_from_others(listener: Any) -> Any:
    """waitress wakes its loop after every request; a request served on the loop itself needs no
    wake-up (the loop looks at every channel again before it waits), which saves a pipe round trip."""
    pull = listener.pull_trigger

    def pull_trigger() -> None:
        if threading.get_ident() != listener.kg_loop_thread:
            pull()

    return pull_trigger


def create_server(app: Any, front: Front | None, **options: Any) -> Any:
    """``waitress.create_server`` with inline cached answers when ``front`` is given."""
    if front is None:
        return waitress.create_server(app, **options)
    dispatcher = _Dispatcher(front)
    dispatcher.set_thread_count(Adjustments(**options).threads)
    server = waitress.create_server(app, _dispatcher=dispatcher, **options)
    listeners = [server] if isinstance(server, BaseWSGIServer) else \
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = _Channel
        listener.kg_front = front
        listener.kg_loop_thread = None
        listener.pull_trigger = _pull_trigger_from_others(listener)
    return server
