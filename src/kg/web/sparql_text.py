"""What a query text asks for, found by lexing it the way the SPARQL grammar does.

The server must know, before it runs anything, the query form (to negotiate a
result format), whether the text is an update, and whether it uses ``SERVICE``
or names graphs with ``FROM``/``FROM NAMED``: those are refused unless the graph
belongs to this dataset, so no query can make the server fetch. The lexer skips
comments, strings, IRIs, variables and prefixed names (including their
backslash escapes, so a ``\\#`` in a local name cannot hide a keyword in a fake
comment) and looks only at bare keywords, plus the one shape in which ``<``
read as an operator could hide a keyword inside what lexes as an IRI. The
worker processes additionally run without network access where the OS allows
it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_PN_CHARS_BASE = (
    r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PN_CHARS = _PN_CHARS_BASE + r"_\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_BASE}_:0-9]|{_PLX})"
    rf"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)

_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
              |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'
              |"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<bnode>_:[{_PN_CHARS}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: ``<`` is also the less-than operator, so ``FILTER(?a<?b)SERVICE:x#>`` lexes as one IRI here while
#: the engine reads an operator, a SERVICE and a comment that swallows the ``>``. A keyword hidden
#: that way needs that ``#`` after it; IRIs of that shape count as SERVICE (a rare false refusal
#: rather than a fetch).
_SERVICE_IN_IRI = re.compile(r"(?<![A-Za-z0-9_])service.*#", re.IGNORECASE)

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass
class QueryInfo:
    """The facts about a query text the protocol layer decides on."""

    form: str | None = None
    update_keyword: str | None = None
    uses_service: bool = False
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs or self.unresolved)


def tokens(text: str) -> list[Token]:
    """Significant tokens (no whitespace or comments) of a SPARQL text."""
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, match.group()))
    return out


class _Prologue:
    """BASE and PREFIX declarations, to resolve the IRIs named after FROM."""

    def __init__(self, prefixes: dict[str, str] | None = None) -> None:
        self.base: str | None = None
        self.prefixes: dict[str, str] = dict(prefixes or {})

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            value = token.text[1:-1]
            if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value):
                return value
            return urljoin(self.base, value) if self.base else None
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes:
                return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None


def _fused(word: str, keywords: frozenset[str]) -> str | None:
    """The keyword the engine reads at the start of ``word``: it does not require a word
    boundary after a keyword, so ``SERVICEsilent`` is SERVICE SILENT and ``FROMNAMED`` is FROM NAMED."""
    return next((k for k in sorted(keywords, key=len, reverse=True) if word.startswith(k)), None)


def _hides_service(tok: Token) -> bool:
    if tok.kind in ("word", "pname"):
        return tok.text.upper().startswith("SERVICE")
    return tok.kind == "iri" and bool(_SERVICE_IN_IRI.search(tok.text))


def _prologue_step(toks: list[Token], i: int, word: str, prologue: _Prologue) -> int:
    """Tokens consumed by a BASE or PREFIX declaration at ``i`` (0 if there is none)."""
    if word == "BASE" and i + 1 < len(toks):
        prologue.base = prologue.iri(toks[i + 1]) or prologue.base
        return 2
    if word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname":
        value = prologue.iri(toks[i + 2])
        if value is not None:
            prologue.prefixes[toks[i + 1].text[:-1]] = value
        return 3
    return 0


def inspect_query(text: str, prefixes: dict[str, str] | None = None) -> QueryInfo:
    """Lex ``text`` once and report form, update keyword, SERVICE use and FROM graphs
    (``prefixes``: those the endpoint predeclares)."""
    toks = tokens(text)
    info = QueryInfo()
    prologue = _Prologue(prefixes)
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "word" else ""
        step = _prologue_step(toks, i, word, prologue)
        if step:
            i += step
            continue
        if word and info.form is None and info.update_keyword is None:
            info.form = _fused(word, QUERY_FORMS)
            info.update_keyword = None if info.form else _fused(word, UPDATE_KEYWORDS)
        info.uses_service = info.uses_service or _hides_service(tok)
        if word.startswith("FROM"):
            i = _from_clause(toks, i + 1, prologue, info, named=word == "FROMNAMED")
            continue
        i += 1
    return info


def _from_clause(toks: list[Token], i: int, prologue: _Prologue, info: QueryInfo, named: bool) -> int:
    if not named and i < len(toks) and toks[i].kind == "word" and toks[i].text.upper() == "NAMED":
        named = True
        i += 1
    if i >= len(toks):
        return i
    iri = prologue.iri(toks[i])
    if iri is None:
        info.unresolved.append(toks[i].text)
    elif named:
        info.from_named_graphs.append(iri)
    else:
        info.from_graphs.append(iri)
    return i + 1


_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


def syntax_error_message(query: str, error: str) -> str:
    """The parser's message with line, column and the offending line marked."""
    match = _POSITION.search(error)
    if not match:
        return f"SPARQL syntax error: {error}"
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    lines = query.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * max(column - 1, 0) + "^"
    return f"SPARQL syntax error at line {line}, column {column}: {detail}\n{source}\n{caret}"
