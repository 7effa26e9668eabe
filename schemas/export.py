"""JSON Schema export of the wire models, for consumers in other languages."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.models import SCHEMA_VERSION, WIRE_MODELS

JSON_DIR = Path(__file__).parent / "json"


def render_schemas() -> dict[str, str]:
    """File name -> JSON text, exactly as committed under ``schemas/json``."""
    rendered = {}
    for name, model in WIRE_MODELS.items():
        # The input is described as producers must write it; outputs as Wirestream writes them.
        mode = "validation" if name == "RawArticle" else "serialization"
        schema = model.model_json_schema(mode=mode)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://wirestream.dev/schemas/{SCHEMA_VERSION}/{name}.schema.json"
        rendered[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return rendered


def export_schemas(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in render_schemas().items():
        path = directory / file_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path = JSON_DIR) -> list[str]:
    """Names of committed schema files that differ from the models (or are missing)."""
    stale = []
    for file_name, text in render_schemas().items():
        path = directory / file_name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(file_name)
    return stale
