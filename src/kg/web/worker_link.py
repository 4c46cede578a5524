"""The wire between the server and its query workers: length-prefixed messages on a socket pair.

A light query spends longer crossing to the worker and back than being
evaluated, so the crossing is kept to what it needs: one ``sendall`` and one or
two ``recv`` calls each way, a job as a ``marshal``-ed tuple of plain values
(the predeclared prefixes travel only when they change, not with every job),
and the answer as a fixed binary header followed by the serialized body, which
is never pickled or copied into an intermediate object. Both ends run the same
interpreter, so ``marshal`` is safe here; nothing else ever writes to these
sockets.
"""
from __future__ import annotations

import marshal
import socket
import struct
import time

_LENGTH = struct.Struct("!I")
#: Reply header: status (b"o" answer, b"e" error, b"s" syntax error), seconds, length of the format name.
_REPLY = struct.Struct("!cdB")
_SCATTER_LIMIT = 64 * 1024

OK, ERROR, SYNTAX = b"o", b"e", b"s"


def send(sock: socket.socket, *parts: bytes) -> None:
    """One message made of ``parts`` (joined for small messages, gathered for large ones)."""
    size = sum(len(p) for p in parts)
    header = _LENGTH.pack(size)
    if size <= _SCATTER_LIMIT:
        sock.sendall(b"".join((header, *parts)))
        return
    sock.sendall(header)
    for part in parts:
        sock.sendall(part)


def _exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply before the deadline")
            sock.settimeout(remaining)
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the connection")
        chunks.append(chunk)
        missing -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def recv(sock: socket.socket, deadline: float | None = None) -> bytes:
    """The next message; raises TimeoutError past ``deadline`` (monotonic), EOFError at the end."""
    (size,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size, deadline))
    return _exactly(sock, size, deadline) if size else b""


def encode(value: object) -> bytes:
    """A message of plain values (str, bytes, numbers, None, tuples, dicts)."""
    return marshal.dumps(value)


def decode(data: bytes) -> object:
    return marshal.loads(data)


def reply_parts(status: bytes, seconds: float, fmt: str, body: bytes) -> tuple[bytes, bytes]:
    """(header, body) of a reply; ``body`` is the serialized answer or the error message."""
    name = fmt.encode("ascii")
    return _REPLY.pack(status, seconds, len(name)) + name, body


def parse_reply(data: bytes) -> tuple[bytes, float, str, bytes]:
    """(status, seconds, format name, body) of a reply message."""
    status, seconds, length = _REPLY.unpack_from(data)
    start = _REPLY.size + length
    return status, seconds, data[_REPLY.size:start].decode("ascii"), data[start:]
