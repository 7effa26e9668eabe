"""Fixtures of the reliability tests: per-test topics on the shared broker (tests/conftest.py),
workers as real processes, and a stream of stories with its accounting."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.reliability.support import (
    Accounting,
    GroupProgress,
    StallWatch,
    StoryProducer,
    TopicReader,
    story,
    story_plan,
    wait_for,
)

# The same layout as the defaults in streams/settings.py (4 input and 4 output partitions), so
# two workers share the input and Faust's per-partition transactions line up as in production.
RELIABILITY_ENV = {
    "WIRESTREAM_RAW_PARTITIONS": "4",
    "WIRESTREAM_OUTPUT_PARTITIONS": "4",
    # A SIGKILLed worker stays in the group until its session times out: the broker's minimum
    # (6 s) keeps each restart short.
    "WIRESTREAM_SESSION_TIMEOUT_SECONDS": "6",
}


@dataclass
class StoryRun:
    """N stories through the worker group, with what came out on wire.enriched and wire.dlq."""

    env: dict[str, str]
    count: int
    prefix: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:6]}")

    def __post_init__(self) -> None:
        self.plan = story_plan(self.prefix, self.count)
        self.messages = [(aid.encode(), story(aid, version, n)) for n, (aid, version) in enumerate(self.plan)]
        self.expected = set(self.plan)
        self.bootstrap = self.env["WIRESTREAM_BOOTSTRAP_SERVERS"]
        self.articles = Accounting()
        self.dead_letters: list = []
        self.enriched = TopicReader(self.bootstrap, self.env["WIRESTREAM_ENRICHED_TOPIC"],
                                    lambda record: self.articles.add_article(record.value))
        self.dlq = TopicReader(self.bootstrap, self.env["WIRESTREAM_DLQ_TOPIC"],
                               lambda record: self.dead_letters.append(record))
        self.producer: StoryProducer | None = None

    def start_reading(self) -> None:
        self.enriched.start()
        self.dlq.start()

    def start_with_worker(self, worker_factory: Callable, **worker_env: str):  # noqa: ANN201 - WorkerProcess
        """Read the outputs, start one worker and wait until it serves metrics; it is returned."""
        self.start_reading()
        worker = worker_factory(**worker_env)
        worker.wait_metrics(timeout=120)
        return worker

    def start_producing(self, rate: float | None = None, bootstrap: str | None = None) -> StoryProducer:
        self.producer = StoryProducer(bootstrap or self.bootstrap, self.env["WIRESTREAM_RAW_TOPIC"], self.messages,
                                      rate=rate)
        self.producer.start()
        return self.producer

    def seen(self) -> int:
        return self.articles.distinct

    def group_progress(self) -> GroupProgress:
        return GroupProgress(self.bootstrap, self.env["WIRESTREAM_APP_ID"], self.env["WIRESTREAM_RAW_TOPIC"])

    def watch(self, workers: list, stall: float = 240) -> Callable[[], None]:
        """A ``check`` for :func:`wait_for`: the workers are alive and stories keep coming."""
        watch = StallWatch(self.seen, stall, lambda: f"stuck at {self.seen()} of {len(self.expected)} story versions")

        def check() -> None:
            for worker in workers:
                assert worker.process.poll() is None, f"a worker exited: {worker.log()}"
            watch()

        return check

    def wait_done(self, workers: list, timeout: float = 900, stall: float = 240,
                  on_tick: Callable[[], None] | None = None) -> None:
        """Every story enriched (read_committed) and the whole input committed by the group, with
        every worker in ``workers`` alive throughout; fails early when nothing moves for ``stall``
        seconds, naming the partitions that lag."""
        progress = self.group_progress()
        try:
            def state() -> tuple:
                return self.seen(), tuple(progress.partitions().items())

            def describe() -> str:
                lagging = {p: f"committed {c} of {e}" for p, (c, e) in progress.partitions().items() if c < e}
                return (f"{self.seen()} of {len(self.expected)} story versions seen; input partitions behind: "
                        f"{lagging or 'none'}")

            watch = StallWatch(state, stall, describe)

            def check() -> None:
                for worker in workers:
                    assert worker.process.poll() is None, f"a worker exited: {worker.log()}"
                watch()
                if on_tick is not None:
                    on_tick()

            wait_for(lambda: self.seen() >= len(self.expected) and progress.remaining() == 0, timeout=timeout,
                     what="every story enriched and the input committed", check=check, interval=1)
        finally:
            progress.close()

    def finish_reading(self) -> dict:
        self.enriched.drain()
        self.dlq.drain()
        self.enriched.stop()
        self.dlq.stop()
        return self.articles.report(self.expected)


@pytest.fixture
def reliability_env(kafka_env):
    kafka_env.env.update(RELIABILITY_ENV)
    # For a post-mortem: RELIABILITY_WORKER_LOG_LEVEL=info (DEVLOG=1 for Faust's own dev log).
    if os.environ.get("RELIABILITY_WORKER_LOG_LEVEL"):
        kafka_env.env["WIRESTREAM_LOG_LEVEL"] = os.environ["RELIABILITY_WORKER_LOG_LEVEL"]
    return kafka_env


def kill(worker) -> None:  # noqa: ANN001 - tests.conftest.WorkerProcess
    """SIGKILL to the worker's process group (it runs in its own session), and reap it."""
    worker.signal(signal.SIGKILL)
    worker.process.wait(timeout=30)


def elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"
