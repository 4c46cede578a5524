"""Query execution under a timeout.

pyoxigraph cannot interrupt a running query from Python, so queries run in
worker processes that open the store read-only; a query that outlives the
timeout gets its worker killed (its CPU and memory go with it) and a fresh
worker is started in the background. Workers talk to the server over a socket
pair (`kg.web.worker_link`), serialize results themselves (so serialization
counts against the timeout), and on Linux drop into their own network namespace
before opening the store, so even a query that slipped past the text checks
could not reach any host.

``InProcessExecutor`` runs queries in the server process: for in-memory stores
(tests of the app factory) and for measuring the cost of the worker path. It
has no timeout.
"""
from __future__ import annotations

import ctypes
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph
from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store

from kg.web import negotiation
from kg.web import worker_link as link

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    """One query to run and the format to serialize its answer in."""

    query: str
    results_format: str = "json"
    graph_format: str = "turtle"
    union_default_graph: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: Predeclared for the query (a PREFIX in the text overrides) and used to serialize graphs.
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    format: str
    body: bytes
    seconds: float
    #: Validator for HTTP caches (a hash of ``body``), set when the answer passes the response cache.
    etag: str | None = None


class QueryError(Exception):
    """The query failed in the engine (syntax or evaluation); message is for the client."""

    def __init__(self, message: str, syntax: bool = False):
        super().__init__(message)
        self.syntax = syntax


class QueryTimeout(Exception):
    pass


class Executor(Protocol):
    def run(self, job: Job, timeout: float) -> Answer: ...

    def close(self) -> None: ...


def _query_kwargs(job: Job) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [NamedNode(g) for g in job.default_graphs or ()]
        kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs or ()]
    elif job.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    return kwargs


def run_job(store: Store, job: Job) -> Answer:
    """Evaluate and serialize one job; raises QueryError for anything the engine refuses."""
    started = time.perf_counter()
    try:
        result = store.query(job.query, prefixes=job.prefixes or None, **_query_kwargs(job))
        if isinstance(result, (QuerySolutions, QueryBoolean)):
            name = job.results_format
            body = result.serialize(format=negotiation.results_format(name))
        else:
            name = job.graph_format
            rdf = negotiation.graph_format(name)
            prefixes = job.prefixes if rdf.supports_datasets or name == "turtle" else None
            body = pyoxigraph.serialize(result, format=rdf, prefixes=prefixes or None)
    except SyntaxError as exc:
        raise QueryError(str(exc), syntax=True) from None
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise QueryError(f"query evaluation failed: {exc}") from None
    return Answer(name, body or b"", time.perf_counter() - started)


class InProcessExecutor:
    def __init__(self, store: Store):
        self.store = store

    def run(self, job: Job, timeout: float) -> Answer:
        return run_job(self.store, job)

    def close(self) -> None:
        pass


def drop_network() -> bool:
    """Move this process into an empty network namespace (Linux); False where not permitted."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        flags = _CLONE_NEWNET if os.geteuid() == 0 else _CLONE_NEWUSER | _CLONE_NEWNET
        return libc.unshare(flags) == 0
    except (OSError, AttributeError):
        return False


def _job_from(fields: tuple, prefixes: dict[str, str]) -> Job:
    query, results, graph, union, default, named = fields
    return Job(query, results, graph, union, default, named, prefixes)


def worker_main(sock: socket.socket, store_path: str, isolate: bool) -> None:
    """The worker's loop: open the store read-only, answer jobs until the socket closes."""
    isolated = drop_network() if isolate else False
    try:
        store = Store.read_only(store_path)
    except OSError as exc:
        link.send(sock, link.encode(("failed", str(exc))))
        return
    link.send(sock, link.encode(("ready", isolated)))
    prefixes: dict[str, str] = {}
    while True:
        try:
            fields, new_prefixes = link.decode(link.recv(sock))  # type: ignore[misc]
        except (EOFError, OSError):
            return
        if new_prefixes is not None:
            prefixes = new_prefixes
        try:
            answer = run_job(store, _job_from(fields, prefixes))
            parts = link.reply_parts(link.OK, answer.seconds, answer.format, answer.body)
        except QueryError as exc:
            parts = link.reply_parts(link.SYNTAX if exc.syntax else link.ERROR, 0.0, "", str(exc).encode())
        link.send(sock, *parts)


class _Worker:
    """A ``python -m kg.web.worker_process`` child on one end of a socket pair.

    A plain subprocess rather than multiprocessing's spawn: the child never
    re-imports the caller's ``__main__``, so any script or server may start it.
    """

    def __init__(self, store_path: str, isolate: bool):
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg.web.worker_process", str(theirs.fileno()), store_path,
                 "isolate" if isolate else "shared"],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
        self.sock = ours
        self._prefixes: dict[str, str] | None = None  # the prefixes this worker holds
        try:
            status, detail = link.decode(link.recv(ours, time.monotonic() + _START_TIMEOUT))  # type: ignore[misc]
        except TimeoutError:
            self.kill()
            raise RuntimeError("query worker did not start") from None
        except (EOFError, OSError) as exc:
            self.kill()
            raise RuntimeError(f"query worker exited while starting: {exc}") from None
        if status != "ready":
            self.kill()
            raise RuntimeError(f"query worker could not open the store: {detail}")
        self.isolated = bool(detail)

    @property
    def pid(self) -> int:
        return self.process.pid

    def ask(self, job: Job, timeout: float) -> Answer:
        """Send one job and wait for its reply; TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        prefixes = None if job.prefixes == self._prefixes else job.prefixes
        fields = (job.query, job.results_format, job.graph_format, job.union_default_graph,
                  job.default_graphs, job.named_graphs)
        link.send(self.sock, link.encode((fields, prefixes)))
        self._prefixes = job.prefixes
        status, seconds, name, body = link.parse_reply(link.recv(self.sock, deadline))
        if status == link.OK:
            return Answer(name, body, seconds)
        raise QueryError(body.decode("utf-8", "replace"), syntax=status == link.SYNTAX)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.sock.close()


class WorkerPool:
    """Up to ``size`` worker processes, replaced when killed.

    ``prestart`` workers start with the pool; taking the last idle one starts a
    spare in the background, so a request seldom waits for a process to start
    (about 0.2 s each) even while a runaway query holds a worker.
    """

    def __init__(self, store_path: str, size: int, isolate_network: bool = True, prestart: int = 2):
        self.store_path = store_path
        self.size = max(1, size)
        self.isolate_network = isolate_network
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False
        self.killed: list[int] = []  # pids of workers stopped on timeout
        for _ in range(min(prestart, self.size)):
            self._replace_async()

    def _spawn(self) -> _Worker:
        try:
            return _Worker(self.store_path, self.isolate_network)
        except BaseException:
            with self._lock:
                self._count -= 1
            raise

    def _reserve(self) -> bool:
        with self._lock:
            if self._closed or self._count >= self.size:
                return False
            self._count += 1
            return True

    def _replace_async(self) -> None:
        if not self._reserve():
            return

        def start() -> None:
            try:
                worker = self._spawn()
            except (RuntimeError, OSError):
                return
            self._idle.put(worker)

        threading.Thread(target=start, name="kg-worker-start", daemon=True).start()

    def _checkout(self) -> _Worker:
        """An idle worker; taking the last one starts a spare, so bursts rarely wait for a start."""
        try:
            worker = self._idle.get_nowait()
            if self._idle.empty():
                self._replace_async()
            return worker
        except queue.Empty:
            pass
        if self._reserve():
            return self._spawn()
        try:
            return self._idle.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            raise QueryError("no query worker became available") from None

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._count -= 1

    def run(self, job: Job, timeout: float) -> Answer:
        worker = self._checkout()
        try:
            answer = worker.ask(job, timeout)
        except TimeoutError:
            self._discard(worker)
            self.killed.append(worker.pid)
            self._replace_async()
            raise QueryTimeout(f"query stopped after {timeout:g} s") from None
        except (EOFError, OSError) as exc:
            self._discard(worker)
            self._replace_async()
            raise QueryError(f"query worker failed: {exc}") from None
        except QueryError:
            self._checkin(worker)
            raise
        self._checkin(worker)
        return answer

    def _checkin(self, worker: _Worker) -> None:
        if self._closed:
            worker.kill()
        else:
            self._idle.put(worker)

    @property
    def workers(self) -> int:
        return self._count

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and diagnostics)."""
        with self._idle.mutex:
            return [w.pid for w in list(self._idle.queue)]

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.kill()
