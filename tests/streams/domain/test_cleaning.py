from schemas.models import RawArticle
from streams.domain.cleaning import clean_article, normalise_text, split_sentences, strip_dateline


def _raw(body: str, headline: str = "Headline") -> RawArticle:
    return RawArticle(id="x", headline=headline, body=body, published_at="2025-11-25T00:00:00Z")


def test_seed_boilerplate_is_removed(seed):
    clean = clean_article(RawArticle.model_validate(seed))
    text = clean.body_text
    assert "Read more" not in text and "Comments are closed" not in text
    assert "Democrats Who Urged Military" not in text
    assert clean.boilerplate_lines == 2
    assert clean.dateline and clean.dateline.upper() == "WASHINGTON"
    assert clean.sentences[1].text.startswith("Chinese President Xi Jinping raised")
    # crossheads are kept apart from the running text
    assert "Trade Momentum Continues" in clean.headings


def test_repeated_standfirst_is_one_sentence(seed):
    clean = clean_article(RawArticle.model_validate(seed))
    texts = [s.text for s in clean.sentences]
    assert texts.count("Trump and Xi also discussed the war in Ukraine.") == 1


def test_datelines_of_several_agencies():
    assert strip_dateline("KYIV, Ukraine (AP) - Russian drones struck.") == ("Russian drones struck.", "Kyiv")
    assert strip_dateline("BEIJING, Nov. 3 (Xinhua) -- The ministry said.")[1] == "Beijing"
    assert strip_dateline("PARIS (AFP) - Hello.")[1] == "Paris"
    assert strip_dateline("A Reuters poll - not a dateline.")[1] is None


def test_sentence_splitting_respects_abbreviations_and_quotes():
    text = 'Mr. Smith met Gen. Jones on Jan. 5 in the U.S. capital. "We won," he said. Prices rose 2.5%.'
    assert split_sentences(text) == ['Mr. Smith met Gen. Jones on Jan. 5 in the U.S. capital.', '"We won," he said.',
                                     'Prices rose 2.5%.']


def test_hostile_text_is_neutralised():
    text = normalise_text("a\x00b\u202ec\u200bd\x1be\u2019s")
    assert text == "abcde's"


def test_typography_is_folded_and_blank_runs_collapse():
    assert normalise_text("\u201cIt\u2019s\u201d\u00a0ok\u2014mostly \u2013 r\u00e9sum\u0065\u0301\r") == \
        "\"It's\" ok - mostly - r\u00e9sum\u00e9\n"
    clean = clean_article(_raw("Police\t arrested  two\tmen \t in  Lyon.\r\nA single space stays a single space."))
    assert [s.text for s in clean.sentences] == ["Police arrested two men in Lyon.",
                                                 "A single space stays a single space."]


def test_html_body_is_reduced_to_text():
    clean = clean_article(_raw("<p>Police arrested <b>two</b> men.</p><script>steal()</script><p>Second.</p>"))
    assert clean.body_text == "Police arrested two men.\nSecond."


def test_markup_and_controls_never_reach_headline_dateline_or_sentences():
    raw = RawArticle(id="x", headline="<b>Big</b> news<script>x()</script>", dateline="PARIS\x00\u202e",
                     body="Police <!-- hidden --> arrested <svg/onload=alert(1)>two men.",
                     published_at="2025-11-25T00:00:00Z")
    clean = clean_article(raw)
    assert clean.headline == "Big news"
    assert clean.dateline == "PARIS"
    assert clean.sentences[0].text == "Police arrested two men."
