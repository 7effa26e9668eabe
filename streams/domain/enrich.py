"""Enrichment as one pure function of a validated story: clean, classify, extract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Any, Callable, Sequence

from schemas.models import EnrichedArticle, RawArticle
from streams.domain.classify import TopicClassifier
from streams.domain.cleaning import CleanArticle, clean_article
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

    def enrich_many(self, raws: Sequence[RawArticle], *, processed_at: datetime, replay: bool = False,
                    observe: StageObserver | None = None) -> list[EnrichedArticle | Exception]:
        """Each story's article, or the exception its enrichment raised (the others go on).

        Stage by stage over the whole batch rather than story by story: each stage's lexicons and
        weights then stay in the CPU cache across stories instead of evicting one another, which
        measured 10-25% more stories per second on ~600-word stories (in batches of 32 to 50)."""
        failures: list[Exception | None] = [None] * len(raws)
        cleaned = _stage(raws, failures, "clean", observe, clean_article)
        topics = _stage(cleaned, failures, "classify", observe, self.classifier.classify)
        events = _stage(list(zip(cleaned, raws)), failures, "extract", observe,
                        lambda pair: self.extractor.extract(pair[0], pair[1], pipeline_version=self.pipeline_version,
                                                            replay=replay))
        results: list[EnrichedArticle | Exception] = []
        for index, raw in enumerate(raws):
            failure = failures[index]
            if failure is None:
                try:
                    results.append(self._article(raw, cleaned[index], topics[index], events[index], processed_at,
                                                 replay))
                    continue
                except Exception as exc:  # noqa: BLE001 - as in _stage
                    failure = exc
            results.append(failure)
        return results

    def _article(self, raw: RawArticle, clean: CleanArticle, topics: list, events: list, processed_at: datetime,
                 replay: bool) -> EnrichedArticle:
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


def _stage(items: Sequence[Any], failures: list[Exception | None], name: str, observe: StageObserver | None,
           step: Callable[[Any], Any]) -> list[Any]:
    """``step`` over the items whose story has not failed yet; a failure is recorded in ``failures``
    and leaves None in the output. Each story's own time is observed, as when run one by one."""
    outputs: list[Any] = [None] * len(items)
    for index, item in enumerate(items):
        if failures[index] is not None:
            continue
        started = perf_counter()
        try:
            outputs[index] = step(item)
        except Exception as exc:  # noqa: BLE001 - one story's bug must not fail the batch
            failures[index] = exc
            continue
        if observe:
            observe(name, perf_counter() - started)
    return outputs
