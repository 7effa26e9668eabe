"""From a raw story to clean text: markup, control characters, datelines and web boilerplate.

Scraped wire copy arrives with site furniture ("Read more: ...", "Comments are closed...",
agency credits); none of it is the story, so none of it may reach classification or extraction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from schemas.html import html_to_text, looks_like_html
from schemas.models import RawArticle

# C0/C1 controls except tab and newline, and the bidi overrides that can disguise text when shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_TYPOGRAPHY = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u00a0", " "),
               ("\u2013", "-"), ("\u2014", " - "))
# Runs of blanks to one space. A lone space is left alone rather than replaced by itself: the
# pattern "[ \t]+" rebuilt every line word by word (str.translate and it were half of cleaning).
_SPACES = re.compile(r"\t[ \t]*| [ \t]+")

_BOILERPLATE = re.compile(
    r"""^\s*(?:
        (?:read\s+more|related|also\s+read|see\s+also|more\s+on\s+this|recommended|watch|listen)\s*[:|>-]
      | comments?\s+are\s+closed
      | .*trackbacks?\s+and\s+pingbacks?
      | (?:follow|like)\s+us\s+on
      | (?:sign\s+up|subscribe)\s+(?:for|to|now|here)
      | click\s+here
      | share\s+(?:this|on)\b
      | \(?(?:reporting|writing|editing|additional\s+reporting|compiled)\s+by\b.*\)?\s*$
      | (?:©|\(c\)|copyright\s+(?:©\s*)?\d{4}).*
      | all\s+rights\s+reserved
      | advertisement\s*$
      | this\s+(?:article|story)\s+(?:was|has\s+been)\s+(?:automatically\s+)?(?:generated|published\s+from)
      | (?:download|get)\s+(?:our|the)\s+app
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# "WASHINGTON:", "KYIV, Ukraine (AP) —", "BEIJING, Nov. 3 (Xinhua) --", "Phnom Penh (AFP) -",
# "NEW DELHI/WASHINGTON, Aug 6 (Reuters) -", "Taipei, April 15 (CNA)"
_DATELINE = re.compile(
    r"""^(?:(?P<place>[A-Z][A-Za-z\u00C0-\u017F .'\-]{1,40}?(?:/[A-Z][A-Za-z .'\-]{1,40}?)*)
        (?:,\s*[A-Z][A-Za-z .]{1,30}?)?)?           # place, optional region or country
        (?:,?\s*[A-Z][A-Za-z]{2,8}\.?\s+\d{1,2}\b)?  # ", Nov. 3" / "Aug. 21" / "SEP 26"
        (?:\s*\((?P<agency>[A-Za-z .\-]{2,20})\)|,?\s+(?P<bare>AP|AFP|Reuters|Xinhua|Kyodo|Yonhap|BNS|PTI|EFE|ANSA|dpa|UPI|CNA|Bernama|Anadolu|TASS))?
        \s*(?:\.?-{1,2}|:|\u2014|(?<=\))\s)\s*""",
    re.VERBOSE,
)

_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Capt", "Sgt", "Gov", "Sen", "Rep", "Rev",
    "St", "Jr", "Sr", "No", "Nos", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec", "Inc", "Corp", "Co", "Ltd", "Bros", "Mt", "Ft", "approx", "est", "Adm", "Cmdr",
)
# A sentence ends at . ! ? (optionally closed by quotes or brackets) followed by space and an
# upper-case letter, digit or quote; abbreviations, initials and "U.S." do not end sentences.
_SENTENCE_END = re.compile(r'(?<=[.!?])(["\')\]]*)\s+(?=["\'(\[]?[A-Z0-9])')
_ABBREV_TAIL = re.compile(r"(?:\b(?:%s)|\b[A-Z]|\b(?:[A-Z]\.){1,3}[A-Z]?)\.$" % "|".join(_ABBREVIATIONS))


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int
    index: int


@dataclass
class CleanArticle:
    """The text of a story as every later stage sees it."""

    headline: str
    paragraphs: list[str]
    headings: list[str]
    sentences: list[Sentence] = field(default_factory=list)
    dateline: str | None = None
    boilerplate_lines: int = 0

    @property
    def body_text(self) -> str:
        return "\n".join(self.paragraphs)


def normalise_text(text: str) -> str:
    """Control characters out, typography folded, Unicode in NFC; safe on any string."""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r", "\n")
    if not text.isascii():
        for typographic, plain in _TYPOGRAPHY:
            if typographic in text:
                text = text.replace(typographic, plain)
    return _CONTROL.sub("", text)


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE.match(line))


def _is_heading(line: str) -> bool:
    """Crossheads ("Trade Momentum Continues"): short lines with no sentence punctuation."""
    words = line.split()
    return 0 < len(words) <= 8 and line[-1] not in '.!?:;"\''


def split_sentences(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        candidate = paragraph[start:match.end(1)].rstrip()
        if _ABBREV_TAIL.search(candidate.rstrip('"\')]')):
            continue
        if candidate:
            pieces.append(candidate)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def strip_dateline(paragraph: str) -> tuple[str, str | None]:
    match = _DATELINE.match(paragraph)
    if not match or match.end() == 0:
        return paragraph, None
    place = (match.group("place") or "").strip()
    agency = match.group("agency") or match.group("bare")
    # Without an agency tag only an upper-case place is a dateline: "A Reuters poll -" is not.
    if not agency and (len(place) < 3 or not place.isupper()):
        return paragraph, None
    if not place and not agency:
        return paragraph, None
    return paragraph[match.end():], (place.split("/")[0].title() or None) if place else None


def clean_article(raw: RawArticle) -> CleanArticle:
    body = raw.body
    if looks_like_html(body):
        body = html_to_text(body)
    body = normalise_text(body)
    headline = html_to_text(raw.headline) if looks_like_html(raw.headline) else raw.headline
    headline = _SPACES.sub(" ", normalise_text(headline).replace("\n", " ")).strip()

    paragraphs: list[str] = []
    headings: list[str] = []
    dateline = raw.dateline
    dropped = 0
    found_dateline: str | None = None
    for line in body.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        if is_boilerplate(line):
            dropped += 1
            continue
        if len(paragraphs) < 2 and not found_dateline:
            # The dateline opens the first paragraph, or the second after a standfirst.
            line, found_dateline = strip_dateline(line)
            if found_dateline is None:  # "(ANSA) - MILAN, SEP 26 - ...": agency first, then place
                line, found_dateline = strip_dateline(line)
            dateline = dateline or found_dateline
            if line == headline:  # scraped copy often repeats the headline as the first line
                continue
        if _is_heading(line):
            headings.append(line)
            continue
        paragraphs.append(line)

    sentences: list[Sentence] = []
    seen: set[str] = set()
    for number, paragraph in enumerate(paragraphs):
        for text in split_sentences(paragraph):
            # A standfirst repeated in the body is one sentence, not two.
            if text in seen:
                continue
            seen.add(text)
            sentences.append(Sentence(text=text, paragraph=number, index=len(sentences)))
    if dateline is not None:
        dateline = _SPACES.sub(" ", normalise_text(dateline).replace("\n", " ")).strip() or None
    return CleanArticle(
        headline=headline,
        paragraphs=paragraphs,
        headings=headings,
        sentences=sentences,
        dateline=dateline,
        boilerplate_lines=dropped,
    )
