"""Prometheus metrics: one ``wirestream_`` prefix, base units, ``_total`` counters, bounded labels.

Label values come only from closed sets (stage names, dead-letter reason classes, the 16 PLOVER
types, the 17 IPTC topic slugs, partition numbers): never an article id or an actor name.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info, start_http_server

# Stage timings on this kind of machine run from ~20 µs (validate) to a few ms (long features).
_STAGE_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
# Arrival to publication: tens of ms when keeping up, seconds to minutes when a backlog builds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

STORIES_CONSUMED = Counter("wirestream_stories_consumed_total", "Raw messages read from the input topic")
STORIES_ENRICHED = Counter("wirestream_stories_enriched_total", "Stories enriched and published")
STORIES_DEAD_LETTERED = Counter(
    "wirestream_stories_dead_lettered_total", "Messages sent to the dead-letter topic", ["reason"]
)
STORIES_SUPERSEDED = Counter(
    "wirestream_stories_superseded_total", "Story versions skipped because a newer version was already processed"
)
EVENTS_PUBLISHED = Counter("wirestream_events_published_total", "Events published, by PLOVER type", ["event_type"])
TOPIC_STORIES_PUBLISHED = Counter(
    "wirestream_topic_stories_published_total", "Stories published to a topic stream, by IPTC topic", ["topic"]
)
BATCHES = Counter(
    "wirestream_batches_total",
    "Batches of stories the worker enriched together (stories consumed / batches = the mean batch size)",
)
STAGE_DURATION = Histogram(
    "wirestream_stage_duration_seconds", "Time spent per processing stage", ["stage"], buckets=_STAGE_BUCKETS
)
END_TO_END_LATENCY = Histogram(
    "wirestream_end_to_end_latency_seconds",
    "From the story's arrival on the input topic (record timestamp) to the publication of its outputs",
    buckets=_LATENCY_BUCKETS,
)
CONSUMER_LAG_MESSAGES = Gauge(
    "wirestream_consumer_lag_messages",
    "Input messages not yet committed by the worker group, per partition (broker end offset - committed offset)",
    ["topic", "partition"],
)
CONSUMER_LAG_SECONDS = Gauge(
    "wirestream_consumer_lag_seconds",
    "Age of the oldest uncommitted input message per partition (0 when caught up)",
    ["topic", "partition"],
)
REBALANCES = Counter("wirestream_rebalances_total", "Consumer group rebalances seen by this worker")
ASSIGNED_PARTITIONS = Gauge("wirestream_assigned_partitions", "Input partitions assigned to this worker")
WORKER_UP = Gauge("wirestream_worker_up", "1 while the worker's agent is running")
BUILD_INFO = Info("wirestream_build", "Package and pipeline versions of this process")


def observe_stage(stage: str, seconds: float) -> None:
    STAGE_DURATION.labels(stage=stage).observe(seconds)


def serve_metrics(port: int, package_version: str, pipeline_version: str) -> None:
    BUILD_INFO.info({"version": package_version, "pipeline_version": pipeline_version})
    if port:
        start_http_server(port, addr="0.0.0.0")
