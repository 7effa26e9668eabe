"""Amounts in a sentence: money, percentages and counted things ("12 million tonnes of soybeans")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
           "bln": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "a$": "AUD",
                     "c$": "CAD", "hk$": "HKD", "r$": "BRL"}
_CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP",
                   "yuan": "CNY", "renminbi": "CNY", "yen": "JPY", "rupees": "INR", "roubles": "RUB", "rubles": "RUB",
                   "won": "KRW", "pesos": "MXN", "naira": "NGN", "rand": "ZAR", "lira": "TRY", "shekels": "ILS",
                   "hryvnias": "UAH", "riyals": "SAR", "dirhams": "AED", "francs": "CHF", "reais": "BRL"}
_UNITS = {"tonnes": "tonne", "tonne": "tonne", "tons": "tonne", "ton": "tonne", "metric tons": "tonne",
          "barrels": "barrel", "barrel": "barrel", "bpd": "barrel per day", "kilometres": "km", "kilometers": "km",
          "km": "km", "miles": "mile", "people": "people", "persons": "people", "civilians": "people",
          "troops": "troops", "soldiers": "troops", "refugees": "people", "migrants": "people",
          "workers": "people", "prisoners": "people", "hostages": "people", "doses": "dose", "vaccines": "dose",
          "megawatts": "MW", "mw": "MW", "gigawatts": "GW", "gw": "GW", "hectares": "hectare",
          "cubic metres": "m3", "cubic meters": "m3", "bcm": "bcm", "jobs": "jobs", "homes": "homes",
          "houses": "homes", "missiles": "missiles", "drones": "drones", "rockets": "rockets", "tanks": "tanks"}

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s*(?P<scale>thousand|million|mln|billion|bln|bn|trillion|tn|k|m|b)\b)?"
_MONEY_SYMBOL = re.compile(r"(?P<sym>US\$|HK\$|A\$|C\$|R\$|\$|€|£|¥|₹)\s?" + _NUMBER + _SCALE, re.IGNORECASE)
_MONEY_WORD = re.compile(_NUMBER + _SCALE + r"\s+(?:US\s+)?(?P<cur>" + "|".join(_CURRENCY_WORDS) + r")\b",
                         re.IGNORECASE)
_PERCENT = re.compile(_NUMBER + r"\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_COUNTED = re.compile(_NUMBER + _SCALE + r"\s+(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9]+")
_SYMBOL_CHARS = ("$", "€", "£", "¥", "₹")
_UNIT_WORDS = frozenset(word for unit in _UNITS for word in unit.split())
_ITEM_AFTER = re.compile(r"^\s*(?:worth\s+of\s+|of\s+)(?P<item>(?:[A-Za-z][\w-]*\s?){1,4})")
_ITEM_BEFORE_NOUN = re.compile(r"^\s*(?P<item>(?:[a-z][\w-]*\s?){1,2})")
_STOP = {"this", "that", "the", "a", "an", "and", "or", "in", "on", "at", "by", "for", "to", "from", "with", "next",
         "last", "each", "per", "over", "a year", "which", "who", "while", "as", "into", "since", "until", "but",
         "year", "years", "month", "months", "annually", "said", "will", "would", "was", "were", "is", "are"}


@dataclass(frozen=True)
class QuantityMention:
    start: int
    end: int
    amount: float
    unit: str | None
    item: str | None
    text: str


def _amount(match: re.Match[str]) -> float:
    value = float(match.group("num").replace(",", ""))
    scale = (match.groupdict().get("scale") or "").lower()
    return value * _SCALES.get(scale, 1.0)


def _item(sentence: str, end: int, allow_bare_noun: bool) -> tuple[str | None, int]:
    rest = sentence[end:]
    match = _ITEM_AFTER.match(rest)
    if not match and allow_bare_noun:
        match = _ITEM_BEFORE_NOUN.match(rest)
    if not match:
        return None, end
    words = []
    for word in match.group("item").split():
        if word.lower() in _STOP:
            break
        words.append(word)
    # Leading capitalised adjectives ("American soybeans") name origin, not the item.
    while len(words) > 1 and words[0][:1].isupper():
        words.pop(0)
    if not words:
        return None, end
    item = " ".join(words)
    return item, end + rest.index(words[-1]) + len(words[-1])


def find_quantities(sentence: str) -> list[QuantityMention]:
    found: list[QuantityMention] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], unit: str | None, item_allowed: bool, bare_noun: bool) -> None:
        start, end = match.span()
        if any(start < e and s < end for s, e in taken):
            return
        item, item_end = _item(sentence, end, bare_noun) if item_allowed else (None, end)
        taken.append((start, end))
        found.append(QuantityMention(start, item_end, _amount(match), unit, item, sentence[start:item_end].strip()))

    # Each pattern runs only when the symbol or word it cannot match without is there.
    words = set(_WORDS.findall(sentence.lower()))
    if any(symbol in sentence for symbol in _SYMBOL_CHARS):
        for match in _MONEY_SYMBOL.finditer(sentence):
            add(match, _CURRENCY_SYMBOLS.get(match.group("sym").lower(), "USD"), True, True)
    if not words.isdisjoint(_CURRENCY_WORDS):
        for match in _MONEY_WORD.finditer(sentence):
            add(match, _CURRENCY_WORDS[match.group("cur").lower()], True, False)
    if "%" in sentence or "percent" in words or "cent" in words:
        for match in _PERCENT.finditer(sentence):
            add(match, "percent", False, False)
    if not words.isdisjoint(_UNIT_WORDS):
        for match in _COUNTED.finditer(sentence):
            add(match, _UNITS[match.group("unit").lower()], True, False)
    return sorted(found, key=lambda q: q.start)
