"""``wirestream demo``: the main job on one machine, end to end, with everything visible."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
from kafka import KafkaConsumer, TopicPartition

from streams.adapters.admin import ensure_topics
from streams.adapters.broker import LocalBroker
from streams.adapters.processes import stop_process_group
from streams.cli.ingest import ingest_records
from streams.cli.inputs import iter_records
from streams.cli.tail import render
from streams.settings import Settings
from streams.topics import TopicLayout

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _wait_for_metrics(port: int, process: subprocess.Popen, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the worker exited with code {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise click.ClickException("the worker's metrics endpoint did not come up")


def _end_offsets(consumer: KafkaConsumer, topics: list[str]) -> dict[TopicPartition, int]:
    partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
    return consumer.end_offsets(partitions)


def run_demo(settings: Settings, keep_running: bool = True) -> None:
    broker = LocalBroker.from_settings(settings)
    started_broker = broker.pid() is None
    click.secho("1/5 starting the local Kafka broker (KRaft, single node)...", bold=True)
    broker.start()
    click.echo(f"    broker on {broker.bootstrap}, log {broker.log_file}")
    ensure_topics(settings)
    layout = TopicLayout.from_settings(settings)

    log_path = Path(settings.data_dir).parent / "worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    click.secho(f"2/5 starting a worker (log {log_path})...", bold=True)
    with open(log_path, "ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker"], stdout=log,
                                  stderr=subprocess.STDOUT, env=os.environ.copy(), start_new_session=True)
    try:
        _wait_for_metrics(settings.metrics_port, worker)
        click.echo(f"    metrics on http://127.0.0.1:{settings.metrics_port}/metrics")

        consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None,
                                 enable_auto_commit=False, client_id="wirestream-demo")
        watched = [layout.enriched, layout.dlq, *layout.by_topic_code.values(), *layout.by_event_type.values()]
        start = _end_offsets(consumer, watched)
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)

        click.secho("3/5 ingesting the sample stories (the seed story among them) and three malformed messages...",
                    bold=True)
        good = list(iter_records(str(SAMPLES / "stories.jsonl")))
        bad = list(iter_records(str(SAMPLES / "bad.jsonl")))
        ingest_records(settings, good, layout.raw)
        ingest_records(settings, bad, layout.raw, validate=False)

        click.secho("4/5 what downstream subscribers receive:", bold=True)
        enriched = dead = 0
        deadline = time.monotonic() + 120
        while (enriched < len(good) or dead < len(bad)) and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    enriched += tp.topic == layout.enriched
                    dead += tp.topic == layout.dlq
                    click.echo(f"[{tp.topic}] {render(record.value)}")
        consumer.close()
        click.echo(f"    {enriched} enriched articles, {dead} dead letters")

        click.secho("5/5 worker metrics (excerpt):", bold=True)
        exposition = _wait_for_metrics(settings.metrics_port, worker)
        for line in exposition.splitlines():
            if line.startswith(("wirestream_stories_", "wirestream_events_published_total")) \
                    and "_created" not in line:
                click.echo(f"    {line}")
        if keep_running:
            click.secho("\nThe worker keeps running: `wirestream ingest FILE` in another shell, "
                        "`wirestream tail wire.enriched` to watch. Ctrl-C stops everything.", bold=True)
            worker.wait()
    except KeyboardInterrupt:
        click.echo("\nstopping...")
    finally:
        stop_process_group(worker, timeout=20)
        if started_broker:
            broker.stop()
            click.echo("worker and broker stopped")
        else:
            click.echo("worker stopped (the broker was already running and is left up)")
