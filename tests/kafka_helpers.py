"""Reading and writing topics in tests with kafka-python, over a real connection."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def worker_env(bootstrap: str, data_dir: Path, name: str, **extra: str) -> dict[str, str]:
    """A worker's environment with its own app id, topics (prefixed with ``name``'s initial), ports
    and local state, so tests sharing one broker never see each other's records."""
    from streams.adapters.broker import free_port

    run = uuid.uuid4().hex[:8]
    prefix = f"{name[0]}{run}"
    return {
        "WIRESTREAM_BOOTSTRAP_SERVERS": bootstrap,
        "WIRESTREAM_APP_ID": f"wirestream-{name}-{run}",
        "WIRESTREAM_RAW_TOPIC": f"{prefix}.wire.raw",
        "WIRESTREAM_ENRICHED_TOPIC": f"{prefix}.wire.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"{prefix}.wire.dlq",
        "WIRESTREAM_TOPIC_STREAM_PREFIX": f"{prefix}.topics.",
        "WIRESTREAM_EVENT_STREAM_PREFIX": f"{prefix}.events.",
        "WIRESTREAM_RAW_PARTITIONS": "2",
        "WIRESTREAM_OUTPUT_PARTITIONS": "1",
        "WIRESTREAM_METRICS_PORT": str(free_port()),
        "WIRESTREAM_WEB_PORT": str(free_port()),
        "WIRESTREAM_DATA_DIR": str(data_dir / f"worker-data-{run}"),
        "WIRESTREAM_SESSION_TIMEOUT_SECONDS": "10",
        "WIRESTREAM_COMMIT_INTERVAL_SECONDS": "0.5",
        "WIRESTREAM_LOG_LEVEL": "warn",
        **extra,
    }


def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes | None]], **extra) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=16 * 1_048_576,
                             linger_ms=10, **extra)
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in messages]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def consume(bootstrap: str, topics: list[str], until: Callable[[dict[str, list]], bool], timeout: float = 90.0,
            isolation_level: str = "read_uncommitted") -> dict[str, list]:
    """All records on ``topics`` from the beginning, until ``until(records_by_topic)`` or timeout."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             isolation_level=isolation_level, fetch_max_bytes=64 * 1_048_576,
                             max_partition_fetch_bytes=32 * 1_048_576)
    found: dict[str, list] = defaultdict(list)
    try:
        partitions = []
        deadline = time.monotonic() + timeout
        for topic in topics:
            while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
                time.sleep(0.2)
                consumer.topics()  # refresh metadata
            partitions += [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        while time.monotonic() < deadline and not until(found):
            for tp, records in consumer.poll(timeout_ms=300).items():
                found[tp.topic].extend(records)
    finally:
        consumer.close()
    return found
