"""Versions stamped on every output.

``pipeline_version`` is the package version plus a digest of the enrichment code and its data
files, so that any change to what the pipeline computes changes the stamp without anyone having
to remember a bump; ``WIRESTREAM_PIPELINE_VERSION`` overrides it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).parent
_PIPELINE_SOURCES = ("domain", "data")


def package_version() -> str:
    try:
        return version("wirestream")
    except PackageNotFoundError:
        return "0.0.0"


@lru_cache(maxsize=1)
def pipeline_digest() -> str:
    digest = hashlib.sha256()
    for folder in _PIPELINE_SOURCES:
        for path in sorted((_PACKAGE_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".json", ".jsonl", ".txt", ".npz"}:
                digest.update(path.relative_to(_PACKAGE_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def default_pipeline_version() -> str:
    return f"{package_version()}+{pipeline_digest()}"
