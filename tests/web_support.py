"""Helpers shared by the store and endpoint tests: the fixture store and a live server."""
from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pyoxigraph

from kg.settings import Settings
from kg.store import build_store
from kg.web import make_server

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "web"
SAMPLE_TRIG = FIXTURES / "sample.trig"
QUERIES = FIXTURES / "queries"
BASE = Settings().base_iri
PAN = BASE + "id/country/pan"
REFERENCE = BASE + "graph/reference"
LINKS = BASE + "graph/links/wikidata"
ITEM1 = BASE + "graph/bulletin/page-1-item-1"
ITEM2 = BASE + "graph/bulletin/page-2-item-1"


def sample_quads() -> list[pyoxigraph.Quad]:
    return list(pyoxigraph.parse(path=str(SAMPLE_TRIG)))


def build_sample_store(target: Path) -> Path:
    build_store(target, sample_quads())
    return target


class LiveServer:
    """The app served by waitress on a free loopback port, in a thread, until `stop()`."""

    def __init__(self, settings: Settings, app) -> None:
        self.app = app
        self.server = make_server(settings.with_(host="127.0.0.1"), app, port=0)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, name="kg-test-server", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close every channel from inside the server's own loop thread, which then returns."""
        server = self.server

        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        self.thread.join(10)
        server.task_dispatcher.shutdown()


def get(url: str, accept: str | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
