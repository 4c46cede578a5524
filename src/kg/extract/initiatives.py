"""Initiatives: what lasts and is pursued by actors (programmes, plans, campaigns, compacts, agreements...).

Anchored on head nouns from `mappings/initiative_kinds.tsv`. A head counts inside
a capitalized name ("the Mesoamerica Program", "Regional Coalition against ...
(CORETT)"), after a quoted name ("\"Think It Twice\" campaign"), as a lower-case
phrase with a modifier for the kinds whose instances are often unnamed ("a
contingency plan", "collaboration agreement"), and, for partnerships, when the
parties are named ("a partnership between X and Y", "X and Y have partnered").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Initiative
from . import phrases as ph
from .context import ItemContext, Sentence

_PERIOD = re.compile(r"\s*(?:for\s+|para\s+|,\s*|\(\s*)?"
                     r"((?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)?\d{2,4})?)(?!\d)(?![.,]\d)")
_COMPLEMENT = frozenset("of for against on in to de del contra para sobre".split())


@dataclass
class _Draft:
    name: str
    kind: str
    proper: bool
    sentence: Sentence
    subkind: str = ""
    organizations: list[str] = field(default_factory=list)
    period: str | None = None


def find_initiatives(ctx: ItemContext) -> tuple[Initiative, ...]:
    """The initiatives of one item; mentions of one kind merge when their names overlap or one is unnamed."""
    drafts: list[_Draft] = []
    for sentence in ctx.sentences:
        drafts += _verb_drafts(ctx, sentence)
        if not sentence.found("initiative_head"):
            continue
        dates = [(w.begin, w.finish) for w in sentence.dates(ctx.item.date_published)]
        tokens = sentence.tokens
        drafts += _head_drafts(ctx, sentence, tokens, ph.date_token_indexes(tokens, dates))
    merged: list[_Draft] = []
    for d in drafts:
        other = next((m for m in merged if _same(m, d)), None)
        if other is None:
            merged.append(d)
            continue
        if d.proper and not other.proper:
            other.name, other.proper = d.name, True
        other.organizations += d.organizations
        other.period = other.period or d.period
    return tuple(Initiative(d.name, d.kind, ph.unique(d.organizations), d.period, d.sentence.text) for d in merged)


def _same(a: _Draft, b: _Draft) -> bool:
    if a.kind != b.kind or a.subkind != b.subkind:
        return False
    ka, kb = set(ph.key(a.name).split()), set(ph.key(b.name).split())
    if not (a.proper and b.proper):
        return True
    return ka <= kb or kb <= ka or len(ka & kb) / len(ka | kb) >= 0.5


def _verb_drafts(ctx: ItemContext, sentence: Sentence) -> list[_Draft]:
    """"X and Y have partnered": a partnership of the organizations before the verb."""
    out = []
    for hit in sentence.found("initiative_verb"):
        orgs = [m.name for m in ph.mentions(ctx, sentence.start, hit.start, "organization")]
        if len(orgs) >= 2:
            out.append(_Draft("partnership", hit.value[0], False, sentence, organizations=orgs))
    return out


def _head_drafts(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], stops: set[int]) -> list[_Draft]:
    out: list[_Draft] = []
    covered = -1
    heads = sentence.found("initiative_head")
    for n, hit in enumerate(heads):
        start, i0, i1 = hit.start, hit.i0, hit.i1
        if start < covered or _inside_quotes(sentence.text, start - sentence.start):
            continue
        if n + 1 < len(heads) and heads[n + 1].i0 == i1 + 1:
            continue                                     # "Response Plan": the last head names the kind
        kind, subkind, form = hit.value
        found = _proper(ctx, tokens, i0, i1, kind) if tokens[i0].cap else None
        if found is None and form == "parties":
            found = _parties(ctx, tokens, i0, i1)
        elif found is None and form == "phrase" or found is None and _quoted_before(tokens, i0):
            found = _phrase(ctx, tokens, i0, i1, stops)
        if found is None or _in_title(ctx, start) and _title_case(ctx) and not _restated(ctx, found[0].name):
            continue                                     # a Title Case headline capitalizes every word
        draft, end = found
        draft.kind, draft.subkind, draft.sentence = kind, subkind, sentence
        covered = tokens[end - 1].end
        period = _PERIOD.match(ctx.text, covered)
        draft.period = period.group(1) if period else None
        out.append(draft)
    return out


def _proper(ctx: ItemContext, tokens: list[ph.Token], i0: int, i1: int, kind: str) -> tuple[_Draft, int] | None:
    """A capitalized name around the head: modifiers, "(ACR)", complement ("against Human Trafficking")."""
    left, owners = _cap_left(ctx, tokens, i0)
    end = i1 + 1
    if left == i0 and i0 > 0 and tokens[i0 - 1].low in ph.grammar_words().get("postnominal", ()) \
            and end < len(tokens) and tokens[end].cap and tokens[end].word:
        end = ph.name_end(tokens, end)                   # Spanish: "el Programa Regional sobre Migración"
    if end + 1 < len(tokens) and tokens[end].low in _COMPLEMENT:
        nxt = end + 2 if tokens[end + 1].low in ("the", "la", "el") and end + 2 < len(tokens) else end + 1
        if nxt < len(tokens) and tokens[nxt].cap and tokens[nxt].word:
            end = _stop_at_place(ctx, tokens, end, ph.name_end(tokens, nxt))
    if end < len(tokens) and ph.name_end(tokens, end) > end and tokens[end].text == "(":
        end = ph.name_end(tokens, end)
    if left == i0 and end == i1 + 1:
        return _phrase(ctx, tokens, i0, i1, set()) if _quoted_before(tokens, i0) else None
    if left == 0 and i0 == 0 and end == i1 + 1:
        return None
    if _is_catalogue_org(ctx, tokens[i0].start, tokens[i1].end) and kind not in ("Coalition", "WorkingGroup"):
        return None
    if _in_title(ctx, tokens[i0].start) and left < i0:
        left = _title_modifiers(ctx, tokens, left, i0)
    name = ph.span_text(ctx, tokens, left, end)
    inside = [m.name for m in ph.mentions(ctx, tokens[left].start, tokens[end - 1].end, "organization")]
    return _Draft(name, kind, True, Sentence(0, 0, ""), organizations=owners + inside), end


def _cap_left(ctx: ItemContext, tokens: list[ph.Token], i0: int) -> tuple[int, list[str]]:
    """Start of the capitalized modifiers before the head; an owner's possessive ("IOM's") ends them."""
    j = i0
    while j > 0:
        tok = tokens[j - 1]
        if tok.text == ")" and j >= 3 and tokens[j - 3].text == "(":
            j -= 3
            continue
        if tok.low in ("and", "y", "&") and j >= 2 and tokens[j - 2].cap and tokens[j - 2].word and j < i0:
            j -= 1
            continue
        if not (tok.cap and tok.word) or tok.text.endswith(("'s", "’s")):
            break
        j -= 1
    while j < i0 and tokens[j].low in ph.grammar_words().get("determiner", ()) and (j == 0 or tokens[j].low == "the"):
        j += 1                                            # sentence-initial "The"
    owners = []
    if j > 0 and tokens[j - 1].text.endswith(("'s", "’s")):
        tok = tokens[j - 1]
        owners = [m.name for m in ctx.mentions if m.kind == "organization" and m.start <= tok.start < m.end]
    if j == i0 and j > 0 and tokens[j - 1].word and not tokens[j - 1].cap:
        j = ph.left_edge(tokens, i0, limit=1)            # "a joint Working Group"
    return j, owners


def _stop_at_place(ctx: ItemContext, tokens: list[ph.Token], start: int, end: int) -> int:
    """Cut a name before "in <place>", "of the <organization>", "and the <Name>"."""
    starts = {m.start: m.kind for m in ctx.mentions}
    for k in range(start + 1, end - 1):
        nxt = k + 2 if tokens[k + 1].low in ("the", "la", "el") and k + 2 < end else k + 1
        kind = starts.get(tokens[nxt].start)
        if tokens[k].low in ("in", "en") and kind in ("place", "country"):
            return k
        if tokens[k].low in ("of", "de", "del") and kind == "organization":
            return k
        if tokens[k].low in ("and", "y") and nxt == k + 2:
            return k
    return end


def _in_title(ctx: ItemContext, offset: int) -> bool:
    return ctx.sentences[0].start == 0 and offset < ctx.sentences[0].end


def _restated(ctx: ItemContext, name: str) -> bool:
    """The body writes the headline's name too (its last three words are enough)."""
    return " ".join(name.lower().split()[-3:]) in _body(ctx)


def _body(ctx: ItemContext) -> str:
    return " ".join(ctx.text[ctx.sentences[0].end:].lower().split())


def _title_case(ctx: ItemContext) -> bool:
    """A headline in Title Case: no lower-case content word."""
    closed = ph.NAME_CONNECTORS | ph.word_union("determiner", "link")
    words = [t for t in ctx.sentences[0].tokens if t.word and t.low not in closed and len(t.text) > 3]
    return len(words) >= 3 and all(t.cap for t in words)


def _title_modifiers(ctx: ItemContext, tokens: list[ph.Token], left: int, i0: int) -> int:
    """In a title-case title, keep the longest run of modifiers the body also writes before the head."""
    body = _body(ctx)
    for j in range(left, i0):
        if ph.span_text(ctx, tokens, j, i0 + 1).lower() in body:
            return j
    return max(left, i0 - 2)


def _is_catalogue_org(ctx: ItemContext, start: int, end: int) -> bool:
    return any(m.kind == "organization" and m.start <= start and m.end >= end for m in ctx.mentions)


def _quoted_before(tokens: list[ph.Token], i0: int) -> bool:
    return i0 > 0 and tokens[i0 - 1].text in "\"”’»'" and any(
        ph.quoted_end(tokens, j) == i0 and tokens[j + 1].cap for j in range(max(0, i0 - 10), i0 - 1))


def _phrase(ctx: ItemContext, tokens: list[ph.Token], i0: int, i1: int,
            stops: set[int]) -> tuple[_Draft, int] | None:
    """A lower-case initiative phrase with a modifier, or a quoted name before the head."""
    if _quoted_before(tokens, i0):
        for j in range(i0 - 2, max(-1, i0 - 10), -1):
            if ph.quoted_end(tokens, j) == i0:
                return _Draft(ph.span_text(ctx, tokens, j + 1, i0 - 1), "", True, Sentence(0, 0, "")), i1 + 1
        return None
    if i0 > 0 and tokens[i0 - 1].low in ph.grammar_words().get("postnominal", ()):
        end = ph.complement_end(tokens, i1 + 1, stops, frozenset({"de", "sobre", "contra", "para"}), limit=3)
        if end > i1 + 1:                                  # Spanish: "un convenio de cooperación"
            return _Draft(ph.span_text(ctx, tokens, i0, end), "", False, Sentence(0, 0, "")), end
    if _modifies(tokens, i1):
        return None
    left = ph.left_edge(tokens, i0)
    while left < i0 and tokens[left].text[:1].isdigit():
        left += 1
    years = {n for n, t in enumerate(tokens) if t.text[:1].isdigit() and _PERIOD.fullmatch(t.text)}
    end = ph.complement_end(tokens, i1 + 1, stops | years, frozenset({"on", "for", "against", "sobre", "contra"}),
                            limit=6)
    if left == i0 and i0 == i1:
        return None
    return _Draft(ph.span_text(ctx, tokens, left, end), "", False, Sentence(0, 0, "")), max(end, i1 + 1)


def _parties(ctx: ItemContext, tokens: list[ph.Token], i0: int, i1: int) -> tuple[_Draft, int] | None:
    """"a partnership between X and Y": the parties are the organizations of the "between" phrase."""
    if i1 + 1 >= len(tokens) or tokens[i1 + 1].low not in ("between", "entre"):
        return None
    stop = next((t.end for t in tokens[i1 + 1:] if t.text in ".;"), tokens[-1].end)
    clause = next((t.start for t in tokens[i1 + 2:] if t.text == "," or t.low in ("to", "in", "on", "which")),
                  stop)
    orgs = [m.name for m in ph.mentions(ctx, tokens[i1].end, clause, "organization")]
    if len(set(orgs)) < 2:
        return None
    left = ph.left_edge(tokens, i0)
    return _Draft(ph.span_text(ctx, tokens, left, i1 + 1), "", False, Sentence(0, 0, ""), organizations=orgs), i1 + 1


def _inside_quotes(text: str, offset: int) -> bool:
    """Inside a quoted title ("Let's take the social networks! ...")."""
    before = text[:offset]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _modifies(tokens: list[ph.Token], i1: int) -> bool:
    """The head is itself a modifier ("plan implementation"): another lower-case content word follows."""
    words = ph.grammar_words()
    j = i1 + 1
    if j >= len(tokens) or not tokens[j].word or tokens[j].cap:
        return False
    nxt = tokens[j].low
    return not (nxt in words.get("link", ()) or nxt in words.get("happening", ()) or nxt.endswith(("ed", "s")))
