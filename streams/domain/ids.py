"""Deterministic event identifiers.

The id is a digest of the article id and version and of what the event says (type, mode,
actors, date, sentence), so redeliveries and replays reproduce it exactly and subscribers can
upsert by it; a different event, or a new version of the story, gets a different id.
"""

from __future__ import annotations

import hashlib


def event_id(article_id: str, version: int, *parts: object) -> str:
    # Unit separators cannot occur in cleaned text, so the joined form is unambiguous.
    canonical = "\x1f".join(map(str, (article_id, version, *parts)))
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()
