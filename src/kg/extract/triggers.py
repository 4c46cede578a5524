"""One word-level pass that finds every trigger phrase of the event, course and initiative finders.

Python's regex engine tries each alternative of a large alternation at every
character, so a pattern per vocabulary costs milliseconds per item. Instead the
phrases of all vocabularies (`mappings/event_types.tsv`, `course_words.tsv`,
`initiative_kinds.tsv`, `languages.tsv`) are indexed by their first word (`_table`:
token -> the phrases to try there, in order); a sentence's tokens are looked up
once (`Sentence.hits`, shared by the finders), and every vocabulary gets its
leftmost, longest, non-overlapping hits.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache, partial
from itertools import compress, count
from typing import Any, NamedTuple

from .phrases import key, read_rows
from .tokens import fold, split_words, tokenize

# Vocabularies whose one-word nouns also match their English plural.
_PLURAL = frozenset({"event_noun", "event_object", "course", "initiative_head"})


class Hit(NamedTuple):
    i0: int             # first and last token index (inclusive) in the sentence's tokens
    i1: int
    start: int          # offsets in ItemContext.text
    end: int
    value: Any


_new_hit = partial(tuple.__new__, Hit)       # no Python-level `__new__` call
Entry = tuple[tuple[str, ...], str, Any]     # words, vocabulary, value


class _Try(NamedTuple):
    """One phrase tried at a token: its words, vocabulary and value; whether its last word may take a
    plural; the tokens that may follow the first word (None for one-word phrases)."""

    words: tuple[str, ...]
    vocab: str
    value: Any
    plural: bool
    second: frozenset[str] | None


@lru_cache(maxsize=1)
def _index() -> dict[str, list[Entry]]:
    index: dict[str, list[Entry]] = defaultdict(list)
    for words, vocab, value in _entries():
        index[words[0]].append((words, vocab, value))
    for entries in index.values():
        entries.sort(key=lambda e: len(e[0]), reverse=True)
    return dict(index)


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[_Try, ...]]:
    """Token -> the phrases that may start at it, in the order they are tried: the token as written, then
    without a plural ending ("-s", "-es"; one-word nouns of plural vocabularies only); longest first."""
    index = _index()
    firsts = {w + end for w in index for end in ("", "s", "es")}
    table: dict[str, tuple[_Try, ...]] = {}
    for low in firsts:
        tries = []
        for variant in _variants(low):
            for words, vocab, value in index.get(variant, ()):
                if variant != low and (len(words) > 1 or vocab not in _PLURAL):
                    continue
                second = frozenset(words[1] + end for end in ("", "s", "es")) if len(words) > 1 else None
                tries.append(_Try(words, vocab, value, vocab in _PLURAL, second))
        table[low] = tuple(tries)
    return table


def _entries() -> list[Entry]:
    out: list[Entry] = []
    verbs: dict[tuple[str, ...], list[tuple[str, str, str]]] = defaultdict(list)
    for cells in read_rows("event_types.tsv"):
        phrase, etype, kind = cells[0], cells[1], cells[2]
        extra = cells[3] if len(cells) > 3 else ""
        words = _words(phrase)
        if kind in ("noun", "minor", "observance", "anaphor", "observance_head"):
            out.append((words, "event_noun", (etype, kind)))
        elif kind == "verb":
            prefix, _, oclass = extra.partition("|")
            verbs[words].append((etype, prefix, oclass))
        elif kind == "object":
            out.append((words, "event_object", extra))
        elif kind in ("happening", "organizer_cue", "participant_cue", "online"):
            out.append((words, kind, None))
    out += [(words, "event_verb", entries) for words, entries in verbs.items()]
    for cells in read_rows("course_words.tsv"):
        vocab = "course" if cells[1] == "trigger" else cells[1]
        out.append((_words(cells[0]), vocab, cells[2] if len(cells) > 2 else ""))
    for cells in read_rows("initiative_kinds.tsv"):
        info = (cells[1], cells[2] if len(cells) > 2 else "", cells[3] if len(cells) > 3 else "proper")
        out.append((_words(cells[0]), "initiative_verb" if info[2] == "verb" else "initiative_head", info))
    out += [(_words(cells[0]), "language", cells[1]) for cells in read_rows("languages.tsv")]
    return out


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(t.low for t in tokenize(key(phrase)))


def _variants(low: str) -> tuple[str, ...]:
    if low.endswith("es"):
        return low, low[:-1], low[:-2]
    return (low, low[:-1]) if low.endswith("s") else (low,)


def token_hits(lows: list[str], edges: list[int]) -> dict[str, tuple[Hit, ...]]:
    """Hits per vocabulary in one sentence's tokens (their `low`s and `edges`, see `split_words`):
    leftmost, longest, non-overlapping within each vocabulary (vocabularies do not block each other).
    Do not change the dict: it may be shared."""
    table = _table()
    starts = list(compress(count(), map(table.__contains__, lows)))     # the tokens a phrase may start at
    if not starts:
        return _NONE
    best: dict[str, list[Hit]] = {}
    ends: dict[str, int] = {}
    last = len(lows) - 1
    for i in starts:
        following = lows[i + 1] if i < last else ""
        for words, vocab, value, plural, second in table[lows[i]]:
            if i < ends.get(vocab, 0):
                continue
            if second is None:
                j = i
            elif following not in second or (j := _match(lows, i, words, plural)) is None:
                continue
            best.setdefault(vocab, []).append(_new_hit((i, j, edges[2 * i + 1], edges[2 * j + 2], value)))
            ends[vocab] = j + 1
    return {vocab: tuple(found) for vocab, found in best.items()}


_NONE: dict[str, tuple[Hit, ...]] = {}


@lru_cache(maxsize=2048)
def sentence_hits(text: str, offset: int) -> dict[str, tuple[Hit, ...]]:
    """Hits per vocabulary in `text` (a sentence or label starting at `offset` of the item text)."""
    return token_hits(*split_words(text, offset)[1:])


def _match(lows: list[str], i: int, words: tuple[str, ...], plural: bool) -> int | None:
    """Index of the last token when `words` match at token i (the last word may take a plural)."""
    if i + len(words) > len(lows):
        return None
    last = len(words) - 1
    for n in range(1, last + 1):
        low, word = lows[i + n], words[n]
        if low != word and not (plural and n == last and low in (word + "s", word + "es")):
            return None
    return i + last


def may_hit(text: str, vocabs: tuple[str, ...]) -> bool:
    """False when `text` cannot hold a hit of `vocabs` (as `hits` would find them): it holds none of their
    phrases' longest words (a hit's tokens are, folded, substrings of the folded text). Cheaper than
    tokenizing a label to find it has no hit."""
    folded = text.lower() if text.isascii() else fold(text).replace("‐", "-").replace("‑", "-")
    return any(needle in folded for needle in _needles(vocabs))


@lru_cache(maxsize=None)
def _needles(vocabs: tuple[str, ...]) -> tuple[str, ...]:
    """The longest word of each phrase of `vocabs` (for plural vocabularies a hit may add "s"/"es", so a
    needle is still inside it)."""
    return tuple(sorted({max(t.words, key=len) for tries in _table().values() for t in tries if t.vocab in vocabs}))


def hits(text: str, offset: int, vocab: str) -> tuple[Hit, ...]:
    """The hits of vocabulary `vocab` (event_noun, course, online...) in a text that is no `Sentence` of
    the item (a label); a sentence has them in `Sentence.found`."""
    return sentence_hits(text, offset).get(vocab, ())
