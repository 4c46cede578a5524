"""Words and punctuation of a sentence, the unit every trigger and phrase rule of the finders works on.

A sentence is split once (see `Sentence.tokens` / `Sentence.hits` in `context`): the trigger pass needs
only the tokens' lower-cased texts and offsets (`split_words`); the `Token` tuples are built for the
sentences a finder reads (`tokens_from`).
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from itertools import accumulate
from typing import NamedTuple

from ..dates import fold as _plain_fold

# Cached: the finders fold the same few thousand words again and again.
fold = lru_cache(maxsize=65536)(_plain_fold)
# A word (letters and digits, inner apostrophes, dots, ampersands, slashes and hyphens) or one mark;
# grouped, so that `re.split` returns the gaps between tokens too.
_TOKEN_SPLIT = re.compile(r"([^\W_](?:[\w'’.&/-]*[^\W_])?|[^\w\s])")


class Token(NamedTuple):
    start: int          # offsets in ItemContext.text
    end: int
    text: str
    low: str            # folded

    @property
    def cap(self) -> bool:
        """Capitalized word (or a number with capitals, "R4V")."""
        return self.text[:1].isupper() or self.text[:1].isdigit() and any(c.isupper() for c in self.text)

    @property
    def word(self) -> bool:
        """A word or number, not punctuation."""
        return self.text[:1].isalnum()


@lru_cache(maxsize=2048)
def tokenize(text: str, offset: int = 0) -> list[Token]:
    """`tokens_of`, cached (for labels and other texts that are no `Sentence`): do not change the list."""
    return tokens_of(text, offset)


def tokens_of(text: str, offset: int = 0) -> list[Token]:
    """Words and punctuation of `text` (a sentence starting at `offset`); shared by the three finders.
    A token's `low` is the word lower-cased (folded when not ASCII)."""
    return tokens_from(split_words(text, offset))


def split_words(text: str, offset: int = 0) -> tuple[list[str], list[str], list[int]]:
    """The tokens of `text` as (texts, lows, edges): edges are `offset`, then each token's start and end.

    One `re.split` (tokens and the gaps between them, so offsets are running sums of lengths) and C-level
    maps: several times cheaper per token than match objects and a comprehension."""
    parts = _TOKEN_SPLIT.split(text)        # gap, token, gap, token, ..., gap
    words = parts[1::2]
    edges = list(accumulate(map(len, parts), initial=offset))
    return words, list(map(str.lower, words) if text.isascii() else map(_fold, words)), edges


def tokens_from(split: tuple[list[str], list[str], list[int]]) -> list[Token]:
    """The tokens of a `split_words` result."""
    words, lows, edges = split
    return list(map(_new_token, zip(edges[1::2], edges[2::2], words, lows)))


_new_token = partial(tuple.__new__, Token)      # no Python-level `__new__` call per token


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    return word.lower() if word.isascii() else fold(word).replace("‐", "-").replace("‑", "-")
