"""A worker SIGKILLed again and again while stories stream through, and restarted each time; a stop that hangs."""

from __future__ import annotations

import signal
import time

import pytest

from tests.reliability.conftest import StoryRun, elapsed, kill
from tests.reliability.support import assert_accounting, wait_for

pytestmark = pytest.mark.kafka

GUARANTEES = ["exactly_once", "at_least_once"]
VOLUMES = [20_000, pytest.param(100_000, marks=pytest.mark.slow, id="100000")]
KILLS = 3


@pytest.mark.parametrize("count", VOLUMES)
@pytest.mark.parametrize("guarantee", GUARANTEES)
def test_sigkill_and_restart_loses_nothing(guarantee, count, reliability_env, worker_factory):
    env = {**reliability_env.env, "WIRESTREAM_PROCESSING_GUARANTEE": guarantee}
    run = StoryRun(env, count)
    started = time.monotonic()
    worker = run.start_with_worker(worker_factory, WIRESTREAM_PROCESSING_GUARANTEE=guarantee)
    run.start_producing()

    for k in range(1, KILLS + 1):
        target = k * len(run.expected) // (KILLS + 1)
        wait_for(lambda target=target: run.seen() >= target, timeout=600, what=f"{target} stories enriched",
                 check=run.watch([worker]))
        print(f"[{guarantee}] kill {k} at {run.seen()} distinct stories seen ({elapsed(started)})")
        kill(worker)
        worker = worker_factory(WIRESTREAM_PROCESSING_GUARANTEE=guarantee)
        worker.wait_metrics(timeout=120)

    run.producer.finish()
    run.wait_done([worker])
    worker.stop()
    report = run.finish_reading()
    print(f"[{guarantee}] {count} messages, {KILLS} SIGKILLs: {report['records']} enriched records, "
          f"{report['distinct']} distinct (article, version) of {report['expected']}, "
          f"{report['duplicated_versions']} versions delivered more than once ({report['extra_records']} extra "
          f"records, at most {report['max_copies']} copies), {len(report['differing'])} with differing content "
          f"({report['pipeline_versions']} pipeline versions seen), "
          f"{len(run.dead_letters)} dead letters; producer resent {run.producer.resent}; {elapsed(started)}")

    assert_accounting(report, run.dead_letters, guarantee)


def test_a_stop_that_takes_too_long_is_forced(reliability_env, worker_factory):
    # Faust can hang while stopping when its broker is gone; WIRESTREAM_SHUTDOWN_TIMEOUT_SECONDS bounds
    # every stop. Set shorter than any clean stop here, so the forced exit is what ends the worker.
    worker = worker_factory(WIRESTREAM_SHUTDOWN_TIMEOUT_SECONDS="0.2", WIRESTREAM_LOG_LEVEL="info")
    # Faust's signal handlers are in place once the worker says it is ready.
    wait_for(lambda: "[^Worker]: Ready" in worker.log(), timeout=120, what="the worker to be ready",
             check=lambda: worker.process.poll() is None or pytest.fail(f"worker exited: {worker.log()}"))
    worker.signal(signal.SIGTERM)
    assert worker.process.wait(timeout=30) == 128 + signal.SIGTERM
    assert "still stopping 0.2 s after SIGTERM; exiting now" in worker.log()
