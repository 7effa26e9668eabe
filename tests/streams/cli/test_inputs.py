import json
from datetime import datetime, timezone

import pytest

from streams.cli.inputs import iter_records


def test_json_lines_array_ninjs_text_and_folder(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "1", "body": "b"}\n\n{"id": "2", "body": "b"}\n')
    (tmp_path / "b.json").write_text(json.dumps([{"id": "3"}, {"id": "4"}]))
    (tmp_path / "c.json").write_text(json.dumps({"uri": "u5", "body_text": "x"}, indent=2))
    (tmp_path / "d.txt").write_text("Headline here\nBody line one.\nBody line two.\n")
    (tmp_path / "ignored.csv").write_text("x,y\n")
    records = list(iter_records(str(tmp_path), source="AFP", published_at=datetime(2025, 11, 25, tzinfo=timezone.utc)))
    origins = [r.origin.replace(str(tmp_path) + "/", "") for r in records]
    assert origins == ["a.jsonl:1", "a.jsonl:3", "b.json[1]", "b.json[2]", "c.json:1", "d.txt:1"]
    docs = [json.loads(r.value) for r in records]
    assert all(d["source"] == "AFP" for d in docs)
    assert docs[4]["uri"] == "u5" and docs[4]["published_at"] == "2025-11-25T00:00:00+00:00"
    assert docs[5]["headline"] == "Headline here" and docs[5]["body"] == "Body line one.\nBody line two."


def test_invalid_lines_pass_through_for_the_validator_to_report(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"id": "1"\nnot json\n')
    assert [r.value for r in iter_records(str(tmp_path / "bad.jsonl"))] == [b'{"id": "1"', b"not json"]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        list(iter_records(str(tmp_path / "nope.jsonl")))
