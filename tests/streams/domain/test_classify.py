"""Topic classification: the edge cases editors notice first."""

from __future__ import annotations

import pytest

from schemas.models import RawArticle
from streams.domain.classify import TopicClassifier, assign_topics
from streams.domain.cleaning import clean_article


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return TopicClassifier.load()


def labels(classifier: TopicClassifier, body: str, headline: str = "") -> list[str]:
    raw = RawArticle(id="t", headline=headline, body=body, published_at="2025-11-25T00:00:00Z")
    return [t.label for t in classifier.classify(clean_article(raw))]


FOOTBALL = ("Real Madrid beat Barcelona 3-1 at the Bernabeu on Sunday, with two second-half goals from the striker "
            "sealing victory in the league title race. The coach praised his midfield after the final whistle, and "
            "the defeat leaves Barcelona five points behind with eight matches of the season left to play.")
QUAKE = ("A magnitude 6.8 earthquake struck off the coast of northern Chile on Tuesday, collapsing houses and "
         "killing at least nine people, emergency officials said. Rescue teams searched the rubble overnight and "
         "a tsunami warning was lifted after three hours.")


def test_sport_report_is_sport_and_not_politics(classifier):
    found = labels(classifier, FOOTBALL, "Madrid win the Clasico")
    assert found[0] == "sport" and "politics" not in found


def test_misleading_headline_does_not_beat_the_body(classifier):
    assert labels(classifier, FOOTBALL, "Government crisis deepens as minister resigns over budget")[0] == "sport"
    assert labels(classifier, QUAKE, "Striker scores twice as champions win the cup final")[0] == \
        "disaster, accident and emergency incident"


def test_boilerplate_does_not_count(classifier):
    noisy = QUAKE + "\nRead more: Champions League final: Real Madrid beat Liverpool, goals and highlights" \
                    "\nFollow us on Twitter for the latest football transfer news"
    assert labels(classifier, noisy) == labels(classifier, QUAKE)


def test_a_one_line_flash_gets_a_topic(classifier):
    assert labels(classifier, "FLASH: Central bank raises interest rates by half a point to fight inflation.")[0] \
        == "economy, business and finance"


def test_scores_are_probabilities_best_first_and_bounded(classifier):
    raw = RawArticle(id="t", headline="", body=QUAKE, published_at="2025-11-25T00:00:00Z")
    topics = classifier.classify(clean_article(raw))
    assert 1 <= len(topics) <= classifier.max_topics
    assert all(0.0 <= t.score <= 1.0 for t in topics)
    assert [t.score for t in topics[1:]] == sorted((t.score for t in topics[1:]), reverse=True)


def test_deterministic(classifier):
    raw = RawArticle(id="t", headline="x", body=FOOTBALL + " " + QUAKE, published_at="2025-11-25T00:00:00Z")
    assert classifier.classify(clean_article(raw)) == classifier.classify(clean_article(raw))


def test_threshold_and_maximum_are_honoured():
    scores = [0.0] * 17
    scores[10], scores[3], scores[15], scores[1] = 0.9, 0.6, 0.55, 0.52
    assert [t.code for t in assign_topics(scores, 10, 0.5, 3)] == ["medtop:11000000", "medtop:04000000",
                                                                   "medtop:16000000"]
    assert [t.code for t in assign_topics(scores, 10, 0.58, 3)] == ["medtop:11000000", "medtop:04000000"]
    # the main topic is kept even when its own score is under the threshold
    assert [t.code for t in assign_topics(scores, 16, 0.95, 3)] == ["medtop:17000000"]


def test_per_topic_thresholds_by_default_and_one_threshold_when_set(classifier):
    """Unset, each topic has the threshold tuned for it on out-of-fold training scores; a configured
    threshold replaces them all."""
    from streams.domain.classify import TOPIC_CODES, TopicClassifier

    tuned = classifier.thresholds
    assert len(tuned) == len(TOPIC_CODES) and all(0.0 < t < 1.0 for t in tuned)
    assert len(set(tuned)) > 1  # tuned per topic, not one value copied
    fixed = TopicClassifier(classifier.model, classifier.vocabulary, threshold=0.42)
    assert fixed.thresholds == [0.42] * len(TOPIC_CODES)
    scores = [0.0] * 17
    scores[3], scores[13] = 0.9, 0.44
    per_topic = [0.5] * 17
    per_topic[13] = 0.4
    assert [t.code for t in assign_topics(scores, 3, per_topic, 3)] == ["medtop:04000000", "medtop:14000000"]
    assert [t.code for t in assign_topics(scores, 3, 0.5, 3)] == ["medtop:04000000"]
