"""One pass over a whole story for every dictionary and pattern the extractor needs.

Scanning sentence by sentence costs a Python call per sentence per lexicon; scanning the story
once and handing each sentence its share keeps the per-story overhead flat. Sentences are joined
with NUL, which no cleaned text contains and no pattern or dictionary key matches, so a match can
never run from one sentence into the next.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Sequence

from streams.domain.matching import all_matches, longest_matches

_JOIN = "\x00"


@dataclass(slots=True)
class SentenceScan:
    text: str
    lowered: str
    actors: list[tuple[int, int, Any]]  # gazetteer entries
    titles: list[tuple[int, int, int, str, str]]  # (title start, name start, name end, name, title)
    groups: list[tuple[int, int, str]]  # group words ("protesters", "police") with their role
    phrases: list[tuple[int, int, Any]]  # trigger phrases
    verbs: list[tuple[int, int, Any]]  # frame verbs


class StoryScanner:
    """Scans with whichever of the dictionaries and the title pattern it was given."""

    def __init__(self, gazetteer=None, titled_person=None, groups=None, phrases=None,  # noqa: ANN001 - automata
                 verbs=None) -> None:
        self.gazetteer = gazetteer
        self.titled_person = titled_person
        self.groups = groups
        self.phrases = phrases
        self.verbs = verbs

    def scan(self, texts: Sequence[str], *, groups: bool = True) -> list[SentenceScan]:
        """``groups=False`` leaves the group words out, for :meth:`scan_groups` to find in the
        sentences that need them."""
        story = _JOIN.join(texts)
        lowered = story.lower()
        if len(lowered) != len(story):  # a few characters lower-case to two: offsets would drift
            return [self.scan_one(text) for text in texts]
        starts = _starts(texts)
        parts = [_split(hits, starts) for hits in self._hits(story, lowered, groups)]
        return [SentenceScan(text, lowered[start:start + len(text)], *hits)
                for text, start, *hits in zip(texts, starts, *parts)]

    def scan_one(self, text: str) -> SentenceScan:
        lowered = text.lower()
        return SentenceScan(text, lowered, *self._hits(text, lowered))

    def scan_groups(self, scans: Sequence[SentenceScan], wanted: Sequence[bool]) -> None:
        """The group words of the ``wanted`` sentences of a scan made with ``groups=False``."""
        chosen = [scan for scan, want in zip(scans, wanted) if want]
        if not chosen or self.groups is None:
            return
        lowered = [scan.lowered for scan in chosen]
        for scan, groups in zip(chosen, _split(_longest(self.groups, _JOIN.join(lowered)), _starts(lowered))):
            scan.groups = groups

    def _hits(self, text: str, lowered: str, groups: bool = True) -> tuple[list, ...]:
        titles = self.titled_person.finditer(text) if self.titled_person else []
        return (_longest(self.gazetteer, text), titles, _longest(self.groups if groups else None, lowered),
                _longest(self.phrases, lowered, hyphen_joins=True),
                all_matches(self.verbs, lowered, hyphen_joins=True) if self.verbs else [])


def _starts(texts: Sequence[str]) -> list[int]:
    """Where each text starts in the texts joined with NUL."""
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + 1
    return starts


def _longest(automaton, text: str, hyphen_joins: bool = False) -> list:  # noqa: ANN001 - automaton or None
    return longest_matches(automaton, text, hyphen_joins=hyphen_joins) if automaton is not None else []


def _split(hits: list[tuple], starts: list[int]) -> list[list[tuple]]:
    """Story-level hits (start first) as per-sentence lists with sentence-local offsets."""
    parts: list[list[tuple]] = [[] for _ in starts]
    index, base = 0, 0
    following = starts[1] if len(starts) > 1 else 1 << 62
    for hit in hits:
        start = hit[0]
        if not base <= start < following:  # hits come nearly in order: search only when they jump
            index = bisect_right(starts, start) - 1
            base = starts[index]
            following = starts[index + 1] if index + 1 < len(starts) else 1 << 62
        parts[index].append((start - base, hit[1] - base, hit[2] - base, hit[3], hit[4]) if len(hit) == 5
                            else (start - base, hit[1] - base, hit[2]))  # a title has three offsets
    return parts
