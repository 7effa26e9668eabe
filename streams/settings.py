"""All configuration, from one object read from the environment (prefix ``WIRESTREAM_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_CACHE = Path.home() / ".cache" / "wirestream"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_", env_file=None, extra="ignore")

    # Kafka
    bootstrap_servers: str = "127.0.0.1:9092"
    app_id: str = Field(default="wirestream", description="Faust app id; also the worker's consumer group")
    raw_topic: str = "wire.raw"
    enriched_topic: str = "wire.enriched"
    dlq_topic: str = "wire.dlq"
    topic_stream_prefix: str = "topics."
    event_stream_prefix: str = "events."
    raw_partitions: int = Field(default=4, ge=1)
    output_partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"
    commit_interval_seconds: float = Field(default=1.0, gt=0)
    session_timeout_seconds: float = Field(default=30.0, gt=0)

    # Input limits
    max_message_bytes: int = Field(default=1_048_576, ge=1024, description="larger raw messages are dead-lettered")
    max_future_seconds: float = Field(
        default=3600.0, ge=0, description="how far published_at may lie after the record's arrival"
    )

    # Enrichment
    topic_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="one score threshold for every topic; unset: the model's per-topic thresholds (model.json)")
    max_topics: int = Field(default=3, ge=1, le=17)
    pipeline_version: str | None = Field(default=None, description="override; normally derived from code and data")

    # Worker runtime
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="0 disables the metrics endpoint")
    lag_interval_seconds: float = Field(
        default=10.0, gt=0, description="how often the consumer lag is measured from the broker"
    )
    shutdown_timeout_seconds: float = Field(
        default=30.0, gt=0, description="a worker asked to stop (SIGTERM, Ctrl-C) exits by force after this long"
    )
    batch_max_stories: int = Field(
        default=32, ge=1, le=1000,
        description="the worker enriches up to this many waiting stories together (1: one at a time, no wait)")
    batch_max_wait_seconds: float = Field(
        default=0.002, gt=0, le=5.0, description="how long the worker waits to fill a batch before enriching what it has")
    web_port: int = Field(default=6066, ge=1, le=65535)
    data_dir: Path = Path(".wirestream") / "worker-data"
    log_level: Literal["crit", "error", "warn", "info", "debug"] = "info"

    # Local broker (development and tests)
    cache_dir: Path = _CACHE
    kafka_version: str = "4.1.1"
    broker_dir: Path = Path(".wirestream") / "broker"
    broker_port: int = 9092
    controller_port: int = 9093
    broker_heap: str = "512m"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
