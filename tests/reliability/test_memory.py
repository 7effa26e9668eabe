"""A soak of stories through one worker: its resident memory stays flat once warmed up."""

from __future__ import annotations

import time

import pytest

from tests.reliability.conftest import StoryRun, elapsed
from tests.reliability.support import rss_kib, wait_for

pytestmark = pytest.mark.kafka

VOLUMES = [20_000, pytest.param(100_000, marks=pytest.mark.slow, id="100000")]
WARM_UP_SHARE = 0.2


@pytest.mark.parametrize("count", VOLUMES)
def test_rss_stays_flat_over_a_soak(count, reliability_env, worker_factory):
    run = StoryRun(reliability_env.env, count)
    started = time.monotonic()
    run.start_reading()
    worker = worker_factory()
    worker.wait_metrics(timeout=120)
    # started with start_new_session and no shell in between: this pid is the worker itself
    pid = worker.process.pid
    at_start = rss_kib(pid)
    run.start_producing()

    samples: list[tuple[float, int, int]] = []  # (seconds, stories seen, RSS KiB)

    def sample() -> None:
        samples.append((time.monotonic() - started, run.seen(), rss_kib(pid)))

    watch = run.watch([worker])

    def check() -> None:
        watch()
        sample()

    warm_target = int(len(run.expected) * WARM_UP_SHARE)
    wait_for(lambda: run.seen() >= warm_target, timeout=600, what="the warm-up", check=check, interval=1)
    warm = rss_kib(pid)
    run.producer.finish()
    run.wait_done([worker], on_tick=sample)
    end = rss_kib(pid)
    peak = max(max(rss for _, _, rss in samples), warm, end)
    worker.stop()
    report = run.finish_reading()

    per_1k = (end - warm) / ((len(run.expected) - warm_target) / 1000)
    print(f"[memory] {count} stories: RSS at start {at_start / 1024:.0f} MiB, after warm-up ({warm_target} stories) "
          f"{warm / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB, end {end / 1024:.0f} MiB "
          f"({end / warm:.2f}x warm-up, {per_1k:+.0f} KiB per 1,000 stories after warm-up); {elapsed(started)}")
    print("[memory] samples (s, stories, MiB): " + ", ".join(
        f"({t:.0f}, {n}, {rss / 1024:.0f})" for t, n, rss in samples[:: max(1, len(samples) // 15)]))
    assert not report["missing"]
    # Why 1.5x of the post-warm-up value: what legitimately grows is the version table (an entry of a
    # few hundred bytes per distinct article id, kept in memory for the life of the process) and
    # the allocator's high-water mark; a leak of anything per message (an output record, a Kafka
    # message, a parsed story: 1-3 KB each) would add tens of MiB per 20,000 stories and keep
    # growing. The bound leaves room for the first and catches the second at the slow volume for
    # sure and at the default volume when the leak is larger than about 2 KB per story.
    assert end < 1.5 * warm, f"RSS grew from {warm} KiB after warm-up to {end} KiB"
