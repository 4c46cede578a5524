"""Noun-phrase helpers shared by the event, course and initiative finders.

The finders anchor on trigger words and grow a phrase around each one: modifiers
to the left up to a determiner ("a technical meeting"), a complement to the
right up to the end of the clause ("on migration and youth"), capitalized names
("the Binational Walk against Human Trafficking"), quoted titles. Words come from
`mappings/event_types.tsv` (the closed-class lists: determiners, link words, cue
phrases) so the grammar stays in data.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING
from unicodedata import normalize

from ..resources import resource_dir
from .tokens import Token, fold, tokenize  # noqa: F401  (the finders read them as `ph.Token`, `ph.tokenize`)

if TYPE_CHECKING:
    from .context import ItemContext, Mention, Sentence

QUOTES_OPEN = "\"“‘«'"
QUOTES_CLOSE = {"\"": "\"", "“": "”", "‘": "’", "«": "»", "'": "'"}
CLAUSE_PUNCT = set(",.;:()[]!?")
# Lower-case words that may sit inside a capitalized name ("Plan against Human Trafficking").
NAME_CONNECTORS = frozenset("of for against on in and the to de del la el los las y en para contra sobre & a".split())
_TOKEN_START = itemgetter(0)


def read_rows(name: str) -> list[list[str]]:
    """Data rows of a mappings TSV (comments and the header skipped), cells stripped."""
    path: Path = resource_dir("mappings") / name
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not rows and n and cells[0] in ("phrase", "word", "name", "trigger"):
            rows.append([])          # header marker, dropped below
            continue
        rows.append(cells)
    return [r for r in rows if r]


def phrase_regex(phrases: list[str], plural: bool = False) -> re.Pattern[str]:
    """One case-insensitive whole-word alternation of `phrases` (accent-free forms included)."""
    forms = {f for p in phrases for f in (p, fold(p))}
    body = "|".join(re.escape(f).replace(r"\ ", r"\s+").replace(r"\-", "[-‐‑]")
                    for f in sorted(forms, key=len, reverse=True))
    suffix = r"(?:s|es)?" if plural else ""
    return re.compile(rf"(?<![\w-])(?:{body}){suffix}(?![\w-])", re.IGNORECASE)


def ascii_fold(text: str) -> str:
    """The text lower-cased, without accents and without any other character outside ASCII ("ı" read as
    "i", as case-insensitive patterns read it): an ASCII word that `phrase_regex` finds is a substring
    of it, so `phrase_needles` rule a text out in C before the pattern tries every position."""
    if text.isascii():
        return text.lower()
    return normalize("NFKD", text.casefold().replace("ı", "i")).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=64)
def phrase_needles(phrases: tuple[str, ...]) -> tuple[str, ...] | None:
    """One word of each phrase (the longest) that `ascii_fold` of any text `phrase_regex(phrases)` finds
    holds; None when a phrase has no such word (then nothing can be ruled out)."""
    needles = set()
    for phrase in phrases:
        pieces = [set(re.split(r"[\s-]+", ascii_fold(form))) for form in (phrase, fold(phrase))]
        common = {p for p in pieces[0] & pieces[1] if p and ascii_fold(p) == p}
        if not common:
            return None
        needles.add(max(sorted(common), key=len))
    return tuple(sorted(needles))


def may_contain(sketch: str, needles: tuple[str, ...] | None) -> bool:
    """Whether a text whose `ascii_fold` is `sketch` may hold one of the phrases of `needles`."""
    return needles is None or any(needle in sketch for needle in needles)


def key(text: str) -> str:
    """Lookup key of a matched phrase: folded, single spaces, plain hyphen."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(fold(text).replace("‐", "-").replace("‑", "-").split())


@lru_cache(maxsize=1)
def grammar_words() -> dict[str, frozenset[str]]:
    """Closed-class word lists of event_types.tsv by kind (determiner, link, happening, cues...)."""
    out: dict[str, set[str]] = {}
    for cells in read_rows("event_types.tsv"):
        if len(cells) >= 3 and cells[1] == "-":
            out.setdefault(cells[2], set()).add(key(cells[0]))
    return {k: frozenset(v) for k, v in out.items()}


def left_edge(tokens: list[Token], i: int, limit: int = 6) -> int:
    """Index of the first modifier left of tokens[i] (stops at determiners, verbs, punctuation)."""
    stop = _left_stops()
    j = i
    while j > 0 and i - j < limit:
        tok = tokens[j - 1]
        if not tok.word or tok.low in stop:
            break
        j -= 1
    return j


@lru_cache(maxsize=1)
def _left_stops() -> frozenset[str]:
    """Words that never modify a noun to their right: determiners, link words, verbs of the trigger lists."""
    words = grammar_words()
    verbs = {key(c[0]) for c in read_rows("event_types.tsv") if len(c) > 2 and c[2] == "verb"}
    verbs |= {key(c[0]) for c in read_rows("initiative_kinds.tsv") if len(c) > 3 and c[3] == "verb"}
    verbs |= {key(c[0]) for c in read_rows("course_words.tsv") if len(c) > 1 and c[1] in ("offer", "launch")}
    return frozenset(words.get("determiner", frozenset()) | words.get("link", frozenset())
                     | words.get("happening", frozenset()) | verbs)


def cap_left(tokens: list[Token], i: int, floor: int = 0) -> int:
    """Start of the capitalized words before tokens[i], inner "and" allowed ("Refugee and Migrant")."""
    j = i
    while j > floor:
        tok = tokens[j - 1]
        if tok.low in ("and", "y", "&") and j - 2 >= floor and tokens[j - 2].cap and tokens[j - 2].word:
            j -= 1
        elif tok.cap and tok.word and not tok.text.endswith(("'s", "’s")):
            j -= 1
        else:
            break
    return j


def determiner_before(tokens: list[Token], i: int) -> str | None:
    """The determiner just before tokens[i], if any."""
    if i > 0 and tokens[i - 1].low in grammar_words().get("determiner", frozenset()):
        return tokens[i - 1].low
    return None


def name_end(tokens: list[Token], i: int, limit: int = 16, connectors: frozenset[str] = NAME_CONNECTORS) -> int:
    """End index (exclusive) of a capitalized name starting at tokens[i], inner connectors allowed."""
    j, last = i, i
    while j < len(tokens) and j - i < limit:
        tok = tokens[j]
        if tok.cap and tok.word or (tok.text == "-" and last == j):
            last = j + 1
        elif tok.text == "(" and j + 2 < len(tokens) and tokens[j + 2].text == ")" and tokens[j + 1].cap:
            last = j + 3
            j += 2
        elif not (tok.low in connectors and tok.word):
            break
        j += 1
    return last


def quoted_end(tokens: list[Token], i: int, limit: int = 30) -> int:
    """End index (exclusive) of a quotation opening at tokens[i], or i when there is none."""
    if i >= len(tokens) or tokens[i].text not in QUOTES_OPEN:
        return i
    close = QUOTES_CLOSE[tokens[i].text]
    for j in range(i + 1, min(len(tokens), i + limit)):
        if tokens[j].text == close or tokens[j].text in "”\"»’" and j > i + 1:
            return j + 1
    return i


def complement_end(tokens: list[Token], i: int, stops: set[int], preps: frozenset[str], limit: int = 14) -> int:
    """End index of a prepositional complement starting at tokens[i] ("on migration and youth")."""
    if i >= len(tokens) or tokens[i].low not in preps:
        return i
    clause_stop, trailing = _complement_words(preps)
    j, last = i, i
    while j < len(tokens) and j - i < limit:
        tok = tokens[j]
        if j in stops or tok.text in CLAUSE_PUNCT or (j > i and tok.low in clause_stop):
            break
        if tok.text in QUOTES_OPEN and quoted_end(tokens, j) > j:
            j = last = quoted_end(tokens, j)
            continue
        j += 1
        if tok.word:
            last = j
    while last > i and tokens[last - 1].low in trailing:
        last -= 1
    return last


@lru_cache(maxsize=64)
def _complement_words(preps: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(words that end a complement of `preps`, words it does not end with), computed once per set."""
    clause_stop = word_union("link", "happening") - NAME_CONNECTORS - {"and", "or"}
    return clause_stop - preps, NAME_CONNECTORS | preps


@lru_cache(maxsize=None)
def word_union(*kinds: str) -> frozenset[str]:
    """The union of the grammar word lists `kinds`, built once (the finders ask for a few unions often)."""
    words = grammar_words()
    return frozenset().union(*(words.get(kind, ()) for kind in kinds))


def span_text(ctx: ItemContext, tokens: list[Token], i: int, j: int) -> str:
    """Whitespace-normalised text of tokens[i:j]."""
    if j <= i:
        return ""
    return " ".join(ctx.text[tokens[i].start:tokens[j - 1].end].split())


def date_token_indexes(tokens: list[Token], spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of the tokens that start inside any of `spans` (character offsets)."""
    if not tokens or not spans:
        return set()
    starts = list(map(_TOKEN_START, tokens))
    return {n for a, b in spans for n in range(bisect_left(starts, a), bisect_left(starts, b))}


def mentions(ctx: ItemContext, start: int, end: int, kind: str) -> list[Mention]:
    """Catalogue mentions of `kind` in [start, end), without those inside organization names."""
    return [m for m in ctx.mentions_in(start, end, kind) if not m.in_org_name]


def unique(names: list[str]) -> tuple[str, ...]:
    """Names without repeats or blanks, in first-seen order."""
    return tuple(dict.fromkeys(n for n in names if n))


# "Port of Spain – ...", "September 14, Georgetown - ...": the place of the report, not a participant.
_DATELINE = re.compile(r"[^.\n]{0,60}?\s[-–—]\s")
_DASH = re.compile("[-–—]")      # a dateline's dash is within its first 62 characters


def role_cues(ctx: ItemContext, sentence: Sentence, stops: set[int]) -> list[tuple[Mention, str | None]]:
    """The organizations, countries and people of a sentence (after its dateline), each with the cue phrase
    before it ("organized by", "with the participation of"), once per sentence for all its triggers.

    Cue words inside dates (token indexes `stops`: "From 8 to 10 March") are no cues."""
    marks = sorted([(h.end, "organizer") for h in sentence.found("organizer_cue")
                    if h.i0 not in stops] +
                   [(h.end, "participant") for h in sentence.found("participant_cue")
                    if h.i0 not in stops])
    dateline = _DATELINE.match(sentence.text) if _DASH.search(sentence.text, 0, 62) else None
    opening = sentence.start + dateline.end() if dateline else sentence.start
    out = []
    for mention in ctx.mentions_in(opening, sentence.end):
        if mention.in_org_name or mention.kind not in ("organization", "country", "person"):
            continue
        cue = next((role for end, role in reversed(marks) if end <= mention.start and mention.start - end < 80),
                   None) if marks else None
        out.append((mention, cue))
    return out


def roles(cues: list[tuple[Mention, str | None]], anchor: int) -> tuple[list[str], list[str]]:
    """Organizers and participants of the trigger at `anchor`, from `role_cues`: the cue phrases, else
    subject position (an organization before the trigger)."""
    organizers, participants = [], []
    for mention, cue in cues:
        if cue == "organizer" and mention.kind == "organization":
            organizers.append(mention.name)
        elif cue == "participant" or mention.kind == "country":
            participants.append(mention.name)
        elif mention.start < anchor and mention.kind == "organization":
            organizers.append(mention.name)
    return organizers, participants


# A number not inside a word or a longer number; it opens with the digit (the check of what is before it
# follows), so the engine skips to the digits instead of trying every position.
_NUMBER = re.compile(r"(\d(?<![\w,.].)(?:\d{0,2}(?:[,.]\d{3})+|\d*))(?![\w,.]?\d)")


def attendance(text: str) -> int | None:
    """A head count before an attendee noun ("48 people", "more than 100 young people")."""
    nouns = grammar_words().get("attendee", frozenset())
    numbers = _NUMBER.finditer(text)
    first = next(numbers, None)
    if first is None or not may_contain(ascii_fold(text), _attendee_needles()):
        return None
    for match in chain((first,), numbers):
        following = [fold(w) for w in _WORDS_AFTER.findall(text[match.end():match.end() + 60])[:5]]
        if any(w in nouns for w in following[:4]) and not _is_year(match.group(1), following):
            return int(_SEPARATORS.sub("", match.group(1)))
    return None


_WORDS_AFTER = re.compile(r"[^\W\d_][\w-]*")
_SEPARATORS = re.compile(r"[,.]")


@lru_cache(maxsize=1)
def _attendee_needles() -> tuple[str, ...] | None:
    """The attendee nouns, if all are ASCII (a noun after a number is then a substring of `ascii_fold`)."""
    nouns = grammar_words().get("attendee", frozenset())
    return tuple(sorted(nouns)) if all(n.isascii() for n in nouns) else None


def _is_year(number: str, following: list[str]) -> bool:
    return len(number) == 4 and number[:2] in ("19", "20")


def postnominal(tokens: list[Token], left: int) -> bool:
    """Spanish order: a determiner that puts the head noun before its modifiers."""
    return left > 0 and tokens[left - 1].low in grammar_words().get("postnominal", ())


def adjectives_after(tokens: list[Token], r: int, stops: set[int]) -> int:
    """Spanish: "un taller regional sobre ..." - adjectives follow the head, then its complement."""
    words = grammar_words()
    closed = word_union("link", "complement", "happening")
    j = r
    while j < len(tokens) and j - r < 2 and tokens[j].word and not tokens[j].cap and tokens[j].low not in closed \
            and j not in stops:
        j += 1
    end = complement_end(tokens, j, stops, words.get("complement", frozenset()), limit=10)
    return max(end, j)


def acronym_follows(tokens: list[Token], right: int) -> bool:
    """An "(ACR)" follows: the phrase is the name of a body, not an event."""
    return (right + 2 < len(tokens) and tokens[right].text == "(" and tokens[right + 1].text.isupper()
            and tokens[right + 2].text == ")")


def is_modifier(tokens: list[Token], i0: int, i1: int) -> bool:
    """An English noun followed by another lower-case content word modifies it ("training manual")."""
    words = grammar_words()
    if i0 > 0 and tokens[i0 - 1].low in words.get("postnominal", ()):
        return False
    j = i1 + 1
    if j >= len(tokens) or not tokens[j].word or tokens[j].cap or tokens[j].text[:1].isdigit():
        return False
    nxt = tokens[j].low
    return not (nxt in words.get("link", ()) or nxt in words.get("happening", ()) or nxt.endswith("ed"))


def measure_prefix(tokens: list[Token], left: int) -> int:
    """Include "a week of" / "two days of" before the trigger."""
    measures = grammar_words().get("measure", frozenset())
    if left >= 2 and tokens[left - 1].low in ("of", "de") and tokens[left - 2].low in measures:
        return left_edge(tokens, left - 2)
    return left


def head_label(ctx: ItemContext, tokens: list[Token], left: int, right: int, gap: tuple[int, int] | None) -> str:
    """Label text of tokens[left:right] without the skipped `gap` ("was held <date>")."""
    if gap is None:
        return span_text(ctx, tokens, left, right)
    return f"{span_text(ctx, tokens, left, gap[0])} {span_text(ctx, tokens, gap[1], right)}".strip()


@lru_cache(maxsize=8)
def _with_in_at(preps: frozenset[str]) -> frozenset[str]:
    return preps | {"in", "at"}


def right_edge(tokens: list[Token], r: int, stops: set[int],
                is_title: bool) -> tuple[int, tuple[int, int] | None]:
    """End of what follows an event head: a quoted title, a name, a complement (past "was held <date>"),
    and the skipped tokens ("was held <date>") that the label leaves out."""
    preps = grammar_words().get("complement", frozenset())
    if r < len(tokens) and tokens[r].text == "," and r + 1 < len(tokens) and tokens[r + 1].text in QUOTES_OPEN:
        r += 1
    end = quoted_end(tokens, r)
    if end > r:
        return end, None
    if not is_title and r < len(tokens) and tokens[r].cap and tokens[r].word and r not in stops:
        return name_end(tokens, r), None
    probe = r
    passive = word_union("passive", "happening")
    while probe < len(tokens) and (tokens[probe].low in passive or probe in stops or tokens[probe].low in
                                   ("took", "place", "will", "held")):
        probe += 1
    wide = _with_in_at(preps)
    start = probe if probe > r and probe < len(tokens) and tokens[probe].low in wide else r
    if start < len(tokens) and tokens[start].low == "in" and not (start + 1 < len(tokens) and
                                                                  tokens[start + 1].cap):
        return r, None
    end = complement_end(tokens, start, stops, wide, limit=20)
    if end <= start:
        return r, None
    return end, ((r, start) if start > r else None)
