"""The broker itself dies mid-stream (SIGKILL) and comes back on the same data directory and ports
while stories keep being produced: the worker reconnects on its own and every story is enriched.

This test runs its own broker: killing the shared session broker would break every other test.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.reliability.conftest import StoryRun, elapsed
from tests.reliability.support import assert_accounting, wait_for

pytestmark = pytest.mark.kafka

VOLUMES = [6_000, pytest.param(30_000, marks=pytest.mark.slow, id="30000")]


@pytest.fixture
def own_broker(tmp_path: Path):
    from streams.adapters.broker import LocalBroker

    broker = LocalBroker.on_free_ports(tmp_path / "own-kafka", heap="384m")
    broker.start(timeout=180)
    yield broker
    broker.stop()


@pytest.mark.parametrize("count", VOLUMES)
def test_broker_killed_and_restarted_mid_stream(count, own_broker, reliability_env, worker_factory):
    bootstrap = own_broker.bootstrap
    env = {**reliability_env.env, "WIRESTREAM_BOOTSTRAP_SERVERS": bootstrap}
    run = StoryRun(env, count)
    started = time.monotonic()
    worker = run.start_with_worker(worker_factory, WIRESTREAM_BOOTSTRAP_SERVERS=bootstrap)
    # Slow enough that production spans the outage: stories are sent before, during and after it.
    rate = count / 40
    run.start_producing(rate=rate)

    try:
        wait_for(lambda: run.seen() >= count // 4, timeout=600, what="a quarter of the stories",
                 check=run.watch([worker]))
        seen_before = run.seen()
        own_broker.kill()
        killed = time.monotonic()
        print(f"[broker] SIGKILLed the broker at {seen_before} stories enriched, {run.producer.acked} produced "
              f"({elapsed(started)})")
        # Down long enough for the worker's and the producer's requests to fail, not only to wait.
        wait_for(lambda: time.monotonic() - killed > 10, timeout=30, what="the outage", check=run.watch([worker]))
        own_broker.start(timeout=240)
        print(f"[broker] broker back after {elapsed(killed)} ({elapsed(started)})")

        run.producer.finish(timeout=600)
        run.wait_done([worker], stall=300)
        worker.stop()
        report = run.finish_reading()
    finally:
        worker.stop()
    print(f"[broker] {count} messages, broker SIGKILLed and restarted: {report['records']} enriched records, "
          f"{report['distinct']} distinct (article, version) of {report['expected']}, "
          f"{report['duplicated_versions']} versions delivered more than once ({report['extra_records']} extra), "
          f"{len(report['differing'])} with differing content; producer resent {run.producer.resent}; "
          f"{len(run.dead_letters)} dead letters; {elapsed(started)}")

    assert_accounting(report, run.dead_letters, "at_least_once")
