"""What a downstream subscriber sees on a topic, as readable lines or raw JSON."""

from __future__ import annotations

import json
import time

import click
from kafka import KafkaConsumer, TopicPartition

from streams.settings import Settings


def _actor(actor: dict | None) -> str:
    if not actor:
        return "-"
    return f"{actor.get('name')} ({actor.get('country') or '?'})"


def render(value: bytes | None) -> str:
    """One line per record: articles with their topics, events as who-did-what-to-whom."""
    if value is None:
        return "(tombstone)"
    try:
        doc = json.loads(value)
    except ValueError:
        return value[:200].decode("utf-8", "replace")
    if not isinstance(doc, dict):
        return json.dumps(doc)[:200]
    if "event_type" in doc:
        mode = f"/{doc['mode']}" if doc.get("mode") else ""
        when = doc.get("date") or "date?"
        qty = "; ".join(q.get("text", "") for q in doc.get("quantities") or [])
        return (f"{doc['event_type']}{mode:<10} {_actor(doc.get('source'))} -> {_actor(doc.get('target'))}  "
                f"[{when}]{'  ' + qty if qty else ''}\n    \"{doc.get('sentence', '')[:160]}\"")
    if "error_class" in doc:
        where = f"{doc.get('topic')}[{doc.get('partition')}]@{doc.get('offset')}"
        return f"DEAD LETTER {doc['error_class']} from {where}: {doc.get('reason', '')[:200]}"
    if "article_id" in doc:
        topics = ", ".join(f"{t['label']} {t['score']:.2f}" for t in doc.get("topics", []))
        replay = " (replay)" if doc.get("replay") else ""
        return (f"{doc['article_id']} v{doc.get('version')}{replay}: {doc.get('headline', '')[:90]}\n"
                f"    topics: {topics or '-'} | events: {len(doc.get('events', []))}")
    return json.dumps(doc)[:200]


def tail_topic(settings: Settings, topic: str, *, from_beginning: bool, as_json: bool,
               max_messages: int | None = None, idle_timeout: float | None = None) -> int:
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
                             isolation_level="read_committed", client_id="wirestream-tail")
    shown = 0
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise click.ClickException(f"topic {topic!r} does not exist")
        assignment = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assignment)
        (consumer.seek_to_beginning if from_beginning else consumer.seek_to_end)(*assignment)
        last = time.monotonic()
        while max_messages is None or shown < max_messages:
            batch = consumer.poll(timeout_ms=500)
            if not batch:
                if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                    break
                continue
            last = time.monotonic()
            for records in batch.values():
                for record in records:
                    click.echo(record.value.decode("utf-8", "replace") if as_json and record.value else render(record.value))
                    shown += 1
                    if max_messages is not None and shown >= max_messages:
                        return shown
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return shown
