"""Whole-word dictionary matching with Aho-Corasick, shared by every lexicon lookup.

Automaton values are ``(key_length, payload)`` so a match's start can be computed.
"""

from __future__ import annotations

from typing import Any, Iterator

import ahocorasick


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# A trie node's children are searched one by one in the order they were added. Keys go in with the
# letters most frequent in news text first, so the common letters are found early: the automaton
# (its trie and its failure links) and so every match are the same, only found sooner.
_LETTER_ORDER = "etaoinsrhldcumfpgwybvkjxqzTSAMCIPBDHNRWFEGLOUJKVYZQX0123456789 .,-'"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_LETTER_ORDER)}


def _insertion_order(key: str) -> list[int]:
    return [_LETTER_RANK.get(letter, len(_LETTER_ORDER) + ord(letter)) for letter in key]


def build_automaton(entries: dict[str, Any]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key in sorted(entries, key=_insertion_order):
        automaton.add_word(key, (len(key), entries[key]))
    automaton.make_automaton()
    return automaton


def longest_matches(automaton: ahocorasick.Automaton, text: str, *,
                    hyphen_joins: bool = False) -> list[tuple[int, int, Any]]:
    """Non-overlapping whole-word matches, the longest winning where they overlap, in text order.

    Chosen from every match, not from the automaton's own longest ones (``iter_long``): those are
    picked before the whole-word test, so a longer key starting inside a word ("fighter jets" in
    "Eurofighter jets") would hide the word after it ("jets"). Measured no slower."""
    found = _whole_words(automaton.iter(text), text, hyphen_joins)
    found.sort(key=_leftmost_longest)
    chosen: list[tuple[int, int, Any]] = []
    end = -1
    for match in found:
        if match[0] >= end:
            chosen.append(match)
            end = match[1]
    return chosen


def _leftmost_longest(match: tuple[int, int, Any]) -> tuple[int, int]:
    return match[0], -match[1]


def first_match(automaton: ahocorasick.Automaton, text: str) -> tuple[int, int, Any] | None:
    """``longest_matches(automaton, text)[0]`` (None if there is none), without sorting the others."""
    return min(_whole_words(automaton.iter(text), text, False), key=_leftmost_longest, default=None)


def all_matches(automaton: ahocorasick.Automaton, text: str, *,
                hyphen_joins: bool = False) -> list[tuple[int, int, Any]]:
    """Every match that neither starts nor ends inside a word, overlapping ones included, in the order
    the automaton finds them. With ``hyphen_joins``, a hyphen before a match makes it part of a
    compound ("Rwanda-backed")."""
    return _whole_words(automaton.iter(text), text, hyphen_joins)


def _whole_words(matches: Iterator, text: str, hyphen_joins: bool) -> list[tuple[int, int, Any]]:
    # The hot loop of every lexicon: the whole-word test is inlined, and most matches inside
    # longer words ("met" in "metal") fail its first cheap comparison.
    found = []
    last = len(text) - 1
    for end_index, (key_length, payload) in matches:
        start = end_index - key_length + 1
        if start > 0:
            before = text[start - 1]
            if before.isalnum() or before == "_" or (hyphen_joins and before == "-"):
                continue
        if end_index < last:
            after = text[end_index + 1]
            if (after.isalnum() or after == "_") and _word_char(text[end_index]):
                continue
        found.append((start, end_index + 1, payload))
    return found


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` is in ``text``: the test that spares a regex most sentences."""
    for word in words:
        if word in text:
            return True
    return False


def may_match(text: str, lowered: str, words: tuple[str, ...]) -> bool:
    """Whether a case-insensitive pattern that needs one of ``words`` (lower-case) can match ``text``.
    Only in ASCII text does lower-casing agree with the regex's case folding ("ſ" matches "s"), so
    any other text is left to the regex."""
    return not text.isascii() or has_any(lowered, words)
