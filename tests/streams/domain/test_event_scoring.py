from schemas.models import RawArticle
from streams.domain.cleaning import clean_article
from streams.domain.event_scoring import actor_features, none_features, trigger_features
from streams.domain.extract import EventExtractor


def proposals(body: str):
    raw = RawArticle(id="t", headline="Story", body=body, published_at="2025-11-25T10:00:00Z", dateline="KYIV")
    extractor = EventExtractor.load(scorer=False)
    return [proposal for _, _, found in extractor.proposals(clean_article(raw)) for proposal, _ in found]


def test_an_act_aimed_at_generic_partners_is_told_apart():
    generic, = proposals("President Volodymyr Zelensky urged Western partners to speed up deliveries of "
                         "air defence systems.")
    named, = proposals("President Volodymyr Zelensky urged Germany to speed up deliveries of air defence systems.")
    assert "tgt:none|generic=True" in none_features(generic)
    assert "tgt:none|generic=False" in none_features(named)


def test_trigger_features_see_two_words_either_side():
    proposal, = proposals("President Volodymyr Zelensky on Monday urged Germany to speed up deliveries.")
    features = trigger_features(proposal)
    assert {"w-1=monday", "w-2=on", "w+1=germany", "w+2=to"} <= set(features)


def test_trigger_features_see_its_first_word_and_the_words_before_it():
    proposal, = proposals("President Volodymyr Zelensky on Monday urged Germany to speed up deliveries.")
    features = set(trigger_features(proposal))
    assert "first=urged" in features
    assert {"b5=zelensky", "b5=on", "b5=monday"} <= features
    assert not any(feature.startswith("b5=") and "germany" in feature for feature in features)


def test_an_actors_preceding_word_is_read_with_the_event_type():
    proposal, = proposals("President Volodymyr Zelensky on Monday urged Germany to speed up deliveries.")
    germany = next(m for m in proposal.mentions if m.actor.country == "DEU")
    assert "tgt:REQUEST|word_before=urged" in actor_features(proposal, germany, "tgt")
