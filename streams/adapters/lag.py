"""Consumer lag of the worker group, measured from the broker.

The numbers come from Kafka, not from the worker's own consumer: the group's committed offsets
(``KafkaAdminClient.list_group_offsets``) against each input partition's end offset, and the
timestamp of the record at the committed offset (the oldest one the group has not committed) read
by a consumer without a group. So the lag is right when a worker is stuck, and a process that is
not a worker at all (``wirestream monitor``) can report it when every worker is stuck or down.

- ``wirestream_consumer_lag_messages{topic,partition}``: end offset - committed offset. A
  partition where the group has committed nothing counts from the log start offset, since the
  workers start there (Faust's ``auto_offset_reset`` is ``earliest``).
- ``wirestream_consumer_lag_seconds{topic,partition}``: now - timestamp of the record at the
  committed offset; 0 when the partition is caught up.

When a measurement fails (broker unreachable...), both gauges are cleared until the next one
succeeds: no series is better than a stale number that looks current.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from streams.adapters import metrics
from streams.settings import Settings

log = logging.getLogger("wirestream.lag")


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing on this partition
    start: int  # offset of the next record the group will read
    end: int  # broker end offset (the offset the next record produced will get)
    messages: int
    seconds: float | None  # None: the record at ``start`` could not be read in time


class GroupLagCollector:
    """Measures one consumer group's lag on some topics and exports it as Prometheus gauges.

    ``update()`` measures once; ``start()`` runs it every ``interval`` seconds in a daemon thread.
    The Kafka clients are created on first use and kept between measurements; after an error
    they are closed and made again next time.
    """

    def __init__(self, settings: Settings, group: str | None = None, topics: Iterable[str] | None = None, *,
                 interval: float | None = None, read_timeout: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.bootstrap_servers = settings.bootstrap_servers
        self.group = group or settings.app_id
        self.topics = tuple(topics or (settings.raw_topic,))
        self.interval = interval if interval is not None else settings.lag_interval_seconds
        self.read_timeout = read_timeout
        self.isolation_level = "read_committed" if settings.processing_guarantee == "exactly_once" \
            else "read_uncommitted"
        self._clock = clock
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None
        self._exported: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.missing_topics: list[str] = []  # topics of the last measurement that do not exist

    # -- measuring ---------------------------------------------------------------------------
    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id="wirestream-lag",
                                           request_timeout_ms=10_000)
        if self._consumer is None:
            # No group: this consumer only looks up offsets and reads one record per lagging
            # partition. Small fetches (the broker still returns a whole first batch).
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap_servers, client_id="wirestream-lag", group_id=None,
                enable_auto_commit=False, auto_offset_reset="earliest", isolation_level=self.isolation_level,
                allow_auto_create_topics=False, metadata_max_age_ms=30_000, request_timeout_ms=10_000,
                max_partition_fetch_bytes=64 * 1024, fetch_max_bytes=1_048_576,
            )
        return self._admin, self._consumer

    def _partitions(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        partitions = []
        missing = []
        for topic in self.topics:
            numbers = consumer.partitions_for_topic(topic)
            if not numbers:
                consumer.topics()  # refresh metadata: the topic may have been created since
                numbers = consumer.partitions_for_topic(topic) or set()
            if not numbers:
                missing.append(topic)
            partitions += [TopicPartition(topic, number) for number in sorted(numbers)]
        self.missing_topics = missing
        return partitions

    def measure(self) -> list[PartitionLag]:
        """One measurement of every partition of the topics (raises on Kafka errors)."""
        admin, consumer = self._clients()
        partitions = self._partitions(consumer)
        if not partitions:
            return []
        committed = self._committed(admin, partitions)
        ends = consumer.end_offsets(partitions, timeout_ms=10_000)
        beginnings = consumer.beginning_offsets(partitions, timeout_ms=10_000)
        now = self._clock()
        rows: dict[TopicPartition, tuple[int | None, int, int]] = {}
        for tp in partitions:
            meta = committed.get(tp)
            offset = meta.offset if meta is not None and meta.offset is not None and meta.offset >= 0 else None
            # Records before the log start offset are gone (retention): the group resumes there.
            start = max(offset if offset is not None else 0, beginnings[tp])
            rows[tp] = (offset, start, ends[tp])
        lagging = {tp: start for tp, (_, start, end) in rows.items() if end > start}
        oldest = self._record_timestamps(consumer, lagging) if lagging else {}
        result = []
        for tp, (offset, start, end) in rows.items():
            messages = max(0, end - start)
            if not messages:
                seconds: float | None = 0.0
            elif tp in oldest:
                seconds = max(0.0, now - oldest[tp])
            else:
                seconds = None
            result.append(PartitionLag(tp.topic, tp.partition, offset, start, end, messages, seconds))
        return result

    def _committed(self, admin: KafkaAdminClient, partitions: list[TopicPartition]) -> dict:
        # A fresh cluster answers "coordinator not available" until it has made its offsets
        # topic; retriable errors are retried for a few seconds.
        deadline = time.monotonic() + self.read_timeout
        while True:
            try:
                return admin.list_group_offsets({self.group: partitions}).get(self.group, {})
            except KafkaError as exc:
                if not exc.retriable or time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def _record_timestamps(self, consumer: KafkaConsumer, starts: dict[TopicPartition, int]) -> dict[TopicPartition, float]:
        """Timestamp (seconds) of the first record at or after each partition's start offset."""
        if consumer.paused():
            consumer.resume(*consumer.paused())
        consumer.assign(list(starts))
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        found: dict[TopicPartition, float] = {}
        deadline = time.monotonic() + self.read_timeout
        while len(found) < len(starts) and time.monotonic() < deadline:
            remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
            for tp, records in consumer.poll(timeout_ms=min(500, remaining_ms)).items():
                if tp in found:
                    continue
                for record in records:
                    if record.offset >= starts[tp] and record.timestamp is not None and record.timestamp >= 0:
                        found[tp] = record.timestamp / 1000.0
                        consumer.pause(tp)
                        break
        return found

    # -- exporting ---------------------------------------------------------------------------
    def update(self) -> list[PartitionLag]:
        """Measure and set the gauges; on failure clear them and raise."""
        try:
            lags = self.measure()
        except Exception:
            self.clear()
            self.close()
            raise
        exported = set()
        for lag in lags:
            labels = (lag.topic, str(lag.partition))
            exported.add(labels)
            metrics.CONSUMER_LAG_MESSAGES.labels(*labels).set(lag.messages)
            if lag.seconds is None:
                # The oldest record could not be read this time: say nothing rather than guess.
                _remove(metrics.CONSUMER_LAG_SECONDS, labels)
            else:
                metrics.CONSUMER_LAG_SECONDS.labels(*labels).set(lag.seconds)
        for labels in self._exported - exported:
            _remove(metrics.CONSUMER_LAG_MESSAGES, labels)
            _remove(metrics.CONSUMER_LAG_SECONDS, labels)
        self._exported = exported
        return lags

    def clear(self) -> None:
        for labels in self._exported:
            _remove(metrics.CONSUMER_LAG_MESSAGES, labels)
            _remove(metrics.CONSUMER_LAG_SECONDS, labels)
        self._exported = set()

    # -- running -----------------------------------------------------------------------------
    def run(self) -> None:
        """Measure every ``interval`` seconds until :meth:`stop`; errors are logged, not raised."""
        next_run = time.monotonic()
        while not self._stop.is_set():
            try:
                self.update()
                if self._failing:
                    log.warning("consumer lag of group %s measured again", self.group)
                self._failing = False
            except Exception as exc:  # noqa: BLE001 - keep measuring whatever Kafka says
                if not self._failing:
                    log.warning("cannot measure consumer lag of group %s: %r (retrying every %ss)",
                                self.group, exc, self.interval)
                self._failing = True
            # Fixed rate; after a pause (SIGSTOP, a slow broker) measure once and carry on.
            next_run = max(next_run + self.interval, time.monotonic())
            self._stop.wait(max(0.0, next_run - time.monotonic()))
        self.close()

    def start(self) -> "GroupLagCollector":
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="wirestream-lag", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def close(self) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                try:
                    client.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    log.debug("closing a lag client failed", exc_info=True)
        self._consumer = self._admin = None


def _remove(gauge, labels: tuple[str, str]) -> None:  # noqa: ANN001 - prometheus_client metric
    try:
        gauge.remove(*labels)
    except KeyError:
        pass
