"""``wirestream evaluate topics``: precision, recall and F1 per topic, micro and macro F1, main-topic
accuracy, a reliability table for the scores, and throughput."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.domain.classify import TOPIC_CODES, TopicClassifier, assign_topics
from streams.domain.cleaning import CleanArticle, clean_article
from streams.domain.vocabulary import IPTC_TOP_LEVEL
from streams.evaluation.common import cpu_rate, prf
from streams.training.corpora import LabelledStory

_BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass
class TopicReport:
    name: str
    stories: int = 0
    tp: dict[str, int] = field(default_factory=lambda: {c: 0 for c in TOPIC_CODES})
    fp: dict[str, int] = field(default_factory=lambda: {c: 0 for c in TOPIC_CODES})
    fn: dict[str, int] = field(default_factory=lambda: {c: 0 for c in TOPIC_CODES})
    main_correct: int = 0
    top1_in_gold: int = 0
    bins: list[list[float]] = field(default_factory=lambda: [[0, 0.0, 0] for _ in _BINS[:-1]])
    stories_per_second: float = 0.0
    words_per_story: float = 0.0
    errors: list[str] = field(default_factory=list)

    _prf = staticmethod(prf)

    def per_topic(self, code: str) -> tuple[float, float, float, int]:
        return (*self._prf(self.tp[code], self.fp[code], self.fn[code]), self.tp[code] + self.fn[code])

    @property
    def micro(self) -> tuple[float, float, float]:
        return self._prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    @property
    def macro_f1(self) -> float:
        present = [c for c in TOPIC_CODES if self.tp[c] + self.fn[c] > 0]
        return sum(self.per_topic(c)[2] for c in present) / max(1, len(present))

    @property
    def main_accuracy(self) -> float:
        return self.main_correct / max(1, self.stories)

    def render(self) -> str:
        lines = [f"== topics: {self.name}: {self.stories} stories, {self.words_per_story:.0f} words on average",
                 f"{'topic':<44} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>5}"]
        for code in TOPIC_CODES:
            p, r, f, support = self.per_topic(code)
            if support or self.fp[code]:
                lines.append(f"{IPTC_TOP_LEVEL[code]:<44} {p:6.3f} {r:6.3f} {f:6.3f} {support:5d}")
        p, r, f = self.micro
        lines += [f"{'micro':<44} {p:6.3f} {r:6.3f} {f:6.3f}",
                  f"macro-F1 {self.macro_f1:.3f}   main-topic accuracy {self.main_accuracy:.3f}   "
                  f"best topic among the gold ones {self.top1_in_gold / max(1, self.stories):.3f}",
                  "reliability (every topic score of every story, by score band):",
                  f"  {'band':<11} {'scores':>7} {'mean score':>11} {'correct':>8}"]
        for (low, high), (count, total, correct) in zip(zip(_BINS, _BINS[1:]), self.bins):
            if count:
                lines.append(f"  {low:.1f}-{min(high, 1.0):.1f}   {int(count):7d} {total / count:11.3f} "
                             f"{correct / count:8.3f}")
        lines.append(f"throughput: {self.stories_per_second:,.0f} stories/s on one core (cleaning + classification)")
        return "\n".join(lines)



def evaluate_topics(stories: list[LabelledStory], name: str, classifier: TopicClassifier | None = None,
                    max_errors: int = 0) -> TopicReport:
    classifier = classifier or TopicClassifier.load()
    report = TopicReport(name)
    cleaned: list[CleanArticle] = [clean_article(s.raw()) for s in stories]
    report.words_per_story = sum(len((c.headline + " " + c.body_text).split()) for c in cleaned) / max(1, len(cleaned))
    for story, clean in zip(stories, cleaned):
        if not story.topics:
            continue
        scores, main = classifier.scores(clean)
        assigned = [t.code for t in assign_topics(scores, main, classifier.thresholds, classifier.max_topics)]
        gold = set(story.topics)
        report.stories += 1
        report.main_correct += assigned[0] == story.topics[0]
        report.top1_in_gold += assigned[0] in gold
        for code, score in zip(TOPIC_CODES, scores):
            band = next(i for i, (low, high) in enumerate(zip(_BINS, _BINS[1:])) if low <= score < high)
            report.bins[band][0] += 1
            report.bins[band][1] += score
            report.bins[band][2] += code in gold
            if code in assigned and code in gold:
                report.tp[code] += 1
            elif code in assigned:
                report.fp[code] += 1
            elif code in gold:
                report.fn[code] += 1
        if set(assigned) != gold and len(report.errors) < max_errors:
            report.errors.append(f"{story.id}: gold {[IPTC_TOP_LEVEL[c] for c in story.topics]} "
                                 f"got {[IPTC_TOP_LEVEL[c] for c in assigned]} | {story.headline[:70]}")
    report.stories_per_second = cpu_rate(lambda raw: classifier.classify(clean_article(raw)),
                                         [s.raw() for s in stories])
    return report
