"""Consumer lag measured from the broker: exact numbers, and a paused worker seen from outside."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from streams.adapters.lag import GroupLagCollector
from tests.conftest import ROOT, seed_story
from tests.kafka_helpers import produce
from tests.exposition import samples

pytestmark = pytest.mark.kafka


def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        consumer.assign(list(offsets))
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
    finally:
        consumer.close()


def test_collector_measures_lag_against_committed_offsets(kafka_env):
    settings = kafka_env.settings
    topic, group = settings.raw_topic, settings.app_id
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        admin.close()
    base_ms = int(time.time() * 1000) - 60_000
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    for i in range(3):  # three records on partition 0, ten seconds apart; partition 1 stays empty
        producer.send(topic, value=b"x", partition=0, timestamp_ms=base_ms + i * 10_000)
    producer.flush()
    producer.close()
    now = base_ms / 1000 + 100  # a fixed clock: 100 s after the first record
    collector = GroupLagCollector(settings, clock=lambda: now)
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    try:
        # The group has committed nothing yet: the workers would start at the log start.
        lags = {lag.partition: lag for lag in collector.update()}
        assert (lags[0].committed, lags[0].end, lags[0].messages) == (None, 3, 3)
        assert lags[0].seconds == pytest.approx(100.0)
        assert (lags[1].messages, lags[1].seconds) == (0, 0.0)
        labels = {"topic": topic, "partition": "0"}
        assert REGISTRY.get_sample_value("wirestream_consumer_lag_messages", labels) == 3
        assert REGISTRY.get_sample_value("wirestream_consumer_lag_seconds", labels) == pytest.approx(100.0)

        _commit(settings.bootstrap_servers, group, {p0: 1})  # the oldest uncommitted record is now the 2nd
        lags = {lag.partition: lag for lag in collector.update()}
        assert (lags[0].committed, lags[0].messages) == (1, 2)
        assert lags[0].seconds == pytest.approx(90.0)

        _commit(settings.bootstrap_servers, group, {p0: 3, p1: 0})  # caught up
        lags = {lag.partition: lag for lag in collector.update()}
        assert [(lag.messages, lag.seconds) for lag in lags.values()] == [(0, 0.0), (0, 0.0)]
        assert REGISTRY.get_sample_value("wirestream_consumer_lag_seconds", labels) == 0.0
    finally:
        collector.clear()
        collector.close()


def test_monitor_once_prints_the_lag_table(kafka_env):
    settings = kafka_env.settings
    produce(settings.bootstrap_servers, settings.raw_topic, [(b"a", b"{}"), (b"b", b"{}")])
    result = subprocess.run([sys.executable, "-m", "streams.cli.main", "monitor", "--once"], env={**kafka_env.env},
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert sum(int(row[4]) for row in rows) == 2 and {row[0] for row in rows} == {settings.raw_topic}


def _lag(exposition: str, topic: str) -> tuple[float, float]:
    """(messages, seconds) summed / maxed over the topic's partitions, from a monitor's exposition."""
    messages = samples(exposition, "wirestream_consumer_lag_messages")
    seconds = samples(exposition, "wirestream_consumer_lag_seconds")
    if not messages:
        return float("nan"), float("nan")
    return (sum(v for k, v in messages.items() if ("topic", topic) in k),
            max((v for k, v in seconds.items() if ("topic", topic) in k), default=float("nan")))


def _wait(predicate, timeout: float, what: str, last=lambda: None):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last()}")


def _story(story_id: str) -> bytes:
    doc = {**seed_story(), "id": story_id}
    return json.dumps(doc).encode()


def test_lag_rises_while_the_worker_is_paused_and_falls_when_it_resumes(kafka_env, worker_factory, monitor_factory):
    settings = kafka_env.settings
    topic = settings.raw_topic
    worker = worker_factory(WIRESTREAM_LAG_INTERVAL_SECONDS="1")
    worker.wait_metrics()
    monitor = monitor_factory(interval=0.5)
    monitor.wait_metrics()
    observed: list[tuple[float, float]] = []

    def lag() -> tuple[float, float]:
        observed.append(_lag(monitor.metrics(), topic))
        return observed[-1]

    # Warm up: the worker processes and commits a few stories on both partitions; lag is 0.
    produce(settings.bootstrap_servers, topic, [(f"warm-{i}".encode(), _story(f"warm-{i}")) for i in range(4)])
    _wait(lambda: "wirestream_stories_consumed_total 4.0" in worker.metrics(), 60, "the warm-up stories",
          lambda: worker.log())
    _wait(lambda: lag() == (0.0, 0.0), 30, "lag 0 after the warm-up", lambda: observed[-1:])

    worker.signal(signal.SIGSTOP)
    try:
        # Stories keep arriving while the worker cannot take them: the lag rises, in messages
        # with every batch and in seconds as the oldest unprocessed story ages.
        produce(settings.bootstrap_servers, topic, [(f"a-{i}".encode(), _story(f"a-{i}")) for i in range(10)])
        first = _wait(lambda: lag()[0] >= 10 and observed[-1], 30, "lag >= 10 messages", lambda: observed[-1:])
        produce(settings.bootstrap_servers, topic, [(f"b-{i}".encode(), _story(f"b-{i}")) for i in range(10)])
        second = _wait(lambda: lag()[0] >= 20 and observed[-1][1] >= first[1] + 1.0 and observed[-1], 30,
                       "lag >= 20 messages and the oldest one second older", lambda: observed[-1:])
        assert first[0] == 10 and second[0] == 20, (first, second)  # nothing was committed while stopped
        assert second[1] > first[1] > 0
    finally:
        worker.signal(signal.SIGCONT)

    # Resumed: the worker works off the backlog and commits; the lag falls back to 0.
    resumed = time.monotonic()
    _wait(lambda: lag() == (0.0, 0.0), 90, "lag back to 0 after SIGCONT", lambda: (observed[-3:], worker.log()))
    print(f"lag while stopped: {first[0]:.0f} messages / {first[1]:.1f}s, then {second[0]:.0f} / {second[1]:.1f}s; "
          f"0 / 0s {time.monotonic() - resumed:.1f}s after SIGCONT")
    peak = max(m for m, _ in observed)
    assert peak == 20 and observed[-1] == (0.0, 0.0)
    # At least once: a rebalance after a long pause may redeliver some, but none is lost.
    assert samples(worker.metrics(), "wirestream_stories_consumed_total")[()] >= 24
    # The worker's own collector (same broker numbers) agrees once it is running again.
    _wait(lambda: _lag(worker.metrics(), topic) == (0.0, 0.0), 30, "the worker's own lag gauges at 0")
