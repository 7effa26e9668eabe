"""Publishing raw stories to Kafka with kafka-python, validating them first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click
from kafka import KafkaProducer

from streams.cli.inputs import InputRecord
from streams.cli.progress import Progress
from streams.pipeline import Rejected, decode_article
from streams.settings import Settings


def make_producer(settings: Settings, **overrides) -> KafkaProducer:
    options = dict(bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=20,
                   batch_size=256 * 1024, max_request_size=16 * 1_048_576, compression_type=None,
                   client_id="wirestream-ingest")
    options.update(overrides)
    return KafkaProducer(**options)


def ingest_records(settings: Settings, records: list[InputRecord], topic: str, *, validate: bool = True,
                   producer: KafkaProducer | None = None) -> tuple[int, int]:
    """Send records keyed by article id; returns (sent, invalid)."""
    own_producer = producer is None
    producer = producer or make_producer(settings)
    sent = invalid = 0
    now = datetime.now(timezone.utc)
    futures = []
    try:
        with Progress(f"ingest -> {topic}", total=len(records)) as progress:
            for record in records:
                key = None
                try:
                    article = decode_article(record.value, max_bytes=settings.max_message_bytes, received_at=now,
                                             max_future=timedelta(seconds=settings.max_future_seconds))
                    key = article.id.encode("utf-8")
                except Rejected as rejected:
                    if validate:
                        invalid += 1
                        click.echo(f"{record.origin}: {rejected.reason.value}: {rejected.detail}", err=True)
                        progress.update()
                        continue
                futures.append(producer.send(topic, key=key, value=record.value))
                sent += 1
                progress.update()
            producer.flush()
        for future in futures:
            future.get(timeout=30)  # surfaces any delivery error instead of reporting it as sent
    finally:
        if own_producer:
            producer.close()
    return sent, invalid
