"""Linked data: entity IRIs, their documents, VoID and the dumps.

Entity IRIs ``{base}id/{type}/{slug}`` are mapped onto this server's paths
``/id/{type}/{slug}`` wherever it runs. An entity IRI names a thing, not a
document, so ``/id/...`` answers ``303 See Other``: to ``/page/...`` (HTML)
when the client ranks HTML first, otherwise to ``/data/...``, which negotiates
Turtle (default), JSON-LD, N-Triples or RDF/XML (``Vary: Accept``; also
``?format=``). Both documents answer 404 for an IRI the dataset does not know.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request, send_from_directory, url_for

from kg.store import NQUADS_DUMP, TRIG_DUMP
from kg.web import negotiation as neg
from kg.web.pages import Dump, bind_entity, Linker, entity_view, render_rdf, sparql, void_context
from kg.web.views_sparql import SD_FORMATS, endpoint_url, root_url, service
from kg.web.workers import Job

bp = Blueprint("data", __name__)
ENTITY_FORMATS = SD_FORMATS
_DUMP_TYPES = {NQUADS_DUMP: ("application/gzip", "N-Quads, gzip"),
               TRIG_DUMP: ("application/trig", "TriG")}


def _iri(rest: str) -> str:
    return service().iris.base + "id/" + quote(rest, safe="/-._~!$&'()*+,;=:@%")


def _known(iri: str) -> bool:
    body = service().run(Job(bind_entity(sparql("entity_exists"), iri))).body
    return b"true" in body


@bp.route("/id/<path:rest>")
def thing(rest: str) -> Response:
    fmt = request.args.get("format", "")
    if fmt == "html" or (not fmt and neg.prefers_html(request.accept_mimetypes, ENTITY_FORMATS)):
        target = url_for("data.page", rest=rest)
    else:
        target = url_for("data.data", rest=rest) + (f"?{urlencode({'format': fmt})}" if fmt else "")
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/data/<path:rest>")
def data(rest: str) -> Response:
    svc = service()
    iri = _iri(rest)
    fmt = neg.choose(request.accept_mimetypes, ENTITY_FORMATS, request.args.get("format"))
    if not _known(iri):
        abort(404)
    answer = svc.run(svc.job(bind_entity(sparql("entity_describe"), iri), graph_format=fmt.name))
    return Response(answer.body, content_type=fmt.content_type, headers={"Vary": "Accept"})


@bp.route("/page/<path:rest>")
def page(rest: str) -> str:
    svc = service()
    iri = _iri(rest)
    if not _known(iri):
        abort(404)
    bodies = [svc.run(Job(bind_entity(sparql(name), iri))).body
              for name in ("entity_facts", "entity_inbound", "entity_counts")]
    linker = Linker(svc.iris.base, svc.prefixes, url_for("data.page", rest=""))
    view = entity_view(iri, *bodies, linker=linker)
    return render_template("entity.html", view=view, rest=rest, formats=ENTITY_FORMATS,
                           sparql_page=url_for("sparql.index"))


def _dumps() -> list[Dump]:
    folder = service().dumps_dir
    if folder is None or not folder.is_dir():
        return []
    return [Dump(root_url() + "dumps/" + name, media, title)
            for name, (media, title) in _DUMP_TYPES.items() if (folder / name).is_file()]


@bp.route("/.well-known/void")
def void() -> Response:
    svc = service()
    fmt = neg.choose(request.accept_mimetypes, SD_FORMATS, request.args.get("format"))
    context = void_context(svc.stats(), svc.iris.base, endpoint_url(), root_url() + ".well-known/void",
                           svc.iris.links_graph, _dumps())
    body = render_rdf("void.ttl", neg.graph_format(fmt.name), svc.prefixes, **context)
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    folder = service().dumps_dir
    if folder is None or name not in _DUMP_TYPES:
        abort(404)
    media = _DUMP_TYPES[name][0]
    mimetype = media if media.endswith("gzip") else f"{media}; charset=utf-8"
    return send_from_directory(folder, name, mimetype=mimetype, as_attachment=False, conditional=True)


@bp.route("/validation")
def validation() -> Response:
    """The SHACL report of the last build (written by `kg build` next to the store's data)."""
    from kg.build import REPORT_FILE

    folder = service().store_path
    if folder is None or not (folder / REPORT_FILE).is_file():
        abort(404)
    return send_from_directory(folder, REPORT_FILE, mimetype="text/html", conditional=True)
