"""Wirestream's wire contract: pydantic models and the JSON Schemas exported from them."""

from schemas.models import (
    SCHEMA_VERSION,
    WIRE_MODELS,
    Actor,
    DeadLetter,
    DeadLetterReason,
    EnrichedArticle,
    Event,
    Location,
    PloverType,
    Quantity,
    RawArticle,
    TopicCode,
)

__all__ = [
    "SCHEMA_VERSION",
    "WIRE_MODELS",
    "Actor",
    "DeadLetter",
    "DeadLetterReason",
    "EnrichedArticle",
    "Event",
    "Location",
    "PloverType",
    "Quantity",
    "RawArticle",
    "TopicCode",
]
