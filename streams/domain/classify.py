"""Topic classification: IPTC Media Topics (top level), multi-label, with scores.

Version 1 scores curated, weighted vocabulary (``data/topics/vocabulary.json``) found in the
headline and the cleaned body. Headline hits count less than their share of the text would
suggest, so a punning or misleading headline cannot outvote the body.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

import ahocorasick

from schemas.models import TopicCode
from streams.domain.cleaning import CleanArticle
from streams.domain.matching import build_automaton, word_matches
from streams.domain.vocabulary import IPTC_TOP_LEVEL

_VOCABULARY = "data/topics/vocabulary.json"
_HEADLINE_WEIGHT = 0.6
# Score saturation: evidence ``_SCALE`` gives a score of 1 - 1/e (~0.63).
_SCALE = 6.0


@dataclass
class TopicClassifier:
    automaton: ahocorasick.Automaton
    codes: list[str]
    threshold: float = 0.5
    max_topics: int = 3

    @classmethod
    def load(cls, threshold: float = 0.5, max_topics: int = 3) -> "TopicClassifier":
        data = json.loads(resources.files("streams").joinpath(_VOCABULARY).read_text(encoding="utf-8"))
        codes = list(IPTC_TOP_LEVEL)
        index = {code: i for i, code in enumerate(codes)}
        merged: dict[str, list[tuple[int, float]]] = {}
        for topic in data["topics"]:
            for term, weight in topic["terms"].items():
                merged.setdefault(term.lower(), []).append((index[topic["code"]], float(weight)))
        automaton = build_automaton({term: tuple(weights) for term, weights in merged.items()})
        return cls(automaton=automaton, codes=codes, threshold=threshold, max_topics=max_topics)

    def evidence(self, clean: CleanArticle) -> list[float]:
        """Per-topic evidence: repeated terms add with diminishing returns (1 + ln n)."""
        counts: dict[tuple[int, float, str], float] = {}
        for text, weight in ((clean.headline.lower(), _HEADLINE_WEIGHT), (clean.body_text.lower(), 1.0),
                             (" ".join(clean.headings).lower(), 0.5)):
            for start, end, weights in word_matches(self.automaton, text):
                term = text[start:end]
                for topic, term_weight in weights:
                    key = (topic, term_weight, term)
                    counts[key] = counts.get(key, 0.0) + weight
        evidence = [0.0] * len(self.codes)
        for (topic, term_weight, _term), count in counts.items():
            evidence[topic] += term_weight * (1.0 + math.log(count)) if count >= 1 else term_weight * count
        return evidence

    def scores(self, clean: CleanArticle) -> list[float]:
        evidence = self.evidence(clean)
        top = max(evidence) or 1.0
        # Absolute evidence says "this is clearly about X"; the ratio to the best topic keeps a
        # story's passing mentions from qualifying as topics of their own.
        return [(1.0 - math.exp(-e / _SCALE)) * math.sqrt(e / top) for e in evidence]

    def classify(self, clean: CleanArticle) -> list[TopicCode]:
        scores = self.scores(clean)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self.codes[i]))
        chosen = [i for i in ranked[: self.max_topics] if scores[i] >= self.threshold]
        if not chosen and scores[ranked[0]] > 0:
            chosen = [ranked[0]]  # every story gets its best topic, even when the evidence is thin
        return [TopicCode(code=self.codes[i], label=IPTC_TOP_LEVEL[self.codes[i]], score=round(scores[i], 4))
                for i in chosen]
