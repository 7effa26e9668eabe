"""Enrichment as one pure function of a validated story: clean, classify, extract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Callable

from schemas.models import EnrichedArticle, RawArticle
from streams.domain.classify import TopicClassifier
from streams.domain.cleaning import clean_article
from streams.domain.extract import EventExtractor

StageObserver = Callable[[str, float], None]


@dataclass(frozen=True)
class Enricher:
    classifier: TopicClassifier
    extractor: EventExtractor
    pipeline_version: str

    @classmethod
    def default(cls, settings) -> "Enricher":  # noqa: ANN001 - Settings, imported lazily by callers
        from streams.version import default_pipeline_version

        return cls(
            classifier=TopicClassifier.load(threshold=settings.topic_threshold, max_topics=settings.max_topics),
            extractor=EventExtractor.load(),
            pipeline_version=settings.pipeline_version or default_pipeline_version(),
        )

    def enrich(self, raw: RawArticle, *, processed_at: datetime, replay: bool = False,
               observe: StageObserver | None = None) -> EnrichedArticle:
        t0 = perf_counter()
        clean = clean_article(raw)
        t1 = perf_counter()
        topics = self.classifier.classify(clean)
        t2 = perf_counter()
        events = self.extractor.extract(clean, raw, pipeline_version=self.pipeline_version, replay=replay)
        t3 = perf_counter()
        if observe:
            observe("clean", t1 - t0)
            observe("classify", t2 - t1)
            observe("extract", t3 - t2)
        return EnrichedArticle(
            article_id=raw.id,
            version=raw.version,
            headline=clean.headline,
            published_at=raw.published_at,
            source=raw.source,
            dateline=clean.dateline,
            language=raw.language,
            updates=raw.updates,
            topics=topics,
            events=events,
            pipeline_version=self.pipeline_version,
            processed_at=processed_at,
            replay=replay,
        )
