"""``wirestream evaluate events``: precision, recall and F1 of extracted events against gold events,
matched on type + source country + target country, then with the date too; per type; throughput."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from schemas.models import Event, PloverType
from streams.domain.cleaning import clean_article
from streams.domain.extract import EventExtractor
from streams.evaluation.common import cpu_rate, prf
from streams.training.corpora import LabelledStory

Key = tuple


def gold_key(event: dict, with_date: bool) -> Key:
    key = (event["event_type"], event.get("source_country"), event.get("target_country"))
    return (*key, event.get("date")) if with_date else key


def predicted_key(event: Event, with_date: bool) -> Key:
    key = (event.event_type.value, event.source.country if event.source else None,
           event.target.country if event.target else None)
    return (*key, event.date) if with_date else key


@dataclass
class Counts:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)

    def add(self, gold: list[Key], predicted: list[Key]) -> tuple[list[Key], list[Key]]:
        """Multiset matching per story; returns the unmatched (missed, spurious)."""
        remaining = Counter(gold)
        spurious = []
        for key in predicted:
            if remaining[key] > 0:
                remaining[key] -= 1
                self.tp[key[0]] += 1
            else:
                self.fp[key[0]] += 1
                spurious.append(key)
        missed = list(remaining.elements())
        for key in missed:
            self.fn[key[0]] += 1
        return missed, spurious

    prf = staticmethod(prf)

    def total(self) -> tuple[float, float, float]:
        return self.prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))


@dataclass
class EventReport:
    name: str
    stories: int = 0
    gold_events: int = 0
    predicted_events: int = 0
    by_actors: Counts = field(default_factory=Counts)
    with_date: Counts = field(default_factory=Counts)
    stories_per_second: float = 0.0
    errors: list[str] = field(default_factory=list)
    not_annotated: int = 0  # stories labelled with topics only, left out

    def render(self) -> str:
        left_out = f" ({self.not_annotated} with topic labels only left out)" if self.not_annotated else ""
        lines = [f"== events: {self.name}: {self.stories} stories, {self.gold_events} gold events, "
                 f"{self.predicted_events} extracted{left_out}",
                 f"{'type':<10} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>5}   {'F1 +date':>8}"]
        for event_type in PloverType:
            t = event_type.value
            c = self.by_actors
            p, r, f = c.prf(c.tp[t], c.fp[t], c.fn[t])
            d = self.with_date
            fd = d.prf(d.tp[t], d.fp[t], d.fn[t])[2]
            lines.append(f"{t:<10} {p:6.3f} {r:6.3f} {f:6.3f} {c.tp[t] + c.fn[t]:5d}   {fd:8.3f}")
        p, r, f = self.by_actors.total()
        pd, rd, fd = self.with_date.total()
        lines += [f"{'all':<10} {p:6.3f} {r:6.3f} {f:6.3f}   (type + source country + target country)",
                  f"{'all+date':<10} {pd:6.3f} {rd:6.3f} {fd:6.3f}   (... and the date)",
                  f"throughput: {self.stories_per_second:,.0f} stories/s on one core (cleaning + extraction)"]
        return "\n".join(lines)



def evaluate_events(stories: list[LabelledStory], name: str, extractor: EventExtractor | None = None,
                    max_errors: int = 0) -> EventReport:
    extractor = extractor or EventExtractor.load()
    # A record without an "events" list annotates topics only: it says nothing of its events.
    annotated = [s for s in stories if s.events is not None]
    report = EventReport(name, not_annotated=len(stories) - len(annotated))
    stories = annotated
    raws = [s.raw() for s in stories]
    for story, raw in zip(stories, raws):
        events = extractor.extract(clean_article(raw), raw, pipeline_version="evaluation")
        report.stories += 1
        report.gold_events += len(story.events)
        report.predicted_events += len(events)
        missed, spurious = report.by_actors.add([gold_key(e, False) for e in story.events],
                                                [predicted_key(e, False) for e in events])
        report.with_date.add([gold_key(e, True) for e in story.events], [predicted_key(e, True) for e in events])
        if len(report.errors) < max_errors and (missed or spurious):
            report.errors.append(f"{story.id}: missed {missed} spurious {spurious}")
    report.stories_per_second = cpu_rate(
        lambda raw: extractor.extract(clean_article(raw), raw, pipeline_version="evaluation"), raws)
    return report
