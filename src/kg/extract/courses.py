"""Courses: learning products with a curriculum (online courses, diplomas, series of virtual trainings).

A course is anchored on a course noun from `mappings/course_words.tsv`. Its name is,
in order of preference, a quoted title near the noun, a capitalized name right
after it ("the new course Migration and LGBTI People"), a capitalized topic
("course on Countering Human Trafficking in ..."), the item title when the body
only says "This course ...", else the descriptive phrase ("virtual course on human
trafficking"). An item usually announces one course: mentions merge unless they
carry two different proper names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Course
from . import phrases as ph
from .context import ItemContext, Sentence

# Inside a course name "on" / "at" start the platform or place, not the name ("... Settings on E-Campus").
_COURSE_CONNECTORS = ph.NAME_CONNECTORS - {"on", "a", "to"}
_LIST_SEPARATOR = re.compile(r"\s*(?:,|\band\b|\by\b|\bet\b|\bor\b|\bo\b)\s*")     # "English, French and Spanish"
_AUDIENCE_END = re.compile(r"[.;:]|,\s*(?:it|which|who|and it)\b")
# A quoted title right after the course noun, or after a short complement and a colon; quotes may hold
# sentence punctuation ("Let's take the social networks! Creating ...").
_QUOTED = re.compile(r"(?:\s+(?:on|about|in|de|sobre)\s[^.;:\"“‘]{0,60}?|(?:\s+[\w-]+){1,2}?)?"
                     r"\s*[:,]?\s*([\"“‘«])([^\"”’»\n]{3,160})([\"”’»])")


@lru_cache(maxsize=1)
def course_words() -> dict[str, dict[str, str]]:
    """kind -> {phrase key: value} from mappings/course_words.tsv."""
    out: dict[str, dict[str, str]] = {}
    for cells in ph.read_rows("course_words.tsv"):
        out.setdefault(cells[1], {})[ph.key(cells[0])] = cells[2] if len(cells) > 2 else ""
    return out


@lru_cache(maxsize=None)
def _regex(kind: str) -> re.Pattern[str]:
    return ph.phrase_regex(sorted(course_words().get(kind, {})), plural=kind == "trigger")


@lru_cache(maxsize=1)
def _languages() -> tuple[dict[str, str], re.Pattern[str]]:
    table = {ph.key(cells[0]): cells[1] for cells in ph.read_rows("languages.tsv")}
    names = ph.phrase_regex(sorted(table)).pattern
    listed = rf"\b(?:in|en)\s+((?:{names})(?:\s*(?:,|and|y|et|or|o)\s*(?:{names}))*)"
    return table, re.compile(listed, re.IGNORECASE)


@dataclass
class _Mention:
    name: str
    proper: int            # 2 quoted, 1 capitalized, 0 descriptive
    anaphor: bool
    sentence: Sentence
    anchor: int
    sentences: list[Sentence] = field(default_factory=list)
    finish: int = 0


def find_courses(ctx: ItemContext) -> tuple[Course, ...]:
    """The courses an item announces, one per distinct proper name (descriptive mentions join them)."""
    mentions: list[_Mention] = []
    for n, sentence in enumerate(ctx.sentences):
        mentions.extend(_sentence_mentions(ctx, sentence, is_title=n == 0 and sentence.start == 0))
    groups: list[_Mention] = []
    for m in mentions:
        target = next((g for g in groups if _same(g, m)), None)
        if target is None and not m.anaphor:
            groups.append(m)
            m.sentences = [s for s in ctx.sentences if s.start <= m.finish and s.end >= m.sentence.start]
        elif target is not None:
            if (m.proper, len(m.name) if m.proper else 0) > (target.proper, len(target.name) if target.proper else 0):
                target.name, target.proper = m.name, m.proper
            target.sentences.append(m.sentence)
    if not groups and any(m.anaphor for m in mentions) and _title_is_name(ctx):
        first = ctx.sentences[0]
        groups = [_Mention(first.text, 1, False, first, first.start, [m.sentence for m in mentions])]
    return tuple(_course(ctx, g, whole=len(groups) == 1) for g in groups)


def _same(group: _Mention, m: _Mention) -> bool:
    if m.anaphor or not (group.proper and m.proper):
        return True
    return _overlap(group.name, m.name) >= 0.4 or ph.key(m.name) in ph.key(group.name)


def _overlap(a: str, b: str) -> float:
    ta, tb = set(ph.key(a).split()), set(ph.key(b).split())
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


def _sentence_mentions(ctx: ItemContext, sentence: Sentence, is_title: bool) -> list[_Mention]:
    found = sentence.found("course")
    if not found:
        return []
    tokens = sentence.tokens
    words = ph.grammar_words()
    offered = bool(sentence.found("offer") or sentence.found("launch"))
    out = []
    for hit in found:
        i0, i1 = hit.i0, hit.i1
        if _idiom(tokens, i0, i1):
            continue
        left = ph.left_edge(tokens, i0)
        det = ph.determiner_before(tokens, left)
        name, proper, right = _name(ctx, tokens, left, i1, is_title)
        bare = left == i0 and right == i1 + 1 and not proper
        anaphor = bare and det in words.get("anaphoric", ())
        modal = bool(_search("modality", name))
        if not (proper or anaphor or offered or modal):
            continue
        finish = -right if right < 0 else tokens[right - 1].end
        right = len(tokens) + 1 if right < 0 else right
        out.append(_Mention(name, proper, anaphor, sentence, hit.start, finish=finish))
    return out


def _idiom(tokens: list[ph.Token], i0: int, i1: int) -> bool:
    """"in the course of", "over the course of": no course."""
    return (i1 + 1 < len(tokens) and tokens[i1 + 1].low == "of" and i0 >= 2
            and tokens[i0 - 1].low == "the" and tokens[i0 - 2].low in ("in", "over", "during", "throughout"))


def _name(ctx: ItemContext, tokens: list[ph.Token], left: int, i1: int, is_title: bool) -> tuple[str, int, int]:
    """(name, properness, end index) of the course named around the noun tokens[left..i1].

    A quoted name may run past the sentence: its end is then given as minus its text offset."""
    preps = ph.grammar_words().get("complement", frozenset())
    r = i1 + 1
    quoted = _QUOTED.match(ctx.text, tokens[i1].end)
    if quoted:
        return " ".join(quoted.group(2).split()), 2, -quoted.end()
    if r < len(tokens) and tokens[r].cap and tokens[r].word and not is_title:
        end = ph.name_end(tokens, r, connectors=_COURSE_CONNECTORS)
        return ph.span_text(ctx, tokens, r, end), 1, end
    if r + 1 < len(tokens) and tokens[r].low in ("on", "sobre") and tokens[r + 1].cap and not is_title:
        end = ph.name_end(tokens, r + 1, connectors=_COURSE_CONNECTORS)
        return ph.span_text(ctx, tokens, r + 1, end), 1, end
    end = ph.complement_end(tokens, r, set(), preps)
    return ph.span_text(ctx, tokens, left, end), 0, max(end, r)


def _title_is_name(ctx: ItemContext) -> bool:
    """A title in title case with no verb of its own names the course the body describes."""
    title = ctx.sentences[0]
    if title.start != 0:
        return False
    words = [t for t in title.tokens if t.word and t.low not in ph.NAME_CONNECTORS]
    happening = title.found("happening") or title.found("offer")
    return bool(words) and all(t.cap for t in words) and not happening


def _course(ctx: ItemContext, g: _Mention, whole: bool) -> Course:
    """The course of mention group `g`; an item's only course takes its details from the whole item."""
    text = ctx.text if whole else " ".join(s.text for s in g.sentences)
    sketch = ph.ascii_fold(text)
    providers, partners = _providers(ctx, g.sentences)
    modality = _modality(g.name) or _modality(text, sketch)
    return Course(name=g.name, providers=providers, partners=partners, modality=modality,
                  languages=_course_languages(text, sketch), audience=_audience(text, sketch),
                  duration=_duration(text, sketch),
                  certificate=True if _search("certificate", text, sketch) else None,
                  platform=_platform(ctx, g.sentences), evidence=g.sentence.text)


def _search(kind: str, text: str, sketch: str | None = None) -> re.Match[str] | None:
    """The first phrase of `kind` in `text` (`sketch`: its `ascii_fold`), ruled out first by its words:
    the pattern alone tries every position of the item text."""
    if not ph.may_contain(ph.ascii_fold(text) if sketch is None else sketch, _needles(kind)):
        return None
    return _regex(kind).search(text)


@lru_cache(maxsize=None)
def _needles(kind: str) -> tuple[str, ...] | None:
    return ph.phrase_needles(tuple(sorted(course_words().get(kind, {}))))


def _modality(text: str, sketch: str | None = None) -> str | None:
    match = _search("modality", text, sketch)
    return course_words()["modality"][ph.key(match.group())] if match else None


def _providers(ctx: ItemContext, sentences: list[Sentence]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    providers, partners = [], []
    for s in sentences:
        verbs = s.found("launch") + s.found("offer")
        verb = min((h.start for h in verbs), default=None)
        cues = sorted([(h.end, "provider") for h in s.found("provider")] +
                      [(h.end, "partner") for h in s.found("partner")])
        for m in ph.mentions(ctx, s.start, s.end, "organization"):
            cue = next((role for end, role in reversed(cues) if end <= m.start), None)
            if cue == "partner":
                partners.append(m.name)
            elif cue == "provider" or (verb is not None and m.start < verb):
                providers.append(m.name)
    return ph.unique(providers), tuple(p for p in ph.unique(partners) if p not in providers)


def _course_languages(text: str, sketch: str) -> tuple[str, ...]:
    table, listed = _languages()
    if not ph.may_contain(sketch, ph.phrase_needles(tuple(sorted(table)))):
        return ()
    found = []
    for match in listed.finditer(text):
        for word in _LIST_SEPARATOR.split(match.group(1)):
            if ph.key(word) in table:
                found.append(table[ph.key(word)])
    return ph.unique(found)


def _audience(text: str, sketch: str) -> str | None:
    match = _search("audience", text, sketch)
    if not match:
        return None
    rest = _AUDIENCE_END.split(text[match.end():], maxsplit=1)[0]
    words = rest.split()
    return " ".join(words[:25]) or None


def _duration(text: str, sketch: str) -> str | None:
    units = course_words()["unit"]
    if not ph.may_contain(sketch, ph.phrase_needles(tuple(sorted(units)))):
        return None
    match = _duration_regex().search(text)
    return f"{match.group(1)} {units[ph.key(match.group(2))]}" if match else None


@lru_cache(maxsize=1)
def _duration_regex() -> re.Pattern[str]:
    pattern = "|".join(re.escape(u) for u in sorted(course_words()["unit"], key=len, reverse=True))
    return re.compile(rf"\b(\d+)[\s-]+({pattern})\b", re.IGNORECASE)


def _platform(ctx: ItemContext, sentences: list[Sentence]) -> str | None:
    for s in sentences:
        tokens = s.tokens
        for hit in s.found("platform"):
            i = hit.i0
            if not tokens[i].cap:
                continue
            left = i
            while left > 0 and tokens[left - 1].cap and tokens[left - 1].word:
                left -= 1
            return ph.span_text(ctx, tokens, left, ph.name_end(tokens, i))
    return None
