"""`kg build --store URL` and `kg serve --store URL` against a real Oxigraph server on loopback."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.cli import main
from kg.remote import RemoteStore
from kg.settings import Settings
from kg.web import create_app, make_server
from test_remote import oxigraph_url  # noqa: F401  (the server fixture)

BASE = Settings().base_iri


def test_build_pushes_the_sample_and_serve_answers_from_the_remote(oxigraph_url, tmp_path: Path,  # noqa: F811
                                                                     sample_dir: Path):
    url = oxigraph_url + "/query"
    result = CliRunner().invoke(main, ["build", str(sample_dir / "002_be47f603ef597797.txt"), "--store", url,
                                       "--local-store", str(tmp_path / "local")])
    assert result.exit_code == 0, result.output
    assert "pushed" in result.stdout
    remote = RemoteStore.oxigraph(oxigraph_url)
    graphs = remote.named_graphs(BASE + "graph/bulletin/")
    assert len(graphs) == 10
    again = CliRunner().invoke(main, ["build", str(sample_dir / "004_b59d9b25a20bdcd6.txt"), "--store", url,
                                      "--local-store", str(tmp_path / "local")])
    assert again.exit_code == 0, again.output
    assert len(remote.named_graphs(BASE + "graph/bulletin/")) == 6  # the previous push's items are gone

    settings = Settings(store=url, port=0)
    app = create_app(settings)
    server = make_server(settings, app, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        client = SPARQLWrapper(f"http://127.0.0.1:{server.effective_port}/sparql")
        client.setQuery("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?a a schema:NewsArticle } }")
        client.setReturnFormat(JSON)
        rows = client.query().convert()["results"]["bindings"]
        assert rows[0]["n"]["value"] == "6"
        client.setQuery("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
        with pytest.raises(Exception):
            client.query()
    finally:
        server.close()
        app.extensions["kg"].close()
        thread.join(timeout=10)


def test_unreachable_remote_store_is_a_clear_error(tmp_path: Path, sample_dir: Path):
    result = CliRunner().invoke(main, ["build", str(sample_dir / "004_b59d9b25a20bdcd6.txt"), "--store",
                                       "http://127.0.0.1:9/query", "--local-store", str(tmp_path / "local")])
    assert result.exit_code == 3
    assert "127.0.0.1:9" in result.stderr and "load failed" in result.stderr
