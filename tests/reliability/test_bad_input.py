"""10,000 hostile messages (generated with Hypothesis) interleaved with valid stories, some of them
carrying hostile but legal text: the worker keeps running, every bad message is on the dead-letter
topic with its reason, every valid one is enriched, and the metrics agree with the topics."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from schemas.models import DeadLetter, EnrichedArticle
from tests.reliability.conftest import elapsed
from tests.reliability.hostile import CONTROL_CHARS, generate
from tests.exposition import samples as metric_values
from tests.reliability.support import StoryProducer, TopicReader, wait_for

pytestmark = pytest.mark.kafka

MAX_MESSAGE_BYTES = 64 * 1024
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
CONTROL_CHARS_SET = set(CONTROL_CHARS)
# The tags hostile.py puts in stories (a bare "<" in random text is just text).
MARKUP = re.compile(r"<\s*/?\s*(script|iframe|img|style|svg|a|b|i|p)\b|<!--", re.IGNORECASE)

# What each category may be dead-lettered as: decided by how it is built (see hostile.py).
ALLOWED = {
    "random_bytes": {"not_utf8", "malformed_json"},
    "truncated_json": {"malformed_json"},
    "deep_nesting": {"invalid_schema", "malformed_json"},
    "wrong_types": {"invalid_schema", "bad_date", "empty_body"},
    "raw_control_chars": {"malformed_json"},
    "markup_not_json": {"malformed_json"},
    "rtl_not_json": {"malformed_json"},
    "not_an_object": {"invalid_schema"},
    "missing_fields": {"invalid_schema", "bad_date", "empty_body"},
    "bad_utf8_in_json": {"not_utf8"},
    "tombstone": {"malformed_json"},
    "huge_field": {"oversized"},
}


@pytest.mark.parametrize("bad_count", [10_000, pytest.param(50_000, marks=pytest.mark.slow, id="50000")])
def test_hostile_input_at_volume(bad_count, reliability_env, worker_factory):
    settings = reliability_env.settings
    started = time.monotonic()
    messages = generate(bad_count, MAX_MESSAGE_BYTES)
    categories = {key.decode(): category for key, _, category in messages}
    values = {key.decode(): value for key, value, _ in messages}
    bad_keys = {k for k, c in categories.items() if not c.startswith("valid:")}
    ok_keys = set(categories) - bad_keys
    print(f"[bad input] generated {len(bad_keys)} hostile + {len(ok_keys)} valid messages "
          f"({sum(len(v or b'') for v in values.values()) / 1e6:.1f} MB) in {elapsed(started)}: "
          f"{dict(sorted(Counter(categories.values()).items()))}")

    letters: list[tuple[str, DeadLetter]] = []
    articles: list[tuple[str, EnrichedArticle]] = []
    dlq = TopicReader(settings.bootstrap_servers, settings.dlq_topic,
                      lambda r: letters.append((r.key.decode(), DeadLetter.model_validate_json(r.value))))
    enriched = TopicReader(settings.bootstrap_servers, settings.enriched_topic,
                           lambda r: articles.append((r.key.decode(), EnrichedArticle.model_validate_json(r.value))))
    dlq.start()
    enriched.start()
    worker = worker_factory(WIRESTREAM_MAX_MESSAGE_BYTES=str(MAX_MESSAGE_BYTES))
    worker.wait_metrics(timeout=120)
    producer = StoryProducer(settings.bootstrap_servers, settings.raw_topic, [(k, v) for k, v, _ in messages])
    producer.start()

    def alive() -> None:
        # The process runs and its metrics endpoint answers, all along.
        assert worker.process.poll() is None, f"the worker stopped: {worker.log()}"
        worker.metrics()

    producer.finish()
    wait_for(lambda: len(letters) >= len(bad_keys) and len(articles) >= len(ok_keys), timeout=900,
             what="every message dead-lettered or enriched", check=alive, interval=1)
    # Anything more (a second copy) would have arrived by the time the counters are read.
    exposition = worker.metrics()
    dlq.drain()
    enriched.drain()
    dlq.stop()
    enriched.stop()
    alive()

    by_key = Counter(key for key, _ in letters)
    classes = Counter(letter.error_class.value for _, letter in letters)
    print(f"[bad input] {len(letters)} dead letters for {len(bad_keys)} hostile messages, {len(articles)} enriched "
          f"for {len(ok_keys)} valid; dead letters by class {dict(sorted(classes.items()))}; {elapsed(started)}")

    assert set(by_key) == bad_keys, (
        f"valid stories dead-lettered: {sorted(set(by_key) - bad_keys)[:5]}; "
        f"hostile messages missing from the DLQ: {sorted(bad_keys - set(by_key))[:5]}")
    assert max(by_key.values()) == 1, "a message was dead-lettered twice without any failure"
    wrong_class = []
    for key, letter in letters:
        assert letter.reason.strip(), f"{key}: dead letter without a reason"
        assert letter.topic == settings.raw_topic and letter.offset is not None and letter.partition is not None
        assert letter.key == key
        value = values[key]
        assert letter.payload_bytes == len(value or b"")
        if letter.error_class.value not in ALLOWED[categories[key]]:
            wrong_class.append((key, categories[key], letter.error_class.value, letter.reason[:100]))
    assert not wrong_class, f"unexpected dead-letter classes: {wrong_class[:5]}"

    enriched_keys = Counter(key for key, _ in articles)
    assert set(enriched_keys) == ok_keys, f"hostile messages enriched: {sorted(set(enriched_keys) - ok_keys)[:5]}"
    assert max(enriched_keys.values()) == 1
    # Control characters and bidi overrides are stripped from the story's text (README, "Bad
    # input"): the headline and the sentences events quote. What the enrichment code does with
    # markup and with the dateline is counted and shown, not asserted here (this is a test of the
    # worker's delivery, and that code belongs to streams/domain): at the time of writing some
    # markup (HTML comments, <svg/...>, lone <script>) survives into event sentences and headlines,
    # and the dateline keeps control and bidi characters.
    unsafe = CONTROL_CHARS_SET | BIDI_CONTROLS
    leaked = [(key, categories[key], sorted({hex(ord(ch)) for text in [article.headline]
                                             + [event.sentence for event in article.events]
                                             for ch in text if ch in unsafe}))
              for key, article in articles]
    leaked = [entry for entry in leaked if entry[2]]
    markup_in_events = [key for key, article in articles if any(MARKUP.search(e.sentence) for e in article.events)]
    dateline_unsafe = sum(1 for _, a in articles if a.dateline and any(ch in unsafe for ch in a.dateline))
    headline_markup = sum(1 for _, a in articles if MARKUP.search(a.headline))
    print(f"[bad input] outputs of hostile-but-valid stories: {dateline_unsafe} datelines keep control/bidi "
          f"characters, {headline_markup} headlines keep markup, {len(leaked)} headlines/event sentences keep "
          f"control/bidi characters, {len(markup_in_events)} event sentences keep markup")
    assert not leaked, f"control or bidi characters reached the headline or event sentences: {leaked[:5]}"

    consumed = sum(metric_values(exposition, "wirestream_stories_consumed_total").values())
    enriched_total = sum(metric_values(exposition, "wirestream_stories_enriched_total").values())
    dead = {dict(labels)["reason"]: value
            for labels, value in metric_values(exposition, "wirestream_stories_dead_lettered_total").items()}
    print(f"[bad input] metrics: consumed {consumed:.0f}, enriched {enriched_total:.0f}, "
          f"dead-lettered {dict(sorted((k, int(v)) for k, v in dead.items() if v))}")
    assert consumed == len(messages)
    assert enriched_total == len(ok_keys)
    assert {k: int(v) for k, v in dead.items() if v} == dict(classes)
