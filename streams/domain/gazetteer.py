"""The actor gazetteer: countries, capitals and seats of government, demonyms, organisations,
office holders and role words, read from ``data/gazetteer/*.json`` (data, not code: each file
states its source and date and is updated by editing it).

Matching is case-sensitive on purpose: lower-cased, place names collide with ordinary words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import ahocorasick

from streams.domain.matching import build_automaton, longest_matches

_FILES = ("countries", "organisations", "people", "roles")


@dataclass(frozen=True)
class ActorEntry:
    name: str
    country: str | None
    role: str | None
    kind: str  # person | organisation | country | capital | metonym | demonym
    title: str | None = None


@dataclass
class Gazetteer:
    automaton: ahocorasick.Automaton
    role_words: dict[str, str]
    capitals: dict[str, str] = field(default_factory=dict)  # capital name -> country code
    country_names: dict[str, str] = field(default_factory=dict)  # code -> display name

    def matches(self, text: str) -> list[tuple[int, int, ActorEntry]]:
        """Whole-word, longest, non-overlapping (start, end, ActorEntry) matches in ``text``."""
        return longest_matches(self.automaton, text)


def _read(name: str) -> list[dict]:
    path = resources.files("streams").joinpath(f"data/gazetteer/{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))["entries"]


# Precedence when one surface form means several things: a person beats an organisation beats a
# country name beats a capital/metonym beats a demonym.
_PRIORITY = {"person": 5, "organisation": 4, "country": 3, "capital": 2, "metonym": 2, "demonym": 1}


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    surfaces: dict[str, ActorEntry] = {}

    def add(surface: str, entry: ActorEntry) -> None:
        surface = surface.strip()
        if len(surface) < 2:
            return
        current = surfaces.get(surface)
        if current is None or _PRIORITY[entry.kind] > _PRIORITY[current.kind]:
            surfaces[surface] = entry

    capitals: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in _read("countries"):
        code = row["code"]
        names[code] = row["name"]
        country = ActorEntry(row["name"], code, "government", "country")
        for surface in [row["name"], *row.get("aliases", [])]:
            add(surface, country)
        for surface in row.get("demonyms", []):
            add(surface, ActorEntry(row["name"], code, None, "demonym"))
        if row.get("capital"):
            capitals[row["capital"]] = code
            add(row["capital"], ActorEntry(row["capital"], code, "government", "capital"))
        for surface in row.get("metonyms", []):
            add(surface, ActorEntry(surface.removeprefix("the ").removeprefix("The "), code, "government", "metonym"))
            if surface.lower().startswith("the "):
                add(surface[4:], ActorEntry(surface[4:], code, "government", "metonym"))
    for row in _read("organisations"):
        entry = ActorEntry(row["name"], row.get("country") or row.get("code"), row.get("role"), "organisation")
        for surface in [row["name"], *row.get("aliases", [])]:
            add(surface, entry)
            if surface.lower().startswith("the "):
                add(surface[4:], entry)
    for row in _read("people"):
        entry = ActorEntry(row["name"], row.get("country"), row.get("role"), "person", row.get("title"))
        for surface in [row["name"], *row.get("aliases", [])]:
            add(surface, entry)
    role_words = {}
    for row in _read("roles"):
        for word in row["words"]:
            role_words[word.lower()] = row["role"]

    return Gazetteer(automaton=build_automaton(surfaces), role_words=role_words, capitals=capitals, country_names=names)
