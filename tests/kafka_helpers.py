"""Reading and writing topics in tests with kafka-python, over a real connection."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


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
