import json

import pytest
from pydantic import ValidationError

from schemas.export import JSON_DIR, render_schemas, stale_schemas
from schemas.models import Event, RawArticle
from schemas.ninjs import looks_like_ninjs, ninjs_to_native


def test_raw_article_requires_timezone_aware_date():
    with pytest.raises(ValidationError, match="timezone"):
        RawArticle(id="a", body="text", published_at="2025-11-25T10:00:00")


def test_raw_article_rejects_blank_body():
    with pytest.raises(ValidationError, match="body is empty"):
        RawArticle(id="a", body="   \n ", published_at="2025-11-25T10:00:00Z")


def test_raw_article_rejects_wrong_types():
    with pytest.raises(ValidationError) as info:
        RawArticle(id="a", headline=["x"], body="b", version="two", published_at="2025-11-25T10:00:00Z")
    fields = {error["loc"][0] for error in info.value.errors()}
    assert fields == {"headline", "version"}


def test_event_date_granularity_is_validated():
    base = dict(event_id="e", article_id="a", event_type="CONSULT", sentence="s", confidence=0.5,
                pipeline_version="v")
    for good in ("2025-11-24", "2026-04", "2026", None):
        assert Event(**base, date=good).date == good
    with pytest.raises(ValidationError):
        Event(**base, date="24/11/2025")
    with pytest.raises(ValidationError):
        Event(**{**base, "event_type": "GOSSIP"})


def test_committed_json_schemas_match_the_models():
    assert stale_schemas() == [], "run `wirestream schemas export` and commit schemas/json"


def test_exported_schemas_are_valid_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    for name, text in render_schemas().items():
        schema = json.loads(text)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert (JSON_DIR / name).exists()


def test_ninjs_2_document_maps_onto_raw_article():
    doc = {
        "uri": "urn:newsml:example.com:20251125:abc",
        "version": "3",
        "headlines": [{"role": "main", "value": "Leaders meet"}],
        "bodies": [{"role": "main", "contenttype": "text/html",
                    "value": "<p>First <b>para</b>.</p><script>alert(1)</script><p>Second &amp; last.</p>"}],
        "versioncreated": "2025-11-25T10:00:00+00:00",
        "language": "en",
        "located": "GENEVA",
        "infosource": [{"name": "Example Wire"}],
    }
    assert looks_like_ninjs(doc)
    article = RawArticle.model_validate(ninjs_to_native(doc))
    assert article.id == "urn:newsml:example.com:20251125:abc"
    assert article.version == 3
    assert article.headline == "Leaders meet"
    assert article.body == "First para.\nSecond & last."
    assert article.dateline == "GENEVA" and article.source == "Example Wire"


def test_ninjs_1_body_html_and_firstcreated():
    doc = {"guid": "g1", "headline": "H", "body_html": "<div>Hello<br>world</div>", "firstcreated": "2025-11-25T10:00:00Z",
           "byline": "A Reporter"}
    article = RawArticle.model_validate(ninjs_to_native(doc))
    assert (article.id, article.body, article.byline) == ("g1", "Hello\nworld", "A Reporter")


def test_native_document_is_not_mistaken_for_ninjs():
    assert not looks_like_ninjs({"id": "x", "body": "b", "uri": "http://example.com"})
