"""Topic administration with kafka-python: create what is missing, describe what exists."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.settings import Settings
from streams.topics import TopicLayout

# Raw and dead-letter topics accept messages past the worker's own limit, so an oversized story
# reaches the worker and is dead-lettered with its bytes instead of being refused at the door.
_LARGE_MESSAGES = {"max.message.bytes": str(16 * 1_048_576)}


@contextmanager
def admin_client(bootstrap_servers: str, client_id: str = "wirestream-admin") -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id=client_id, request_timeout_ms=15000)
    try:
        yield admin
    finally:
        admin.close()


def wanted_topics(settings: Settings) -> list[NewTopic]:
    layout = TopicLayout.from_settings(settings)
    rf = settings.replication_factor
    topics = [
        NewTopic(layout.raw, settings.raw_partitions, rf, topic_configs=_LARGE_MESSAGES),
        NewTopic(layout.dlq, settings.output_partitions, rf, topic_configs=_LARGE_MESSAGES),
    ]
    topics += [NewTopic(name, settings.output_partitions, rf) for name in layout.outputs()]
    return topics


def ensure_topics(settings: Settings) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    with admin_client(settings.bootstrap_servers) as admin:
        existing = set(admin.list_topics())
        missing = [topic for topic in wanted_topics(settings) if topic.name not in existing]
        created = []
        for topic in missing:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # another worker won the race
        return created
