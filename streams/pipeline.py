"""One message in, a list of records out: the whole processing path shared by the Faust worker,
``wirestream enrich`` and the replay consumer.

Nothing here touches Kafka. A message either becomes an :class:`EnrichedArticle` (routed to
``wire.enriched``, its ``topics.*`` streams and one ``events.*`` record per event) or a
:class:`DeadLetter` on ``wire.dlq``: no input is dropped without a record saying why.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from time import perf_counter
from typing import Any, Callable, Iterable, Iterator, Sequence

from pydantic import ValidationError

from schemas.models import DeadLetter, DeadLetterReason, EnrichedArticle, RawArticle
from schemas.ninjs import looks_like_ninjs, ninjs_to_native
from streams.domain.enrich import Enricher
from streams.settings import Settings
from streams.topics import TopicLayout

StageObserver = Callable[[str, float], None]

# Deeply nested JSON is a cheap way to burn CPU and stack; no wire format nests this far.
_MAX_JSON_DEPTH = 32
# A dead letter must itself fit on the DLQ topic; beyond this the payload is cut and flagged.
_MAX_DLQ_PAYLOAD_BYTES = 4 * 1_048_576

REPLAY_HEADER = "wirestream-replay"
PIPELINE_HEADER = "wirestream-pipeline-version"
KIND_HEADER = "wirestream-kind"


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in consecutive lists of at most ``size``, for :meth:`Pipeline.process_many`; reads
    an iterator lazily, one batch at a time."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Rejected(Exception):
    """A message that cannot be processed, with the reason class used as a metric label."""

    def __init__(self, reason: DeadLetterReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SourceRecord:
    """Where a message came from; partition/offset are None outside Kafka."""

    value: bytes | None
    key: bytes | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True)
class OutputRecord:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Outcome:
    article: EnrichedArticle | None = None
    dead_letter: DeadLetter | None = None
    records: list[OutputRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.article is not None


def _json_depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def _describe_validation_error(error: ValidationError) -> tuple[DeadLetterReason, str]:
    problems = []
    kinds = set()
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "message"
        if where == "body" and "empty" in item["msg"]:
            kinds.add(DeadLetterReason.EMPTY_BODY)
        elif where == "published_at":
            kinds.add(DeadLetterReason.BAD_DATE)
        else:
            kinds.add(DeadLetterReason.INVALID_SCHEMA)
        if len(problems) < 5:
            problems.append(f"{where}: {item['msg']}")
    # A more specific class only when it is the whole story; mixed problems are a schema error.
    reason = kinds.pop() if len(kinds) == 1 else DeadLetterReason.INVALID_SCHEMA
    more = error.error_count() - len(problems)
    return reason, "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def decode_article(
    value: bytes | None, *, max_bytes: int, received_at: datetime, max_future: timedelta
) -> RawArticle:
    """Bytes from the wire -> a validated :class:`RawArticle`, or :class:`Rejected` saying why."""
    if value is None:
        raise Rejected(DeadLetterReason.MALFORMED_JSON, "message has no value (tombstone)")
    if len(value) > max_bytes:
        raise Rejected(DeadLetterReason.OVERSIZED, f"message is {len(value)} bytes; the limit is {max_bytes}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(DeadLetterReason.NOT_UTF8, f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, json.JSONDecodeError) else "nesting too deep"
        raise Rejected(DeadLetterReason.MALFORMED_JSON, f"not valid JSON: {detail}") from None
    if not isinstance(doc, dict):
        raise Rejected(DeadLetterReason.INVALID_SCHEMA, f"expected a JSON object, got {type(doc).__name__}")
    if _json_depth_exceeds(doc, _MAX_JSON_DEPTH):
        raise Rejected(DeadLetterReason.INVALID_SCHEMA, f"JSON nested deeper than {_MAX_JSON_DEPTH} levels")
    if looks_like_ninjs(doc):
        doc = ninjs_to_native(doc)
    if doc.get("published_at") in (None, ""):
        raise Rejected(DeadLetterReason.BAD_DATE, "published_at is missing (ninjs: versioncreated/firstcreated)")
    try:
        article = RawArticle.model_validate(doc)
    except ValidationError as exc:
        raise Rejected(*_describe_validation_error(exc)) from None
    if article.published_at > received_at + max_future:
        raise Rejected(
            DeadLetterReason.BAD_DATE,
            f"published_at {article.published_at.isoformat()} is in the future "
            f"(message received {received_at.isoformat()})",
        )
    return article


def make_dead_letter(record: SourceRecord, reason: DeadLetterReason, detail: str, pipeline_version: str,
                     failed_at: datetime) -> DeadLetter:
    value = record.value or b""
    truncated = len(value) > _MAX_DLQ_PAYLOAD_BYTES
    kept = value[:_MAX_DLQ_PAYLOAD_BYTES]
    try:
        payload, encoding = kept.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        payload, encoding = base64.b64encode(kept).decode("ascii"), "base64"
    return DeadLetter(
        error_class=reason,
        reason=detail,
        payload=payload,
        payload_encoding=encoding,
        payload_bytes=len(value),
        payload_truncated=truncated,
        key=record.key.decode("utf-8", "backslashreplace") if record.key is not None else None,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        record_timestamp=record.timestamp,
        failed_at=failed_at,
        pipeline_version=pipeline_version,
    )


class Pipeline:
    """Validation, enrichment and routing for one worker process."""

    def __init__(self, settings: Settings, enricher: Enricher | None = None) -> None:
        self.settings = settings
        self.layout = TopicLayout.from_settings(settings)
        self.enricher = enricher or Enricher.default(settings)
        self.max_future = timedelta(seconds=settings.max_future_seconds)

    @property
    def pipeline_version(self) -> str:
        return self.enricher.pipeline_version

    def process(self, record: SourceRecord, *, now: datetime | None = None, replay: bool = False,
                observe: StageObserver | None = None) -> Outcome:
        return self.process_many([record], now=now, replay=replay, observe=observe)[0]

    def process_many(self, records: Sequence[SourceRecord], *, now: datetime | None = None, replay: bool = False,
                     observe: StageObserver | None = None) -> list[Outcome]:
        """One outcome per record, in order; the valid stories are enriched together (see
        :meth:`Enricher.enrich_many`), and a record that fails is dead-lettered alone."""
        now = now or datetime.now(timezone.utc)
        outcomes: dict[int, Outcome] = {}
        valid: list[tuple[int, RawArticle]] = []
        for index, record in enumerate(records):
            started = perf_counter()
            try:
                raw = decode_article(record.value, max_bytes=self.settings.max_message_bytes,
                                     received_at=record.timestamp or now, max_future=self.max_future)
            except Rejected as rejected:
                outcomes[index] = self._dead(record, rejected.reason, rejected.detail, now, replay)
                continue
            if observe:
                observe("validate", perf_counter() - started)
            valid.append((index, raw))
        articles = self.enricher.enrich_many([raw for _, raw in valid], processed_at=now, replay=replay,
                                             observe=observe)
        for (index, _), article in zip(valid, articles):
            if isinstance(article, Exception):
                # any enrichment bug must dead-letter its story, not kill the worker
                outcomes[index] = self._dead(records[index], DeadLetterReason.ENRICHMENT_ERROR,
                                             f"{type(article).__name__}: {article}", now, replay)
            else:
                outcomes[index] = Outcome(article=article, records=self.route(article))
        return [outcomes[index] for index in range(len(records))]

    def _dead(self, record: SourceRecord, reason: DeadLetterReason, detail: str, now: datetime,
              replay: bool) -> Outcome:
        letter = make_dead_letter(record, reason, detail, self.pipeline_version, now)
        value = letter.model_dump_json().encode("utf-8")
        headers = ((KIND_HEADER, b"dead-letter"), (PIPELINE_HEADER, self.pipeline_version.encode()),
                   (REPLAY_HEADER, b"1" if replay else b"0"))
        return Outcome(dead_letter=letter, records=[OutputRecord(self.layout.dlq, record.key or b"", value, headers)])

    def route(self, article: EnrichedArticle) -> list[OutputRecord]:
        """Where an enriched article goes: keyed by article id so its versions stay ordered."""
        key = article.article_id.encode("utf-8")
        headers = (
            (PIPELINE_HEADER, article.pipeline_version.encode()),
            (REPLAY_HEADER, b"1" if article.replay else b"0"),
        )
        article_value = article.model_dump_json().encode("utf-8")
        records = [OutputRecord(self.layout.enriched, key, article_value, (*headers, (KIND_HEADER, b"article")))]
        for topic in article.topics:
            records.append(OutputRecord(self.layout.by_topic_code[topic.code], key, article_value,
                                        (*headers, (KIND_HEADER, b"article"))))
        for event in article.events:
            records.append(OutputRecord(self.layout.by_event_type[event.event_type.value], key,
                                        event.model_dump_json().encode("utf-8"),
                                        (*headers, (KIND_HEADER, b"event"))))
        return records
