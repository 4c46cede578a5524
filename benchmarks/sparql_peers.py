"""Servers, client and data for the endpoint comparison (see compare_endpoints.py).

Each peer endpoint is loaded with the same N-Quads file, started on a free loopback
port in its own process group, polled until it answers, and stopped with its workers.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
BIN = Path(sys.executable).parent
BASE = "https://example.org/iom-kg/"
WIKIDATA_MARK = re.compile(r"^#\s*kg:runs-on\s+wikidata\b", re.MULTILINE)
FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
ACCEPT = {"SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
          "CONSTRUCT": "application/n-triples", "DESCRIBE": "application/n-triples"}
ENDPOINTS = ("kg", "oxigraph", "rdflib-endpoint")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GRAPH_AT_END = re.compile(r"<([^<>]*)>\s*\.\s*$")


def unpack(data: Path, work: Path) -> Path:
    """Plain N-Quads for the servers: a ``.gz`` dump is decompressed, a store folder dumped, into `work`."""
    if data.is_dir():
        from pyoxigraph import RdfFormat, Store

        plain = work / "store-dump.nq"
        Store.read_only(str(data)).dump(str(plain), RdfFormat.N_QUADS)
        return plain
    if data.suffix != ".gz":
        return data
    plain = work / data.stem
    with gzip.open(data, "rb") as packed, plain.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return plain


# --- data ----------------------------------------------------------------------

def _template_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]


def synthesize(path: Path, items: int, seed: int) -> str:
    """Write a small N-Quads file (one named graph per item + a reference graph); say what it holds."""
    rng = random.Random(seed)
    item_t = _template_lines(TEMPLATES / "synthetic" / "item.nq")
    ref_t = _template_lines(TEMPLATES / "synthetic" / "reference.nq")
    words = _template_lines(TEMPLATES / "synthetic" / "words.txt")
    classes = dict(ln.split("\t") for ln in _template_lines(TEMPLATES / "synthetic" / "classes.tsv"))
    keys = {"country": [f"c{i:03d}" for i in range(200)], "organization": [f"org-{i:02d}" for i in range(80)]}
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for kind, names in keys.items():
            for key in names:
                values = {"base": BASE, "kind": kind, "key": key, "label": f"{kind} {key}", "class": classes[kind]}
                out.writelines(t.format(**values) + "\n" for t in ref_t)
                count += len(ref_t)
        for n in range(items):
            day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
            values = {"base": BASE, "slug": f"synthetic-{n:06d}", "n": n, "date": day.isoformat(),
                      "country": rng.choice(keys["country"]), "country2": rng.choice(keys["country"]),
                      "org": rng.choice(keys["organization"]), "words": rng.choice(words)}
            out.writelines(t.format(**values) + "\n" for t in item_t)
            count += len(item_t)
    return (f"synthetic data made by the harness (not the kg pipeline): {count:,} quads, {items:,} item graphs "
            f"+ 1 reference graph, seed {seed}")


def describe_data(path: Path) -> tuple[int, int]:
    """(quads, named graphs) of an N-Quads file, for the report."""
    quads, graphs = 0, set()
    with path.open(encoding="utf-8") as data:
        for line in data:
            if line.strip() and not line.startswith("#"):
                quads += 1
                match = GRAPH_AT_END.search(line)
                if match:
                    graphs.add(match.group(1))
    return quads, len(graphs)


def pick_entity(path: Path, of_class: str, lines: int = 200_000) -> str:
    """A real entity to look up: the first instance of `of_class`, else the most frequent subject."""
    subjects: Counter[str] = Counter()
    typed = f"> <{RDF_TYPE}> <{of_class}>"
    with path.open(encoding="utf-8") as data:
        for n, line in enumerate(data):
            if n >= lines or not line.startswith("<"):
                continue
            subject = line[1:line.index(">")]
            if typed in line:
                return subject
            subjects[subject] += 1
    if not subjects:
        raise ValueError(f"no subject IRI in the first {lines} lines of {path}")
    return min(subjects, key=lambda s: (-subjects[s], s))


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    form: str


def load_queries(folders: list[Path], entity: str) -> list[Query]:
    """Every ``*.rq`` of the folders, minus those meant for Wikidata; ``{entity}`` filled in."""
    queries = []
    for folder in folders:
        for path in sorted(folder.glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            if WIKIDATA_MARK.search(text):
                continue
            text = text.replace("{entity}", entity)
            code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
            match = FORM.search(code)
            if match:
                queries.append(Query(path.stem, text, match.group(1).upper()))
    return queries


# --- servers -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tool(name: str, override: str | None) -> str:
    found = override or (str(BIN / name) if (BIN / name).exists() else shutil.which(name))
    if not found:
        raise FileNotFoundError(f"{name} not found (pip install -r benchmarks/requirements.txt)")
    return found


@dataclass
class Server:
    name: str
    url: str
    command: list[str]
    log: Path
    prepare_seconds: float = 0.0
    ready_seconds: float = 0.0
    proc: subprocess.Popen | None = None
    note: str = ""
    restarts: int = 0
    stopped: bool = False


def _load_pyoxigraph(data: Path, location: Path) -> None:
    from pyoxigraph import RdfFormat, Store

    store = Store(str(location))
    store.bulk_load(path=str(data), format=RdfFormat.N_QUADS)
    store.flush()
    del store  # closes the database so that the server can open it


def prepare(name: str, data: Path, work: Path, args: argparse.Namespace) -> Server:
    """Load the data for one endpoint and build its command line."""
    port, log, start = free_port(), work / f"{name}.log", time.perf_counter()
    if name == "oxigraph":
        tool, location = _tool("oxigraph", args.oxigraph_bin), work / "oxigraph-store"
        subprocess.run([tool, "load", "--location", str(location), "--file", str(data)], check=True,
                       capture_output=True)
        command = [tool, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                   "--union-default-graph"]
        command += ["--timeout-s", f"{args.server_timeout:g}"] if args.oxigraph_timeout else []
        url = f"http://127.0.0.1:{port}/query"
    elif name == "rdflib-endpoint":
        tool = _tool("rdflib-endpoint", args.rdflib_endpoint_bin)
        command = [tool, "serve", str(data), "--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/"
    else:
        tool, location = _tool("kg", args.kg_bin), work / "kg-store"
        _load_pyoxigraph(data, location)
        command = [tool, "serve", "--store", str(location), "--host", "127.0.0.1", "--port", str(port),
                   "--timeout", f"{args.server_timeout:g}"]
        command += [] if args.kg_cache else ["--no-cache"]
        url = f"http://127.0.0.1:{port}/sparql"
    return Server(name, url, command, log, prepare_seconds=time.perf_counter() - start)


def start(server: Server, timeout: float) -> None:
    """Start the server and wait until it answers ``ASK {}``; raise with its log if it does not."""
    begin = time.perf_counter()
    with server.log.open("wb") as log:
        server.proc = subprocess.Popen(server.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    client = Client(server.url, timeout=5)
    while time.perf_counter() - begin < timeout:
        if server.proc.poll() is not None:
            break
        try:
            status = client.get("ASK {}", ACCEPT["ASK"])[0]
            if status == 200:
                server.ready_seconds = time.perf_counter() - begin
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = server.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    stop(server)
    raise RuntimeError(f"{server.name} did not come up: " + (" | ".join(tail) or "no output"))


def stop(server: Server) -> None:
    """Stop the server's process group (its worker processes too)."""
    proc = server.proc
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# --- client --------------------------------------------------------------------

#: A connection idle this long is replaced before its next request. Oxigraph's server times out
#: a kept-alive connection idle for about a minute by writing "500 Resource temporarily unavailable
#: (os error 11)" onto it, which the client would read as the answer to its next request.
IDLE_RECONNECT_SECONDS = 20.0


class Client:
    """One keep-alive HTTP connection issuing SPARQL GET requests."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, query: str, accept: str) -> tuple[int, bytes, str]:
        """Status, body and media type of the answer."""
        target = f"{self.path}?{urlencode({'query': query})}"
        if self.conn is not None and time.monotonic() - self.last_used > IDLE_RECONNECT_SECONDS:
            self.close()
        for attempt in (1, 2):  # a server may close an idle keep-alive connection: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", target, headers={"Accept": accept})
                response = self.conn.getresponse()
                body = response.read()
            except TimeoutError:
                self.close()
                raise
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
                continue
            self.last_used = time.monotonic()
            if response.will_close:
                self.close()
            return response.status, body, (response.getheader("Content-Type") or "").split(";")[0].strip()
        raise AssertionError("unreachable")


def result_size(form: str, body: bytes, media_type: str) -> str:
    """Rows (SELECT), the answer (ASK) or triples (graphs): a cross-check between endpoints.

    Graphs are parsed in whatever syntax came back (rdflib-endpoint answers DESCRIBE with
    RDF/XML labelled as SPARQL XML results).
    """
    from pyoxigraph import RdfFormat, parse

    try:
        if form == "SELECT":
            return str(len(json.loads(body)["results"]["bindings"]))
        if form == "ASK":
            return str(json.loads(body)["boolean"]).lower()
        syntax = RdfFormat.from_media_type(media_type)
        if syntax is None and body.lstrip().startswith(b"<"):
            syntax = RdfFormat.RDF_XML
        return str(sum(1 for _ in parse(body, syntax or RdfFormat.N_TRIPLES)))
    except (ValueError, KeyError, SyntaxError):
        return "?"
