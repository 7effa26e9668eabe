"""The actor gazetteer: countries, capitals and seats of government, demonyms, organisations,
office holders and role words, read from ``data/gazetteer/*.json`` (data, not code: each file
states its source and date and is updated by editing it).

Matching is case-sensitive on purpose: lower-cased, place names collide with ordinary words.
"""

from __future__ import annotations

import json
import re
import unicodedata
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
    cities: dict[str, str] = field(default_factory=dict)  # place_key(city) -> country code

    def place_country(self, place: str) -> str | None:
        """The country of a dateline: "GENEVA", "Selmer, Tenn.", "GOMA, Congo", "Kyiv"."""
        for match in self.matches(place.title()):
            if match[2].country:
                return match[2].country
        parts = [part for part in (place_key(p) for p in place.split(",")) if part]
        if not parts:
            return None
        if len(parts) > 1 and parts[-1].rstrip(".") in _US_STATES:
            return "USA"
        return self.cities.get(parts[0])

    def matches(self, text: str) -> list[tuple[int, int, ActorEntry]]:
        """Whole-word, longest, non-overlapping (start, end, ActorEntry) matches in ``text``."""
        return longest_matches(self.automaton, text)


def place_key(name: str) -> str:
    """How place names are compared: no accents, lower case, hyphens as spaces (the key
    ``scripts/build_cities.py`` stores cities under)."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", " ", folded.lower()).strip()


# US datelines name the state, often in AP's abbreviation: "SELMER, Tenn.", "AUSTIN, Texas".
_US_STATES = frozenset(place_key(s) for s in (
    "Ala Alaska Ariz Ark Calif Colo Conn Del Fla Ga Hawaii Idaho Ill Ind Iowa Kan Ky La Maine Md Mass Mich "
    "Minn Miss Mo Mont Neb Nev N.H N.J N.M N.Y N.C N.D Ohio Okla Ore Pa R.I S.C S.D Tenn Texas Utah Vt Va "
    "Wash W.Va Wis Wyo D.C").split() + [
    "Alabama", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida", "Georgia",
    "Illinois", "Indiana", "Kansas", "Kentucky", "Louisiana", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Oklahoma", "Oregon", "Pennsylvania",
    "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming"])


def _document(name: str) -> dict:
    path = resources.files("streams").joinpath(f"data/gazetteer/{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _read(name: str) -> list[dict]:
    return _document(name)["entries"]


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

    return Gazetteer(automaton=build_automaton(surfaces), role_words=role_words, capitals=capitals, country_names=names,
                     cities=_document("cities")["cities"])
