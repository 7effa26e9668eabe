"""Event extraction: who did what to whom, when, where, how much.

A fast rule-based coder in the PETRARCH tradition, without a parser:
  1. actors per sentence, with references resolved across the story (:mod:`streams.domain.actors`);
  2. PLOVER triggers, combined with the verbs that govern them (:mod:`streams.domain.triggers`);
     negated acts are dropped, conditional force becomes THREATEN;
  3. the source is the nearest subject-like actor before the trigger (not inside "with X",
     "according to X"...), "X and Y" makes X the source and Y the target, the target is otherwise
     the first actor after the trigger in the same clause; passive triggers swap them;
  4. dates resolve against the publication date with the trigger's tense, quantities and
     locations attach from the sentence, events dated well before publication are background
     and dropped, and an event repeated in the story is kept once.
Events come only from the body: never from the headline, crossheads or boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator

from schemas.models import Actor, Event, Location, PloverType, Quantity, RawArticle
from streams.domain.actors import (
    ActorFinder,
    Mention,
    StoryContext,
    same_actor,
    same_party,
    word_before,
)
from streams.domain.cleaning import CleanArticle
from streams.domain.dates import DateMention, resolve_dates, scan_dates
from streams.domain.event_scoring import EventScorer, Proposal
from streams.domain.gazetteer import load_gazetteer
from streams.domain.ids import event_id
from streams.domain.matching import has_any, may_match
from streams.domain.quantities import QuantityMention, find_quantities
from streams.domain.scan import SentenceScan
from streams.domain.triggers import Trigger, TriggerLexicon
from streams.domain.vocabulary import PLOVER_CAMEO_ROOT

_CLAUSE_BREAK = re.compile(r";|,\s*(?:while|but|whereas|although|though|which|who|after|before)\b|"
                           r"\b(?:while|but|whereas)\b")
# How sure the trigger's tense is future: "will visit" (2), "urged X to visit" (1: the visit is ahead,
# the urging was not), neither (0).
_FUTURE_CUES = re.compile(r"\b(?:will|would|'ll|shall|plans? to|planning to|expected to|set to|is to|are to|"
                          r"intends? to|going to|due to)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_INFINITIVE = re.compile(r"\bto\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_NEGATION_CUES = re.compile(r"\b(?:not|never|no longer|n't|neither|nor|without|failed to|refused to)\s+"
                            r"(?:\w+\s+){0,2}$", re.IGNORECASE)
# "said it would send aid" is a plan, not a threat; "would ... if" is handled with the trigger.
_CONDITIONAL_CUES = re.compile(r"\b(?:could|might|may|threaten(?:s|ed)? to|vow(?:s|ed)? to|ready to|"
                               r"prepared to)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
# The words each cue above cannot match without, lower-cased.
_FUTURE_WORDS = ("will", "would", "'ll", "shall", "plan", "expected to", "set to", "is to", "are to", "intend",
                 "going to", "due to")
_NEGATION_WORDS = ("no", "n't", "never", "neither", "without", "failed to", "refused to")
_CONDITIONAL_WORDS = ("could", "might", "may", "threaten", "vow", "ready to", "prepared to")
_CLAUSE_WORDS = ("while", "but", "whereas", "though", "which", "who", "after", "before")  # _CLAUSE_BREAK's, with ";"
_RELATIVE = re.compile(r",\s*(?:who|which)\s*$")
# "A magnitude 6.8 earthquake struck Ecuador's coast, killing 12": nature is no actor.
_HAZARD = re.compile(r"\b(?:earthquakes?|quakes?|tremors?|aftershocks?|storms?|typhoons?|hurricanes?|cyclones?|floods?|"
                     r"flooding|floodwaters|landslides?|mudslides?|avalanches?|wildfires?|tsunamis?|eruptions?|"
                     r"tornado(?:es)?|heat ?waves?)\b", re.IGNORECASE)
# "... accused Russia of sabotage and warned that ...", "..., accusing Russia of ...": a predicate with
# no subject of its own shares the sentence's.
_SHARED_SUBJECT = re.compile(r"(?:\band|\bbut|,)\s+(?:(?:also|later|then|again|separately|on \w+|\w+ly)\s+){0,2}$",
                             re.IGNORECASE)
# A noun phrase ending right before the trigger, after at most an auxiliary and an adverb:
# "The Emirates has repeatedly denied", "Council member Leslie Voltaire rejected", "His lawyer denied".
_ADVERBIAL = r"(?:has|have|had|also|then|later|again|repeatedly|swiftly|quickly|promptly|formally|publicly|" \
             r"strongly|sharply|on \w+day)"
_CAP, _LOW = r"[A-Z][\w'’.&-]*", rf"(?!{_ADVERBIAL}\b)[a-z]{{3,}}"
_BARE_SUBJECT = re.compile(rf"(?:^|(?<=[\s,;:(\"“]))(?P<name>(?:[Tt]he|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir)\s+"
                           rf"(?:{_CAP}\s+){{0,4}}(?:{_CAP}|{_LOW})|(?:{_CAP}\s+){{0,3}}{_CAP}(?:\s+{_LOW})?)\s+"
                           rf"(?:{_ADVERBIAL}\s+){{0,3}}$")
_CALENDAR_WORDS = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april "
                            "may june july august september october november december week month year".split())
_REPORTED_DATE = re.compile(r"\b(?:said|says|told|announced|confirmed|reported|added|stated)\s+(?:on\s+)?$")
_VERBAL_TYPES = frozenset({"ACCUSE", "REJECT", "REQUEST", "SUPPORT", "THREATEN", "AGREE", "CONSULT"})
_DOMESTIC_ROLES = frozenset({"civilians", "labour", "opposition", "rebels", "militants"})
_HAS_DIGIT = re.compile(r"\d")
_SYMMETRIC_TYPES = frozenset({"CONSULT", "COOPERATE"})
# "X and Y exchanged prisoners / withdrew their troops": each side acts on the other, two events.
_MUTUAL_TYPES = frozenset({"RETREAT", "CONCEDE"})
_CONDITION = re.compile(r"\b(?:if|unless|should)\b")
_SAID_AFTER = re.compile(r"[^,.;]{0,45}?\b(?:said|says|told|reported|announced|stated)\b")
_SAID_AFTER_WORDS = ("said", "says", "told", "reported", "announced", "stated")  # within 54 characters
_COORDINATION = re.compile(r"^\s*(?:and|&|,|, and)\s*$")
_FORCE_TYPES = frozenset({"ASSAULT", "SANCTION", "COERCE", "MOBILIZE"})
# Acts addressed to several parties at once ("urged Rwanda and Congo", "sanctions on Russia and
# Belarus"): one event per party. In meetings, deals and joint work "X and Y" are co-participants
# instead, and in fighting mostly the two sides of a war the source only mediates.
_ADDRESSED_TYPES = frozenset({"ACCUSE", "REJECT", "REQUEST", "SANCTION", "SUPPORT", "THREATEN", "AID"})
_VISIT_TARGET_WORDS = frozenset({"to", "in", "visit", "visited", "visits", "visiting"})
_BACKGROUND_DAYS = 45
# Group words that are political actors by themselves: "the army deployed", "police detained".
_ARMED_ROLES = frozenset({"military", "police", "rebels", "militants"})
_BY_AFTER = re.compile(r"\s+(?:\w+\s+){0,2}?by\b")


@dataclass(slots=True)
class _Candidate:
    trigger: Trigger
    event_type: str
    source: Mention
    target: Mention | None
    start: int
    end: int
    future: int  # 0 past or present, 1 an infinitive ("urged X to visit"), 2 future ("will visit")
    clause: tuple[int, int]  # the trigger's clause in the sentence
    partner: Mention | None = None  # "X and Y withdrew": Y, who did the same


class EventExtractor:
    def __init__(self, finder: ActorFinder, lexicon: TriggerLexicon) -> None:
        self.finder = finder
        self.lexicon = lexicon
        self.capitals = finder.gazetteer.capitals
        self.scanner = finder.scanner(lexicon)
        self.fill_targets = True
        self.no_fill_types: frozenset[str] = frozenset()
        self.drop_untargeted = False
        self.scorer: EventScorer | None = None

    @classmethod
    def load(cls, scorer: bool = True) -> "EventExtractor":
        """``scorer=False``: the rules alone, as before the scorer was trained."""
        extractor = cls(ActorFinder(load_gazetteer()), TriggerLexicon.load())
        extractor.scorer = EventScorer.load() if scorer else None
        return extractor

    def extract(self, clean: CleanArticle, raw: RawArticle, *, pipeline_version: str,
                replay: bool = False) -> list[Event]:
        anchor = raw.published_at.date()
        events: list[Event] = []
        seen: set[tuple] = set()
        last_day: str | None = None  # the day of the story's last past event, for "hours later"
        for text, mentions, proposals in self.proposals(clean):
            same_day = last_day
            dates: dict[int, list[DateMention]] = {}
            scanned_dates = None
            quantities: list[QuantityMention] | None = None  # found when the sentence yields an event
            for proposal, candidate in proposals:
                confidence = None
                if self.scorer is not None:
                    keep, source, target = self.scorer.decide(proposal)
                    if keep < self.scorer.keep_threshold or source is None:
                        continue
                    candidate.source, candidate.target, confidence = source, target, keep
                elif candidate.target is None:
                    candidate.target = proposal.inferred
                    if candidate.target is None and self.drop_untargeted:
                        continue
                if candidate.future not in dates:
                    scanned_dates = scan_dates(text) if scanned_dates is None else scanned_dates
                    dates[candidate.future] = resolve_dates(scanned_dates, anchor, candidate.future,
                                                            same_day if candidate.future == 0 else None)
                date_mention = _event_date(text, dates[candidate.future], candidate)
                date_value = date_mention.value if date_mention else None
                if candidate.future == 0 and date_value and len(date_value) == 10:
                    last_day = date_value
                if _is_background(date_value, anchor):
                    continue
                key = _event_key(candidate, date_value)
                if key in seen:
                    continue
                seen.add(key)
                if quantities is None:
                    quantities = find_quantities(text) if _HAS_DIGIT.search(text) else []
                events.append(self._event(raw, pipeline_version, replay, candidate, text, date_mention,
                                          quantities, mentions, confidence))
                # "urged Rwanda and Congo to ...": one act aimed at two parties is an event for each;
                # a mutual act ("the two sides pulled back") is coded in both directions.
                related = [replace(candidate, target=other)
                           for other in _coordinated_targets(text, candidate, mentions)]
                if candidate.event_type in _MUTUAL_TYPES and candidate.partner is not None \
                        and candidate.target is candidate.partner:
                    related.append(replace(candidate, source=candidate.partner, target=candidate.source))
                for also in related:
                    key = _event_key(also, date_value)
                    if key not in seen:
                        seen.add(key)
                        events.append(self._event(raw, pipeline_version, replay, also, text, date_mention,
                                                  quantities, mentions, confidence))
        return events

    def proposals(self, clean: CleanArticle) -> Iterator[tuple[str, list[Mention], list[tuple[Proposal, _Candidate]]]]:
        """Per sentence with triggers: its text, its actors, and what the rules propose per trigger.
        Shared by extraction and by training the scorer, so both see the same candidates."""
        scans = self.scanner.scan([sentence.text for sentence in clean.sentences], groups=False)
        # Group words matter only where references are resolved: in the sentences with triggers.
        found = [self.lexicon.find(scan) for scan in scans]
        self.scanner.scan_groups(scans, [bool(hits) for hits in found])
        context = StoryContext(home_country=self._home_country(clean, scans))
        salience = self._country_salience(scans)
        type_counts: dict[str, int] = {}
        # Sentences after the last one with triggers only feed the story context of sentences to come.
        last = max((index for index, hits in enumerate(found) if hits), default=-1)
        for index, (sentence, scan, hits) in enumerate(zip(clean.sentences[:last + 1], scans, found)):
            text = scan.text
            mentions = self.finder.mentions(scan, context, references=bool(hits))
            if not hits:
                continue
            proposals = []
            for start, end, trigger in hits:
                candidate = self._candidate(text, start, end, trigger, mentions, context.home_country)
                if candidate is None:
                    continue
                inferred = self._counterpart(candidate, salience) if candidate.target is None else None
                proposals.append((Proposal(
                    text, index, sentence.paragraph, start, end, candidate.event_type, trigger.event_type,
                    trigger.mode, trigger.voice, candidate.future, candidate.clause, mentions,
                    candidate.source, candidate.target, inferred, type_counts.get(candidate.event_type, 0)),
                    candidate))
                type_counts[candidate.event_type] = type_counts.get(candidate.event_type, 0) + 1
            yield text, mentions, proposals

    @staticmethod
    def _country_salience(scans: list[SentenceScan]) -> list[str]:
        counts: dict[str, int] = {}
        for scan in scans:
            for _, _, entry in scan.actors:
                if entry.country and entry.role != "media":
                    counts[entry.country] = counts.get(entry.country, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    def _counterpart(self, candidate: _Candidate, salience: list[str]) -> Mention | None:
        """An act with no stated target is usually aimed at the story's other main party."""
        if not self.fill_targets:
            return None
        if candidate.event_type in self.no_fill_types:
            return None
        source = candidate.source
        source_country = source.actor.country
        names = self.finder.gazetteer.country_names
        if source.actor.role in _DOMESTIC_ROLES and source_country in names:
            # Protesters, strikers, rebels act against their own government.
            return Mention(-1, -1, Actor(name=names[source_country], country=source_country, role="government"),
                           "group", via="inferred")
        other = next((c for c in salience[:3] if c != source_country and c in names), None)
        if other is None:
            return None
        return Mention(-1, -1, Actor(name=names.get(other, other), country=other, role="government"), "country",
                       via="inferred")

    def _home_country(self, clean: CleanArticle, scans: list[SentenceScan]) -> str | None:
        if clean.dateline:
            country = self.finder.gazetteer.place_country(clean.dateline)
            if country:
                return country
        counts: dict[str, int] = {}
        for sentence, scan in zip(clean.sentences, scans):
            if sentence.paragraph >= 3:
                break
            for _, _, entry in scan.actors:
                if entry.country in self.finder.gazetteer.country_names:  # a country, not an organisation's code
                    counts[entry.country] = counts.get(entry.country, 0) + 1
        return max(counts, key=lambda c: (counts[c], c)) if counts else None

    def _candidate(self, text: str, start: int, end: int, trigger: Trigger,
                   mentions: list[Mention], home: str | None = None) -> _Candidate | None:
        before = text[max(0, start - 40):start]
        lowered = before.lower()  # each cue is searched only when a word it needs is there
        if trigger.event_type != "REJECT" and may_match(before, lowered, _NEGATION_WORDS) \
                and _NEGATION_CUES.search(before):
            return None
        event_type = trigger.event_type
        if event_type in _FORCE_TYPES and may_match(before, lowered, _CONDITIONAL_WORDS) \
                and _CONDITIONAL_CUES.search(before):
            event_type = "THREATEN"
        future = _tense(before, lowered, text[start:end].lower())
        clause_start, clause_end = _clause_bounds(text, start)
        left = [m for m in mentions if m.end <= start]
        # Mentions inside a frame's span ("expelled a Russian diplomat") are its object; the
        # attribution ("..., the Joint Chiefs of Staff said") is neither party.
        right = [m for m in mentions if m.start > start and m.start < clause_end
                 and not (has_any(text[m.end:m.end + 54], _SAID_AFTER_WORDS) and _attribution(text, m))]
        subjects = [m for m in left if not m.prepositional]
        in_clause = [m for m in subjects if m.start >= clause_start]
        if event_type == "ASSAULT":
            hazard = _HAZARD.search(text, clause_start, start)
            if hazard and not any(m.start < hazard.start() for m in in_clause):
                return None  # the hazard is what struck or killed
        agent = _agent(text, end, right)
        partner = None
        if trigger.voice == "passive" or agent is not None:
            # "... were shot by members of the security forces": the agent acts on the subject.
            target = in_clause[-1] if in_clause else (subjects[-1] if subjects else None)
            source = agent
        else:
            source = in_clause[-1] if in_clause else (subjects[-1] if subjects else None)
            relative = _RELATIVE.search(text[max(0, clause_start - 8):clause_start])
            if relative and not in_clause:
                # "..., who is on a state visit to China": the relative pronoun's antecedent acts.
                source = next((m for m in reversed(left) if m.end <= clause_start), source)
            elif subjects and may_match(before, lowered, ("and", "but", ",")) and _SHARED_SUBJECT.search(before):
                # The sentence's first subject: "The IMF said Egypt had made progress, but urged the
                # government ...": the IMF urged; "Poland expelled two diplomats, accusing Russia ...".
                source = subjects[0]
            if source is None and not left and home is not None:
                source = _bare_subject(text, start, home)
                if source is not None:
                    # One of the sentence's actors from now on, for its other triggers and the scorer.
                    mentions.insert(sum(1 for m in mentions if m.start < source.start), source)
            if source is not None:
                source, partner = self._coordinated(text, source, mentions)
            target = next((m for m in right if source is None or not same_party(m, source)), None)
            if event_type == "THREATEN":
                # "would respond ... if the EU moved to seize...": the condition names the target.
                condition = _CONDITION.search(text, end)
                if condition:
                    target = next((m for m in right if m.start >= condition.end() and
                                   (source is None or not same_party(m, source))), target)
            if target is not None and target.prepositional and word_before(text, target.start) in ("in", "at") \
                    and not (trigger.mode == "visit" and target.kind in ("country", "capital")) \
                    and target.kind in ("country", "capital", "metonym"):
                # "in Geneva" is where, not whom; a visit's destination is its target
                target = next((m for m in right if m.start > target.start and not same_actor(m, source)),
                              None) if source else None
            if partner is not None:
                target = partner  # "X and Y met": the event is between them
                if event_type == "MOBILIZE":
                    event_type = "COOPERATE"  # "X and Y staged drills": joint exercises
        if source is None:
            return None  # an act with nobody doing it is not an event a subscriber can use
        explicit_target = target is not None and target.via != "role"
        if trigger.mode == "visit" and not explicit_target:
            return None  # "go to the hospital", "head to tail": a visit needs a destination we know
        if trigger.needs_actor and source.via == "role" and source.actor.role not in _ARMED_ROLES:
            return None
        if target is not None and same_party(target, source):
            target = None
        return _Candidate(trigger, event_type, source, target, start, end, future, (clause_start, clause_end),
                          partner)

    @staticmethod
    def _coordinated(text: str, source: Mention, mentions: list[Mention]) -> tuple[Mention, Mention | None]:
        """"Russia and Ukraine agreed": Russia acts, Ukraine is the other party."""
        index = mentions.index(source)
        if index > 0:
            previous = mentions[index - 1]
            if (previous.via == "pair" and source.via == "pair") or \
                    _COORDINATION.match(text[previous.end:source.start]):
                return previous, source
        return source, None

    def _event(self, raw: RawArticle, pipeline_version: str, replay: bool, candidate: _Candidate, text: str,
               date_mention: DateMention | None, quantities: list[QuantityMention],
               mentions: list[Mention], confidence: float | None = None) -> Event:
        source = candidate.source.actor if candidate.source else None
        target = candidate.target.actor if candidate.target else None
        trigger = candidate.trigger
        cameo_root = PLOVER_CAMEO_ROOT[candidate.event_type] if candidate.event_type != trigger.event_type \
            else (trigger.cameo or PLOVER_CAMEO_ROOT[candidate.event_type])[:2]
        date_value = date_mention.value if date_mention else None
        if confidence is None:
            confidence = self._rule_confidence(candidate, date_value)
        mode = trigger.mode if candidate.event_type == trigger.event_type else None
        parts = (candidate.event_type, mode, _actor_key(source), _actor_key(target), date_value, text)
        return Event(
            event_id=event_id(raw.id, raw.version, *parts),
            article_id=raw.id,
            article_version=raw.version,
            event_type=PloverType(candidate.event_type),
            mode=mode,
            cameo_root=cameo_root,
            source=source,
            target=target,
            date=date_value,
            date_text=date_mention.text if date_mention else None,
            location=self._location(text, mentions, candidate.target),
            quantities=[Quantity(amount=q.amount, unit=q.unit, item=q.item, text=q.text) for q in quantities],
            sentence=text,
            confidence=round(max(0.05, min(0.95, confidence)), 3),
            pipeline_version=pipeline_version,
            replay=replay,
        )

    @staticmethod
    def _rule_confidence(candidate: _Candidate, date_value: str | None) -> float:
        # How sure the coder is: explicit actors on both sides, then a stated date, raise it; a target
        # inferred from the story, or an actor reached through a pronoun or a group word, lowers it.
        target_via = candidate.target.via if candidate.target else None
        confidence = 0.75 if target_via not in (None, "inferred") else 0.4
        confidence += 0.1 if date_value else 0.0
        confidence += 0.05 if candidate.source.via == "gazetteer" else 0.0
        confidence -= 0.1 if candidate.source.via in ("pronoun", "role") else 0.0
        confidence -= 0.1 if target_via == "role" else 0.0
        return confidence

    def _location(self, text: str, mentions: list[Mention], target: Mention | None) -> Location | None:
        for mention in mentions:
            if mention is not target and word_before(text, mention.start) in ("in", "at") \
                    and mention.kind in ("capital", "country"):
                return Location(name=text[mention.start:mention.end], country=mention.actor.country)
        return None


def _tense(before: str, lowered: str, surface: str) -> int:
    """2 future ("will visit"), 1 an infinitive ("urged X to visit"), else 0; ``before`` is the text
    before the trigger, ``lowered`` the same lower-cased, ``surface`` the trigger's words."""
    if surface.startswith(("will ", "would ")) or (may_match(before, lowered, _FUTURE_WORDS)
                                                    and _FUTURE_CUES.search(before)):
        return 2
    if surface.startswith("to ") or (may_match(before, lowered, ("to",)) and _INFINITIVE.search(before)):
        return 1
    return 0


def _agent(text: str, end: int, right: list[Mention]) -> Mention | None:
    """The "by X" agent right after a trigger, which makes it passive."""
    following = text[end:end + 50]
    match = _BY_AFTER.match(following)
    if not match:
        return None
    position = end + match.end()
    return next((m for m in right if 0 <= m.start - position <= 40), None)


@lru_cache(maxsize=256)
def _clause_breaks(text: str) -> tuple[tuple[int, int], ...]:
    if ";" not in text and not has_any(text, _CLAUSE_WORDS):
        return ()
    return tuple(m.span() for m in _CLAUSE_BREAK.finditer(text))


def _clause_bounds(text: str, position: int) -> tuple[int, int]:
    start, end = 0, len(text)
    for b_start, b_end in _clause_breaks(text):
        if b_end <= position:
            start = b_end
        elif b_start >= position:
            end = b_start
            break
    return start, end


def _event_date(text: str, dates: list[DateMention], candidate: _Candidate) -> DateMention | None:
    """The time expression of the event's own clause, else the sentence's only one.

    "... said on Friday" dates the saying: it dates verbal events, not material ones.
    """
    verbal = candidate.event_type in _VERBAL_TYPES
    usable = [d for d in dates if verbal or not _REPORTED_DATE.search(text[max(0, d.start - 20):d.start])]
    clause_start, clause_end = candidate.clause
    pool = [d for d in usable if clause_start <= d.start < clause_end]
    if not pool:
        pool = usable if len(usable) == 1 else []
    if not pool:
        return None
    start, end = candidate.start, candidate.end
    return min(pool, key=lambda d: d.start - end if d.start >= end else start - d.end + 5)


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


def _coordinated_targets(text: str, candidate: _Candidate, mentions: list[Mention]) -> list[Mention]:
    """Actors joined to the target by "and" or commas ("urged Rwanda and the Congo"), of countries
    other than the source's and the target's."""
    target, source = candidate.target, candidate.source
    if target is None or target.start < 0 or source is None or candidate.event_type not in _ADDRESSED_TYPES:
        return []
    joined: list[Mention] = []
    end, countries = target.end, {_country(source), _country(target)}
    for mention in mentions:
        if mention.start < end:
            continue
        if not _COORDINATION.match(text[end:mention.start]):
            break
        end = mention.end
        if _country(mention) not in countries:
            countries.add(_country(mention))
            joined.append(mention)
    return joined


def _event_key(candidate: _Candidate, date_value: str | None) -> tuple:
    """What makes two mentions the same event in one story: type, the two countries, the date."""
    first, second = _country(candidate.source), _country(candidate.target)
    if candidate.event_type in _SYMMETRIC_TYPES and str(first) > str(second):
        first, second = second, first  # A met B is B met A
    return (candidate.event_type, first, second, date_value)


def _country(mention: Mention | None) -> str | None:
    return mention.actor.country if mention else None


def _actor_key(actor: Actor | None) -> tuple | None:
    return (actor.name, actor.country) if actor else None


def _bare_subject(text: str, start: int, home: str) -> Mention | None:
    """The words just before the trigger when no known actor precedes it ("The judiciary accused",
    "COB leaders rejected", "His lawyer denied"): a domestic actor of the story's country, as the
    annotation convention codes unknown local actors."""
    match = _BARE_SUBJECT.search(text, max(0, start - 60), start)
    if match is None:
        return None
    name = match.group("name")
    if name.split()[-1].lower() in _CALENDAR_WORDS:
        return None  # "In a statement on Monday denied": a time, not an actor
    return Mention(match.start("name"), match.end("name"), Actor(name=name, country=home), "group", via="subject")


def _attribution(text: str, mention: Mention) -> bool:
    return bool(_SAID_AFTER.match(text, mention.end))
