"""Replay throughput against a real local Kafka broker, next to the live worker's on the same messages.

    .venv/bin/python bench/replay.py [--stories 3000] [--partitions 4] [--bootstrap 127.0.0.1:9092]

Ingests N stories (the development set and the bundled samples, repeated under fresh ids) into a fresh
raw topic, then measures on those same messages:

1. the pipeline alone (``Pipeline.process_many`` in this process, in the worker's batches, no Kafka): the ceiling;
2. the live worker (``wirestream worker``, Faust/aiokafka), consuming the backlog from the start;
3. ``wirestream replay --all`` with one process;
4. ``wirestream replay --all`` with two processes in the same replay group (they split the partitions).

Kafka rates are taken from the enriched outputs' record timestamps (first to last output of a phase),
so process start-up and group joins are not counted and every phase is measured the same way. CPU
seconds per 1000 stories come from the processes' own accounting (/proc, getrusage) from their first
output on: steadier than wall-clock rates on a shared machine. Without ``--bootstrap`` a broker is
started on free ports and stopped at the end. Prints figures; no pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

from streams.adapters.processes import stop_process_group  # noqa: E402
from streams.settings import Settings  # noqa: E402

SOURCES = [ROOT / "tests" / "data" / "dev" / "stories_a.jsonl", ROOT / "tests" / "data" / "dev" / "stories_b.jsonl",
           ROOT / "streams" / "samples" / "stories.jsonl"]
FIELDS = ("version", "headline", "body", "published_at", "dateline", "source", "language")


def make_stories(count: int) -> list[tuple[bytes, bytes]]:
    docs = [json.loads(line) for path in SOURCES for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    stories = []
    for i in range(count):
        doc = {k: v for k, v in docs[i % len(docs)].items() if k in FIELDS}
        doc["id"] = f"bench-{i:06d}"
        stories.append((doc["id"].encode(), json.dumps(doc).encode()))
    return stories


def environment(bootstrap: str, run: str, partitions: int, data_dir: Path) -> dict[str, str]:
    return {
        "WIRESTREAM_BOOTSTRAP_SERVERS": bootstrap,
        "WIRESTREAM_APP_ID": f"bench-{run}",
        "WIRESTREAM_RAW_TOPIC": f"bench{run}.wire.raw",
        "WIRESTREAM_ENRICHED_TOPIC": f"bench{run}.wire.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"bench{run}.wire.dlq",
        "WIRESTREAM_TOPIC_STREAM_PREFIX": f"bench{run}.topics.",
        "WIRESTREAM_EVENT_STREAM_PREFIX": f"bench{run}.events.",
        "WIRESTREAM_RAW_PARTITIONS": str(partitions),
        "WIRESTREAM_OUTPUT_PARTITIONS": str(partitions),
        "WIRESTREAM_METRICS_PORT": "0",
        "WIRESTREAM_DATA_DIR": str(data_dir / "worker-data"),
        "WIRESTREAM_SESSION_TIMEOUT_SECONDS": "10",
        "WIRESTREAM_LOG_LEVEL": "warn",
    }


def settings_of(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("WIRESTREAM_").lower(): v for k, v in env.items() if k.startswith("WIRESTREAM_")})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Outputs:
    """Enriched records published since a mark, their rate from record timestamps, and the CPU they cost."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                      fetch_max_bytes=64 * 1_048_576)
        self.tps = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
        self.consumer.assign(self.tps)

    def mark(self) -> dict[TopicPartition, int]:
        return self.consumer.end_offsets(self.tps)

    def count(self, since: dict[TopicPartition, int]) -> int:
        end = self.consumer.end_offsets(self.tps)
        return sum(end[tp] - since[tp] for tp in self.tps)

    def follow(self, since: dict[TopicPartition, int], total: int, processes: list[subprocess.Popen],
               timeout: float, stop_at_total: bool) -> tuple[int, float]:
        """Wait for ``total`` outputs (or the processes' exit); returns (outputs seen when the first CPU sample
        was taken, CPU seconds the processes had used by then)."""
        deadline = time.monotonic() + timeout
        first: tuple[int, float] | None = None
        while time.monotonic() < deadline:
            done = self.count(since)
            if first is None and done > 0:
                first = (done, sum(cpu_seconds(p.pid) for p in processes))
            if stop_at_total and done >= total:
                break
            if all(p.poll() is not None for p in processes):
                break
            time.sleep(0.2)
        return first or (0, 0.0)

    def rate(self, since: dict[TopicPartition, int]) -> tuple[int, float, float]:
        """(records, seconds from first to last, records/s)."""
        end = self.consumer.end_offsets(self.tps)
        for tp in self.tps:
            self.consumer.seek(tp, since[tp])
        stamps: list[int] = []
        while any(self.consumer.position(tp) < end[tp] for tp in self.tps):
            for tp, records in self.consumer.poll(timeout_ms=500).items():
                stamps.extend(r.timestamp for r in records if r.offset < end[tp])
        if len(stamps) < 2:
            return len(stamps), 0.0, 0.0
        span = (max(stamps) - min(stamps)) / 1000
        return len(stamps), span, (len(stamps) - 1) / span if span > 0 else float("inf")


def pipeline_rate(stories: list[tuple[bytes, bytes]], env: dict[str, str]) -> tuple[float, float]:
    """(stories/s, CPU s per 1000 stories) of the pipeline alone, in this process, in batches as the
    worker runs it."""
    from streams.pipeline import Pipeline, SourceRecord, batched

    settings = settings_of(env)
    pipeline = Pipeline(settings)
    sample = stories[: min(len(stories), 1000)]
    pipeline.process(SourceRecord(value=sample[0][1]))
    records = [SourceRecord(value=value, key=key) for key, value in sample]
    started, cpu = time.perf_counter(), time.process_time()
    for records_batch in batched(records, settings.batch_max_stories):
        pipeline.process_many(records_batch, replay=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(sample) / elapsed, cpu / len(sample) * 1000


def run_command(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "streams.cli.main", *args], env={**os.environ, **env},
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--bootstrap", help="a running broker (default: start one on free ports)")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="wirestream-bench-"))
    broker = None
    bootstrap = options.bootstrap
    if not bootstrap:
        from streams.adapters.broker import LocalBroker

        broker = LocalBroker.on_free_ports(workdir / "kafka")
        broker.start(timeout=120)
        bootstrap = broker.bootstrap
    try:
        run_bench(bootstrap, options.stories, options.partitions, workdir)
    finally:
        if broker is not None:
            broker.stop()


def run_bench(bootstrap: str, count: int, partitions: int, workdir: Path) -> None:
    from streams.adapters.admin import ensure_topics

    run = uuid.uuid4().hex[:6]
    env = environment(bootstrap, run, partitions, workdir)
    settings = settings_of(env)
    ensure_topics(settings)
    stories = make_stories(count)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024)
    for key, value in stories:
        producer.send(settings.raw_topic, key=key, value=value)
    producer.flush()
    producer.close()
    size = sum(len(v) for _, v in stories) / len(stories)
    from kafka.record import util as record_util

    crc = "C (crc32c)" if getattr(record_util, "crc32c_c", None) else "pure Python"
    print(f"{count} stories (mean {size:,.0f} bytes) in {settings.raw_topic}, {partitions} partitions; "
          f"broker {bootstrap}; {os.cpu_count()} CPUs; kafka-python CRC32C {crc}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    results: list[tuple[str, float, float | None, str]] = []
    ceiling, ceiling_cpu = pipeline_rate(stories, env)
    results.append(("pipeline alone (process_many, no Kafka)", ceiling, ceiling_cpu, "1000 stories in process"))
    print(f"  pipeline alone: {ceiling:,.0f} stories/s", flush=True)

    outputs = Outputs(bootstrap, settings.enriched_topic)
    # 1. the live worker on the backlog
    since = outputs.mark()
    worker = run_command(["worker"], env, workdir / "worker.log")
    try:
        seen, cpu_first = outputs.follow(since, count, [worker], timeout=900, stop_at_total=True)
        cpu = (cpu_seconds(worker.pid) - cpu_first) / max(1, count - seen) * 1000
    finally:
        stop_process_group(worker)
    n, span, rate = outputs.rate(since)
    results.append(("live worker (Faust, aiokafka)", rate, cpu, f"{n} outputs in {span:.1f} s"))
    print(f"  live worker: {rate:,.0f} stories/s", flush=True)

    # 2. one replay process, 3. two replay processes in one group (started together)
    for processes in (1, 2):
        since = outputs.mark()
        group = f"{settings.app_id}-replay{processes}"
        before = children_cpu()
        started = [run_command(["replay", "--all", "--group", group], env, workdir / f"replay{processes}-{i}.log")
                   for i in range(processes)]
        seen, cpu_first = outputs.follow(since, count, started, timeout=900, stop_at_total=False)
        for process in started:
            process.wait(timeout=900)
        cpu = (children_cpu() - before - cpu_first) / max(1, count - seen) * 1000
        failed = [i for i, p in enumerate(started) if p.returncode != 0]
        if failed:
            print((workdir / f"replay{processes}-{failed[0]}.log").read_text()[-3000:])
        n, span, rate = outputs.rate(since)
        summaries = [line.strip() for i in range(processes)
                     for line in (workdir / f"replay{processes}-{i}.log").read_text().splitlines()
                     if line.startswith("replayed ")]
        label = f"replay, {processes} process{'es' if processes > 1 else ''}"
        results.append((label, rate, cpu, f"{n} outputs in {span:.1f} s"))
        print(f"  {label}: {rate:,.0f} stories/s; " + " | ".join(summaries), flush=True)

    live = results[1][1]
    print()
    print(f"{'':46} {'stories/s':>10}  {'vs live':>8}  {'CPU s/1000 stories':>18}")
    for label, rate, cpu, detail in results:
        print(f"{label:46} {rate:10,.0f}  {rate / live:8.0%}  {cpu:18.2f}  ({detail})")
    print(f"\nload average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; logs in {workdir}")


if __name__ == "__main__":
    main()
