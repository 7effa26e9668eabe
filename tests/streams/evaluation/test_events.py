"""Event evaluation over labelled files that mix event-annotated and topic-only records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from streams.evaluation.events import evaluate_events
from streams.training.corpora import read_jsonl

SEED = Path(__file__).resolve().parents[2] / "data" / "dev" / "seed.jsonl"


def test_a_record_without_an_events_list_is_topics_only(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    base = {"headline": "h", "body": "b", "published_at": "2026-01-01T00:00:00Z"}
    path.write_text("\n".join(json.dumps({**base, "id": i, "gold": gold}) for i, gold in (
        ("none", {"topics": ["medtop:11000000"], "events": []}),
        ("topics-only", {"topics": ["medtop:11000000"]}))), encoding="utf-8")
    annotated, topics_only = read_jsonl(path, "mixed")
    assert annotated.events == ()
    assert topics_only.events is None


def test_topic_only_stories_are_left_out_of_event_scores() -> None:
    """Counting a topic-only story as "no events" would make every extracted event spurious."""
    seed = next(read_jsonl(SEED, "dev"))
    assert seed.events
    alone = evaluate_events([seed], "seed")
    mixed = evaluate_events([seed, dataclasses.replace(seed, id="copy", events=None)], "seed + copy")
    assert (mixed.stories, mixed.not_annotated, mixed.gold_events) == (1, 1, len(seed.events))
    assert mixed.by_actors.total() == alone.by_actors.total()
    assert "1 with topic labels only left out" in mixed.render()
