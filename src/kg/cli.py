"""`kg` command line: thin adapters over the library.

This is the only place that reads options, configures logging, draws progress
bars and chooses exit codes. Everything else is a call into `kg.*`.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from .model import BulletinItem, ReadError
from .resources import sample_bulletins
from .settings import DEFAULTS, Settings

_store_option = click.option("--store", "store", default=str(DEFAULTS.store), show_default=True,
                             help="Store directory (on-disk pyoxigraph store).")
_remote_store_option = click.option(
    "--store", "store", default=str(DEFAULTS.store), show_default=True,
    help="Store directory, or the URL of a SPARQL 1.1 store (Oxigraph server …/query, Virtuoso …/sparql).")
_user_option = click.option("--user", default=None, help="User for a remote store's writes (Virtuoso: dba).")
_password_option = click.option("--password", default=None, envvar="KG_REMOTE_PASSWORD",
                                help="Password for --user (or the KG_REMOTE_PASSWORD environment variable).")
_base_option = click.option("--base-iri", default=DEFAULTS.base_iri, show_default=True,
                            help="Base of every IRI the graph mints.")


def _paths(paths: tuple[str, ...]) -> list[Path]:
    return [Path(p) for p in paths] if paths else sample_bulletins()


def _error(message: object) -> None:
    click.echo(f"kg: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def main() -> None:
    """A knowledge graph of IOM news bulletins: extract, build, validate, serve."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one object per item (the scorer's contract).")
@click.option("--explain", is_flag=True, help="Show the sentence each entity was found in.")
def extract(paths: tuple[str, ...], as_json: bool, explain: bool) -> None:
    """Read pages and print the entities found in each item (no PATH: the built-in sample)."""
    from .extract import extract as extract_item, load_catalogue
    from .read import read_paths

    catalogue = load_catalogue()
    failed = False
    for entry in read_paths(_paths(paths)):
        if isinstance(entry, ReadError):
            _error(entry)
            failed = True
            continue
        record = extract_item(entry, catalogue)
        if as_json:
            click.echo(json.dumps(record.to_json(explain=explain), ensure_ascii=False))
        else:
            _print_record(record, explain)
    sys.exit(1 if failed else 0)


def _print_record(record, explain: bool) -> None:
    item: BulletinItem = record.item
    published = item.date_published.isoformat() if item.date_published else "no date"
    click.echo(f"{item.source}#{item.index}  {item.title}  ({published})")
    for kind in ("countries", "places", "organizations", "people", "events", "courses", "initiatives"):
        for entity in getattr(record, kind):
            label = getattr(entity, "name", None) or getattr(entity, "label", "")
            extra = getattr(entity, "iso2", None) or getattr(entity, "type", None) or getattr(entity, "kind", None)
            click.echo(f"  {kind[:-1] if kind != 'countries' else 'country'}: {label}" + (f" [{extra}]" if extra else ""))
            if explain and entity.evidence:
                click.echo(f"      from: {entity.evidence}")
    click.echo()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@_remote_store_option
@_base_option
@_user_option
@_password_option
@click.option("--local-store", default=str(DEFAULTS.store), show_default=True,
              help="With a remote --store: where the build is made (and its quarantine kept) before the push.")
@click.option("--workers", type=int, default=DEFAULTS.build_workers, show_default=True,
              help="Worker processes for extract/map/validate (0 = one per core).")
@click.option("--batch", type=int, default=DEFAULTS.validation_batch, show_default=True,
              help="Items per validation batch.")
def build(paths: tuple[str, ...], store: str, base_iri: str, user: str | None, password: str | None,
          local_store: str, workers: int, batch: int) -> None:
    """Read -> extract -> map -> validate -> load PATHs (no PATH: the built-in sample) into the store.

    Exit status: 0 built, 1 built but some pages could not be read, 2 usage, 3 the remote store refused the load.
    """
    from .remote import is_remote

    remote = store if is_remote(store) else None
    settings = DEFAULTS.with_(store=local_store if remote else store, base_iri=base_iri, build_workers=workers,
                              validation_batch=batch)
    summary = _run_build(_paths(paths), settings)
    if remote:
        _push(Path(settings.store), remote, user, password, settings)
    sys.exit(1 if summary.errors else 0)


def _push(local: Path, url: str, user: str | None, password: str | None, settings: Settings) -> None:
    from .iris import Iris
    from .remote import RemoteError, remote_for
    from .remote_load import LoadError, push_store

    try:
        with remote_for(url, user, password) as remote:
            report = push_store(local, remote, Iris(settings.base_iri).base + "graph/")
    except (RemoteError, LoadError) as exc:
        _error(f"{url}: the load failed, the remote graphs are unchanged or listed here: {exc}")
        sys.exit(3)
    click.echo(f"pushed {report.graphs} graphs, {report.triples} triples to {url} in {report.seconds:.1f}s "
               f"({len(report.pruned)} old graphs dropped)")


def _run_build(paths: list[Path], settings: Settings):
    from tqdm import tqdm

    from .build import build as build_store

    with tqdm(unit=" items", disable=not sys.stderr.isatty(), desc="kg build", leave=False) as bar:
        summary = build_store(paths, settings, progress=bar.update)
    for error in summary.errors:
        _error(error)
    stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in summary.stages.items())
    click.echo(f"{summary.pages} pages, {summary.items_read} items read, {summary.items_loaded} loaded, "
               f"{summary.items_quarantined} quarantined, {len(summary.errors)} pages unreadable; "
               f"{summary.triples} triples in {summary.seconds:.2f}s ({stages}) -> {settings.store}")
    for slug in summary.quarantined:
        click.echo(f"  quarantined: {slug} (see `kg quarantine show {slug}`)")
    return summary


@main.command()
@_remote_store_option
@_base_option
@_user_option
@_password_option
@click.option("--host", default=DEFAULTS.host, show_default=True)
@click.option("--port", type=int, default=DEFAULTS.port, show_default=True)
@click.option("--timeout", type=float, default=DEFAULTS.query_timeout, show_default=True,
              help="Seconds a query may run before it is stopped (503).")
@click.option("--public-url", default=None, help="Public URL of /sparql, for the service description and VoID.")
@click.option("--no-cache", is_flag=True, help="Turn the response cache off.")
@click.option("--cache-max-age", type=click.IntRange(min=0), default=DEFAULTS.cache_max_age, show_default=True,
              help="Seconds HTTP caches may reuse a cached answer (Cache-Control max-age) before revalidating.")
def serve(store: str, base_iri: str, user: str | None, password: str | None, host: str, port: int,
          timeout: float, public_url: str | None, no_cache: bool, cache_max_age: int) -> None:
    """Serve the store over SPARQL 1.1 (builds the built-in sample first if the store does not exist).

    With a remote --store URL, queries are evaluated there, behind this endpoint's rules and pages.
    """
    from .web import serve as serve_app

    settings = DEFAULTS.with_(store=store, base_iri=base_iri, host=host, port=port, query_timeout=timeout,
                              public_url=public_url, cache_enabled=not no_cache, cache_max_age=cache_max_age,
                              remote_user=user, remote_password=password)
    if "://" not in str(store) and not Path(store).exists():
        click.echo(f"kg: no store at {store}; building the built-in sample first")
        _run_build(sample_bulletins(), settings)
    click.echo(f"kg: serving {store} at http://{host}:{port}/ (SPARQL endpoint http://{host}:{port}/sparql)")
    serve_app(settings)


@main.command()
@click.argument("query")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]), default="table",
              show_default=True)
def query(query: str, store: str, fmt: str) -> None:
    """Run a SPARQL QUERY (text or a .rq file) against the store."""
    from .query import QueryError, run_query

    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") and Path(query).is_file() else query
    try:
        click.echo(run_query(Path(store), text, fmt), nl=False)
    except (QueryError, FileNotFoundError) as exc:
        _error(exc)
        sys.exit(2)


_SEVERITIES = {"violation": "Violation", "warning": "Warning", "info": "Info"}


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--store", "store", default=None, help="Validate a built store instead of files.")
@click.option("--shapes", "shapes", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of SHACL shapes (default: the project's shapes/).")
@_base_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html", "ttl"]), default="text",
              show_default=True)
@click.option("--fail-on", type=click.Choice(sorted(_SEVERITIES)), default="violation", show_default=True,
              help="Lowest severity that makes the data not conform (exit 1).")
@click.option("--max-results", type=int, default=None, help="Show at most this many results.")
@click.option("--max-per-shape", type=int, default=None, help="Show at most this many results per shape.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report to a file.")
def validate(paths: tuple[str, ...], store: str | None, shapes: str | None, base_iri: str, fmt: str,
             fail_on: str, max_results: int | None, max_per_shape: int | None, output: str | None) -> None:
    """Validate Turtle/TriG/N-Quads files or a store against the SHACL shapes.

    Exit status: 0 conforms, 1 does not conform, 2 usage error, 3 shapes or data could not be loaded.
    """
    from .validate import validate_graph

    if bool(paths) == bool(store):
        raise click.UsageError("give either data files or --store DIR (not both, not neither)")
    try:
        source = _validation_source(paths, store)
        report = validate_graph(source, Path(shapes) if shapes else None, base_iri=base_iri,
                                max_results=max_results, max_per_shape=max_per_shape,
                                fail_on=_SEVERITIES[fail_on])
    except (ValueError, OSError, SyntaxError) as exc:
        _error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        sys.exit(3)
    text = report.render(fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(1 if report.failed else 0)


def _validation_source(paths: tuple[str, ...], store: str | None):
    from .validate import load_data

    if store:
        from .store import open_store

        return open_store(Path(store), read_only=True)
    graphs = [load_data(Path(p)) for p in paths]
    merged = graphs[0]
    for graph in graphs[1:]:
        merged += graph
    return merged


@main.group()
def quarantine() -> None:
    """Items the last build kept out of the store because they failed validation."""


def _quarantine_entries(store: str) -> list[dict]:
    from .build import QUARANTINE_DIR

    folder = Path(store) / QUARANTINE_DIR
    if not Path(store).is_dir():
        raise click.ClickException(f"no store at {store}: run `kg build` first")
    reports = sorted(folder.glob("*/report.json")) if folder.is_dir() else []
    return [json.loads(path.read_text(encoding="utf-8")) | {"folder": str(path.parent)} for path in reports]


@quarantine.command("list")
@_store_option
def quarantine_list(store: str) -> None:
    """One line per quarantined item: slug, page#position, rules it broke, title."""
    entries = _quarantine_entries(store)
    for entry in entries:
        rules = sorted({f.get("rule_id") or f.get("shape", "?") for f in entry["findings"]})
        click.echo(f"{entry['item']}  {entry['source']}#{entry['index']}  [{', '.join(rules)}]  {entry['title']}")
    click.echo(f"({len(entries)} quarantined item{'s' if len(entries) != 1 else ''})")


@quarantine.command("show")
@click.argument("slug")
@_store_option
def quarantine_show(slug: str, store: str) -> None:
    """Why an item was quarantined, and where its record and graph are."""
    matches = [e for e in _quarantine_entries(store) if e["item"] == slug]
    if not matches:
        raise click.ClickException(f"{slug} is not in the quarantine of {store} (see `kg quarantine list`)")
    entry = matches[0]
    click.echo(f"{entry['item']}: {entry['source']}#{entry['index']} {entry['title']}")
    for finding in entry["findings"]:
        click.echo(f"  {finding.get('severity')} {finding.get('rule_id') or finding.get('shape')}: "
                   f"{finding.get('message')}\n    focus {finding.get('focus_node')}"
                   f" path {finding.get('path')} value {finding.get('value')}")
    click.echo(f"record: {entry['folder']}/record.json\ngraph:  {entry['folder']}/graph.trig")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["sssom", "ttl", "csv"]), default="sssom", show_default=True)
@_base_option
def links(fmt: str, base_iri: str) -> None:
    """Export the Wikidata links of the catalogue (SSSOM mapping sets in mappings/)."""
    from .iris import Iris
    from .links import export_links, read_sssom
    from .resources import resource_dir

    for path in sorted(resource_dir("mappings").glob("*.sssom.tsv")):
        click.echo(export_links(read_sssom(path), fmt, Iris(base_iri)), nl=False)
if __name__ == "__main__":  # python -m kg.cli
    main()
