"""Whole-word dictionary matching, the lookup every lexicon shares."""

from __future__ import annotations

from streams.domain.matching import build_automaton, first_match, longest_matches


def test_first_match_is_the_earliest_whole_word_match_and_the_longest_there():
    automaton = build_automaton({"joint": 1, "joint exercises": 2, "exercises": 3})
    text = "began joint exercises and exercises"
    assert first_match(automaton, text) == (6, 21, 2)
    assert first_match(automaton, "nothing here") is None


def test_a_key_inside_a_longer_word_hides_no_word_after_it():
    # "fighter jets" runs from inside "Eurofighter": not a whole word, and it must not hide "jets".
    automaton = build_automaton({"fighter jets": "a", "jets": "b"})
    text = "send four eurofighter jets"
    assert first_match(automaton, text) == (22, 26, "b")


def test_longest_matches_take_whole_words_only():
    automaton = build_automaton({"met": 1, "metal": 2, "iran": 3})
    assert longest_matches(automaton, "they met over metal in iran") == [(5, 8, 1), (14, 19, 2), (23, 27, 3)]
    assert longest_matches(automaton, "metallic") == []
