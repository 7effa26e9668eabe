"""The Faust application: topics, the version table and the enrichment agent.

The agent is thin on purpose: it turns a Kafka event into a :class:`SourceRecord`, asks the
:class:`Pipeline` what to publish, keeps the version table, and sends. Everything that decides
*what* is published lives in :mod:`streams.pipeline` and :mod:`streams.domain`, testable
without Kafka.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from datetime import datetime, timezone
from pathlib import Path
from time import time
from typing import AsyncIterator

import faust
import faust.streams as faust_streams

from streams.adapters import metrics
from streams.domain.vocabulary import IPTC_TOP_LEVEL
from streams.pipeline import Outcome, OutputRecord, Pipeline, SourceRecord
from streams.settings import Settings
from streams.topics import slugify

log = logging.getLogger("wirestream.worker")

# Faust names a table's changelog topic "<app id>-<table>-changelog".
VERSION_TABLE = "article-versions"


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> faust.App:
    pipeline = pipeline or Pipeline(settings)
    # The models, gazetteer and lexicons are a few hundred thousand long-lived objects: moved out of
    # the collector's reach, full collections stop rescanning them and stalling the event loop.
    gc.collect()
    gc.freeze()
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        store="memory://",
        processing_guarantee=settings.processing_guarantee,
        broker_commit_interval=settings.commit_interval_seconds,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        topic_partitions=settings.raw_partitions,
        topic_replication_factor=settings.replication_factor,
        producer_max_request_size=16 * 1_048_576,
        consumer_max_fetch_size=16 * 1_048_576,
        datadir=str(settings.data_dir),
        web_enabled=False,
        web_port=settings.web_port,
        # Faust checks that a table's locally persisted changelog offset is not past the topic's
        # end (a stale RocksDB file). Under exactly_once it reads that end as the last stable
        # offset, which is -1 until the partition has been fetched, so a worker that keeps a
        # standby copy crashes with ConsistencyError when a second worker joins. The store
        # here is in memory (nothing on disk to go stale): skip the check under exactly_once.
        recovery_consistency_check=settings.processing_guarantee != "exactly_once",
    )
    layout = pipeline.layout
    # Bytes in and out: validation and serialisation are the pipeline's job, so a malformed
    # message reaches it (and the dead-letter topic) instead of failing inside Faust.
    raw_topic = app.topic(layout.raw, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                          partitions=settings.raw_partitions)
    outputs = {name: app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
               for name in layout.all() if name != layout.raw}
    # article id -> highest version processed; changelog-backed, so it survives restarts and
    # moves with its partition on rebalance.
    versions = app.Table(VERSION_TABLE, default=int, key_type=str, value_type=int, partitions=settings.raw_partitions)
    topic_slugs = {layout.by_topic_code[code]: slugify(label) for code, label in IPTC_TOP_LEVEL.items()}
    event_types = {name: event_type for event_type, name in layout.by_event_type.items()}

    exactly_once = settings.processing_guarantee == "exactly_once"

    async def publish(records: list[OutputRecord], source_topic: str, source_partition: int) -> None:
        if exactly_once:
            # Faust (0.15) sends through its TransactionManager, which picks the transaction from
            # the *destination* partition as seen in the consumer's metadata; output topics are
            # not subscribed, so it finds none and sends outside any transaction: a read_committed
            # subscriber then sees duplicates after a crash. Send in the transaction of the
            # partition the story came from instead, the one Faust commits that partition's
            # offsets and table changelog in ("{app id}-{topic group}-{partition}").
            group = app.assignor.group_for_topic(source_topic)
            transactional_id = f"{app.conf.id}-{group}-{source_partition}"
            for record in records:
                await app.producer.send(record.topic, record.key, record.value, None, None, list(record.headers),
                                        transactional_id=transactional_id)
            return
        for record in records:
            await outputs[record.topic].send(key=record.key, value=record.value, headers=list(record.headers))

    def source_record(event: faust.EventT) -> SourceRecord:
        message = event.message
        arrived = datetime.fromtimestamp(message.timestamp, timezone.utc) if message.timestamp else None
        return SourceRecord(value=event.value, key=event.key, topic=message.topic,
                            partition=message.partition, offset=message.offset, timestamp=arrived)

    async def handle(event: faust.EventT, outcome: Outcome) -> None:
        """Publish one story's outcome (enriched in its batch) and count it."""
        message = event.message
        if outcome.dead_letter is not None:
            letter = outcome.dead_letter
            metrics.STORIES_DEAD_LETTERED.labels(reason=letter.error_class.value).inc()
            log.warning("dead-lettered %s[%s]@%s: %s: %s", message.topic, message.partition, message.offset,
                        letter.error_class.value, letter.reason[:300])
        else:
            article = outcome.article
            if versions[article.article_id] > article.version:
                metrics.STORIES_SUPERSEDED.inc()
                log.info("skipped %s v%d: v%d already processed", article.article_id, article.version,
                         versions[article.article_id])
                return
            versions[article.article_id] = article.version
        started = time()
        await publish(outcome.records, message.topic, message.partition)
        metrics.observe_stage("publish", time() - started)
        if outcome.article is not None:
            metrics.STORIES_ENRICHED.inc()
            for output in outcome.records:
                if output.topic in topic_slugs:
                    metrics.TOPIC_STORIES_PUBLISHED.labels(topic=topic_slugs[output.topic]).inc()
                elif output.topic in event_types:
                    metrics.EVENTS_PUBLISHED.labels(event_type=event_types[output.topic]).inc()
            if message.timestamp:
                metrics.END_TO_END_LATENCY.observe(max(0.0, time() - message.timestamp))

    # exactly_once: Faust commits by taking the acked offsets, then committing each input
    # partition's transaction with them, while the agent keeps running. Records sent in between
    # would be committed without their offsets and sent again after a crash, so under
    # exactly_once the agent handles and acks each event under a lock that Faust's commit takes too.
    commit_lock = asyncio.Lock()

    def serialize_commits(consumer) -> None:  # noqa: ANN001 - faust.transport.consumer.Consumer
        if getattr(consumer, "_wirestream_commit_lock", None) is commit_lock:
            return  # the agent was restarted: already wrapped
        commit_tps = consumer._commit_tps

        async def locked_commit_tps(tps, start_new_transaction: bool) -> bool:  # noqa: ANN001
            async with commit_lock:
                return await commit_tps(tps, start_new_transaction)

        consumer._commit_tps = locked_commit_tps
        consumer._wirestream_commit_lock = commit_lock

    # After a rebalance, Faust's recovery resumes fetching the input partitions and only then
    # seeks them to the committed offsets. Records fetched in between race with the seek:
    # observed here after SIGKILL restarts with a backlog, a few records at the head of a
    # partition never reach the agent, and Faust's offset bookkeeping then either commits past
    # them (lost, under either guarantee) or never commits that partition again (stalled). Hold
    # the input partitions paused until the seek is done, then resume them.
    def seek_before_fetching(consumer) -> None:  # noqa: ANN001 - faust.transport.consumer.Consumer
        if getattr(consumer, "_wirestream_seek_first", False):
            return  # the agent was restarted: already wrapped
        resume_partitions, perform_seek = consumer.resume_partitions, consumer.perform_seek
        held: set = set()

        def resume_after_seek(tps) -> None:  # noqa: ANN001
            tps = set(tps)
            inputs = {tp for tp in tps if tp.topic == layout.raw}
            held.update(inputs)
            resume_partitions(tps - inputs)

        async def seek_then_resume() -> None:
            try:
                await perform_seek()
            finally:
                assigned = consumer.assignment()
                ready = {tp for tp in held if tp in assigned}
                held.clear()
                if ready:
                    resume_partitions(ready)

        consumer.resume_partitions = resume_after_seek
        consumer.perform_seek = seek_then_resume
        consumer._wirestream_seek_first = True

    async def batches(stream) -> AsyncIterator[list[faust.EventT]]:  # noqa: ANN001 - faust.StreamT
        # Stories that are already waiting are enriched together, stage by stage (faster per story:
        # see Enricher.enrich_many); a lone story waits at most batch_max_wait_seconds for company.
        if settings.batch_max_stories == 1:
            async for event in stream.events():
                yield [event]
            return
        async for events in stream.take_events(settings.batch_max_stories, within=settings.batch_max_wait_seconds):
            yield events

    @app.agent(raw_topic, name="enrich-stories")
    async def enrich_stories(stream):  # noqa: ANN001 - faust.StreamT
        seek_before_fetching(app.consumer)
        if exactly_once:
            serialize_commits(app.consumer)
        async for events in batches(stream):
            metrics.STORIES_CONSUMED.inc(len(events))
            metrics.BATCHES.inc()
            # Enrichment is pure: nothing is sent or acked until each story is handled below.
            outcomes = pipeline.process_many([source_record(event) for event in events],
                                             observe=metrics.observe_stage)
            for event, outcome in zip(events, outcomes):
                # The version table writes its changelog to the partition of the event being
                # handled, which Faust reads from the current-event context variable; a batch has to
                # set it. Only the variable (this task's copy): the stream's own current_event is
                # what take_events reads to pair the next buffered value with its event.
                faust_streams._current_event.set(weakref.ref(event))
                if not exactly_once:
                    await handle(event, outcome)
                    event.ack()  # take_events would ack the batch only after its last story
                    continue
                async with commit_lock:
                    await handle(event, outcome)
                    # The version table's changelog record is queued by Faust; hand it to the
                    # producer now, so that it joins this transaction too.
                    await app.producer.buffer.flush()
                    event.ack()

    @app.task
    async def mark_up() -> None:
        metrics.WORKER_UP.set(1)

    # Sent once per completed rebalance (the first join included) with this worker's whole new
    # assignment, which also holds table changelog partitions: count only the input's.
    @app.on_partitions_assigned.connect
    async def on_assigned(sender: faust.App, assigned: set, **kwargs) -> None:  # noqa: ANN003
        metrics.REBALANCES.inc()
        metrics.ASSIGNED_PARTITIONS.set(sum(1 for tp in assigned if tp.topic == layout.raw))

    @app.on_before_shutdown.connect
    async def mark_down(sender: faust.App, **kwargs) -> None:  # noqa: ANN003
        metrics.WORKER_UP.set(0)
        metrics.ASSIGNED_PARTITIONS.set(0)

    app.wirestream_pipeline = pipeline  # for the CLI and tests
    return app
