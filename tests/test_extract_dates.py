"""The date grammar's fast paths find what the plain grammar finds: rules tried per first word, month
lists as prefix trees, words taken from a sentence's tokens, the prefilter on anchor words."""
from __future__ import annotations

import re
from datetime import date

import pytest

from kg.extract import date_grammar as dg
from kg.extract import when
from kg.extract.alternation import alternation


# Texts that reach the edge cases: non-ASCII letters next to ASCII ones (case-insensitive matching is
# wider than lower-casing: "ſ" matches "s", "ı" matches "i", the Kelvin sign matches "k"), a capital sigma
# (lower-cased by context), digits that are no ASCII digits, dates in the three languages.
EDGE_TEXTS = [
    "From September 8 to 11, 2020 the workshop was held; on the 28th it closed.",
    "Del 3 al 5 de marzo de 2021 se realizó el taller, y el próximo lunes otro.",
    "ſince March 2019, İn June, ın May 2018; sábado 3 de abril; MIÉRCOLES 9 DE JUNIO.",
    "Ο ΔΡΟΜΟΣ 12 March ΣΑΣ; today (09/06) and yesterday; last month, this year.",
    "Between 4 and 6 August, from mid-September to late October, until 2022-23.",
    "Le 14 juillet 2020, aujourd'hui et hier; ² 3 ٣ march 12; 100 people on 3rd May.",
    "On\u00a0Tuesday, 2\u00a0March\u2013 4 April 2021 \u2013 the meeting; Sept. 5th 2019.",
    "in 2019, since 2020, during the year 2018, by May, en mayo, desde enero hasta marzo.",
]


@pytest.fixture(scope="module")
def sentences(page_contexts) -> list[tuple[str, date | None]]:
    out = [(s.text, ctx.item.date_published) for ctx in page_contexts for s in ctx.sentences]
    return out + [(text, date(2020, 6, 12)) for text in EDGE_TEXTS]


def _word_starts(text: str) -> list[tuple[int, str]]:
    low = text.lower()
    source = low if len(low) == len(text) else text
    return [(m.start(), m.group().lower()) for m in re.finditer(r"[^\W_]+", source)]


def test_rules_tried_per_first_word_match_what_the_whole_grammar_matches(sentences):
    whole = dg.grammar()
    tried = 0
    for text, _ in sentences:
        for start, word in _word_starts(text):
            fast, full = dg.grammar_at(word).match(text, start), whole.match(text, start)
            assert (fast is None) == (full is None), (text, start)
            if full is not None:
                tried += 1
                assert (fast.span(), fast.lastgroup) == (full.span(), full.lastgroup), (text, start)
                assert {k: v for k, v in fast.groupdict().items() if v} == \
                       {k: v for k, v in full.groupdict().items() if v}
    assert tried > 50


@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_prefix_tree_alternation_prefers_what_the_longest_first_alternation_prefers(flags):
    words = sorted(set(dg._words("weekday") + list(dg.month_names()) + ["sep", "sept", "september", "a", "ab"]))
    words = [w for w in words if w.isascii()]
    tail = r"\.?(?![^\W\d_])(?:\s+(\d+))?"
    tree = re.compile(f"(?:{alternation(words, ignore_case=bool(flags))}){tail}", flags)
    plain = re.compile("(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + f"){tail}", flags)
    for text in ["Sept. 5", "September 12", "sep 3", "Sept", "Septembers", "ab", "abc 4", "MAYO 3", "May4"]:
        for pos in range(len(text)):
            a, b = tree.match(text, pos), plain.match(text, pos)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (text, pos)


def test_words_from_tokens_are_the_words_of_the_text(sentences):
    from kg.extract.tokens import split_words
    for text, _ in sentences:
        if "\u03a3" in text:
            continue
        split = split_words(text, 7)
        assert when._token_words(split, 7) == when._words(text), text
        if when._no_anchor(text, split[1]):
            assert when._anchor_indexes(text, when._words(text)[0]) == [], text


def test_the_anchor_prefilter_keeps_every_anchor(sentences):
    anchors = dg.anchor_words()
    for text, _ in sentences:
        words, _ = when._words(text)
        expected = [n for n, w in enumerate(words) if w[0].isdigit() or w in anchors or dg.fold(w) in anchors]
        assert when._anchor_indexes(text, words) == expected, text


def test_sentence_dates_are_find_dates_moved_to_item_offsets(sentences):
    from kg.extract.tokens import split_words
    for text, published in sentences:
        moved = when.sentence_dates(text, split_words(text, 100), 100, published)
        assert [w._replace(begin=w.begin - 100, finish=w.finish - 100) for w in moved] == \
               list(when.find_dates(text, published)), text


def test_the_word_before_a_date_is_the_last_word_of_the_window():
    plain = re.compile(r"(\w+)\W*$")
    for window in ["until ", "hasta el ", "x", "", "  ", "foo bar\n", "a-b.", "déjà vu, ", "12 ", "_x_ "]:
        a, b = when._LAST_WORD.match(window[::-1]), plain.search(window)
        assert (a and a.group(1)[::-1]) == (b and b.group(1)), window
