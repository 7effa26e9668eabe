"""Reading stories from files for ``ingest`` and ``enrich``.

Accepted: JSON Lines (one story per line), a JSON array of stories, a single JSON object (native
or ninjs), plain-text stories whose first line is the headline, ``-`` for standard input, and
folders of any of these. Each record keeps where it came from (file and line) for error reports.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_TEXT_SUFFIXES = {".txt", ".text"}


@dataclass(frozen=True)
class InputRecord:
    origin: str  # "path:line"
    value: bytes


def _text_story(text: str, origin: str, source: str | None, published_at: datetime | None) -> bytes:
    headline, _, body = text.strip().partition("\n")
    story_id = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    doc = {"id": f"txt-{story_id}", "headline": headline.strip(), "body": body.strip(), "source": source,
           "published_at": published_at.isoformat() if published_at else None}
    return json.dumps({k: v for k, v in doc.items() if v is not None}, ensure_ascii=False).encode("utf-8")


def _with_defaults(line: bytes, source: str | None, published_at: datetime | None) -> bytes:
    """Fill --source/--published-at into JSON objects that lack them; anything else passes as is."""
    if source is None and published_at is None:
        return line
    try:
        doc = json.loads(line)
    except ValueError:
        return line
    if not isinstance(doc, dict):
        return line
    if source is not None and not doc.get("source"):
        doc["source"] = source
    if published_at is not None and not any(doc.get(k) for k in ("published_at", "versioncreated", "firstcreated")):
        doc["published_at"] = published_at.isoformat()
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _json_records(data: bytes, name: str) -> Iterator[InputRecord]:
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            items = json.loads(data)
        except ValueError:
            items = None
        if isinstance(items, list):
            for number, item in enumerate(items, 1):
                yield InputRecord(f"{name}[{number}]", json.dumps(item, ensure_ascii=False).encode("utf-8"))
            return
    lines = data.splitlines()
    if stripped.startswith(b"{") and len(lines) > 1:
        # A pretty-printed single object spans lines; JSON Lines has one object per line.
        try:
            json.loads(data)
            yield InputRecord(f"{name}:1", data.strip())
            return
        except ValueError:
            pass
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield InputRecord(f"{name}:{number}", line.strip())


def iter_records(path: str, *, source: str | None = None,
                 published_at: datetime | None = None) -> Iterator[InputRecord]:
    if path == "-":
        data = sys.stdin.buffer.read()
        files: list[tuple[str, bytes, str]] = [("<stdin>", data, ".jsonl")]
    else:
        root = Path(path)
        if not root.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        candidates = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        files = [(str(p), p.read_bytes(), p.suffix.lower()) for p in candidates
                 if not root.is_dir() or p.suffix.lower() in _JSON_SUFFIXES | _TEXT_SUFFIXES]
    for name, data, suffix in files:
        if suffix in _TEXT_SUFFIXES:
            text = data.decode("utf-8", "replace")
            yield InputRecord(f"{name}:1", _text_story(text, name, source, published_at))
            continue
        for record in _json_records(data, name):
            yield InputRecord(record.origin, _with_defaults(record.value, source, published_at))
