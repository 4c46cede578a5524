"""Regex alternations of many literal words, written as a prefix tree.

Python's regex engine tries the alternatives of `a|b|c` one after the other, so a list of a hundred
month names costs a hundred failed attempts at every word that is not one. The same words as a prefix
tree (`sep(?:t(?:ember)?)?`) are ruled out at their first differing character, and the engine still
tries the longer of two words that both match first, as the longest-first alternation does.
"""
from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(words: Iterable[str], ignore_case: bool = False, after_first: str = "") -> str:
    """A regex (no group) that matches what `|`.join(words sorted longest first) matches, with the same
    preference. With `ignore_case`, the tree is built only when every word is lower-case ASCII (two
    branches could otherwise match one character); else the plain alternation is returned.

    `after_first` (a zero-width assertion) goes right after each word's first character: a pattern that
    opens with a character lets the engine skip to the places where one of them is, where a leading
    look-behind ("not after a letter") makes it try every position."""
    forms = set(words)
    if ignore_case and not all(w.isascii() and w == w.lower() for w in forms):
        if after_first:
            raise ValueError("after_first needs the prefix tree")
        return "|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True))
    tree: dict[str, dict] = {}
    for word in forms:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if after_first and "" in tree:
        raise ValueError("after_first needs words of one character or more")
    return _pattern(tree, after_first)


def _pattern(node: dict[str, dict], after_char: str = "") -> str:
    """The branches of `node` (one per next character; mutually exclusive), optional when a word ends here;
    a branch goes on as far as it can before giving back, so longer words are tried first."""
    branches = [re.escape(char) + after_char + _pattern(child) for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
