"""Time expressions in a sentence, resolved against the story's publication date.

Granularity is kept honest: "on Monday" resolves to a day, "in April" to a month ("2026-04"),
"later in 2026" to a year; phrases with no calendar anchor ("in recent days") give no date.
Tense decides direction: "would visit China in April", written in November, is next April.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from streams.domain.matching import has_any

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH_NAMES = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
_WEEKDAY_NAMES = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    ("month_day", re.compile(
        rf"\b(?:on\s+)?(?P<month>{_MONTH_NAMES})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?")),
    ("day_month", re.compile(
        rf"\b(?:on\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_NAMES})(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?")),
    ("weekday", re.compile(rf"\b(?:(?P<rel>last|next|this|on|from|until|by)\s+)?(?P<weekday>{_WEEKDAY_NAMES})\b")),
    ("relative_day", re.compile(r"\b(?P<word>today|yesterday|tomorrow|tonight|last night|this morning|this afternoon|"
                                r"this evening|earlier today|overnight)\b", re.IGNORECASE)),
    # Expressions that date an event by the one told before it ("Hours later, ..."): resolved by the
    # caller, which knows the story's last dated event.
    ("same_day", re.compile(r"\b(?:(?:hours|minutes)\s+(?:later|earlier|before|after)|(?:later|earlier)\s+(?:in|on)\s+"
                            r"the\s+day|(?:on\s+)?the\s+same\s+day|(?:in|by|on)\s+the\s+(?:morning|afternoon|evening)|"
                            r"by\s+(?:evening|nightfall|midday))\b", re.IGNORECASE)),
    # Week-sized spans have no ISO form: they resolve to the month they fall in.
    ("relative_week", re.compile(r"\b(?P<rel>last|this|next|earlier this|later this|over the|at the|"
                                 r"past)\s+(?P<unit>week|weekend)\b", re.IGNORECASE)),
    ("month_year", re.compile(
        rf"\b(?:(?P<part>early|mid|late|end of|beginning of)[- ]?)?(?P<month>{_MONTH_NAMES})(?:\s+(?P<year>(?:19|20)\d{{2}}))?\b")),
    ("relative_period", re.compile(r"\b(?P<rel>this|next|last|later this|earlier this|later next)\s+"
                                   r"(?P<unit>year|month)\b", re.IGNORECASE)),
    ("year", re.compile(r"\b(?:in|by|during|later in|early|earlier in|since|until|for|of|late)\s+"
                        r"(?:(?:early|mid|late)[- ])?(?P<year>(?:19|20)\d{2})\b")),
    ("holiday", re.compile(r"\b(?:by|on|before|after|until|at)\s+(?P<holiday>Thanksgiving|Christmas|New Year's Day|"
                           r"New Year's Eve|Christmas Eve|Independence Day)\b")),
]

_WORDS = re.compile(r"[A-Za-z]+")
_DIGIT = re.compile(r"\d")
_MONTH_WORDS = frozenset({"January", "February", "March", "April", "May", "June", "July", "August", "September",
                          "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
                          "Sept", "Oct", "Nov", "Dec"})
_ANY_DIGIT = frozenset({"0"})
_HYPHEN = frozenset({"-"})  # "-" stands for a hyphen, "19" and "20" for those digits in a row
_CENTURY = frozenset({"19", "20"})
# Per pattern, the word sets it needs one word of each of ("0" stands for any digit).
_NEEDS: dict[str, tuple[frozenset[str], ...]] = {
    "iso": (_HYPHEN, _ANY_DIGIT),
    "month_day": (_ANY_DIGIT, _MONTH_WORDS),
    "day_month": (_ANY_DIGIT, _MONTH_WORDS),
    "weekday": (frozenset({"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}),),
    "relative_day": (frozenset({"today", "yesterday", "tomorrow", "tonight", "night", "morning", "afternoon",
                                "evening", "overnight"}),),
    "same_day": (frozenset({"hours", "minutes", "day", "morning", "afternoon", "evening", "nightfall", "midday"}),),
    "relative_week": (frozenset({"week", "weekend"}),),
    "month_year": (_MONTH_WORDS,),
    "relative_period": (frozenset({"year", "month"}),),
    "year": (_CENTURY,),
    "holiday": (frozenset({"Thanksgiving", "Christmas", "New", "Independence"}),),
}
# Every word some pattern needs: only these of a sentence's words are kept for the tests above.
_NEEDED_WORDS = frozenset().union(*(words for needs in _NEEDS.values() for words in needs))
# Two patterns are tried in many sentences (a hyphen and a digit, a digit and a month) and match in
# few; each needs a match of its hint, which starts with a digit: a search skipping to the digits.
_PATTERN_HINTS = {
    "iso": re.compile(r"\d\d{3}-\d{2}-\d{2}"),  # "\d{4}" would not start with the digit class
    "day_month": re.compile(rf"\d(?:st|nd|rd|th)?\s+{_MONTH_NAMES}"),
}


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: str | None


def _weekday(anchor: date, weekday: int, rel: str | None, future: bool) -> date:
    if rel == "next" or (future and rel != "last"):
        delta = (weekday - anchor.weekday()) % 7
        return anchor + timedelta(days=delta or (7 if rel == "next" else 0))
    delta = (anchor.weekday() - weekday) % 7
    if rel == "last" and delta == 0:
        delta = 7
    return anchor - timedelta(days=delta)


def _month_year(anchor: date, month: int, future: bool) -> int:
    if future:
        return anchor.year if month >= anchor.month else anchor.year + 1
    return anchor.year if month <= anchor.month else anchor.year - 1


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


_HOLIDAYS = {
    "thanksgiving": _thanksgiving,
    "christmas": lambda y: date(y, 12, 25),
    "christmas eve": lambda y: date(y, 12, 24),
    "new year's day": lambda y: date(y, 1, 1),
    "new year's eve": lambda y: date(y, 12, 31),
    "independence day": lambda y: date(y, 7, 4),
}


def _resolve(kind: str, match: re.Match[str], anchor: date, future: bool) -> str | None:
    g = match.groupdict()
    if kind == "iso":
        return f"{g['y']}-{g['m']}-{g['d']}"
    if kind in ("month_day", "day_month"):
        month = _MONTHS[g["month"].lower().rstrip(".")]
        day_of_month = int(g["day"])
        year = int(g["year"]) if g.get("year") else None
        if year is None:
            year = anchor.year
            candidate = (month, day_of_month)
            if future and candidate < (anchor.month, anchor.day):
                year += 1
            elif not future and candidate > (anchor.month, anchor.day) and month - anchor.month > 1:
                year -= 1
        try:
            return date(year, month, day_of_month).isoformat()
        except ValueError:
            return None
    if kind == "weekday":
        rel = (g.get("rel") or "").lower() or None
        rel = None if rel in ("on", "from", "until", "by") else rel
        return _weekday(anchor, _WEEKDAYS.index(g["weekday"].lower()), rel, future).isoformat()
    if kind == "relative_day":
        word = g["word"].lower()
        offset = {"yesterday": -1, "tomorrow": 1, "last night": -1}.get(word, 0)
        return (anchor + timedelta(days=offset)).isoformat()
    if kind == "relative_week":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        if rel == "next" or (rel in ("this", "at the") and unit == "weekend" and future):
            day = anchor + timedelta(days=7 if rel == "next" else (5 - anchor.weekday()) % 7)
        elif rel in ("last", "past", "over the", "at the"):
            day = anchor - timedelta(days=7 if unit == "week" else (anchor.weekday() - 5) % 7 or 7)
        else:
            day = anchor
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "month_year":
        month = _MONTHS[g["month"].lower().rstrip(".")]
        year = int(g["year"]) if g.get("year") else _month_year(anchor, month, future)
        return f"{year:04d}-{month:02d}"
    if kind == "relative_period":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        step = 1 if rel.endswith("next") or rel == "next" else -1 if rel == "last" else 0
        if unit == "year":
            return f"{anchor.year + step:04d}"
        month_index = anchor.year * 12 + anchor.month - 1 + step
        return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
    if kind == "year":
        return g["year"]
    if kind == "holiday":
        compute = _HOLIDAYS[g["holiday"].lower()]
        day = compute(anchor.year)
        if day < anchor:
            day = compute(anchor.year + 1)
        return day.isoformat()
    return None


# Every pattern needs a digit, "day" as a word end, or one of these words: one test rules most
# sentences out. In ASCII text substring tests find what the regex finds; other text gets the regex.
_HINT_WORDS = ("night", "morning", "afternoon", "evening", "week", "month", "year", "hours", "minutes", "midday",
               "thanksgiving", "christmas", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
               "dec")
_HINT = re.compile(r"\d|day\b|" + "|".join(_HINT_WORDS), re.IGNORECASE)


def _hinted(sentence: str) -> bool:
    """``_HINT.search(sentence)``, without running an alternation of 22 words at every position of
    an ASCII sentence (other text, whose case folding differs from lower-casing, gets the regex)."""
    if not sentence.isascii():
        return _HINT.search(sentence) is not None
    for digit in "0123456789":
        if digit in sentence:
            return True
    lowered = sentence.lower()
    if has_any(lowered, _HINT_WORDS):
        return True
    position = lowered.find("day")
    while position >= 0:
        after = position + 3
        if after == len(lowered) or not (lowered[after].isalnum() or lowered[after] == "_"):
            return True  # "day\b"
        position = lowered.find("day", after)
    return False


def find_dates(sentence: str, anchor: date, future: bool = False, same_day: str | None = None) -> list[DateMention]:
    """Non-overlapping time expressions in ``sentence``, earliest first."""
    return resolve_dates(scan_dates(sentence), anchor, future, same_day)


def scan_dates(sentence: str) -> list[tuple[str, re.Match[str]]]:
    """The time expressions of ``sentence`` before resolution: matching does not depend on the
    anchor or the tense, so a sentence with several events is scanned once."""
    if not _hinted(sentence):
        return []
    found_words = _WORDS.findall(sentence)
    words = _NEEDED_WORDS.intersection(found_words).union(_NEEDED_WORDS.intersection(map(str.lower, found_words)))
    if _DIGIT.search(sentence):
        words |= {"0", *(mark for mark in ("-", "19", "20") if mark in sentence)}
    found: list[tuple[str, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        if any(map(words.isdisjoint, _NEEDS[kind])):
            continue  # a pattern is tried only when the words it cannot match without are there
        hint = _PATTERN_HINTS.get(kind)
        if hint is not None and hint.search(sentence) is None:
            continue
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            if kind == "month_year" and match.group("month").lower().rstrip(".") in ("may", "mar", "jun", "dec") \
                    and not match.group("year") and not match.group("part"):
                # "may" is a verb, and short forms without a year are too ambiguous alone.
                before = sentence[max(0, start - 4):start].lower()
                if "in " not in before:
                    continue
            taken.append((start, end))
            found.append((kind, match))
    found.sort(key=lambda item: item[1].start())
    return found


def resolve_dates(scanned: list[tuple[str, re.Match[str]]], anchor: date, future: bool | int,
                  same_day: str | None = None) -> list[DateMention]:
    """``future``: 0 (or False) past or present tense, 2 (or True) future; 1 is an infinitive
    ("urged X to withdraw by Friday"): a month or a year ahead, but a weekday in the past unless
    "from"/"until"/"by" points forward. ``same_day``: the day "hours later", "on the same day" and
    the like refer to (the story's last dated event), if known."""
    return [DateMention(match.start(), match.end(), match.group(0).strip(),
                        same_day if kind == "same_day" else
                        _resolve(kind, match, anchor, _weekday_future(match, future) if kind == "weekday"
                                 else bool(future)))
            for kind, match in scanned]


def _weekday_future(match: re.Match[str], future: bool | int) -> bool:
    if future is True or future == 2:
        return True
    return future == 1 and (match.group("rel") or "").lower() in ("from", "until", "by")
