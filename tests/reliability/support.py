"""Tools for the reliability tests: a background story producer, a background reader of an output
topic that keeps the accounting, waiting on the consumer group, and the worker's RSS.

Everything here waits on conditions (records seen, offsets committed) with generous deadlines:
the machine is small and shared, so nothing may depend on how fast it happens to be today.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

# Bodies that give a few topics and events, so a story produces several output records (as real
# copy does), kept short so that tens of thousands fit in the default run.
_BODIES = (
    ("NAIROBI (AP) - Kenyan police arrested {n} protesters in Nairobi on Tuesday, a police spokesperson said. "
     "Opposition leaders condemned the arrests."),
    ("BRUSSELS (Reuters) - The European Union imposed new sanctions on {n} Russian officials on Monday, "
     "diplomats said."),
    ("GENEVA (AFP) - Aid agencies sent {n} tonnes of food to flood-hit villages on Wednesday, the United "
     "Nations said."),
    ("TOKYO (Kyodo) - Japan and Australia began joint naval exercises on Friday involving {n} sailors, "
     "officials said."),
)


def story(article_id: str, version: int = 1, n: int = 0, **fields) -> bytes:
    doc = {"id": article_id, "version": version, "headline": f"Wire story {article_id} v{version}",
           "body": _BODIES[n % len(_BODIES)].format(n=n % 997 + 3), "published_at": "2025-11-25T10:00:00Z",
           "source": "AP", **fields}
    return json.dumps(doc).encode()


def story_plan(prefix: str, count: int, every_second_version: int = 20) -> list[tuple[str, int]]:
    """``count`` input messages as (article id, version): unique ids, and every
    ``every_second_version``-th article gets a version 2 a little later in the stream (same key,
    so the same partition, after its version 1): the version table is exercised too."""
    plan: list[tuple[str, int]] = []
    pending: list[str] = []
    i = 0
    while len(plan) < count:
        if pending and i % 7 == 0:
            plan.append((pending.pop(0), 2))
        else:
            article_id = f"{prefix}-{i}"
            plan.append((article_id, 1))
            if every_second_version and i % every_second_version == 0:
                pending.append(article_id)
        i += 1
    return plan


class StoryProducer(threading.Thread):
    """Produces ``messages`` (key, value) in the background, ``rate`` per second (None: as fast as
    it can), with acks=all and idempotence, so a broker restart neither loses nor doubles input.
    A send that fails after the client's own retries (a broker down for long) is sent again."""

    def __init__(self, bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]], rate: float | None = None,
                 chunk: int = 500) -> None:
        super().__init__(daemon=True, name="story-producer")
        self.bootstrap, self.topic, self.messages, self.rate, self.chunk = bootstrap, topic, messages, rate, chunk
        self.acked = 0
        self.resent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                                     max_request_size=16 * 1_048_576, linger_ms=20, retries=2_147_483_647,
                                     delivery_timeout_ms=180_000, request_timeout_ms=30_000,
                                     reconnect_backoff_max_ms=2_000)
            try:
                started = time.monotonic()
                for start in range(0, len(self.messages), self.chunk):
                    batch = self.messages[start:start + self.chunk]
                    self._send_batch(producer, batch)
                    self.acked += len(batch)
                    if self.rate:
                        ahead = self.acked / self.rate - (time.monotonic() - started)
                        if ahead > 0:
                            time.sleep(ahead)
            finally:
                producer.close(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported by the test through .error
            self.error = exc

    def _send_batch(self, producer: KafkaProducer, batch: list[tuple[bytes, bytes]]) -> None:
        todo = batch
        for _ in range(20):
            futures = [(m, producer.send(self.topic, key=m[0], value=m[1])) for m in todo]
            producer.flush(timeout=200)
            failed = []
            for message, future in futures:
                try:
                    future.get(timeout=200)
                except Exception:  # noqa: BLE001 - retried below
                    failed.append(message)
            if not failed:
                return
            self.resent += len(failed)
            todo = failed
            time.sleep(1)
        raise RuntimeError(f"{len(todo)} messages could not be produced after 20 attempts")

    def finish(self, timeout: float = 300) -> None:
        self.join(timeout)
        assert not self.is_alive(), f"the producer did not finish in {timeout}s ({self.acked} acked)"
        if self.error is not None:
            raise self.error


def content_digest(value: bytes) -> tuple[str, str]:
    """What must be identical between two deliveries of one story version: everything but
    ``processed_at`` (wall-clock time of the processing). Returned with the pipeline version the
    delivery carries: the determinism promise holds within one pipeline version (a worker restarted
    on changed enrichment code stamps a new one and may compute differently)."""
    doc = json.loads(value)
    doc.pop("processed_at", None)
    return hashlib.sha1(json.dumps(doc, sort_keys=True).encode()).hexdigest(), doc.get("pipeline_version", "")


@dataclass
class Accounting:
    """What was read from an output topic: every delivery of every (article id, version)."""

    deliveries: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    records: int = 0

    def add_article(self, value: bytes) -> None:
        doc = json.loads(value)
        self.deliveries[(doc["article_id"], doc["version"])].append(content_digest(value))
        self.records += 1

    @property
    def distinct(self) -> int:
        return len(self.deliveries)

    def report(self, expected: Iterable[tuple[str, int]]) -> dict:
        expected = set(expected)
        seen = set(self.deliveries)
        duplicated = {k: v for k, v in self.deliveries.items() if len(v) > 1}
        differing, across_versions = [], []
        for key, copies in duplicated.items():
            by_pipeline = defaultdict(set)
            for digest, pipeline_version in copies:
                by_pipeline[pipeline_version].add(digest)
            if any(len(digests) > 1 for digests in by_pipeline.values()):
                differing.append(key)
            if len(by_pipeline) > 1:
                across_versions.append(key)
        return {
            "expected": len(expected),
            "records": self.records,
            "distinct": len(seen),
            "missing": sorted(expected - seen),
            "unexpected": sorted(seen - expected),
            "duplicated_versions": len(duplicated),
            "extra_records": sum(len(v) - 1 for v in duplicated.values()),
            "max_copies": max((len(v) for v in self.deliveries.values()), default=0),
            # same (article id, version) and same pipeline version, different content: a real defect
            "differing": sorted(differing),
            # redelivered by a worker running other enrichment code (edited during the run)
            "across_pipeline_versions": len(across_versions),
            "pipeline_versions": len({pv for copies in self.deliveries.values() for _, pv in copies}),
        }


class TopicReader(threading.Thread):
    """Reads a topic from the beginning in the background (all partitions, no consumer group) and
    hands each record to ``handle``; ``drain()`` reads up to the end offsets seen at that moment
    (with read_committed, the last stable offset: no open transaction is waited past)."""

    def __init__(self, bootstrap: str, topic: str, handle: Callable, isolation_level: str = "read_committed",
                 partitions_timeout: float = 120) -> None:
        super().__init__(daemon=True, name=f"reader-{topic}")
        self.bootstrap, self.topic, self.handle = bootstrap, topic, handle
        self.isolation_level = isolation_level
        self.partitions_timeout = partitions_timeout
        self.lock = threading.Lock()
        self._halt = threading.Event()
        self._drain_requested = threading.Event()
        self._drained = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                     isolation_level=self.isolation_level, fetch_max_bytes=64 * 1_048_576,
                                     max_partition_fetch_bytes=32 * 1_048_576, reconnect_backoff_max_ms=2_000)
            try:
                self._read(consumer)
            finally:
                consumer.close()
        except BaseException as exc:  # noqa: BLE001 - reported through .error
            self.error = exc
            self._drained.set()

    def _read(self, consumer: KafkaConsumer) -> None:
        deadline = time.monotonic() + self.partitions_timeout
        while not consumer.partitions_for_topic(self.topic):
            if time.monotonic() > deadline:
                raise AssertionError(f"topic {self.topic} never appeared")
            time.sleep(0.3)
            consumer.topics()
        partitions = [TopicPartition(self.topic, p) for p in sorted(consumer.partitions_for_topic(self.topic))]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        targets: dict[TopicPartition, int] | None = None
        while not self._halt.is_set():
            if self._drain_requested.is_set() and targets is None:
                targets = consumer.end_offsets(partitions)
            for records in consumer.poll(timeout_ms=300).values():
                with self.lock:
                    for record in records:
                        self.handle(record)
            if targets is not None and all(consumer.position(tp) >= end for tp, end in targets.items()):
                self._drained.set()
                return

    def drain(self, timeout: float = 180) -> None:
        self._drain_requested.set()
        assert self._drained.wait(timeout), f"could not read {self.topic} to its end in {timeout}s"
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._halt.set()
        self.join(30)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.5,
              check: Callable[[], None] | None = None) -> float:
    """Wait until ``condition()``; ``check()`` runs each round (e.g. "is the worker alive?")."""
    started = time.monotonic()
    while not condition():
        if check is not None:
            check()
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


class GroupProgress:
    """The worker group's committed offsets on the input topic against its end offsets."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.group, self.topic = group, topic
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="reliability-progress",
                                      request_timeout_ms=15_000)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)

    def partitions(self) -> dict[int, tuple[int, int]]:
        """partition -> (committed offset, end offset)."""
        partitions = [TopicPartition(self.topic, p) for p in self.consumer.partitions_for_topic(self.topic) or ()]
        ends = self.consumer.end_offsets(partitions)
        try:
            committed = self.admin.list_group_offsets({self.group: partitions}).get(self.group, {})
        except Exception:  # noqa: BLE001 - coordinator moving or not there yet: nothing committed
            committed = {}
        done = {tp: (meta.offset if meta is not None and meta.offset >= 0 else 0) for tp, meta in committed.items()}
        return {tp.partition: (done.get(tp, 0), end) for tp, end in sorted(ends.items())}

    def remaining(self) -> int:
        return sum(max(0, end - done) for done, end in self.partitions().values())

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()


class StallWatch:
    """Fails a wait early, with a diagnosis, when nothing moves for ``limit`` seconds: a stuck
    partition must show up as such, not as a timeout many minutes later."""

    def __init__(self, progress: Callable[[], object], limit: float, describe: Callable[[], str]) -> None:
        self.progress, self.limit, self.describe = progress, limit, describe
        self.last = progress()
        self.since = time.monotonic()

    def __call__(self) -> None:
        now = self.progress()
        if now != self.last:
            self.last, self.since = now, time.monotonic()
        elif time.monotonic() - self.since > self.limit:
            raise AssertionError(f"no progress for {self.limit:.0f}s: {self.describe()}")


def rss_kib(pid: int) -> int:
    """VmRSS of a process, from /proc (KiB)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")




def count_by(items: Iterable, key: Callable) -> Counter:
    return Counter(key(item) for item in items)


def assert_accounting(report: dict, dead_letters: list, guarantee: str) -> None:
    """Nothing lost, nothing foreign, redeliveries identical; under exactly_once, no redelivery at all."""
    assert not report["missing"], f"{len(report['missing'])} story versions lost, e.g. {report['missing'][:5]}"
    assert not report["unexpected"]
    assert not dead_letters, "valid stories were dead-lettered"
    assert not report["differing"], f"redeliveries differ beyond processed_at: {report['differing'][:5]}"
    if guarantee == "exactly_once":
        assert report["duplicated_versions"] == 0, (
            f"exactly_once: {report['duplicated_versions']} story versions visible more than once to a "
            f"read_committed subscriber")
