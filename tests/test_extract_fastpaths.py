"""The extraction's fast paths agree with the plain definitions they replace: the tokenizer, the trigger
pass, the key text, the prefilters that rule texts out before a pattern runs, patterns rewritten to open
with a character, and the mention lookup by bisection."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

from kg.extract import load_catalogue, people, phrases, text, triggers
from kg.extract import events, tokens

ODD = [
    "IOM’s e-learning course “Migration & Health” (U.S./Canada) – held online; 3rd of 4 sessions.",
    "Un taller virtual de manera virtual en línea: 48 personas, 1.200 migrantes, en 2021.",
    "  tabs\there, NBSP\u00a0here\r\nand CR; ſome İstanbul ΟΔΟΣ ² ٣ Kelvin \u212a; foo_bar, x-, -y, a.b.c",
    "Port of Spain – The workshops and trainings were held in Lima, at the Office in San José.",
    "", "   ", "-", "a", "İ", "MEETINGS, Meetings' meeting's webinars online sessions",
]


@pytest.fixture(scope="module")
def contexts(page_contexts):
    return page_contexts


@pytest.fixture(scope="module")
def texts(contexts) -> list[str]:
    return [s.text for ctx in contexts for s in ctx.sentences] + ODD


def _plain_tokens(text: str, offset: int = 0) -> list[tokens.Token]:
    """The tokenizer written plainly: one match object per token."""
    pattern = re.compile(r"[^\W_](?:[\w'’.&/-]*[^\W_])?|[^\w\s]")
    out = []
    for m in pattern.finditer(text):
        word = m.group()
        low = word.lower() if word.isascii() else tokens.fold(word).replace("‐", "-").replace("‑", "-")
        out.append(tokens.Token(m.start() + offset, m.end() + offset, word, low))
    return out


def _plain_hits(toks: list[tokens.Token]) -> dict[str, tuple[triggers.Hit, ...]]:
    """The trigger pass written plainly: at each token, each phrase of its first word (then of the word
    without a plural ending), longest first; leftmost, longest, non-overlapping per vocabulary."""
    index, best, ends = triggers._index(), defaultdict(list), defaultdict(int)
    for i, tok in enumerate(toks):
        for variant in triggers._variants(tok.low):
            for words, vocab, value in index.get(variant, ()):
                plural = vocab in triggers._PLURAL
                if i < ends[vocab] or (variant != tok.low and (len(words) > 1 or not plural)):
                    continue
                if i + len(words) > len(toks):
                    continue
                last = len(words) - 1
                if all(toks[i + n].low == w or plural and n == last and toks[i + n].low in (w + "s", w + "es")
                       for n, w in enumerate(words) if n):
                    best[vocab].append(triggers.Hit(i, i + last, tok.start, toks[i + last].end, value))
                    ends[vocab] = i + last + 1
    return {vocab: tuple(found) for vocab, found in best.items()}


def test_tokens_and_hits_match_the_plain_definitions(texts):
    with_hits = 0
    for sentence in texts:
        expected = _plain_tokens(sentence, 11)
        assert tokens.tokens_of(sentence, 11) == expected, sentence
        _, lows, edges = tokens.split_words(sentence, 11)
        found = triggers.token_hits(lows, edges)
        assert found == _plain_hits(expected), sentence
        with_hits += bool(found)
    assert with_hits > 20


def test_may_hit_never_rules_out_a_text_with_hits(texts):
    for vocabs in [("online", "modality"), ("course",), ("event_noun", "event_verb")]:
        for sentence in texts:
            found = triggers.sentence_hits(sentence, 0)
            if any(v in found for v in vocabs):
                assert triggers.may_hit(sentence, vocabs), (vocabs, sentence)


def test_phrase_needles_never_rule_out_a_text_the_pattern_matches(texts):
    from kg.extract.courses import course_words
    for kind in ("modality", "audience", "certificate", "unit"):
        phrases_ = tuple(sorted(course_words()[kind]))
        needles, pattern = phrases.phrase_needles(phrases_), phrases.phrase_regex(list(phrases_))
        for sentence in texts + ["Curso EN LÍNEA dirigido a jóvenes, 4 Módulos", "CERTIFICADOS y semipresencial"]:
            if pattern.search(sentence):
                assert phrases.may_contain(phrases.ascii_fold(sentence), needles), (kind, sentence)


def test_key_text_is_the_translation_of_every_break_to_a_space(texts):
    table = {ord(c): " " for c in text.BREAK_CHARS}
    for sentence in texts + ["".join(map(chr, range(0x20, 0x2200)))]:
        lower = sentence.lower()
        if len(lower) != len(sentence):
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in sentence)
        assert text.key_text(sentence) == " " + lower.translate(table)


_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĒĘĚĞĪŁŃŇŌŐŒŘŚŞŠŤŪŮŰŹŻŽ"


@pytest.mark.parametrize("fast, plain", [
    (text._SENTENCE_END, r"""[.!?]+["'\u201d\u2019)\]]*(?=\s)|\n+"""),
    (phrases._NUMBER, r"(?<![\w,.])(\d{1,3}(?:[,.]\d{3})+|\d+)(?![\w,.]?\d)"),
    (people._patterns(frozenset({"de", "la", "van"}))[0],
     rf"(?<![\w'-])[{_UPPER}][\w'-]*(?: (?:(?:de|la|van) )*[{_UPPER}][\w'-]*)+"),
])
def test_patterns_that_open_with_a_character_find_what_the_look_behind_forms_find(fast, plain, texts):
    plain = re.compile(plain)
    extra = ["Mr. Smith. Dr. Who! 'Yes.' (End.)\n\nNext", "1,200 and 3.5 and 12,34 x1 1999",
             "Ana de la Cruz met Jan van Dijk"]
    for sentence in texts + extra:
        assert [(m.span(), m.groups()) for m in fast.finditer(sentence)] == \
               [(m.span(), m.groups()) for m in plain.finditer(sentence)], sentence


def test_head_noun_pattern_finds_what_the_look_behind_form_finds(texts):
    catalogue = load_catalogue()
    heads = sorted(catalogue.words("org_head"), key=len, reverse=True)
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, heads)) + r")(?![\w-])")
    for sentence in texts + ["Sub-Committee Committees, the Committee-x and (Committee)"]:
        assert [m.span() for m in catalogue.head_regex.finditer(sentence)] == \
               [m.span() for m in plain.finditer(sentence)], sentence


def test_in_or_at_before_a_place_is_read_from_the_reversed_window():
    plain = re.compile(r"\b(?:in|at|en)\s+(?:the\s+)?$", re.IGNORECASE)
    for window in ["held in ", "In the ", "at\n", "in the\n", "within ", "in x\n", "AT  THE  ", "en ", "xen ", ""]:
        assert bool(events._AT.match(window[::-1])) == bool(plain.search(window)), window


def test_mentions_in_and_date_token_indexes_match_a_full_scan(contexts):
    checked = 0
    for ctx in contexts:
        for s in ctx.sentences:
            for kind in (None, "organization", "country"):
                assert ctx.mentions_in(s.start, s.end, kind) == [
                    m for m in ctx.mentions if m.start >= s.start and m.end <= s.end and kind in (None, m.kind)]
            spans = [(w.begin, w.finish) for w in s.dates(ctx.item.date_published)] + [(s.start, s.start + 9)]
            assert phrases.date_token_indexes(s.tokens, spans) == {
                n for n, tok in enumerate(s.tokens) for a, b in spans if a <= tok.start < b}
            checked += 1
    assert checked > 50
