"""Text views the matchers share: a normalised copy with offsets back to the original, and sentences.

Bulletins carry no-break spaces, runs of spaces, curly quotes and Unicode hyphens. The matchers work on
a normalised copy (one space per run, straight quotes, ASCII hyphens, a lower-cased key text for the automaton)
and report offsets in the original text, so evidence and mentions point at what the page says.
"""
from __future__ import annotations

import re
import string
from bisect import bisect_right
from dataclasses import dataclass

from .context import Sentence

_SPACE_RUN = re.compile(r"[^\S\n]{2,}|[^\S\n ]")   # what normalising changes: runs, NBSP, tabs, CR
_FOLD = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u00ad": "-"}
# Punctuation that separates words, as spaces in the automaton's key text (ASCII and common Unicode marks).
BREAK_CHARS = (string.punctuation + "\u2013\u2014\u2026\u00ab\u00bb\u2039\u203a\u201e\u00a1\u00bf"
               "\u2022\u00b7\u00b0\u00ae\u2122\u00a7\u00b6\u2020\u2192\n\t")
# As one character class: substituting it is several times cheaper than `str.translate` on text that is
# not ASCII (which looks every character up in the table).
_BREAK = re.compile("[" + re.escape(BREAK_CHARS) + "]")
_FOLDED = re.compile("[" + "".join(_FOLD) + "]")
# Whitespace other than a space or a line break: with no double space, tab or CR in a text, normalising
# changes it only if it holds one of these (`_SPACE_RUN` would find nothing else).
_ODD_SPACE = re.compile(r"[^\S\n ]")
# A sentence ends at . ! ? (optionally closed by quotes/brackets) before whitespace, or at a line break.
# Written to open with one character class, so that the engine skips to the next candidate character.
_SENTENCE_END = re.compile(r"""[.!?\n](?:(?<=[.!?])[.!?]*["'\u201d\u2019)\]]*(?=\s)|(?<=\n)\n*)""")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|St|Tel|No|Nos|Fig|Art|Jr|Inc|Ltd|Co|Gen|Gov|Amb|Hon|vs|etc|approx)|\b[A-Z](?:\.[A-Z])*)\.$")


@dataclass(frozen=True)
class NormText:
    """`norm` is `original` with runs of spaces (NBSP, tabs, CR included) collapsed to one space."""

    original: str
    norm: str
    keys: str           # " " + lower-cased norm with every non-word character as a space (automaton input)
    _norm_starts: tuple[int, ...]
    _orig_starts: tuple[int, ...]

    def to_original(self, index: int) -> int:
        """Offset in the original text of normalised offset `index`."""
        seg = bisect_right(self._norm_starts, index) - 1
        if seg < 0:
            return index
        return self._orig_starts[seg] + (index - self._norm_starts[seg])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of a normalised span that does not end in whitespace."""
        if len(self._norm_starts) == 1:         # nothing collapsed: the offsets are the original's
            return start, end if end > start else start
        return self.to_original(start), self.to_original(end - 1) + 1 if end > start else self.to_original(start)


def normalize(text: str) -> NormText:
    """Collapse runs of spaces (line breaks kept), fold quotes and hyphens, keep an offset map."""
    if not ("  " in text or "\t" in text or "\r" in text or (not text.isascii() and _ODD_SPACE.search(text))):
        norm = _fold(text)
        return NormText(text, norm, key_text(norm), (0,), (0,))
    pieces: list[str] = []
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    pos = npos = 0
    for match in _SPACE_RUN.finditer(text):
        chunk = text[pos:match.start()]
        pieces.append(chunk)
        norm_starts.append(npos)
        orig_starts.append(pos)
        npos += len(chunk)
        pieces.append(" ")
        norm_starts.append(npos)
        orig_starts.append(match.start())
        npos += 1
        pos = match.end()
    pieces.append(text[pos:])
    norm_starts.append(npos)
    orig_starts.append(pos)
    norm = _fold("".join(pieces))
    return NormText(text, norm, key_text(norm), tuple(norm_starts), tuple(orig_starts))


def _fold(text: str) -> str:
    """Straight quotes and ASCII hyphens (same length, so offsets hold)."""
    if not _FOLDED.search(text):
        return text
    for char in set(_FOLDED.findall(text)):
        text = text.replace(char, _FOLD[char])
    return text


def key_text(text: str) -> str:
    """Automaton input: lower case, punctuation as spaces, one leading space, so that every key (built the
    same way, see `catalogue`) can only match at the start of a word. Same length as `text` plus one."""
    lower = text.lower()
    if len(lower) != len(text):  # a few code points change length when lower-cased
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return " " + _BREAK.sub(" ", lower)


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences with offsets in `text`; line breaks always end a sentence (titles, listing lines)."""
    out: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group()[0] != "\n" else match.start()
        if match.group()[0] != "\n" and _abbreviation(text, max(start, end - 12), match.start() + 1):
            continue
        _add_sentence(out, text, start, end)
        start = match.end()
    _add_sentence(out, text, start, len(text))
    return tuple(out)


def _abbreviation(text: str, start: int, end: int) -> bool:
    """ "Dr." or "U.S." before the full stop: no sentence end. Only short words are checked."""
    words = text[start:end].rsplit(None, 1)
    return bool(words) and len(words[-1]) <= 6 and bool(_ABBREVIATION.search(words[-1]))


def _add_sentence(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def squash(text: str) -> str:
    """Whitespace-normalised surface form, as the gold records surfaces."""
    return " ".join(text.split())
