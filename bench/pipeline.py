"""Wirestream's benchmark: figures, never a pass/fail.

    .venv/bin/python bench/pipeline.py [--stories 3000] [--bootstrap HOST:PORT] [--stages-only]

Against a real local Kafka broker (started here on free ports unless --bootstrap is given), over
the same ~600-word stories, in one run:
  * each enrichment stage alone (cleaning, classification, extraction) and the whole enrichment
    through ``Pipeline.process`` (no Kafka), stories per CPU-second on one core (``--stages-only``
    stops here, without a broker);
  * the ceiling: a plain aiokafka consume-produce loop, and a pass-through Faust agent;
  * the Wirestream worker end to end (wire.raw to every output), with one and with two worker
    processes, and each worker's peak RSS;
  * latency from arrival on wire.raw to publication on wire.enriched (p50/p95/p99) at 50% and 90%
    of the one-worker rate, on a fresh broker when the benchmark started its own.
Throughput is counted between the first and the last output record (Kafka CreateTime), so worker
start-up and group joins are not in it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Appended, not prepended: an installed compiled build (WIRESTREAM_COMPILE=1 pip install .) is the one
# measured when there is one; the development install resolves to this tree either way.
sys.path.append(str(ROOT))

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

from streams.adapters.broker import LocalBroker, free_port  # noqa: E402
from streams.compiled import running_compiled  # noqa: E402
from streams.pipeline import Pipeline, SourceRecord, batched  # noqa: E402
from streams.settings import Settings  # noqa: E402
from streams.training.corpora import dev_set  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The worker's default batch (WIRESTREAM_BATCH_MAX_STORIES).
BATCH = Settings.model_fields["batch_max_stories"].default


def make_stories(count: int) -> list[tuple[bytes, bytes]]:
    """~600-word wire stories: three development-set bodies per story, unique ids."""
    base = dev_set(ROOT / "tests" / "data" / "dev")
    stories = []
    for i in range(count):
        parts = [base[(3 * i + k) % len(base)] for k in range(3)]
        doc = {"id": f"bench-{i:06d}", "headline": parts[0].headline, "body": "\n".join(p.body for p in parts),
               "published_at": "2025-11-25T12:00:00Z", "source": "bench", "dateline": parts[0].dateline}
        stories.append((doc["id"].encode(), json.dumps(doc).encode()))
    return stories


def stage_rates(stories: list[tuple[bytes, bytes]], seconds: float = 3.0) -> dict[str, float]:
    """Stories per CPU-second of each enrichment stage alone, on the same stories."""
    from schemas.models import RawArticle
    from streams.domain.classify import TopicClassifier
    from streams.domain.cleaning import clean_article
    from streams.domain.extract import EventExtractor
    from streams.evaluation.common import cpu_rate

    raws = [RawArticle.model_validate_json(value) for _, value in stories[:200]]
    cleaned = [clean_article(raw) for raw in raws]
    classifier, extractor = TopicClassifier.load(), EventExtractor.load()
    return {
        "cleaning": cpu_rate(clean_article, raws, seconds),
        "classification": cpu_rate(classifier.classify, cleaned, seconds),
        "extraction": cpu_rate(lambda pair: extractor.extract(*pair, pipeline_version="bench"),
                               list(zip(cleaned, raws)), seconds),
    }


def enrichment_alone(stories: list[tuple[bytes, bytes]], seconds: float = 5.0, batch: int = 1) -> float:
    """Stories per CPU-second through ``Pipeline.process_many`` in batches of ``batch``, as the
    worker enriches them (1: one by one)."""
    pipeline = Pipeline(Settings(metrics_port=0))
    batches = list(batched([SourceRecord(value=value, key=key) for key, value in stories[:200]], batch))
    done, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        for records in batches:
            pipeline.process_many(records)
            done += len(records)
    return done / (time.process_time() - started)


def mean_words(stories: list[tuple[bytes, bytes]]) -> float:
    return statistics.mean(len(json.loads(v)["body"].split()) for _, v in stories[:50])


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, stories: list[tuple[bytes, bytes]], rate: float | None = None) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, batch_size=512 * 1024,
                             max_request_size=16 * 1_048_576)
    started = time.monotonic()
    for i, (key, value) in enumerate(stories):
        if rate:
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def collect(bootstrap: str, topic: str, count: int, timeout: float) -> list:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             fetch_max_bytes=64 * 1_048_576)
    records = []
    try:
        deadline = time.monotonic() + timeout
        while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            time.sleep(0.2)
            consumer.topics()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def rate_of(records: list) -> float:
    stamps = sorted(r.timestamp for r in records)
    if len(stamps) < 2 or stamps[-1] == stamps[0]:
        return float("nan")
    return (len(stamps) - 1) / ((stamps[-1] - stamps[0]) / 1000.0)


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Workers:
    """Wirestream workers as real processes, with their own topics and group."""

    def __init__(self, bootstrap: str, tmp: Path, count: int, partitions: int) -> None:
        run = uuid.uuid4().hex[:6]
        self.env = {
            **os.environ,
            "WIRESTREAM_BOOTSTRAP_SERVERS": bootstrap, "WIRESTREAM_APP_ID": f"bench-{run}",
            "WIRESTREAM_RAW_TOPIC": f"b{run}.wire.raw", "WIRESTREAM_ENRICHED_TOPIC": f"b{run}.wire.enriched",
            "WIRESTREAM_DLQ_TOPIC": f"b{run}.wire.dlq", "WIRESTREAM_TOPIC_STREAM_PREFIX": f"b{run}.topics.",
            "WIRESTREAM_EVENT_STREAM_PREFIX": f"b{run}.events.", "WIRESTREAM_RAW_PARTITIONS": str(partitions),
            "WIRESTREAM_OUTPUT_PARTITIONS": "2", "WIRESTREAM_LOG_LEVEL": "warn",
        }
        self.raw, self.enriched = self.env["WIRESTREAM_RAW_TOPIC"], self.env["WIRESTREAM_ENRICHED_TOPIC"]
        self.tmp, self.count, self.processes = tmp, count, []

    def start(self) -> None:
        for n in range(self.count):
            env = {**self.env, "WIRESTREAM_METRICS_PORT": str(free_port()), "WIRESTREAM_WEB_PORT": str(free_port()),
                   "WIRESTREAM_DATA_DIR": str(self.tmp / f"{self.env['WIRESTREAM_APP_ID']}-{n}")}
            log_file = open(self.tmp / f"{self.env['WIRESTREAM_APP_ID']}-{n}.log", "ab")
            self.processes.append(subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker"], env=env,
                                                   cwd=self.tmp, stdout=log_file, stderr=subprocess.STDOUT))

    def peak_rss(self) -> list[float]:
        return [peak_rss_mb(p.pid) for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def measure_workers(bootstrap: str, tmp: Path, stories, count: int) -> tuple[float, list[float]]:
    workers = Workers(bootstrap, tmp, count, partitions=4)
    create_topics(bootstrap, [workers.raw], 4)
    produce(bootstrap, workers.raw, stories)
    workers.start()
    try:
        records = collect(bootstrap, workers.enriched, len(stories), timeout=60 + len(stories) / 20)
        rss = workers.peak_rss()
    finally:
        workers.stop()
    if len(records) < len(stories):
        log(f"  only {len(records)} of {len(stories)} outputs arrived")
    return rate_of(records), rss


def measure_latency(bootstrap: str, tmp: Path, stories, rate: float, seconds: float) -> list[float]:
    workers = Workers(bootstrap, tmp, 1, partitions=4)
    create_topics(bootstrap, [workers.raw], 4)
    workers.start()
    try:
        warm = stories[:20]
        produce(bootstrap, workers.raw, warm)
        collect(bootstrap, workers.enriched, len(warm), timeout=120)  # the worker has joined and is warm
        batch = stories[20: 20 + int(rate * seconds)]
        produce(bootstrap, workers.raw, batch, rate=rate)
        outputs = collect(bootstrap, workers.enriched, len(warm) + len(batch), timeout=60 + seconds * 3)
        inputs = collect(bootstrap, workers.raw, len(warm) + len(batch), timeout=30)
    finally:
        workers.stop()
    sent = {r.key: r.timestamp for r in inputs}
    return sorted(o.timestamp - sent[o.key] for o in outputs if o.key in sent and o.key not in {k for k, _ in warm})


async def aiokafka_loop(bootstrap: str, source: str, sink: str, count: int) -> float:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=f"bench-loop-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", max_partition_fetch_bytes=16 * 1_048_576)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=16 * 1_048_576)
    await consumer.start()
    await producer.start()
    seen = 0
    try:
        async for message in consumer:
            await producer.send(sink, key=message.key, value=message.value)
            seen += 1
            if seen >= count:
                break
        await producer.flush()
    finally:
        await consumer.stop()
        await producer.stop()
    return rate_of(collect(bootstrap, sink, count, timeout=60))


def faust_passthrough(bootstrap: str, tmp: Path, source: str, sink: str, count: int) -> tuple[float, float]:
    app_id = f"bench-pass-{uuid.uuid4().hex[:6]}"
    with open(tmp / f"{app_id}.log", "ab") as log_file:
        process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "passthrough_app.py"), bootstrap, source,
                                    sink, app_id, str(tmp / app_id)], stdout=log_file, stderr=subprocess.STDOUT)
    try:
        records = collect(bootstrap, sink, count, timeout=120)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rate_of(records), rss


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _build() -> str:
    return ("compiled domain modules (mypyc)" if running_compiled() else
            "pure Python (WIRESTREAM_COMPILE=1 pip install . compiles the domain modules)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=3000, help="stories per throughput run")
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="length of each latency run")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--stages-only", action="store_true", help="only the enrichment figures, no broker")
    args = parser.parse_args()
    if args.stages_only:
        stories = make_stories(args.stories)
        log("enrichment stages alone (no Kafka)...")
        single, alone = enrichment_alone(stories), enrichment_alone(stories, batch=BATCH)
        print(f"\nWirestream enrichment, {len(stories)} stories of ~{mean_words(stories):.0f} words, one core "
              "(CPU time)")
        print(f"  {'build':<22} {_build()}")
        for stage, rate in stage_rates(stories).items():
            print(f"  {stage:<22} {rate:>7,.0f} stories/s")
        print(f"  {'whole enrichment':<22} {single:>7,.0f} stories/s one by one (Pipeline.process: validation, the "
              "three stages, output records)")
        print(f"  {'':<22} {alone:>7,.0f} stories/s in batches of {BATCH}, as the worker runs it")
        return

    tmp = Path(tempfile.mkdtemp(prefix="wirestream-bench-"))
    broker = None
    bootstrap = args.bootstrap
    if not bootstrap:
        broker = LocalBroker.on_free_ports(tmp / "broker")
        log("starting a local broker...")
        broker.start(timeout=120)
        bootstrap = broker.bootstrap
    results: dict[str, str] = {}
    try:
        stories = make_stories(args.stories)
        log("1/6 enrichment alone (no Kafka)...")
        single, alone = enrichment_alone(stories), enrichment_alone(stories, batch=BATCH)
        results["stories"] = f"{len(stories)} stories of ~{mean_words(stories):.0f} words"
        results["build"] = _build()
        results["enrichment alone"] = (f"{alone:,.0f} stories/s per core (CPU time) in batches of {BATCH}, "
                                       f"{single:,.0f} one by one")
        for stage, rate in stage_rates(stories).items():
            results[f"  {stage} alone"] = f"{rate:,.0f} stories/s per core"

        source, sink = f"bench.{uuid.uuid4().hex[:6]}.in", f"bench.{uuid.uuid4().hex[:6]}.out"
        create_topics(bootstrap, [source, sink], 4)
        produce(bootstrap, source, stories)
        log("2/6 plain aiokafka consume-produce loop...")
        loop_rate = asyncio.run(aiokafka_loop(bootstrap, source, sink, len(stories)))
        results["aiokafka loop (ceiling)"] = f"{loop_rate:,.0f} messages/s"
        log("3/6 pass-through Faust agent...")
        sink2 = f"bench.{uuid.uuid4().hex[:6]}.out"
        create_topics(bootstrap, [sink2], 4)
        pass_rate, pass_rss = faust_passthrough(bootstrap, tmp, source, sink2, len(stories))
        results["Faust pass-through (ceiling)"] = f"{pass_rate:,.0f} messages/s, peak RSS {pass_rss:.0f} MB"

        log("4/6 Wirestream, one worker...")
        one, rss_one = measure_workers(bootstrap, tmp, stories, 1)
        results["Wirestream, 1 worker"] = (f"{one:,.0f} stories/s end to end ({one / alone:.0%} of enrichment "
                                           f"alone), peak RSS {rss_one[0]:.0f} MB")
        log("5/6 Wirestream, two workers...")
        two, rss_two = measure_workers(bootstrap, tmp, stories, 2)
        results["Wirestream, 2 workers"] = (f"{two:,.0f} stories/s ({two / one:.2f}x one worker), peak RSS "
                                            f"{', '.join(f'{r:.0f}' for r in rss_two)} MB")
        log("6/6 latency at 50% and 90% of the one-worker rate...")
        if broker is not None:
            # A broker left with every earlier run's topics (about 40 a worker run) answers more
            # slowly than one holding a single deployment's: latency is measured on a fresh one.
            broker.stop()
            broker = LocalBroker.on_free_ports(tmp / "broker-latency")
            broker.start(timeout=120)
            bootstrap = broker.bootstrap
        for share in (0.5, 0.9):
            latencies = measure_latency(bootstrap, tmp, stories, one * share, args.latency_seconds)
            results[f"latency at {share:.0%} load ({one * share:,.0f}/s)"] = (
                f"p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
                f"p99 {percentile(latencies, 0.99):.0f} ms ({len(latencies)} stories)")
    finally:
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    width = max(map(len, results))
    print("\nWirestream benchmark (this machine: %d cores)" % os.cpu_count())
    for name, value in results.items():
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
