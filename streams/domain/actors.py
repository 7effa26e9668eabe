"""Who is mentioned in a sentence, and who "he", "it", "the premier" or "the two sides" are.

Mentions come from the gazetteer (people, organisations, countries, capitals and seats of
government, demonyms), from "Title Name" patterns for people the gazetteer does not know, and
from group words ("protesters", "police") that act in the story's home country. A story context
carries what earlier sentences named, so later references resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter

from schemas.models import Actor
from streams.domain.gazetteer import ActorEntry, Gazetteer
from streams.domain.matching import build_automaton, longest_matches, may_match
from streams.domain.scan import SentenceScan, StoryScanner

_TITLES = (r"President|Vice President|Prime Minister|Premier|Chancellor|Foreign Minister|Defen[cs]e Minister|"
           r"Finance Minister|Interior Minister|Trade Minister|Energy Minister|Health Minister|Transport Minister|"
           r"Minister|Secretary of State|Secretary-General|Secretary General|Treasury Secretary|"
           r"Defen[cs]e Secretary|Secretary|Governor|Mayor|General|Gen\.|Lieutenant General|Commander|Admiral|"
           r"Spokesman|Spokeswoman|Spokesperson|spokesman|spokeswoman|spokesperson|Ambassador|ambassador|envoy|"
           r"Envoy|King|Queen|Crown Prince|Emir|Sheikh|Senator|Sen\.|Rep\.|Speaker|leader|Leader|chief|Chief|"
           r"Director|director|Chairman|chairman|Chairwoman|CEO|Justice|Judge|judge|prosecutor|Prosecutor|Pope|"
           r"Archbishop|commander|negotiator|official|minister|president|premier")
# Names: capitalised words (accented letters included), initials, and the particles of Arabic,
# Iberian and Dutch names, each a whole word ("de" must not take the start of "defended").
_CAPITALISED = r"[A-ZÀ-ÖØ-ÞĀ-ſ](?:[a-zA-Zß-öø-ÿĀ-ſ]|['\-](?=[A-Za-zÀ-ÿ]))+"
_NAME = (rf"(?:{_CAPITALISED}|[A-Z]\.)"
         rf"(?:\s(?:{_CAPITALISED}|[A-Z]\.|(?:bin|al|de|da|van|von|der|le)\b(?=\s[A-Z]))){{0,3}}")
_NAME_AFTER_TITLE = re.compile(rf"\s+(?P<name>{_NAME})")
_MODIFIER_GAP_BREAK = re.compile(r"[,;.]|\band\b")
_ROLE_TAIL = re.compile(r"(?:'s)?\s+((?:[a-z-]+\s+){0,2}?[a-z]+)")
# What lies between an actor and a group word that is its own: "Kenyan police", "Kenya's new government",
# "Sudan's army-aligned government".
_POSSESSED_GAP = re.compile(r"['’]s\s+(?:[a-z][\w-]*\s+){0,2}|-[a-z][\w-]*\s+|\s")
# The words a demonym may stand before its group word with (_ROLE_TAIL gives the demonym that role).
_DEMONYM_GAP = re.compile(r"\s+(?:[a-z][\w-]*\s+){1,2}")


class TitledPeople:
    """"Title Name" (``President Xi Jinping``, ``spokesman Kang Yu-jung``): titles by dictionary,
    then the capitalised name right after; one alternation regex tried at every position of a story
    costs more than the rest of the scan."""

    def __init__(self) -> None:
        titles = [t.replace("[cs]", letter) for t in _TITLES.split("|") for letter in "cs"]
        self.titles = {t.replace("\\.", ".") for t in titles}
        self.automaton = build_automaton({t: t for t in self.titles})

    def finditer(self, text: str) -> list[tuple[int, int, int, str, str]]:
        """(title start, name start, name end, name, title), in text order, not overlapping."""
        found: list[tuple[int, int, int, str, str]] = []
        taken = 0
        for start, end, title in longest_matches(self.automaton, text):
            if start < taken:
                continue
            name = _NAME_AFTER_TITLE.match(text, end)
            if name and name.group("name").split()[0] in self.titles:
                continue  # "Justice Minister Yilmaz Tunc": the title is "Minister", the next match
            if name:
                found.append((start, *name.span("name"), name.group("name"), title))
                taken = name.end()
        return found


_TITLED_PERSON = TitledPeople()
# \b(?:he|she|He|She)\b, \b(?:it|It|its|Its)\b and \b(?:the|The)\s+..., each written to start with its
# first letter and test the word boundary before it by looking behind: a pattern opening with \b is
# tried at every position of the sentence, one opening with a letter only where that letter is.
# The person pronouns ([HhSs]...) and the thing pronouns ([Ii]...) in one pass over the sentence:
# their matches never overlap, so this finds both sets, in text order.
_PRONOUN = re.compile(r"[HhSsIi](?<!\w[HhSsIi])(?:(?<=[Hh])e|(?<=[Ss])he|(?<=[Ii])ts?)(?!\w)")
_SHORT_REFERENCE = re.compile(r"[Tt](?<!\w[Tt])he\s+(?P<title>president|premier|prime minister|chancellor|minister|"
                              r"foreign minister|secretary|governor|leader|king|emir|pontiff|pope|envoy)\b")
# "The alliance", "the 27-nation bloc", "the world body": the international organisation named last.
_ORGANISATION_REFERENCE = re.compile(r"\b[Tt]he\s+(?:(?:\d+-(?:member|nation|country)|western|military|regional|"
                                     r"trade|defen[cs]e|world|global|lending|nuclear|u\.n\.)\s+)?"
                                     r"(?:alliance|bloc|fund|agency|organi[sz]ation|body|watchdog)\b",
                                     re.IGNORECASE)
_BOTH_SIDES = re.compile(r"\b(?:the two sides|both sides|the sides|the two countries|both countries|"
                         r"the two nations|both nations|the two governments|both governments|the two leaders|"
                         r"both leaders|the neighbours|the neighbors)\b", re.IGNORECASE)
# Every phrase above has one of these words (lower-cased): one cheap test rules most sentences out.
_BOTH_SIDES_WORDS = ("sides", "two", "both", "neighbo")
_ORGANISATION_WORDS = ("alliance", "bloc", "fund", "agency", "organi", "body", "watchdog")
_PREPOSITIONS = frozenset({"with", "to", "from", "of", "for", "against", "on", "at", "in", "over", "into", "toward",
                           "towards", "between", "among", "by", "about", "like", "than", "near", "across", "via",
                           "under", "including", "around", "off", "through", "onto", "upon"})
_QUANTITY_HEADS = frozenset({"dozens", "hundreds", "thousands", "millions", "scores", "tens", "members", "group",
                             "groups", "crowd", "crowds", "some", "many", "several", "most", "all", "number", "bands",
                             "units", "unit", "contingent", "delegation", "team", "squad", "column", "convoy"})
# Role words that stand for an actor of the sentence's country ("a court in Belarus sentenced",
# "gang members set fire to"): courts, gangs and lawmakers joined the first seven by CV 0.520 -> 0.523.
_GROUP_ROLES = frozenset({"civilians", "police", "military", "rebels", "opposition", "labour", "militants",
                          "judiciary", "criminal gang", "legislature"})
# "The government", "the authorities" with no country named are, like police, of the sentence's
# "in X", else of the story's country (CV on the training stories: 0.503 -> 0.510).
_GOVERNMENT_WORDS = frozenset({"government", "authorities"})
_WORD = re.compile(r"[A-Za-z']+")
_start = attrgetter("start")
_ARTICLES = frozenset({"the", "a", "an", "its", "their", "his", "her", "our"})


@dataclass(slots=True)  # slots: made and read for every actor of every sentence
class Mention:
    start: int
    end: int
    actor: Actor
    kind: str  # person | organisation | country | capital | metonym | demonym | group
    prepositional: bool = False
    via: str = "gazetteer"  # gazetteer | title | role | pronoun | reference
    preceding: str = ""  # the word before it, articles skipped


@dataclass
class StoryContext:
    """What earlier sentences named, so references in later ones resolve."""

    home_country: str | None = None
    last_person: Mention | None = None
    last_subject_group: Mention | None = None
    last_organisation: Actor | None = None  # the last international organisation named
    countries: list[str] = field(default_factory=list)  # in order of first mention
    by_surname: dict[str, Actor] = field(default_factory=dict)
    by_title: dict[str, Actor] = field(default_factory=dict)

    def note_country(self, code: str | None) -> None:
        if code and len(code) == 3 and code not in self.countries:
            self.countries.append(code)


@lru_cache(maxsize=256)  # a sentence's mentions are looked up again for its every trigger and event
def word_before(text: str, start: int) -> str:
    words = _WORD.findall(text, max(0, start - 40), start)
    while words and words[-1].lower() in _ARTICLES:
        words.pop()
    if len(words) >= 2 and words[-1].lower() == "of" and words[-2].lower() in _QUANTITY_HEADS:
        return ""  # "dozens of Israeli settlers attacked": the settlers are the subject
    return words[-1].lower() if words else ""


class ActorFinder:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._groups = build_automaton({w: role for w, role in gazetteer.role_words.items()
                                        if (role in _GROUP_ROLES or w in _GOVERNMENT_WORDS) and " " not in w})
        self._single = StoryScanner(gazetteer.automaton, _TITLED_PERSON, self._groups)
        self._actors: dict[tuple[int, str], Actor] = {}

    def _actor(self, entry: ActorEntry, surface: str) -> Actor:
        # Actors are never changed in place (updates make copies), so one per entry and surface
        # serves every story; surfaces are bounded by the gazetteer's aliases.
        key = (id(entry), surface)
        actor = self._actors.get(key)
        if actor is None:
            actor = self._actors[key] = self._new_actor(entry, surface)
        return actor

    def _new_actor(self, entry: ActorEntry, surface: str) -> Actor:
        if entry.kind in ("person", "organisation"):
            return Actor(name=entry.name, country=entry.country, role=entry.role)
        if entry.kind == "demonym":
            return Actor(name=self.gazetteer.country_names.get(entry.country or "", surface), country=entry.country)
        name = surface if entry.kind in ("capital", "metonym") else entry.name
        return Actor(name=name, country=entry.country, role=entry.role)

    def scanner(self, lexicon) -> StoryScanner:  # noqa: ANN001 - TriggerLexicon
        return StoryScanner(self.gazetteer.automaton, _TITLED_PERSON, self._groups, lexicon.phrases, lexicon.verbs)

    def mentions(self, sentence: str | SentenceScan, context: StoryContext, *,
                 references: bool = True) -> list[Mention]:
        """Actors in a sentence (its text, or its scan from :class:`StoryScanner`);
        ``references=False`` only records names for later sentences."""
        scan = sentence if isinstance(sentence, SentenceScan) else self._scan(sentence)
        sentence = scan.text
        # News agencies report events; they are not parties to them.
        mentions = [Mention(s, e, self._actor(entry, sentence[s:e]), entry.kind)
                    for s, e, entry in scan.actors if entry.role != "media"]
        mentions = self._titled_people(sentence, scan.titles, mentions, context)
        mentions = self._merge_modifiers(sentence, mentions)
        if references:
            _note_preceding(sentence, mentions)
            found = self._references(sentence, scan.lowered, scan.groups, mentions, context)
            _note_preceding(sentence, found)
            if found:  # else still in text order
                mentions = sorted(mentions + found, key=_start)
        for mention in mentions:
            context.note_country(mention.actor.country)
            if mention.kind == "organisation" and mention.actor.role == "igo" and mention.via != "pronoun":
                context.last_organisation = mention.actor
            if mention.kind == "person" and mention.via != "pronoun":
                context.last_person = mention
                if mention.via in ("gazetteer", "title"):
                    context.by_surname.setdefault(mention.actor.name.split()[-1], mention.actor)
        # The story's last group-like subject, for a later "it": searched from the end, so a sentence
        # without triggers (most of them) looks up the words before only of its last few actors.
        for mention in reversed(mentions):
            if mention.kind == "person" or mention.via == "pronoun":
                continue
            if not references:
                _note_preceding(sentence, [mention])
            if not mention.prepositional:
                context.last_subject_group = mention
                break
        return mentions

    def _scan(self, sentence: str) -> SentenceScan:
        return self._single.scan_one(sentence)

    def _titled_people(self, sentence: str, titles: list[tuple[int, int, int, str, str]], mentions: list[Mention],
                       context: StoryContext) -> list[Mention]:
        known = len(mentions)  # the gazetteer's, in text order
        for match_start, start, end, name, title in titles:
            if any(m.start <= start < m.end or start <= m.start < end for m in mentions):
                continue
            if name.split()[0].lower() in self.gazetteer.role_words or len(name) < 3:
                continue
            country = None
            for previous in reversed(mentions):
                if previous.end <= match_start and match_start - previous.end <= 40:
                    country = previous.actor.country
                    break
            country = country or context.home_country
            role = self.gazetteer.role_words.get(title.lower(), "government")
            actor = Actor(name=name, country=country, role=role)
            mentions.append(Mention(start, end, actor, "person", via="title"))
            context.by_title[title.lower()] = actor
        for surname, actor in context.by_surname.items():
            if surname not in sentence:
                continue
            for found in re.finditer(rf"\b{re.escape(surname)}\b", sentence):
                if not any(m.start <= found.start() < m.end for m in mentions):
                    mentions.append(Mention(found.start(), found.end(), actor, "person", via="reference"))
        if len(mentions) > known:
            mentions.sort(key=_start)
        return mentions

    def _merge_modifiers(self, sentence: str, mentions: list[Mention]) -> list[Mention]:
        """"Chinese President Xi Jinping" is one actor; "Russian troops" a military one."""
        merged: list[Mention] = []
        for mention in mentions:
            if merged and mention.kind == "person" and merged[-1].kind in ("demonym", "country", "capital"):
                gap = sentence[merged[-1].end:mention.start]
                if len(gap) <= 45 and not _MODIFIER_GAP_BREAK.search(gap):
                    previous = merged.pop()
                    if mention.actor.country is None:
                        mention.actor = mention.actor.model_copy(update={"country": previous.actor.country})
                    mention.start = previous.start
            merged.append(mention)
        for mention in merged:
            if mention.kind in ("demonym", "country", "capital", "metonym"):
                tail = _ROLE_TAIL.match(sentence, mention.end, mention.end + 40)
                if tail:
                    for word in reversed(tail.group(1).split()):
                        role = self.gazetteer.role_words.get(word)
                        if role:
                            mention.actor = mention.actor.model_copy(update={"role": role})
                            break
        return merged

    def _references(self, sentence: str, lowered: str, groups: list[tuple[int, int, str]], mentions: list[Mention],
                    context: StoryContext) -> list[Mention]:
        found: list[Mention] = []

        def free(position: int) -> bool:
            return not any(m.start <= position < m.end for m in mentions) and \
                not any(m.start <= position < m.end for m in found)

        # The case-insensitive patterns are searched only when a word they cannot match without is in
        # the sentence: such a regex over every sentence costs more than the substring tests.
        pronouns = list(_PRONOUN.finditer(sentence))
        for match in pronouns:
            if match.group()[0] in "Ii":
                continue  # "it", "its": below, after every "he" and "she"
            antecedent = next((m for m in reversed(mentions) if m.kind == "person" and m.end <= match.start()),
                              None) or context.last_person
            if antecedent and free(match.start()):
                found.append(Mention(match.start(), match.end(), antecedent.actor, "person", via="pronoun"))
        for match in pronouns:
            if match.group()[0] not in "Ii":
                continue
            antecedent = next((m for m in reversed(mentions) if m.kind != "person" and m.end <= match.start()
                               and not m.prepositional), None)
            antecedent = antecedent or context.last_subject_group
            if antecedent and free(match.start()):
                found.append(Mention(match.start(), match.end(), antecedent.actor, antecedent.kind, via="pronoun"))
        for match in _SHORT_REFERENCE.finditer(sentence):
            actor = context.by_title.get(match.group("title").lower())
            if actor is None and context.last_person is not None:
                actor = context.last_person.actor
            if actor is not None and free(match.start()):
                found.append(Mention(match.start(), match.end(), actor, "person", via="reference"))
        references = list(_ORGANISATION_REFERENCE.finditer(sentence)) \
            if may_match(sentence, lowered, _ORGANISATION_WORDS) else []
        organisation = (next((m.actor for m in reversed(mentions) if m.kind == "organisation"
                              and m.actor.role == "igo"), None) or context.last_organisation) if references else None
        if organisation is not None:
            for match in references:
                if free(match.start()):
                    found.append(Mention(match.start(), match.end(), organisation, "organisation", via="reference"))
        for match in _BOTH_SIDES.finditer(sentence) if may_match(sentence, lowered, _BOTH_SIDES_WORDS) else ():
            if len(context.countries) >= 2 and free(match.start()):
                first, second = context.countries[0], context.countries[1]
                name = self.gazetteer.country_names
                found.append(Mention(match.start(), match.start() + 1,
                                     Actor(name=name.get(first, first), country=first, role="government"),
                                     "country", via="pair"))
                found.append(Mention(match.end() - 1, match.end(),
                                     Actor(name=name.get(second, second), country=second, role="government"),
                                     "country", via="pair"))
        if not groups:
            return found
        # Police, soldiers and protesters belong where the sentence says it happens ("In Burkina
        # Faso, security agents detained..."), else where the story is datelined.
        where = next((m.actor.country for m in mentions if m.kind in ("country", "capital")
                      and word_before(sentence, m.start) in ("in", "across", "inside", "throughout")), None)
        home = where or context.home_country
        if home:
            for start, end, role in groups:
                if any(_names_group(m, sentence, start) for m in mentions):
                    continue
                if any(0 <= m.start - end <= 1 for m in mentions):
                    continue  # "the paramilitary Rapid Support Forces": a description of the actor named next
                if free(start):
                    found.append(Mention(start, end, Actor(name=sentence[start:end], country=home, role=role),
                                         "group", via="role"))
        return found


def _note_preceding(sentence: str, mentions: list[Mention]) -> None:
    for mention in mentions:
        mention.preceding = word_before(sentence, mention.start)
        mention.prepositional = mention.preceding in _PREPOSITIONS


def _names_group(mention: Mention, sentence: str, start: int) -> bool:
    """Whether ``mention`` already names the group word at ``start``, with its country: "Kenyan
    police", "Kenya's new government", "French rail workers"."""
    if mention.start <= start <= mention.end + 3:
        return True
    if mention.end >= start:  # a gap is never empty
        return False
    return bool(_POSSESSED_GAP.fullmatch(sentence, mention.end, start)
                or (mention.kind == "demonym" and _DEMONYM_GAP.fullmatch(sentence, mention.end, start)))


def same_party(candidate: Mention, source: Mention) -> bool:
    """A state does not act on itself; its police may act on its protesters."""
    if same_actor(candidate, source):
        return True
    return candidate.actor.country == source.actor.country and candidate.kind in ("country", "capital", "metonym",
                                                                                 "demonym") \
        and candidate.actor.role in (None, "government", source.actor.role)


def same_actor(a: Mention, b: Mention) -> bool:
    return a.actor.name == b.actor.name and a.actor.country == b.actor.country
