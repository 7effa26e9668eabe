"""The command line against a real broker: topics, ingest (with validation) and tail."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient

from streams.cli.main import cli
from streams.settings import get_settings
from tests.kafka_helpers import consume

pytestmark = pytest.mark.kafka


@pytest.fixture
def cli_env(kafka_env, monkeypatch):
    for key, value in kafka_env.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield kafka_env
    get_settings.cache_clear()


def test_topics_are_created_with_configured_partitions(cli_env):
    settings = cli_env.settings
    result = CliRunner().invoke(cli, ["topics"])
    assert result.exit_code == 0, result.output
    assert f"{settings.raw_topic}  (created)" in result.output
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(
            [settings.raw_topic, settings.enriched_topic, f"{settings.event_stream_prefix}assault"])}
    finally:
        admin.close()
    assert described == {settings.raw_topic: 2, settings.enriched_topic: 1, f"{settings.event_stream_prefix}assault": 1}


def test_ingest_sends_valid_records_and_reports_invalid_ones(cli_env, tmp_path):
    settings = cli_env.settings
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "ok-1", "body": "Text.", "published_at": "2025-11-25T10:00:00Z"}),
        '{"id": "broken"',
        json.dumps({"id": "ok-2", "body": "Text."}),
        json.dumps({"id": "no-body", "published_at": "2025-11-25T10:00:00Z"}),
    ]) + "\n")
    result = CliRunner().invoke(cli, ["ingest", str(path), "--published-at", "2025-11-26T00:00Z", "--source", "AFP"])
    assert result.exit_code == 0, result.output
    assert f"{path}:2: malformed_json" in result.output and f"{path}:4: invalid_schema" in result.output
    assert "sent 2 stories" in result.output and "2 invalid not sent" in result.output
    found = consume(settings.bootstrap_servers, [settings.raw_topic], until=lambda f: len(f[settings.raw_topic]) >= 2,
                    timeout=20)
    sent = {r.key: json.loads(r.value) for r in found[settings.raw_topic]}
    assert set(sent) == {b"ok-1", b"ok-2"}
    assert sent[b"ok-2"]["published_at"] == "2025-11-26T00:00:00+00:00" and sent[b"ok-2"]["source"] == "AFP"

    tail = CliRunner().invoke(cli, ["tail", settings.raw_topic, "--from-beginning", "--json", "--max", "2",
                                    "--timeout", "10"])
    assert tail.exit_code == 0 and {json.loads(line)["id"] for line in tail.output.splitlines()} == {"ok-1", "ok-2"}


def test_tail_of_unknown_topic_is_a_clear_error(cli_env):
    result = CliRunner().invoke(cli, ["tail", "no.such.topic", "--timeout", "1"])
    assert result.exit_code != 0 and "does not exist" in result.output
