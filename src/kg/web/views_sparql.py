"""The SPARQL endpoint, its service description and the query page.

A GET without a query answers the service description to RDF clients and the
query page to browsers. A browser (HTML ranked above every result format, no
``format=``) that opens ``/sparql?query=...`` is sent to the query page with
the same query, which is also the page's permalink form.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from kg.vocab import rebase_text
from kg.web import negotiation as neg
from kg.web.fastpath import answer_headers, etag_matches, not_modified_headers
from kg.web.pages import examples, listed, render_rdf
from kg.web.protocol import ProtocolError, SparqlRequest, check_query, parse_request
from kg.web.service import QueryService
from kg.web.workers import Job

bp = Blueprint("sparql", __name__)
SD_FORMATS = tuple(f for f in neg.GRAPH_FORMATS if f.name in ("turtle", "jsonld", "ntriples", "rdfxml"))


def service() -> QueryService:
    return current_app.extensions["kg"]


def root_url() -> str:
    """The public root of the server (from ``public_url`` when set, else from the request)."""
    public = service().settings.public_url
    if public:
        return public[: -len("sparql")] if public.endswith("/sparql") else public.rstrip("/") + "/"
    return request.url_root


def endpoint_url() -> str:
    return service().settings.public_url or root_url() + "sparql"


def _service_description() -> Response:
    svc = service()
    fmt = neg.choose(request.accept_mimetypes, SD_FORMATS, request.args.get("format"))
    stats = svc.stats()
    body = render_rdf("service.ttl", neg.graph_format(fmt.name), svc.prefixes,
                      endpoint=endpoint_url(), void_iri=root_url() + ".well-known/void",
                      triples=stats.triples, graphs=listed(stats.graphs),
                      timeout=svc.settings.query_timeout,
                      predeclared=", ".join(f"{p}:" for p in sorted(svc.prefixes)))
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})


def _job(req: SparqlRequest, results: neg.Format, graph: neg.Format) -> Job:
    info = req.info
    assert info is not None and req.query is not None
    dataset = {}
    if req.has_protocol_dataset:
        dataset = {"default_graphs": req.default_graphs, "named_graphs": req.named_graphs}
    return service().job(req.query, results_format=results.name, graph_format=graph.name,
                         union_default_graph=not info.has_dataset, **dataset)


def _formats(req: SparqlRequest) -> tuple[neg.Format, neg.Format]:
    """(results format, graph format); only the one matching the query form is negotiated."""
    accept = request.accept_mimetypes
    assert req.info is not None
    if req.info.returns_graph:
        return neg.RESULT_FORMATS[0], neg.choose(accept, neg.GRAPH_FORMATS, req.format)
    results = neg.choose(accept, neg.RESULT_FORMATS, req.format)
    return results, neg.GRAPH_FORMATS[0]


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    svc = service()
    req = parse_request(request, svc.settings.max_query_bytes, svc.prefixes)
    if req.query is None:
        if request.method == "POST" or req.has_protocol_dataset:
            raise ProtocolError(400, "missing query: send a query parameter or an application/sparql-query body")
        if neg.prefers_html(request.accept_mimetypes, SD_FORMATS) and not request.args.get("format"):
            return redirect(url_for("sparql.index"), code=303)
        return _service_description()
    g.kg_query = req.query
    check_query(req, svc.is_local_graph)
    offered = neg.GRAPH_FORMATS if req.info and req.info.returns_graph else neg.RESULT_FORMATS
    if request.method == "GET" and not req.format and neg.prefers_html(request.accept_mimetypes, offered):
        return redirect(url_for("sparql.index") + "?" + urlencode({"query": req.query}), code=303)
    results, graph = _formats(req)
    job = _job(req, results, graph)
    request.environ["kg.job"] = job  # every check passed: `Front` may run this raw request itself next time
    answer = svc.run(job)
    if request.method in ("GET", "HEAD") and etag_matches(request.headers.get("If-None-Match"), answer.etag):
        return Response(status=304, headers=not_modified_headers(answer, svc.cache_control))
    return Response(answer.body, headers=answer_headers(answer, svc.cache_control))


@bp.route("/")
def index() -> str:
    svc = service()
    queries = examples(current_app.config.get("KG_QUERIES_DIR"),
                       lambda text: rebase_text(text, svc.iris.base))
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(svc.prefixes.items()))
    return render_template(
        "query.html", examples=queries, prologue=prologue, initial=request.args.get("query", ""),
        endpoint=url_for("sparql.sparql"), base=svc.iris.base, page_prefix=url_for("data.page", rest=""),
        result_formats=neg.RESULT_FORMATS, graph_formats=neg.GRAPH_FORMATS[:4],
        timeout=svc.settings.query_timeout, prefixes=sorted(svc.prefixes),
    )
