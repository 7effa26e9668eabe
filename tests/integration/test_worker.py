"""The worker end to end on a real broker: stories in, articles, topics, events and dead letters out."""

from __future__ import annotations

import json
import re

import pytest

from schemas.models import DeadLetter, EnrichedArticle, Event
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.kafka


def _story(story_id: str, version: int = 1, **fields) -> bytes:
    doc = {"id": story_id, "version": version, "headline": "Police detain protest leaders in Nairobi",
           "body": "NAIROBI (AP) - Kenyan police arrested 40 protesters in Nairobi on Tuesday, a police "
                   "spokesperson said. Opposition leaders condemned the arrests.",
           "published_at": "2025-11-25T10:00:00Z", "source": "AP", **fields}
    return json.dumps(doc).encode()


# One story at a time, and in batches (the default): the same outputs, supersession and counts.
@pytest.mark.parametrize("batch", ["1", "32"])
def test_worker_publishes_outputs_and_dead_letters(kafka_env, worker_factory, seed, batch):
    settings = kafka_env.settings
    worker = worker_factory(WIRESTREAM_BATCH_MAX_STORIES=batch)
    worker.wait_metrics()

    ninjs = {"uri": "urn:test:ninjs-1", "version": "1", "headline": "Quake hits coast",
             "body_html": "<p>A magnitude 6.1 earthquake struck the coast on Monday, killing three people.</p>",
             "versioncreated": "2025-11-25T09:00:00Z", "located": "LIMA"}
    bad = {
        "malformed_json": b'{"id": "broken", "body": ',
        "not_utf8": b"\xff\xfe\xfd binary",
        "oversized": _story("huge", body="x" * (settings.max_message_bytes + 10)),
        "invalid_schema": json.dumps({"id": "typed", "body": 42, "published_at": "2025-11-25T10:00:00Z"}).encode(),
        "empty_body": _story("blank", body="  "),
        "bad_date": _story("future", published_at="2031-01-01T00:00:00Z"),
    }
    messages = [(b"seed-xi-trump-call", json.dumps(seed).encode()), (b"urn:test:ninjs-1", json.dumps(ninjs).encode()),
                (b"kenya", _story("kenya", 2)), (b"kenya", _story("kenya", 1))]
    messages += [(reason.encode(), value) for reason, value in bad.items()]
    produce(settings.bootstrap_servers, settings.raw_topic, messages)

    layout_topics = [settings.enriched_topic, settings.dlq_topic]
    found = consume(settings.bootstrap_servers, layout_topics,
                    until=lambda f: len(f[settings.enriched_topic]) >= 3 and len(f[settings.dlq_topic]) >= len(bad))

    articles = [EnrichedArticle.model_validate_json(r.value) for r in found[settings.enriched_topic]]
    assert sorted((a.article_id, a.version) for a in articles) == [
        ("kenya", 2), ("seed-xi-trump-call", 1), ("urn:test:ninjs-1", 1)], "v1 after v2 must be superseded"
    letters = {r.key.decode(): DeadLetter.model_validate_json(r.value) for r in found[settings.dlq_topic]}
    assert {key: letter.error_class.value for key, letter in letters.items()} == {k: k for k in bad}
    for key, letter in letters.items():
        assert letter.topic == settings.raw_topic and letter.offset is not None and letter.reason
    assert letters["oversized"].payload_bytes == len(bad["oversized"])

    seed_article = next(a for a in articles if a.article_id == "seed-xi-trump-call")
    assert seed_article.events and seed_article.topics
    event_topics = sorted({f"{settings.event_stream_prefix}{e.event_type.value.lower()}" for e in seed_article.events})
    topic_streams = [settings.topic_stream_prefix + t.label.replace(", ", "-").replace(" ", "-")
                     for t in seed_article.topics]
    outputs = consume(settings.bootstrap_servers, event_topics + topic_streams,
                      until=lambda f: all(f[t] for t in event_topics + topic_streams), timeout=30)
    published_ids = {Event.model_validate_json(r.value).event_id for t in event_topics for r in outputs[t]}
    assert published_ids == {e.event_id for e in seed_article.events}
    for stream in topic_streams:
        assert {r.key for r in outputs[stream]} >= {b"seed-xi-trump-call"}

    exposition = worker.metrics()
    assert "wirestream_stories_consumed_total 10.0" in exposition
    batches = float(re.search(r"^wirestream_batches_total (\S+)$", exposition, re.M).group(1))
    assert batches == 10 if batch == "1" else 1 <= batches <= 10
    assert 'wirestream_stories_dead_lettered_total{reason="oversized"} 1.0' in exposition
    assert "wirestream_stories_superseded_total 1.0" in exposition
    assert worker.process.poll() is None, "the worker must keep running after bad input"
