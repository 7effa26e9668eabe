"""The optional mypyc build (``WIRESTREAM_COMPILE=1``, streams/compiled.py) must behave exactly as
the pure-Python sources it is compiled from: same topics, same events, for every labelled story."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter whose path starts with the unpacked compiled wheel, so both halves of the
# comparison run this same script. The labelled stories are read from the repository, the code from
# whichever build is first on the path.
_OUTPUTS = r"""
import hashlib, json, sys
from pathlib import Path
from streams.compiled import running_compiled
from streams.domain.cleaning import clean_article
from streams.domain.classify import TopicClassifier
from streams.domain.extract import EventExtractor
from streams.training.corpora import read_jsonl
root = Path(sys.argv[1])
extractor, classifier = EventExtractor.load(), TopicClassifier.load()
digest, stories, events = hashlib.sha256(), 0, 0
for path in sorted((root / "tests" / "data").rglob("*.jsonl")):
    for story in read_jsonl(path, path.stem):
        raw = story.raw(); clean = clean_article(raw)
        found = [e.model_dump(mode="json") for e in extractor.extract(clean, raw, pipeline_version="x")]
        topics = [t.model_dump(mode="json") for t in classifier.classify(clean)]
        digest.update(json.dumps([found, topics], sort_keys=True, default=str).encode())
        stories += 1; events += len(found)
print(json.dumps({"compiled": running_compiled(), "stories": stories, "events": events,
                  "digest": digest.hexdigest()}))
"""


def _outputs(python_path: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(python_path)}
    done = subprocess.run([sys.executable, "-c", _OUTPUTS, str(ROOT)], env=env, cwd=python_path[0],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def compiled_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler: scripts/bootstrap.sh installs one")
    wheels = tmp_path_factory.mktemp("wheel")
    # The source tree is copied so that the build's own files (build/, *.egg-info) stay out of it.
    source = tmp_path_factory.mktemp("source") / "wirestream"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".wirestream", "build", "dist", "*.egg-info", "__pycache__", "*.so", "tests"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
         str(source)], env={**os.environ, "WIRESTREAM_COMPILE": "1"}, capture_output=True, text=True, timeout=900,
        check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    unpacked = tmp_path_factory.mktemp("compiled")
    (wheel,) = wheels.glob("wirestream-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_the_compiled_build_gives_the_pure_builds_outputs(compiled_build: Path) -> None:
    compiled = _outputs([str(compiled_build)])
    pure = _outputs([str(ROOT)])
    assert compiled["compiled"] is True, "the wheel's modules were not compiled"
    assert pure["compiled"] is False
    assert pure["stories"] > 150 and pure["events"] > 300  # the comparison covers real work
    assert compiled == {**pure, "compiled": True}


def test_the_compiled_list_names_every_domain_module_but_the_numpy_one() -> None:
    """A module added to streams/domain/ is compiled unless it is left out on purpose."""
    from streams.compiled import COMPILED_MODULES

    domain = {f"streams.domain.{p.stem}" for p in (ROOT / "streams" / "domain").glob("*.py")}
    assert set(COMPILED_MODULES) == domain - {"streams.domain.__init__", "streams.domain.classify"}
