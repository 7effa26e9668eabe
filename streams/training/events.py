"""``wirestream train events``: fit the event scorer (``streams/data/events/scorer.json``).

Training data: our own event-annotated stories (``streams/training/data/stories_e*.jsonl``), never
the development set or the fresh check set. Every trigger the rules propose is lined up with the
gold events of its sentence: a proposal is kept when a gold event of its type comes from that
sentence, and the actors whose countries match the gold source and target are the right picks.
The keep threshold is chosen by five-fold cross-validation by story, on the same type + source
country + target country F1 that ``wirestream evaluate events`` reports.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from streams.domain.cleaning import clean_article
from streams.domain.event_scoring import (NONE_TARGET, EventScorer, LinearModel, actor_features, source_candidates,
                                          target_candidates, target_features, trigger_features)
from streams.domain.extract import EventExtractor
from streams.evaluation.events import gold_key, predicted_key
from streams.training.corpora import TRAINING_DATA, LabelledStory, read_jsonl

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "events" / "scorer.json"
C = 0.5
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(11)]  # 0.20 .. 0.70
FOLDS = 5


def event_training_stories() -> list[LabelledStory]:
    return [s for path in sorted(TRAINING_DATA.glob("stories_e*.jsonl")) for s in read_jsonl(path, path.stem)]


def _overlaps(evidence: str, sentence: str) -> bool:
    head = evidence[:30]
    return bool(head) and (head in sentence or sentence[:30] in evidence)


@dataclass
class Rows:
    keep: list[tuple[list[str], int]] = field(default_factory=list)
    source: list[tuple[list[str], int]] = field(default_factory=list)
    target: list[tuple[list[str], int]] = field(default_factory=list)


def rows_for(stories: list[LabelledStory], extractor: EventExtractor) -> Rows:
    rows = Rows()
    for story in stories:
        clean = clean_article(story.raw())
        for text, _, proposals in extractor.proposals(clean):
            gold = [g for g in story.events if _overlaps(g["evidence"], text)]
            for proposal, _ in proposals:
                matched = [g for g in gold if g["event_type"] == proposal.event_type]
                rows.keep.append((trigger_features(proposal), int(bool(matched))))
                if not matched:
                    continue
                sources = {g["source_country"] for g in matched}
                targets = {g["target_country"] for g in matched}
                candidates = source_candidates(proposal)
                for mention in candidates:
                    rows.source.append((actor_features(proposal, mention, "src"),
                                        int(mention.actor.country in sources - {None})))
                right = [m for m in candidates if m.actor.country in sources]
                source = proposal.rule_source if proposal.rule_source in right or not right else right[-1]
                if source is None:
                    continue
                for kind, mention in target_candidates(proposal, source):
                    if kind == NONE_TARGET:
                        label = None in targets
                    else:
                        label = mention.actor.country in targets - {None}
                    rows.target.append((target_features(proposal, kind, mention, source), int(label)))
    return rows


def _fit(examples: list[tuple[list[str], int]]) -> LinearModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform([{f: 1.0 for f in features} for features, _ in examples])
    y = [label for _, label in examples]
    model = LogisticRegression(C=C, solver="lbfgs", max_iter=3000)
    model.fit(X, y)
    weights = {name: round(float(w), 4) for name, w in zip(vectorizer.feature_names_, model.coef_[0])
               if abs(w) >= 1e-3}
    return LinearModel(weights, round(float(model.intercept_[0]), 4))


def fit_scorer(stories: list[LabelledStory], extractor: EventExtractor, keep_threshold: float = 0.5) -> EventScorer:
    rows = rows_for(stories, extractor)
    return EventScorer(_fit(rows.keep), _fit(rows.source), _fit(rows.target), keep_threshold)


def _counts(stories: list[LabelledStory], extractor: EventExtractor, thresholds: list[float]) -> dict[float, Counter]:
    """tp/fp/fn on type + source country + target country, per keep threshold."""
    scorer = extractor.scorer
    result = {t: Counter() for t in thresholds}
    for threshold in thresholds:
        if scorer is not None:
            scorer.keep_threshold = threshold
        for story in stories:
            raw = story.raw()
            predicted = Counter(predicted_key(e, False) for e in extractor.extract(clean_article(raw), raw,
                                                                                   pipeline_version="train"))
            gold = Counter(gold_key(g, False) for g in story.events)
            result[threshold]["tp"] += sum((predicted & gold).values())
            result[threshold]["fp"] += sum((predicted - gold).values())
            result[threshold]["fn"] += sum((gold - predicted).values())
    return result


def _f1(counts: Counter) -> float:
    return 2 * counts["tp"] / (2 * counts["tp"] + counts["fp"] + counts["fn"]) if counts["tp"] else 0.0


def cross_validate(stories: list[LabelledStory], extractor: EventExtractor,
                   mode: str | None = None) -> dict[float, Counter]:
    """Type + countries tp/fp/fn per keep threshold, five folds by story, each scored by a scorer
    fitted on the other four."""
    totals = {t: Counter() for t in THRESHOLDS}
    for fold in range(FOLDS):
        held = [s for i, s in enumerate(stories) if i % FOLDS == fold]
        extractor.scorer = fit_scorer([s for i, s in enumerate(stories) if i % FOLDS != fold], extractor)
        extractor.scorer.mode = mode or extractor.scorer.mode
        for threshold, counts in _counts(held, extractor, THRESHOLDS).items():
            totals[threshold].update(counts)
    return totals


def train(path: Path = MODEL_PATH) -> dict:
    stories = event_training_stories()
    if not stories:
        raise SystemExit(f"no event-annotated training stories in {TRAINING_DATA}")
    extractor = EventExtractor.load(scorer=False)
    totals = cross_validate(stories, extractor)
    best = max(THRESHOLDS, key=lambda t: (_f1(totals[t]), -abs(t - 0.5)))
    extractor.scorer = None
    scorer = fit_scorer(stories, extractor, best)
    # the rules alone, on the same stories, for comparison
    rules = _counts(stories, extractor, [best])[best]
    about = {
        "what": "event scorer: logistic models over rule features deciding whether a proposed trigger is an event "
                "and which actors are its source and target",
        "rebuild": "pip install -e .[train] && wirestream train events",
        "training_data": f"{len(stories)} stories, {sum(len(s.events) for s in stories)} gold events written by the "
                         "Wirestream team (streams/training/data/stories_e*.jsonl)",
        "keep_threshold": best,
        "cross_validated_f1": {str(t): round(_f1(c), 3) for t, c in totals.items()},
        "rules_alone_f1": round(_f1(rules), 3),
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    }
    payload = {"about": about, "keep_threshold": best,
               **{name: {"bias": model.bias, "weights": dict(sorted(model.weights.items()))}
                  for name, model in (("keep", scorer.keep), ("source", scorer.source), ("target", scorer.target))}}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return about
