"""The processing path without Kafka: validation, dead letters and routing."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from schemas.models import DeadLetter, DeadLetterReason, EnrichedArticle
from streams.pipeline import KIND_HEADER, Pipeline, SourceRecord, batched
from streams.settings import Settings
from streams.topics import slugify

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(Settings(max_message_bytes=64 * 1024))


def _process(pipeline: Pipeline, value: bytes | None, **kw):
    return pipeline.process(SourceRecord(value=value, key=b"k", topic="wire.raw", partition=1, offset=7,
                                         timestamp=NOW), now=NOW, **kw)


def _nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


def _story(**fields) -> bytes:
    doc = {"id": "s1", "headline": "Police arrest two", "body": "Police arrested two men on Monday.",
           "published_at": "2025-11-25T08:00:00Z", **fields}
    return json.dumps(doc).encode()


@pytest.mark.parametrize("value,reason,words", [
    (b"{not json", DeadLetterReason.MALFORMED_JSON, "not valid JSON"),
    (b"[1, 2]", DeadLetterReason.INVALID_SCHEMA, "expected a JSON object"),
    (b"\xff\xfe\x00garbage", DeadLetterReason.NOT_UTF8, "not UTF-8"),
    (_story(body=""), DeadLetterReason.EMPTY_BODY, "body"),
    (_story(version="two"), DeadLetterReason.INVALID_SCHEMA, "version"),
    (json.dumps({"id": "x", "body": "b"}).encode(), DeadLetterReason.BAD_DATE, "published_at is missing"),
    (_story(published_at="2030-01-01T00:00:00Z"), DeadLetterReason.BAD_DATE, "in the future"),
    (_story(published_at="2025-11-25T08:00:00"), DeadLetterReason.BAD_DATE, "timezone"),
    (b"[" * 10_000 + b"]" * 10_000, DeadLetterReason.MALFORMED_JSON, "nesting"),
    (json.dumps({"a": _nested(40)}).encode(),
     DeadLetterReason.INVALID_SCHEMA, "nested deeper"),
    (None, DeadLetterReason.MALFORMED_JSON, "tombstone"),
])
def test_bad_input_becomes_a_dead_letter(pipeline, value, reason, words):
    outcome = _process(pipeline, value)
    assert outcome.article is None
    letter = outcome.dead_letter
    assert letter.error_class == reason
    assert words in letter.reason
    assert (letter.topic, letter.partition, letter.offset, letter.key) == ("wire.raw", 1, 7, "k")
    [record] = outcome.records
    assert record.topic == "wire.dlq" and dict(record.headers)[KIND_HEADER] == b"dead-letter"
    assert DeadLetter.model_validate_json(record.value) == letter


def test_oversized_payload_keeps_its_bytes(pipeline):
    value = _story(body="x" * 70_000)
    letter = _process(pipeline, value).dead_letter
    assert letter.error_class == DeadLetterReason.OVERSIZED
    assert letter.payload.encode() == value and letter.payload_bytes == len(value)


def test_binary_payload_is_base64(pipeline):
    value = bytes(range(256))
    letter = _process(pipeline, value).dead_letter
    assert letter.payload_encoding == "base64" and base64.b64decode(letter.payload) == value


def test_enrichment_failure_is_dead_lettered_not_raised(pipeline, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(pipeline.enricher.classifier, "classify", boom)
    letter = _process(pipeline, _story()).dead_letter
    assert letter.error_class == DeadLetterReason.ENRICHMENT_ERROR and "classifier exploded" in letter.reason


def test_seed_story_routes_to_enriched_topics_and_events(pipeline, seed):
    outcome = _process(pipeline, json.dumps(seed).encode())
    article = outcome.article
    assert article is not None
    by_topic: dict[str, list] = {}
    for record in outcome.records:
        by_topic.setdefault(record.topic, []).append(record)
        assert record.key == b"seed-xi-trump-call"
    assert len(by_topic.pop("wire.enriched")) == 1
    topic_streams = {t for t in by_topic if t.startswith("topics.")}
    assert topic_streams == {f"topics.{slugify(t.label)}" for t in article.topics}
    event_records = [r for t, rs in by_topic.items() if t.startswith("events.") for r in rs]
    assert len(event_records) == len(article.events) > 0
    for record in event_records:
        event = json.loads(record.value)
        assert record.topic == f"events.{event['event_type'].lower()}"


def test_same_input_same_output_except_processing_time(pipeline, seed):
    value = json.dumps(seed).encode()
    first = _process(pipeline, value).article
    later = pipeline.process(SourceRecord(value=value), now=NOW + timedelta(hours=3)).article
    assert first.model_dump(exclude={"processed_at"}) == later.model_dump(exclude={"processed_at"})
    assert [e.event_id for e in first.events] == [e.event_id for e in later.events]


def test_a_new_version_gets_new_event_ids(pipeline, seed):
    first = _process(pipeline, json.dumps(seed).encode()).article
    second = _process(pipeline, json.dumps({**seed, "version": 2}).encode()).article
    assert not {e.event_id for e in first.events} & {e.event_id for e in second.events}


def test_replay_flag_travels_to_every_output(pipeline, seed):
    outcome = _process(pipeline, json.dumps(seed).encode(), replay=True)
    assert outcome.article.replay and all(e.replay for e in outcome.article.events)
    assert all(dict(r.headers)["wirestream-replay"] == b"1" for r in outcome.records)


def test_enriched_output_validates_against_the_model(pipeline, seed):
    outcome = _process(pipeline, json.dumps(seed).encode())
    assert EnrichedArticle.model_validate_json(outcome.records[0].value) == outcome.article


def test_mixed_problems_are_a_schema_error_not_a_date_error(pipeline):
    value = json.dumps({"id": "x", "version": "two", "body": 42, "published_at": "yesterday"}).encode()
    letter = _process(pipeline, value).dead_letter
    assert letter.error_class == DeadLetterReason.INVALID_SCHEMA
    assert "version" in letter.reason and "body" in letter.reason and "published_at" in letter.reason


def test_dead_letters_say_whether_they_come_from_a_replay(pipeline):
    live = _process(pipeline, b"{broken").records[0]
    replayed = _process(pipeline, b"{broken", replay=True).records[0]
    assert dict(live.headers)["wirestream-replay"] == b"0" and dict(replayed.headers)["wirestream-replay"] == b"1"


def _batch(pipeline: Pipeline, values: list[bytes | None]) -> list:
    return pipeline.process_many([SourceRecord(value=v, key=b"k", topic="wire.raw", partition=1, offset=7, timestamp=NOW)
                                  for v in values], now=NOW)


def test_a_batch_gives_what_one_by_one_gives_in_order(pipeline, seed):
    values = [json.dumps(seed).encode(), b"{not json", _story(id="s2"), _story(id="s3", body="")]
    batch = _batch(pipeline, values)
    single = [_process(pipeline, value) for value in values]
    assert [o.records for o in batch] == [o.records for o in single]
    assert [o.ok for o in batch] == [True, False, True, False]


def test_one_story_failing_in_a_batch_dead_letters_only_that_story(pipeline, monkeypatch):
    classify = pipeline.enricher.classifier.classify

    def fails_on_s2(clean):
        if clean.headline == "Second story":
            raise RuntimeError("classifier exploded")
        return classify(clean)

    monkeypatch.setattr(pipeline.enricher.classifier, "classify", fails_on_s2)
    outcomes = _batch(pipeline, [_story(id="s1"), _story(id="s2", headline="Second story"), _story(id="s3")])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert [o.article.article_id for o in outcomes if o.ok] == ["s1", "s3"]
    assert "classifier exploded" in outcomes[1].dead_letter.reason


def test_a_batch_observes_each_story_once_per_stage(pipeline, seed):
    seen: dict[str, int] = {}
    pipeline.process_many([SourceRecord(value=_story(id=f"s{i}")) for i in range(3)] + [SourceRecord(value=b"[]")],
                          now=NOW, observe=lambda stage, seconds: seen.__setitem__(stage, seen.get(stage, 0) + 1))
    assert seen == {"validate": 3, "clean": 3, "classify": 3, "extract": 3}


def test_batched_reads_an_iterator_one_batch_at_a_time():
    read = []

    def records():
        for n in range(7):
            read.append(n)
            yield n

    batches = batched(records(), 3)
    assert next(batches) == [0, 1, 2] and read == [0, 1, 2]
    assert list(batches) == [[3, 4, 5], [6]]
    assert list(batched([], 3)) == []
