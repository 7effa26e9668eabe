"""The wire contract: what Wirestream reads and what it publishes.

Downstream services in other languages depend on these shapes through the JSON Schema files
exported into ``schemas/json/`` (``wirestream schemas export``). Changes must stay backwards
compatible (new optional fields only) unless ``SCHEMA_VERSION`` changes its major number.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

SCHEMA_VERSION = "1.0"

# Bounds on input text: generous for real copy (long features run to ~10k words), small enough
# that a hostile payload cannot make one story cost seconds of CPU.
MAX_ID_CHARS = 512
MAX_HEADLINE_CHARS = 2_000
MAX_BODY_CHARS = 200_000
MAX_META_CHARS = 2_048

ShortText = Annotated[str, StringConstraints(max_length=MAX_META_CHARS)]

_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class PloverType(str, Enum):
    """The 16 PLOVER event types (the POLECAT coding)."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    REQUEST = "REQUEST"
    ACCUSE = "ACCUSE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False, populate_by_name=True)


class RawArticle(_Model):
    """A story as a wire service sends it (native shape; IPTC ninjs is mapped onto this)."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS, strip_whitespace=True)]
    version: int = Field(default=1, ge=1, le=1_000_000)
    headline: Annotated[str, StringConstraints(max_length=MAX_HEADLINE_CHARS)] = ""
    body: Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS)]
    published_at: AwareDatetime
    dateline: ShortText | None = None
    source: ShortText | None = None
    language: ShortText = "en"
    url: ShortText | None = None
    byline: ShortText | None = None
    updates: ShortText | None = Field(default=None, description="id of the story this one updates or corrects")

    @field_validator("body")
    @classmethod
    def _body_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is empty")
        return value


class TopicCode(_Model):
    """One IPTC Media Topic assigned to a story."""

    code: Annotated[str, StringConstraints(pattern=r"^medtop:\d{8}$")] = Field(examples=["medtop:11000000"])
    label: str = Field(examples=["politics"])
    score: float = Field(ge=0.0, le=1.0)


class Actor(_Model):
    name: str
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-3, or an organisation code such as UNO, EUR, NATO"
    )
    role: str | None = Field(default=None, description="government, military, police, opposition, rebels, ...")


class Location(_Model):
    name: str
    country: str | None = None


class Quantity(_Model):
    amount: float
    unit: str | None = Field(default=None, description="currency code (USD, EUR...), tonne, percent, people, ...")
    item: str | None = None
    text: str


class Event(_Model):
    """One dyadic event: a source actor acts on a target actor."""

    event_id: str = Field(description="deterministic: same article id, version and event content give the same id")
    article_id: str
    article_version: int = 1
    event_type: PloverType
    mode: str | None = None
    cameo_root: Annotated[str, StringConstraints(pattern=r"^\d{2}$")] | None = None
    source: Actor | None = None
    target: Actor | None = None
    date: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-MM or YYYY, resolved against published_at")
    date_text: str | None = None
    location: Location | None = None
    quantities: list[Quantity] = Field(default_factory=list)
    sentence: str
    confidence: float = Field(ge=0.0, le=1.0)
    pipeline_version: str
    replay: bool = False

    @field_validator("date")
    @classmethod
    def _date_granularity(cls, value: str | None) -> str | None:
        if value is not None and not _DATE_RE.match(value):
            raise ValueError("date must be YYYY, YYYY-MM or YYYY-MM-DD")
        return value


class EnrichedArticle(_Model):
    """The main output: one per story version, on ``wire.enriched`` and its ``topics.*`` streams."""

    schema_version: str = SCHEMA_VERSION
    article_id: str
    version: int
    headline: str
    published_at: AwareDatetime
    source: str | None = None
    dateline: str | None = None
    language: str = "en"
    updates: str | None = None
    topics: list[TopicCode] = Field(default_factory=list, description="assigned topics, best first")
    events: list[Event] = Field(default_factory=list)
    pipeline_version: str
    processed_at: AwareDatetime
    replay: bool = Field(default=False, description="true when produced by reprocessing a backlog")


class DeadLetterReason(str, Enum):
    """Why a message could not be processed. A closed set: it is a metric label."""

    OVERSIZED = "oversized"
    NOT_UTF8 = "not_utf8"
    MALFORMED_JSON = "malformed_json"
    INVALID_SCHEMA = "invalid_schema"
    EMPTY_BODY = "empty_body"
    BAD_DATE = "bad_date"
    ENRICHMENT_ERROR = "enrichment_error"


class DeadLetter(_Model):
    """A message Wirestream could not process, with everything needed to inspect and resend it."""

    schema_version: str = SCHEMA_VERSION
    error_class: DeadLetterReason
    reason: str = Field(description="human-readable explanation")
    payload: str = Field(description="the original message value: text, or base64 when not UTF-8")
    payload_encoding: Literal["utf-8", "base64"]
    payload_bytes: int = Field(description="size of the original value in bytes")
    payload_truncated: bool = False
    key: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    record_timestamp: datetime | None = None
    failed_at: AwareDatetime
    pipeline_version: str


WIRE_MODELS: dict[str, type[BaseModel]] = {
    "RawArticle": RawArticle,
    "EnrichedArticle": EnrichedArticle,
    "Event": Event,
    "DeadLetter": DeadLetter,
}
