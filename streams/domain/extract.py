"""Event extraction: who did what to whom, when, where, how much.

Version 1 is a fast, rule-based coder in the PETRARCH tradition, without a parser:
  1. actors are found per sentence (gazetteer entries, "Demonym Title Name" patterns for people
     the gazetteer does not know, role words such as "protesters"), and pronouns and short
     references ("he", "the premier", a surname) resolve to people named earlier in the story;
  2. PLOVER triggers (``data/events/triggers.json``) are found in the sentence; governing verbs
     combine with the act they govern ("denied threatening" is REJECT, "could impose tariffs"
     is THREATEN, "agreed to suspend curbs" is CONCEDE); negated acts are dropped;
  3. the source is the nearest subject-like actor before the trigger (not inside "with X",
     "according to X"...), the target the first actor after it in the same clause; passive
     triggers swap them;
  4. dates resolve against the publication date with the trigger's tense, quantities and
     locations attach from the sentence, and an event repeated in the story is kept once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import ahocorasick

from schemas.models import Actor, Event, Location, PloverType, Quantity, RawArticle
from streams.domain.cleaning import CleanArticle
from streams.domain.dates import find_dates
from streams.domain.gazetteer import ActorEntry, Gazetteer, load_gazetteer
from streams.domain.ids import event_id
from streams.domain.matching import build_automaton, longest_matches
from streams.domain.quantities import find_quantities
from streams.domain.vocabulary import PLOVER_CAMEO_ROOT

_TITLES = (r"President|Vice President|Prime Minister|Premier|Chancellor|Foreign Minister|Defen[cs]e Minister|"
           r"Finance Minister|Interior Minister|Trade Minister|Energy Minister|Health Minister|Minister|"
           r"Secretary of State|Secretary-General|Secretary General|Treasury Secretary|Defen[cs]e Secretary|"
           r"Secretary|Governor|Mayor|General|Gen\.|Lieutenant General|Commander|Admiral|Spokesman|Spokeswoman|"
           r"Spokesperson|spokesman|spokeswoman|spokesperson|Ambassador|ambassador|envoy|Envoy|King|Queen|"
           r"Crown Prince|Emir|Sheikh|Senator|Sen\.|Rep\.|Speaker|leader|Leader|chief|Chief|Director|director|"
           r"Chairman|chairman|Chairwoman|CEO|Justice|Judge|judge|prosecutor|Prosecutor|Pope|Archbishop|commander")
_NAME = r"(?:[A-Z][a-zA-Z'\-]+|[A-Z]\.)(?:\s(?:[A-Z][a-zA-Z'\-]+|[A-Z]\.|bin|al|de|da|van|von|der|le)){0,3}"
_TITLED_PERSON = re.compile(rf"\b(?P<title>{_TITLES})\s+(?P<name>{_NAME})")
_PRONOUNS = re.compile(r"\b(?P<p>he|she|He|She|his|her|His|Her)\b")
_SHORT_REFERENCE = re.compile(r"\b(?:the|The)\s+(?P<title>president|premier|prime minister|chancellor|minister|"
                              r"foreign minister|secretary|governor|leader|king|emir|spokesman|spokeswoman)\b")
_PREPOSITIONS = {"with", "to", "from", "of", "for", "against", "on", "at", "in", "over", "into", "toward",
                 "towards", "between", "among", "by", "about", "like", "than", "near", "across", "via", "under",
                 "including", "and"}
_CLAUSE_BREAK = re.compile(r";|,\s*(?:while|but|whereas|although|though|as|which|who|and)\b|\bwhile\b|\bbut\b")
_FUTURE_CUES = re.compile(r"\b(?:will|would|'ll|shall|plans? to|planning to|expected to|set to|is to|are to|"
                          r"intends? to|going to|to)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_NEGATION_CUES = re.compile(r"\b(?:not|never|no longer|n't|neither|nor|without)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_CONDITIONAL_CUES = re.compile(r"\b(?:could|might|may|would|threaten(?:s|ed)? to|warn(?:s|ed)? (?:it|they|he|she) "
                               r"(?:would|could|will)|vow(?:s|ed)? to|ready to|prepared to)\s+(?:\w+\s+){0,2}$",
                               re.IGNORECASE)
_FORCE_TYPES = {"ASSAULT", "SANCTION", "COERCE", "MOBILIZE"}
_MATERIAL_COMMITMENTS = {"CONCEDE", "RETREAT", "AID", "COOPERATE"}
_BACKGROUND_DAYS = 45


@dataclass(frozen=True)
class Trigger:
    event_type: str
    mode: str | None
    cameo: str | None
    voice: str  # active | passive | noun
    needs_actor: bool = False


@dataclass
class Mention:
    start: int
    end: int
    actor: Actor
    kind: str
    prepositional: bool = False
    via: str = "gazetteer"  # gazetteer | title | role | pronoun | reference


@dataclass
class _StoryContext:
    """Cross-sentence state: who was named, so later references resolve."""

    last_person: Mention | None = None
    by_surname: dict[str, Actor] = field(default_factory=dict)
    by_title: dict[str, Actor] = field(default_factory=dict)
    home_country: str | None = None


@dataclass
class _Candidate:
    event_type: str
    mode: str | None
    cameo: str | None
    source: Mention | None
    target: Mention | None
    trigger_start: int
    trigger_end: int
    future: bool


@lru_cache(maxsize=1)
def _load_triggers() -> tuple[ahocorasick.Automaton, tuple[str, ...]]:
    data = json.loads(resources.files("streams").joinpath("data/events/triggers.json").read_text(encoding="utf-8"))
    seen: dict[str, Trigger] = {}
    for block in data["types"]:
        for trig in block["triggers"]:
            spec = Trigger(block["type"], trig.get("mode"), trig.get("cameo") or block.get("cameo_root"),
                           trig.get("voice", "active"), bool(trig.get("needs_actor", False)))
            for form in trig["forms"]:
                form = form.lower().strip()
                if form and form not in seen:
                    seen[form] = spec
    return build_automaton(seen), tuple(data.get("negation", ()))


def _word_before(text: str, start: int) -> str:
    words = re.findall(r"[A-Za-z']+", text[max(0, start - 40):start])
    while words and words[-1].lower() in ("the", "a", "an", "its", "their", "his", "her"):
        words.pop()
    return words[-1].lower() if words else ""


class EventExtractor:
    def __init__(self, gazetteer: Gazetteer, triggers: ahocorasick.Automaton) -> None:
        self.gazetteer = gazetteer
        self.triggers = triggers

    @classmethod
    def load(cls) -> "EventExtractor":
        automaton, _ = _load_triggers()
        return cls(load_gazetteer(), automaton)

    # -- actors -----------------------------------------------------------------------------------
    def _actor(self, entry: ActorEntry, surface: str) -> Actor:
        if entry.kind in ("person", "organisation"):
            return Actor(name=entry.name, country=entry.country, role=entry.role)
        if entry.kind == "demonym":
            return Actor(name=self.gazetteer.country_names.get(entry.country, surface), country=entry.country,
                         role=None)
        return Actor(name=surface if entry.kind in ("capital", "metonym") else entry.name, country=entry.country,
                     role=entry.role)

    def find_mentions(self, sentence: str, context: _StoryContext) -> list[Mention]:
        mentions: list[Mention] = []
        for start, end, entry in self.gazetteer.matches(sentence):
            mentions.append(Mention(start, end, self._actor(entry, sentence[start:end]), entry.kind))
        mentions = self._titled_people(sentence, mentions, context)
        mentions = self._merge_modifiers(sentence, mentions)
        mentions += self._references(sentence, mentions, context)
        mentions.sort(key=lambda m: m.start)
        for mention in mentions:
            mention.prepositional = _word_before(sentence, mention.start) in _PREPOSITIONS
            if mention.kind == "person":
                context.last_person = mention
                surname = mention.actor.name.split()[-1]
                context.by_surname.setdefault(surname, mention.actor)
        return mentions

    def _titled_people(self, sentence: str, mentions: list[Mention], context: _StoryContext) -> list[Mention]:
        """People the gazetteer does not know, introduced with a title: "Premier Cho Jung-tai"."""
        for match in _TITLED_PERSON.finditer(sentence):
            start, end = match.span("name")
            if any(m.start <= start < m.end or start <= m.start < end for m in mentions):
                continue
            name = match.group("name")
            if name.split()[0] in self.gazetteer.role_words or len(name) < 3:
                continue
            country = None
            for previous in reversed(mentions):
                if previous.end <= match.start() and match.start() - previous.end <= 30:
                    country = previous.actor.country
                    break
            actor = Actor(name=name, country=country, role=self.gazetteer.role_words.get(
                match.group("title").lower(), "government"))
            mentions.append(Mention(start, end, actor, "person", via="title"))
            context.by_title[match.group("title").lower()] = actor
        # Surnames of people named earlier in the story ("Cho", "Takaichi").
        for surname, actor in context.by_surname.items():
            for found in re.finditer(rf"\b{re.escape(surname)}\b", sentence):
                if not any(m.start <= found.start() < m.end for m in mentions):
                    mentions.append(Mention(found.start(), found.end(), actor, "person", via="reference"))
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _merge_modifiers(self, sentence: str, mentions: list[Mention]) -> list[Mention]:
        """"Chinese President Xi Jinping" is one actor; "Russian troops" a military one."""
        merged: list[Mention] = []
        for mention in mentions:
            if merged and mention.kind == "person" and merged[-1].kind in ("demonym", "country", "capital"):
                gap = sentence[merged[-1].end:mention.start]
                if len(gap) <= 40 and not re.search(r"[,;.]", gap):
                    previous = merged.pop()
                    if mention.actor.country is None:
                        mention.actor = mention.actor.model_copy(update={"country": previous.actor.country})
                    mention.start = previous.start
            merged.append(mention)
        for mention in merged:
            if mention.kind in ("demonym", "country", "capital", "metonym"):
                tail = re.match(r"(?:'s)?\s+((?:[a-z]+\s+){0,2}?[a-z]+)", sentence[mention.end:mention.end + 40])
                if tail:
                    for word in reversed(tail.group(1).split()):
                        role = self.gazetteer.role_words.get(word)
                        if role:
                            mention.actor = mention.actor.model_copy(update={"role": role})
                            break
        return merged

    def _references(self, sentence: str, mentions: list[Mention], context: _StoryContext) -> list[Mention]:
        found: list[Mention] = []
        for match in _PRONOUNS.finditer(sentence):
            if match.group("p").lower() in ("his", "her"):
                continue  # possessives name the owner, rarely the actor of the act
            antecedent = next((m for m in reversed(mentions) if m.kind == "person" and m.end <= match.start()), None)
            antecedent = antecedent or context.last_person
            if antecedent and not any(m.start <= match.start() < m.end for m in mentions):
                found.append(Mention(match.start(), match.end(), antecedent.actor, "person", via="pronoun"))
        for match in _SHORT_REFERENCE.finditer(sentence):
            actor = context.by_title.get(match.group("title").lower())
            if actor is None and context.last_person is not None:
                actor = context.last_person.actor
            if actor is not None and not any(m.start <= match.start() < m.end for m in mentions):
                found.append(Mention(match.start(), match.end(), actor, "person", via="reference"))
        # Groups without a demonym ("protesters", "police") act in the story's home country.
        for word, role in self.gazetteer.role_words.items():
            if " " in word or role not in ("civilians", "police", "military", "rebels", "opposition", "labour"):
                continue
            for hit in re.finditer(rf"\b{re.escape(word)}\b", sentence, re.IGNORECASE):
                if any(m.start <= hit.start() < m.end + 25 for m in mentions):
                    continue
                if context.home_country:
                    found.append(Mention(hit.start(), hit.end(),
                                         Actor(name=hit.group(0), country=context.home_country, role=role),
                                         "group", via="role"))
        return found

    # -- triggers -----------------------------------------------------------------------------------
    def _find_triggers(self, sentence: str) -> list[tuple[int, int, Trigger]]:
        return longest_matches(self.triggers, sentence.lower())

    def _combine(self, sentence: str, hits: list[tuple[int, int, Trigger]]) -> list[tuple[int, int, Trigger]]:
        """Governing verbs and the act they govern become one event."""
        result: list[tuple[int, int, Trigger]] = []
        for start, end, spec in hits:
            if result:
                p_start, p_end, previous = result[-1]
                gap = sentence[p_end:start]
                if len(gap) <= 30 and not re.search(r"[;,.]", gap):
                    combined = self._govern(previous, spec)
                    if combined is not None:
                        result[-1] = (p_start, end, combined)
                        continue
            result.append((start, end, spec))
        return result

    @staticmethod
    def _govern(outer: Trigger, inner: Trigger) -> Trigger | None:
        if outer.event_type == "REJECT":
            return outer  # "denied threatening Estonia": the denial is the event
        if outer.event_type == "THREATEN":
            return outer
        if outer.event_type == "REQUEST":
            return outer  # "urged Moscow to withdraw": a request, not a retreat
        if outer.event_type == "AGREE":
            return inner if inner.event_type in _MATERIAL_COMMITMENTS else outer
        return None

    # -- events -------------------------------------------------------------------------------------
    def extract(self, clean: CleanArticle, raw: RawArticle, *, pipeline_version: str,
                replay: bool = False) -> list[Event]:
        context = _StoryContext(home_country=self._home_country(clean))
        anchor = raw.published_at.date()
        events: list[Event] = []
        seen: set[tuple] = set()
        for sentence in clean.sentences:
            text = sentence.text
            mentions = self.find_mentions(text, context)
            hits = self._combine(text, self._find_triggers(text))
            if not hits:
                continue
            dates_past = find_dates(text, anchor, future=False)
            dates_future = find_dates(text, anchor, future=True)
            quantities = find_quantities(text)
            for start, end, spec in hits:
                candidate = self._candidate(text, start, end, spec, mentions)
                if candidate is None:
                    continue
                dates = dates_future if candidate.future else dates_past
                date_mention = _nearest(dates, start, end, _clause_bounds(text, start))
                date_value = date_mention.value if date_mention else None
                if _is_background(date_value, anchor):
                    continue
                key = (candidate.event_type, _country(candidate.source), _country(candidate.target), date_value)
                if key in seen:
                    continue
                seen.add(key)
                events.append(self._event(raw, pipeline_version, replay, candidate, text, date_mention,
                                          date_value, quantities, mentions))
        return events

    def _home_country(self, clean: CleanArticle) -> str | None:
        if clean.dateline:
            for _, _, entry in self.gazetteer.matches(clean.dateline.title()):
                if entry.country:
                    return entry.country
        counts: dict[str, int] = {}
        for paragraph in clean.paragraphs[:3]:
            for _, _, entry in self.gazetteer.matches(paragraph):
                if entry.country and len(entry.country) == 3:
                    counts[entry.country] = counts.get(entry.country, 0) + 1
        return max(counts, key=lambda c: (counts[c], c)) if counts else None

    def _candidate(self, text: str, start: int, end: int, spec: Trigger, mentions: list[Mention]) -> _Candidate | None:
        before = text[max(0, start - 40):start]
        if spec.event_type != "REJECT" and _NEGATION_CUES.search(before):
            return None
        event_type = spec.event_type
        if event_type in _FORCE_TYPES and _CONDITIONAL_CUES.search(before):
            event_type = "THREATEN"
        future = bool(_FUTURE_CUES.search(before)) or spec_is_future(text[start:end])
        clause_start, clause_end = _clause_bounds(text, start)
        left = [m for m in mentions if m.end <= start]
        right = [m for m in mentions if m.start >= end and m.start < clause_end]
        subject_like = [m for m in left if not m.prepositional]
        if spec.voice == "passive":
            target = subject_like[-1] if subject_like else None
            agent = next((m for m in right if _word_before(text, m.start) == "by"), None)
            source = agent
        else:
            source = subject_like[-1] if subject_like else None
            in_clause = [m for m in left if m.start >= clause_start and not m.prepositional]
            if in_clause:
                source = in_clause[-1]
            elif source is not None and any(m.start >= clause_start for m in left if m is not source):
                pass
            target = next((m for m in right if source is None or not _same_actor(m, source)), None)
        if source is None and target is None:
            return None
        if spec.needs_actor and (source is None or source.via == "role"):
            return None
        if target is not None and _word_before(text, target.start) in ("in", "at") and \
                target.kind in ("country", "capital") and target.actor.name in self.gazetteer.capitals:
            target = None  # "in Geneva" is where, not whom
        return _Candidate(event_type, spec.mode, spec.cameo, source, target, start, end, future)

    def _event(self, raw: RawArticle, pipeline_version: str, replay: bool, candidate: _Candidate, text: str,
               date_mention, date_value: str | None, quantities, mentions: list[Mention]) -> Event:
        source = candidate.source.actor if candidate.source else None
        target = candidate.target.actor if candidate.target else None
        location = self._location(text, mentions)
        cameo_root = (candidate.cameo or PLOVER_CAMEO_ROOT[candidate.event_type])[:2]
        if candidate.event_type == "THREATEN" and not cameo_root.startswith("13"):
            cameo_root = "13"
        confidence = 0.45
        confidence += 0.2 if candidate.source and candidate.source.via == "gazetteer" else 0.1 if candidate.source else 0
        confidence += 0.15 if candidate.target else 0.0
        confidence += 0.1 if date_value else 0.0
        confidence -= 0.1 if candidate.source and candidate.source.via in ("pronoun", "role") else 0.0
        parts = (candidate.event_type, candidate.mode, _actor_key(source), _actor_key(target), date_value, text)
        return Event(
            event_id=event_id(raw.id, raw.version, *parts),
            article_id=raw.id,
            article_version=raw.version,
            event_type=PloverType(candidate.event_type),
            mode=candidate.mode,
            cameo_root=cameo_root,
            source=source,
            target=target,
            date=date_value,
            date_text=date_mention.text if date_mention else None,
            location=location,
            quantities=[Quantity(amount=q.amount, unit=q.unit, item=q.item, text=q.text) for q in quantities],
            sentence=text,
            confidence=round(max(0.05, min(0.95, confidence)), 3),
            pipeline_version=pipeline_version,
            replay=replay,
        )

    def _location(self, text: str, mentions: list[Mention]) -> Location | None:
        for mention in mentions:
            if _word_before(text, mention.start) in ("in", "at") and mention.kind in ("capital", "country"):
                return Location(name=text[mention.start:mention.end], country=mention.actor.country)
        return None


def spec_is_future(form: str) -> bool:
    return form.lower().startswith(("will ", "would ", "to ", "plans to", "is to", "shall "))


def _clause_bounds(text: str, position: int) -> tuple[int, int]:
    start, end = 0, len(text)
    for match in _CLAUSE_BREAK.finditer(text):
        if match.end() <= position:
            start = match.end()
        elif match.start() >= position:
            end = match.start()
            break
    return start, end


def _nearest(dates, start: int, end: int, clause: tuple[int, int]):
    in_clause = [d for d in dates if clause[0] <= d.start < clause[1]]
    pool = in_clause or []
    if not pool:
        return None
    return min(pool, key=lambda d: abs(d.start - end) if d.start >= end else abs(start - d.end) + 5)


def _is_background(value: str | None, anchor) -> bool:  # noqa: ANN001 - datetime.date
    """Events dated well before publication are quoted history, not news."""
    if not value:
        return False
    year = int(value[:4])
    if len(value) == 4:
        return year < anchor.year
    month = int(value[5:7])
    day = int(value[8:10]) if len(value) == 10 else 28
    return (anchor.year - year) * 365 + (anchor.month - month) * 30 + (anchor.day - day) > _BACKGROUND_DAYS


def _country(mention: Mention | None) -> str | None:
    return mention.actor.country if mention else None


def _actor_key(actor: Actor | None) -> tuple | None:
    return (actor.name, actor.country) if actor else None


def _same_actor(a: Mention, b: Mention) -> bool:
    return a.actor.name == b.actor.name and a.actor.country == b.actor.country
