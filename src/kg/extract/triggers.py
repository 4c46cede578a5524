"""One word-level pass that finds every trigger phrase of the event, course and initiative finders.

Python's regex engine tries each alternative of a large alternation at every
character, so a pattern per vocabulary costs milliseconds per item. Instead the
phrases of all vocabularies (`mappings/event_types.tsv`, `course_words.tsv`,
`initiative_kinds.tsv`, `languages.tsv`) are indexed by their first word; a
sentence's tokens are looked up once, and every vocabulary gets its leftmost,
longest, non-overlapping hits.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any, NamedTuple

from .phrases import Token, key, read_rows, tokenize

# Vocabularies whose one-word nouns also match their English plural.
_PLURAL = frozenset({"event_noun", "event_object", "course", "initiative_head"})


class Hit(NamedTuple):
    i0: int             # first and last token index (inclusive) in the sentence's tokens
    i1: int
    start: int          # offsets in ItemContext.text
    end: int
    value: Any


Entry = tuple[tuple[str, ...], str, Any]     # words, vocabulary, value


@lru_cache(maxsize=1)
def _index() -> dict[str, list[Entry]]:
    index: dict[str, list[Entry]] = defaultdict(list)
    for words, vocab, value in _entries():
        index[words[0]].append((words, vocab, value))
    for entries in index.values():
        entries.sort(key=lambda e: len(e[0]), reverse=True)
    return dict(index)


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """Every token that can start a hit: a first word, or a first word with a plural ending."""
    return frozenset(w + end for w in _index() for end in ("", "s", "es"))


@lru_cache(maxsize=1)
def _second_words() -> dict[str, frozenset[str]]:
    """First word -> every token that can follow it in a longer phrase (plural endings included): most
    phrases sharing a first word ("in", "by") are ruled out by the next token alone."""
    return {first: frozenset(e[0][1] + end for e in entries if len(e[0]) > 1 for end in ("", "s", "es"))
            for first, entries in _index().items()}


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


@lru_cache(maxsize=2048)
def sentence_hits(text: str, offset: int) -> dict[str, tuple[Hit, ...]]:
    """Hits per vocabulary in the sentence `text` that starts at `offset` of the item text."""
    tokens = tokenize(text, offset)
    firsts = _first_words()
    if not any(tok.low in firsts for tok in tokens):
        return {}
    index, seconds = _index(), _second_words()
    best: dict[str, list[Hit]] = defaultdict(list)
    ends: dict[str, int] = defaultdict(int)
    for i, tok in enumerate(tokens):
        low = tok.low
        if low not in firsts:
            continue
        following = tokens[i + 1].low if i + 1 < len(tokens) else ""
        for variant in _variants(low):
            for words, vocab, value in index.get(variant, ()):
                if i < ends[vocab] or (variant != tok.low and (len(words) > 1 or vocab not in _PLURAL)):
                    continue
                if len(words) > 1 and following not in seconds[variant]:
                    continue
                j = _match(tokens, i, words, vocab in _PLURAL)
                if j is not None:
                    best[vocab].append(Hit(i, j, tok.start, tokens[j].end, value))
                    ends[vocab] = j + 1
    return {vocab: tuple(hits) for vocab, hits in best.items()}


def _match(tokens: list[Token], i: int, words: tuple[str, ...], plural: bool) -> int | None:
    """Index of the last token when `words` match at tokens[i] (the last word may take a plural)."""
    if i + len(words) > len(tokens):
        return None
    for n, word in enumerate(words[1:], 1):
        low = tokens[i + n].low
        if low != word and not (plural and n == len(words) - 1 and low in (word + "s", word + "es")):
            return None
    return i + len(words) - 1


def hits(sentence_text: str, offset: int, vocab: str) -> tuple[Hit, ...]:
    """The hits of vocabulary `vocab` (event_noun, course, initiative_head, happening...) in one sentence."""
    return sentence_hits(sentence_text, offset).get(vocab, ())
