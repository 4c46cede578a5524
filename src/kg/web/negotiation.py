"""Result formats and Accept negotiation.

q-values, wildcards and ``q=0`` exclusions are evaluated by Werkzeug's
``MIMEAccept``; the order of each table is the server's preference, so the
first entry is the default for ``*/*`` or a missing Accept. A ``format=``
parameter (short name or media type) overrides Accept for browsers and links.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()
    text: bool = True

    @property
    def content_type(self) -> str:
        if self.text and not self.media_type.endswith("json"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", ("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "nt", ("text/plain",)),
    Format("jsonld", "application/ld+json", "jsonld", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", "rdf", ("application/xml", "text/xml")),
    Format("nquads", "application/n-quads", "nq"),
    Format("trig", "application/trig", "trig"),
)
HTML = Format("html", "text/html", "html", ("application/xhtml+xml",))

_RESULTS_OXI = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
_GRAPH_OXI = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
}
BY_NAME = {f.name: f for f in (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)}


class NotAcceptable(Exception):
    """Nothing the client accepts is offered (406)."""

    def __init__(self, offered: tuple[Format, ...]):
        super().__init__("None of the accepted media types can be produced. Available: "
                         + ", ".join(f.media_type for f in offered))


class UnknownFormat(ValueError):
    pass


def results_format(name: str) -> QueryResultsFormat:
    return _RESULTS_OXI[name]


def graph_format(name: str) -> RdfFormat:
    return _GRAPH_OXI[name]


def _by_parameter(value: str, offered: tuple[Format, ...]) -> Format:
    wanted = value.strip().lower()
    for fmt in offered:
        if wanted in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    raise UnknownFormat(
        f"format={value!r} is not available here; use one of "
        + ", ".join(f.name for f in offered)
    )


def choose(accept: MIMEAccept, offered: tuple[Format, ...], format_param: str | None = None) -> Format:
    """The format to answer in; raises NotAcceptable (406) or UnknownFormat (400)."""
    if format_param:
        return _by_parameter(format_param, offered)
    if not accept:
        return offered[0]
    return _best(tuple(accept), offered)


#: Clients send the same few Accept headers over and over; matching one costs more than the query
#: lookup of a cached answer, so decisions are remembered (refusals are not, they raise).
@lru_cache(maxsize=512)
def _best(accept_items: tuple[tuple[str, float], ...], offered: tuple[Format, ...]) -> Format:
    accept = MIMEAccept(accept_items)
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    pairs = [(f.media_type, f) for f in offered] + [(a, f) for f in offered for a in f.aliases]
    for media, fmt in pairs:  # canonical types win ties over aliases
        if media not in owner:
            owner[media] = fmt
            candidates.append(media)
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(offered)
    return owner[best]


def prefers_html(accept: MIMEAccept, offered: tuple[Format, ...]) -> bool:
    """True when a browser-like Accept ranks HTML above every machine format offered."""
    if not accept:
        return False
    return _prefers_html(tuple(accept), offered)


@lru_cache(maxsize=512)
def _prefers_html(accept_items: tuple[tuple[str, float], ...], offered: tuple[Format, ...]) -> bool:
    accept = MIMEAccept(accept_items)
    try:
        return _best(accept_items, (HTML, *offered)) is HTML and accept.quality("text/html") > 0 \
            and "text/html" in accept.values()
    except NotAcceptable:
        return False
