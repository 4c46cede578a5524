"""Events: the happenings a bulletin reports (meetings, workshops, launches, signings, releases...).

Each event is anchored on a trigger from `mappings/event_types.tsv`: a head noun
("a technical meeting on ..."), a verb that reports the event itself ("signed a
collaboration agreement", "has released the documentary ..."), or an observance
name ("World Day against ..."). A noun only counts when its sentence shows that
something happened or is planned (a happening verb, a date) or when it is part
of a proper name. Mentions of the same happening are merged per item: a bare
"the meeting" attaches to the event before it; two mentions of one type merge
unless their dates or proper names differ.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from ..model import Event, Location
from . import phrases as ph
from .context import ItemContext, Sentence
from .triggers import hits, may_hit
from .when import When

_COMPATIBLE = {frozenset(("Training", "Workshop"))}


@dataclass
class _Draft:
    """One mention of an event while the item is read; mentions of one happening merge into one draft."""

    type: str
    label: str
    # Which mention names the event best: (trigger strength: 0 part-of-event noun, 1 noun, 2 verb /
    # observance / titled work; proper name; has a complement; in the body rather than the headline).
    rank: tuple[int, ...]
    anchor: int
    sentence: Sentence
    named: bool = False
    anaphor: bool = False
    course: bool = False
    when: When | None = None
    organizers: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    attendance: int | None = None
    sentences: list[Sentence] = field(default_factory=list)
    body_seen: bool = False

    @property
    def in_body(self) -> bool:
        """Found in the body (a headline mention has rank[3] == 0)."""
        return bool(self.rank[3])


def find_events(ctx: ItemContext) -> tuple[Event, ...]:
    """The events of one item, merged across title and body."""
    drafts: list[_Draft] = []
    for n, sentence in enumerate(ctx.sentences):
        drafts.extend(_sentence_drafts(ctx, sentence, is_title=n == 0 and sentence.start == 0))
    _course_events(ctx, drafts)
    merged: list[_Draft] = []
    for draft in drafts:
        _merge(merged, draft)
    merged = [d for d in merged if not d.anaphor]
    if any(d.in_body or d.body_seen for d in merged):       # a headline restates the body's events
        merged = [d for d in merged if d.in_body or d.body_seen]
    return tuple(_event(ctx, d) for d in merged)


def _sentence_drafts(ctx: ItemContext, sentence: Sentence, is_title: bool) -> list[_Draft]:
    found = sentence.hits
    if not ("event_noun" in found or "event_verb" in found or "event_object" in found):
        return []
    dates = _dates(ctx, sentence)
    tokens = sentence.tokens
    stops = ph.date_token_indexes(tokens, [(w.begin, w.finish) for w in dates])
    happening = "happening" in found or bool(dates)
    drafts = _verb_drafts(ctx, sentence, tokens, stops, is_title)
    drafts += _noun_drafts(ctx, sentence, tokens, stops, is_title)
    drafts += _titled_publications(ctx, sentence, tokens, stops, drafts)
    primary = [d for d in drafts if d.rank[0]]
    kept = []
    for d in drafts:
        if d.rank[0] == 0 and (primary or not happening):
            continue
        if not (d.named or d.anaphor or happening or d.rank[0] == 2):
            continue
        kept.append(d)
    kept.sort(key=lambda d: d.anchor)
    for when in dates:
        claim = [d for d in kept if not d.anaphor] or kept
        if claim:
            nearest = min(claim, key=lambda d: abs(d.anchor - when.begin))
            nearest.when = nearest.when or when
    attendance = ph.attendance(_blank(sentence, dates)) if kept else None
    cues = ph.role_cues(ctx, sentence, stops) if kept else []
    for d in kept:
        d.organizers, d.participants = ph.roles(cues, d.anchor)
        d.attendance = attendance
        d.sentences = [sentence]
    return kept


def _blank(sentence: Sentence, dates: list[When]) -> str:
    """The sentence with its date expressions blanked out (their numbers are no head counts)."""
    text = sentence.text
    for w in dates:
        a, b = w.begin - sentence.start, w.finish - sentence.start
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _noun_drafts(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], stops: set[int],
                 is_title: bool) -> list[_Draft]:
    words = ph.grammar_words()
    out: list[_Draft] = []
    covered = -1
    for hit in sentence.found("event_noun"):
        start, i0, i1 = hit.start, hit.i0, hit.i1
        etype, kind = hit.value
        if start < covered or ph.is_modifier(tokens, i0, i1):
            continue
        if kind == "observance_head":
            if not _named_day(tokens, i0):
                continue
            kind, i0 = "observance", ph.cap_left(tokens, i0)
            while i0 < i1 and tokens[i0].low in ph.grammar_words().get("link", ()):
                i0 += 1                                  # "On World Refugee Day"
        left = ph.left_edge(tokens, i0)
        left = ph.measure_prefix(tokens, left)
        if _in_organization(ctx, tokens, left, i1):
            continue
        right, gap = (i1 + 1, None) if kind == "anaphor" else ph.right_edge(tokens, i1 + 1, stops, is_title)
        if right == i1 + 1 and kind != "anaphor" and ph.postnominal(tokens, left):
            right = ph.adjectives_after(tokens, i1 + 1, stops)
        if tokens[i1].cap and not is_title and ph.acronym_follows(tokens, right):
            continue                                     # "Regional Conference on Migration (RCM)": a body's name
        covered = tokens[right - 1].end if right > i1 else tokens[i1].end
        det = ph.determiner_before(tokens, left)
        named = not is_title and any(t.cap for t in tokens[left:i1 + 1]) and not (left == 0 and i0 == i1)
        bare = left == i0 and right == i1 + 1
        anaphor = kind == "anaphor" or (bare and not named and det in words.get("anaphoric", ()))
        if kind == "observance":
            right = max(right, ph.name_end(tokens, i0))
            named = True
        label = ph.head_label(ctx, tokens, left, right, gap)
        if kind == "minor" and any(left <= h.i0 < right for h in sentence.found("course")):
            etype = "Training"
        rank = (0 if kind == "minor" else 2 if kind == "observance" else 1, int(named), int(right > i1 + 1),
                int(not is_title))
        out.append(_Draft(etype, label, rank, start, sentence, named=named, anaphor=anaphor))
    return out


def _named_day(tokens: list[ph.Token], i0: int) -> bool:
    """"World Refugee Day", "International Day of ...": a capitalized day whose name marks an observance."""
    marks = ph.grammar_words().get("observance_mark", frozenset())
    return tokens[i0].cap and any(t.low in marks for t in tokens[ph.cap_left(tokens, i0):i0])


def _in_organization(ctx: ItemContext, tokens: list[ph.Token], left: int, i1: int) -> bool:
    """The trigger is part of an organization's name that the catalogue pass found ("General Assembly")."""
    a, b = tokens[left].start, tokens[i1].end
    return any(m.kind == "organization" and m.start <= a and m.end >= tokens[i1].start
               for m in ctx.mentions if m.start < b and m.end > a)


def _verb_drafts(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], stops: set[int],
                 is_title: bool) -> list[_Draft]:
    out = []
    for hit in sentence.found("event_verb"):
        i0, i1 = hit.i0, hit.i1
        if i0 > 0 and tokens[i0 - 1].low in ("to", "a"):
            continue                                     # "in order to establish": not a report
        for etype, prefix, oclass in hit.value:
            draft = _verb_draft(ctx, sentence, tokens, stops, (i0, i1), (etype, prefix, oclass))
            if draft is not None:
                draft.rank = draft.rank[:3] + (int(not is_title),)
                out.append(draft)
                break
    return out


def _verb_draft(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], stops: set[int],
                where: tuple[int, int], entry: tuple[str, str, str]) -> _Draft | None:
    """The event a verb reports, labelled by its nominal prefix and its object ("Signing of the agreement")."""
    words = ph.grammar_words()
    (i0, i1), (etype, prefix, oclass) = where, entry
    start = tokens[i0].start
    if oclass == "-":                                    # "met with ...", "trained 60 officials on ..."
        end = _clause_end(tokens, i1 + 1, stops)
        label = " ".join(filter(None, (prefix, ph.span_text(ctx, tokens, i1 + 1, end))))
        return _Draft(etype, label, (2, 0, int(end > i1 + 1), 1), start, sentence)
    passive = i0 > 0 and tokens[i0 - 1].low in words.get("passive", ())
    span = _object(ctx, sentence, tokens, i0, i1, oclass, passive, stops)
    if span is None:
        return None
    a, b, is_course = span
    if etype == "Launch" and any(a <= h.i0 < b for h in _objects(sentence, "publication")):
        etype = "Publication"                            # launching a report releases a publication
    label = f"{prefix} {ph.span_text(ctx, tokens, a, b)}"
    return _Draft(etype, label, (2, 1, 1, 1), start, sentence, course=is_course)


def _clause_end(tokens: list[ph.Token], i: int, stops: set[int], limit: int = 10) -> int:
    """End of the words after an intransitive event verb, up to punctuation, a date or a clause word."""
    edge, closed = _clause_words()
    j = i
    while j < len(tokens) and j - i < limit and tokens[j].text not in ph.CLAUSE_PUNCT and j not in stops \
            and tokens[j].low not in closed:
        j += 1
    while j > i and tokens[j - 1].low in edge:
        j -= 1
    return j


@lru_cache(maxsize=1)
def _clause_words() -> tuple[frozenset[str], frozenset[str]]:
    """(words a clause after an event verb does not end with, words that end it)."""
    edge = ph.NAME_CONNECTORS | {"with", "at", "from", "by"}
    return edge, ph.word_union("link") - ph.word_union("complement") - edge


def _object(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], i0: int, i1: int, oclass: str,
            passive: bool, stops: set[int]) -> tuple[int, int, bool] | None:
    """Token span of the verb's object phrase (before the verb when passive) and whether it is a course."""
    lo, hi = (0, i0) if passive else (i1 + 1, i1 + 13)
    found = [(h, False) for h in _objects(sentence, oclass) if lo <= h.i0 < hi or h.i1 == i0 - 1 and not passive]
    found += [(h, True) for h in sentence.found("course") if lo <= h.i0 < hi] \
        if oclass == "any" else []
    for h, is_course in sorted(found, key=lambda f: f[0].i0, reverse=passive):
        between = tokens[min(h.i0, i1) + 1:max(h.i0, i0)]
        if any(t.text in ".;" or t.low in ("of", "de") for t in between):
            continue
        floor = 0 if passive or h.i1 < i0 else i1 + 1    # before the verb: "the survey published today"
        left = ph.cap_left(tokens, h.i0, floor) if tokens[h.i0].cap else ph.left_edge(tokens, h.i0)
        left = left - 1 if ph.determiner_before(tokens, left) else left
        left = max(left, floor)
        right, _ = ph.right_edge(tokens, h.i1 + 1, stops, is_title=False)
        if right == h.i1 + 1 and right + 1 < len(tokens) and tokens[right].text == "," and tokens[right + 1].cap:
            right = ph.name_end(tokens, right + 1)       # "the documentary, The Fable of the Lion and the Coyote"
        return left, right, is_course
    return None


def _objects(sentence: Sentence, oclass: str) -> list:
    initiatives = list(sentence.found("initiative_head"))
    if oclass == "initiative":
        return initiatives
    found = [h for h in sentence.found("event_object") if oclass in ("any", h.value)]
    return found + initiatives if oclass == "any" else found


def _titled_publications(ctx: ItemContext, sentence: Sentence, tokens: list[ph.Token], stops: set[int],
                         drafts: list[_Draft]) -> list[_Draft]:
    """A publication named by a quoted title ("The study “Labor Market ...”") reports its release."""
    if any(d.type == "Publication" for d in drafts):
        return []
    for h in _objects(sentence, "publication"):
        end = ph.quoted_end(tokens, h.i1 + 1)
        if end > h.i1 + 1:
            label = "Publication of " + ph.span_text(ctx, tokens, ph.left_edge(tokens, h.i0), end)
            return [_Draft("Publication", label, (2, 1, 1, 1), h.start, sentence, named=True)]
    return []


def _dates(ctx: ItemContext, sentence: Sentence) -> list[When]:
    """The sentence's dates, without datelines ("September 14, Georgetown -" dates the report, not the event)."""
    return [w for w in sentence.dates(ctx.item.date_published) if w.role != "dateline"]


def _course_events(ctx: ItemContext, drafts: list[_Draft]) -> None:
    """A launched course is a Launch, or a Training when a cohort takes it (head count, dates)."""
    course_sentences = [s for s in ctx.sentences if s.found("course")]
    for draft in (d for d in drafts if d.course):
        span_dates = [w for s in course_sentences for w in _dates(ctx, s)]
        cohort = draft.attendance is not None or bool(span_dates) or any(
            s.found("cohort") for s in course_sentences)
        if not cohort:
            continue
        draft.type = "Training"
        draft.label = draft.label.split(" ", 2)[-1] if draft.label.startswith("Launch of ") else draft.label
        draft.when = draft.when or (span_dates[0] if span_dates else None)


def _merge(merged: list[_Draft], draft: _Draft) -> None:
    if draft.anaphor:
        if merged:
            _absorb(merged[-1], draft)
        return
    for other in merged:
        if _compatible(other, draft):
            _absorb(other, draft)
            return
    merged.append(draft)


def _compatible(a: _Draft, b: _Draft) -> bool:
    if a.type != b.type and frozenset((a.type, b.type)) not in _COMPATIBLE:
        return False
    if a.type != b.type and not (a.rank[0] == 0 or b.rank[0] == 0 or a.course or b.course):
        return False
    if a.when and b.when and (a.when.start, a.when.start_partial) != (b.when.start, b.when.start_partial):
        return False
    if a.named and b.named and a.rank[3] and b.rank[3]:
        ta, tb = _name_words(a.label), _name_words(b.label)
        return ta <= tb or tb <= ta or len(ta & tb) / len(ta | tb) >= 0.3
    return True


def _name_words(label: str) -> set[str]:
    return {ph.key(t.text) for t in ph.tokenize(label) if t.cap and t.word}


def _absorb(target: _Draft, other: _Draft) -> None:
    if other.rank > target.rank and not other.anaphor:
        target.label, target.rank, target.named = other.label, other.rank, other.named
        if target.type != other.type and other.rank[0]:
            target.type = other.type
    target.when = target.when or other.when
    target.organizers += other.organizers
    target.participants += other.participants
    target.attendance = target.attendance if target.attendance is not None else other.attendance
    target.sentences += other.sentences
    target.body_seen = target.body_seen or target.in_body or other.in_body


def _event(ctx: ItemContext, d: _Draft) -> Event:
    w = d.when
    organizers = ph.unique(d.organizers)
    online = _online(d.label) or any(s.found("online") for s in d.sentences)
    return Event(
        label=d.label[:1].upper() + d.label[1:], type=d.type,
        start=w.start if w else None, end=w.end if w else None,
        start_partial=w.start_partial if w else None, end_partial=w.end_partial if w else None,
        date_text=w.text if w else None, location=_location(ctx, d, online),
        organizers=organizers, participants=ph.unique(d.participants),
        attendance=d.attendance, evidence=d.sentences[0].text if d.sentences else "")


def _online(label: str) -> bool:
    """A virtual / online modality word in the event's own label ("virtual meeting")."""
    if not may_hit(label, ("online", "modality")):
        return False
    return bool(hits(label, 0, "online")) or any(h.value in ("online", "virtual") for h in hits(label, 0, "modality"))


# "in", "at", "en" (then "the") right before a place: matched on the reversed ten characters before it,
# at their start (one attempt, where `\b(?:in|at|en)\s+(?:the\s+)?$` would be tried at each of them).
_AT = re.compile(r"\s+(?:eht\s+)?(?:ni|ta|ne)\b", re.IGNORECASE)
_SCORE = itemgetter(0)


def _location(ctx: ItemContext, d: _Draft, online: bool) -> Location | None:
    """The place the event's sentences put it "in"/"at" (cities first), else any place they name."""
    cities = {p.name for p in ctx.places if p.type == "city"}
    for s in d.sentences:
        places = ph.mentions(ctx, s.start, s.end, "place") + ph.mentions(ctx, s.start, s.end, "country")
        scored = [((bool(_AT.match(ctx.text[max(s.start, m.start - 10):m.start][::-1])), m.name in cities, -m.start),
                   m) for m in places]
        for (after_in, _, _), m in sorted(scored, key=_SCORE, reverse=True):
            if m.kind == "place":
                return Location(place=m.name, country_iso2=m.iso2, online=online)
            if after_in:
                return Location(country_iso2=m.iso2, online=online)
    return Location(online=True) if online else None
