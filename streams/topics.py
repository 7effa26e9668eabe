"""Kafka topic layout: names derived from the settings and the two vocabularies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.models import PloverType
from streams.domain.vocabulary import IPTC_TOP_LEVEL
from streams.settings import Settings

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(label: str) -> str:
    """``economy, business and finance`` -> ``economy-business-and-finance``."""
    return _NON_ALNUM.sub("-", label.lower()).strip("-")


@dataclass(frozen=True)
class TopicLayout:
    raw: str
    enriched: str
    dlq: str
    by_topic_code: dict[str, str]
    by_event_type: dict[str, str]

    @classmethod
    def from_settings(cls, settings: Settings) -> "TopicLayout":
        return cls(
            raw=settings.raw_topic,
            enriched=settings.enriched_topic,
            dlq=settings.dlq_topic,
            by_topic_code={
                code: f"{settings.topic_stream_prefix}{slugify(label)}" for code, label in IPTC_TOP_LEVEL.items()
            },
            by_event_type={t.value: f"{settings.event_stream_prefix}{t.value.lower()}" for t in PloverType},
        )

    def outputs(self) -> list[str]:
        return [self.enriched, *self.by_topic_code.values(), *self.by_event_type.values()]

    def all(self) -> list[str]:
        return [self.raw, self.dlq, *self.outputs()]
