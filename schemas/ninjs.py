"""Mapping IPTC ninjs (1.x and 2.x) documents onto :class:`RawArticle`.

Wire services that speak ninjs send ``uri``/``guid``, ``versioncreated``, ``body_html`` and friends;
the pipeline only ever sees the native shape. HTML is reduced to text here so every later stage
works on plain text.
"""

from __future__ import annotations

from typing import Any

from schemas.html import html_to_text

# Keys that only a ninjs document carries; a native article has ``id`` and ``body`` instead.
_NINJS_MARKERS = ("uri", "guid", "body_text", "body_html", "bodies", "versioncreated", "firstcreated", "headlines")


def looks_like_ninjs(doc: dict[str, Any]) -> bool:
    if "body" in doc and "id" in doc:
        return False
    return any(key in doc for key in _NINJS_MARKERS)


def _first_value(items: Any, role_preference: tuple[str, ...] = ()) -> Any:
    """ninjs 2.x lists (``headlines``, ``bodies``) hold ``{"value": ..., "role": ...}`` objects."""
    if not isinstance(items, list) or not items:
        return None
    for role in role_preference:
        for item in items:
            if isinstance(item, dict) and item.get("role") == role:
                return item
    return items[0]


def _name_of(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("name") or value.get("literal")
    if isinstance(value, list):
        names = [_name_of(v) for v in value]
        names = [n for n in names if isinstance(n, str) and n]
        return ", ".join(names) if names else None
    return value


def _body_from(doc: dict[str, Any]) -> Any:
    if isinstance(doc.get("body_text"), str) and doc["body_text"].strip():
        return doc["body_text"]
    if isinstance(doc.get("body_html"), str):
        return html_to_text(doc["body_html"])
    body = _first_value(doc.get("bodies"), ("main", "body"))
    if isinstance(body, dict):
        value = body.get("value")
        if isinstance(value, str) and "html" in str(body.get("contenttype", "")):
            return html_to_text(value)
        return value
    return doc.get("body_text") or doc.get("body_html")


def ninjs_to_native(doc: dict[str, Any]) -> dict[str, Any]:
    """Return the native-shape dict for a ninjs document; validation happens on the result."""
    headline = doc.get("headline")
    if headline is None:
        first = _first_value(doc.get("headlines"), ("main",))
        headline = first.get("value") if isinstance(first, dict) else None
    version = doc.get("version", 1)
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)
    source = _name_of(doc.get("infosource")) or _name_of(doc.get("copyrightholder")) or _name_of(doc.get("provider"))
    byline = doc.get("byline") if doc.get("byline") is not None else _name_of(doc.get("bylines"))
    located = doc.get("located")
    if located is None:
        located = _name_of(_first_value(doc.get("places")))
    native = {
        "id": doc.get("uri") or doc.get("guid"),
        "version": version,
        "headline": headline if headline is not None else "",
        "body": _body_from(doc),
        "published_at": doc.get("versioncreated") or doc.get("firstcreated") or doc.get("contentcreated"),
        "dateline": located,
        "source": source,
        "language": doc.get("language") or "en",
        "url": _name_of(doc.get("url")) if not isinstance(doc.get("url"), str) else doc.get("url"),
        "byline": byline,
        "updates": doc.get("updates"),
    }
    return {key: value for key, value in native.items() if value is not None}
