"""kg.web.worker_link framing, and a worker pool keeping each job's prefixes across jobs."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from kg.web import worker_link as link
from kg.web.workers import Job, QueryError, WorkerPool
from web_support import build_sample_store


@pytest.fixture()
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_messages_of_any_size_arrive_whole(pair):
    a, b = pair
    small, large = b"job", bytes(range(256)) * 4096  # 1 MiB, sent by parts

    def sender() -> None:
        link.send(a, small)
        link.send(a, *link.reply_parts(link.OK, 0.25, "json", large))
        link.send(a)

    thread = threading.Thread(target=sender)
    thread.start()
    assert link.recv(b) == small
    assert link.parse_reply(link.recv(b, time.monotonic() + 10)) == (link.OK, 0.25, "json", large)
    assert link.recv(b) == b""
    thread.join(10)
    assert link.decode(link.encode((("q", None, True), {"p": "x"}))) == (("q", None, True), {"p": "x"})


def test_deadline_and_end_of_stream(pair):
    a, b = pair
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        link.recv(b, started + 0.2)
    assert 0.15 < time.monotonic() - started < 2
    a.sendall(b"\x00\x00\x00\x10abc")  # a header promising 16 bytes, then the end
    a.close()
    with pytest.raises(EOFError):
        link.recv(b, time.monotonic() + 5)


def test_pool_sends_changed_prefixes_and_reports_errors(tmp_path):
    store = build_sample_store(tmp_path / "kg-store")
    pool = WorkerPool(str(store), size=1, prestart=0, isolate_network=False)
    try:
        ask = "ASK { ?s a x:Country }"
        schema = {"x": "https://schema.org/"}
        elsewhere = {"x": "http://nowhere.example/"}
        answers = [pool.run(Job(ask, prefixes=p), timeout=10).body for p in (schema, schema, elsewhere, schema)]
        assert [b"true" in a for a in answers] == [True, True, False, True]
        with pytest.raises(QueryError) as syntax:
            pool.run(Job("SELECT WHERE {"), timeout=10)
        assert syntax.value.syntax
        assert pool.workers == 1  # errors keep the worker
    finally:
        pool.close()
