"""Every labelled file (development set, training stories, fresh check set) is well formed: a typo in
gold data silently lowers or raises the reported accuracy, so it is checked like code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemas.models import PloverType, RawArticle
from streams.domain.vocabulary import IPTC_TOP_LEVEL
from streams.training.corpora import DEV_DATA, TRAINING_DATA

FRESH_DATA = DEV_DATA.parent / "fresh"
FILES = sorted([*DEV_DATA.glob("*.jsonl"), *FRESH_DATA.glob("*.jsonl"), *TRAINING_DATA.glob("*.jsonl")])
ACTOR_CODE = re.compile(r"^[A-Z]{3,4}$")
_LONG_WORD = re.compile(r"[a-z]{4,}")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MODES = {"CONSULT": {"phone", "visit", "host", "third-party"},
         "PROTEST": {"demo", "hunger", "boycott", "obstruct", "riot"},
         "COERCE": {"arrest", "ban", "curfew", "martial-law", "deport"}}
EVENT_KEYS = {"event_type", "mode", "source_name", "source_country", "target_name", "target_country", "date",
              "date_text", "location", "quantities", "evidence"}


def _records(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield number, json.loads(line)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_labelled_file_is_well_formed(path: Path) -> None:
    problems, ids = [], set()
    for number, doc in _records(path):
        where = f"{path.name}:{number}"
        gold = doc.get("gold", doc)
        if doc.get("id") in ids:
            problems.append(f"{where}: duplicate id {doc.get('id')}")
        ids.add(doc.get("id"))
        topics = gold.get("topics") or []
        if not topics or any(t not in IPTC_TOP_LEVEL for t in topics) or len(set(topics)) != len(topics):
            problems.append(f"{where}: bad topics {topics}")
        if "published_at" in doc:
            RawArticle(id=doc["id"], headline=doc.get("headline", ""), body=doc["body"],
                       published_at=doc["published_at"], dateline=doc.get("dateline"))
        for event in gold.get("events", []):
            kind = event.get("event_type")
            if set(event) != EVENT_KEYS:
                problems.append(f"{where}: event keys {sorted(set(event) ^ EVENT_KEYS)}")
            if kind not in PloverType.__members__:
                problems.append(f"{where}: event type {kind}")
            if event.get("mode") is not None and event["mode"] not in MODES.get(kind, set()) | {"assassinate",
                                                                                                 "explosives"}:
                problems.append(f"{where}: mode {event['mode']} for {kind}")
            for side in ("source_country", "target_country"):
                if event.get(side) is not None and not ACTOR_CODE.match(event[side]):
                    problems.append(f"{where}: {side} {event[side]!r}")
            if event.get("date") is not None and not DATE.match(event["date"]):
                problems.append(f"{where}: date {event['date']!r}")
            if event.get("evidence") and event["evidence"] not in doc["body"]:
                problems.append(f"{where}: evidence not in body: {event['evidence'][:60]!r}")
    assert not problems, "\n".join(problems)


def test_development_set_covers_the_targets() -> None:
    """The issue asks for all 17 topics at least 3 times and every event type at least 5 times."""
    topics, types = {}, {}
    for path in DEV_DATA.glob("*.jsonl"):
        for _, doc in _records(path):
            for topic in doc["gold"]["topics"]:
                topics[topic] = topics.get(topic, 0) + 1
            for event in doc["gold"]["events"]:
                types[event["event_type"]] = types.get(event["event_type"], 0) + 1
    assert {t: n for t, n in topics.items() if n >= 3}.keys() == IPTC_TOP_LEVEL.keys()
    assert {t: n for t, n in types.items() if n >= 5}.keys() == PloverType.__members__.keys()
    assert sum(types.values()) >= 150


def test_evaluation_stories_are_never_training_stories() -> None:
    """The development and fresh sets measure what training has not seen: no story (by id,
    headline or opening) may also sit in a training file."""

    def keys(paths):  # noqa: ANN001, ANN202
        found = set()
        for path in paths:
            for _, doc in _records(path):
                found |= {("id", doc.get("id")), ("headline", doc.get("headline", "").strip().lower()),
                          ("opening", " ".join(doc["body"].split())[:160].lower())}
        return found

    evaluation = keys([*DEV_DATA.glob("*.jsonl"), *FRESH_DATA.glob("*.jsonl")])
    training = keys(TRAINING_DATA.glob("*.jsonl"))
    assert not (evaluation & training) - {("headline", "")}


def test_no_training_story_retells_an_evaluation_story() -> None:
    """Helpers wrote training and evaluation stories about the same months of news; a training story
    sharing a third of its vocabulary with an evaluation story is a retelling of it and is not kept."""

    def vocabularies(paths):  # noqa: ANN001, ANN202
        return [(doc["id"], set(_LONG_WORD.findall((doc.get("headline", "") + " " + doc["body"]).lower())))
                for path in paths for _, doc in _records(path)]

    evaluation = vocabularies([*DEV_DATA.glob("*.jsonl"), *FRESH_DATA.glob("*.jsonl")])
    close = [(t, e, round(len(tw & ew) / len(tw | ew), 2))
             for t, tw in vocabularies(TRAINING_DATA.glob("*.jsonl")) for e, ew in evaluation
             if len(tw & ew) >= 0.33 * len(tw | ew)]
    assert not close
