"""The optional compiled build. ``WIRESTREAM_COMPILE=1 pip install .`` compiles these domain modules
to C extensions with mypyc (setup.py reads this list); the same Python sources run either way, and
a test checks that both give the same outputs. The editable development install stays pure Python,
so an edited module is never shadowed by a stale compiled one."""

from __future__ import annotations

import importlib
from importlib.machinery import EXTENSION_SUFFIXES

# classify.py is left out: its time is spent in numpy, and mypyc rejects its dataclass's `object` field.
COMPILED_MODULES = (
    "streams.domain.actors", "streams.domain.cleaning", "streams.domain.dates", "streams.domain.enrich",
    "streams.domain.event_scoring", "streams.domain.extract", "streams.domain.gazetteer",
    "streams.domain.ids", "streams.domain.matching", "streams.domain.quantities", "streams.domain.scan",
    "streams.domain.triggers", "streams.domain.vocabulary",
)


def running_compiled() -> bool:
    """Whether the compiled build's modules are the ones this process imports."""
    return all(str(importlib.import_module(name).__file__).endswith(tuple(EXTENSION_SUFFIXES))
               for name in COMPILED_MODULES)
