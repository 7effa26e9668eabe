"""Two workers in one consumer group; one is stopped (SIGTERM) mid-stream and started again, so the
partitions move to the other worker and back: nothing is lost, and duplicates are only identical
redeliveries (none at all for a read_committed subscriber under exactly_once)."""

from __future__ import annotations

import time

import pytest

from tests.reliability.conftest import StoryRun, elapsed
from tests.reliability.support import assert_accounting, wait_for

pytestmark = pytest.mark.kafka

# exactly_once does not survive a rebalance with Faust 0.15 (see README, "Guarantees"): on every
# rebalance Faust stops the transactional producers of the revoked partitions without aborting
# their transactions and starts new ones for the assignment; a send in flight then fails with
# ProducerFenced and the agent crash takes the worker down, or records of a transaction that
# Faust later commits are processed again by the new owner (84 duplicates of 10,000 seen by a
# read_committed reader in one run). Kept in the suite, expected to fail, so that a fix shows.
EXACTLY_ONCE_REBALANCE = pytest.mark.xfail(
    reason="Faust 0.15 exactly_once breaks on rebalance: ProducerFenced crash or duplicates", strict=False)
GUARANTEES = [pytest.param("exactly_once", marks=EXACTLY_ONCE_REBALANCE, id="exactly_once"), "at_least_once"]
VOLUMES = [10_000, pytest.param(50_000, marks=pytest.mark.slow, id="50000")]


@pytest.mark.parametrize("count", VOLUMES)
@pytest.mark.parametrize("guarantee", GUARANTEES)
def test_worker_leaving_and_rejoining_the_group(guarantee, count, reliability_env, worker_factory, tmp_path):
    from streams.adapters.broker import free_port

    env = {**reliability_env.env, "WIRESTREAM_PROCESSING_GUARANTEE": guarantee}
    # The second worker: same app id (so the same group), its own ports and local state.
    second = {"WIRESTREAM_PROCESSING_GUARANTEE": guarantee, "WIRESTREAM_METRICS_PORT": str(free_port()),
              "WIRESTREAM_WEB_PORT": str(free_port()), "WIRESTREAM_DATA_DIR": str(tmp_path / "worker-b-data")}
    run = StoryRun(env, count)
    started = time.monotonic()
    run.start_reading()
    first = worker_factory(WIRESTREAM_PROCESSING_GUARANTEE=guarantee)
    other = worker_factory(**second)
    first.wait_metrics(timeout=120)
    other.wait_metrics(timeout=120)
    run.start_producing()

    wait_for(lambda: run.seen() >= len(run.expected) // 3, timeout=600, what="a third of the stories",
             check=run.watch([first, other]))
    print(f"[{guarantee}] stopping the second worker at {run.seen()} stories ({elapsed(started)})")
    other.stop(timeout=60)
    assert other.process.returncode is not None
    wait_for(lambda: run.seen() >= 2 * len(run.expected) // 3, timeout=600, what="two thirds of the stories",
             check=run.watch([first]))
    print(f"[{guarantee}] starting it again at {run.seen()} stories ({elapsed(started)})")
    other = worker_factory(**second)
    other.wait_metrics(timeout=120)

    run.producer.finish()
    run.wait_done([first, other])
    first.stop()
    other.stop()
    report = run.finish_reading()
    print(f"[{guarantee}] {count} messages, 2 workers, one stopped and restarted: {report['records']} enriched "
          f"records, {report['distinct']} distinct (article, version) of {report['expected']}, "
          f"{report['duplicated_versions']} versions delivered more than once ({report['extra_records']} extra), "
          f"{len(report['differing'])} with differing content ({report['pipeline_versions']} pipeline versions), "
          f"{len(run.dead_letters)} dead letters; {elapsed(started)}")

    assert_accounting(report, run.dead_letters, guarantee)
