"""The command line without Kafka: help everywhere, enrich, schema export."""

import json

import pytest
from click.testing import CliRunner

from schemas.export import render_schemas
from streams.cli.main import cli
from streams.settings import get_settings
from tests.conftest import SAMPLES


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *_commands(cli)])
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_enrich_seed_story_validates_against_exported_schema(seed):
    jsonschema = pytest.importorskip("jsonschema")
    result = CliRunner().invoke(cli, ["enrich", "-"], input=json.dumps(seed) + "\n")
    assert result.exit_code == 0, result.output
    [line] = result.output.strip().splitlines()
    article = json.loads(line)
    schema = json.loads(render_schemas()["EnrichedArticle.schema.json"])
    jsonschema.validate(article, schema)
    assert article["article_id"] == "seed-xi-trump-call" and article["events"]


def test_enrich_reports_bad_lines_with_origin_and_fails():
    result = CliRunner().invoke(cli, ["enrich", "-"], input='{"id": "x"\n')
    assert result.exit_code == 1
    assert "<stdin>:1" in result.output and "malformed_json" in result.output


def test_enrich_samples_file():
    result = CliRunner().invoke(cli, ["enrich", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["article_id"] for line in result.output.strip().splitlines()]
    assert len(ids) == len(SAMPLES.read_text().splitlines()) and "seed-xi-trump-call" in ids


def test_enrich_in_batches_keeps_input_order_and_dead_letters_each_bad_line(seed, monkeypatch, request):
    """More stories than one batch, with bad lines inside batches: every good story comes out once,
    in input order, and every bad line is reported with its own line number."""
    monkeypatch.setenv("WIRESTREAM_BATCH_MAX_STORIES", "4")
    get_settings.cache_clear()  # settings are read once per process; read them again, and after
    request.addfinalizer(get_settings.cache_clear)
    assert get_settings().batch_max_stories == 4
    lines = []
    for n in range(11):
        lines.append(json.dumps({**seed, "id": f"story-{n}"}) if n % 5 != 3 else '{"id": "broken"')
    result = CliRunner().invoke(cli, ["enrich", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    ids = [json.loads(line)["article_id"] for line in result.stdout.strip().splitlines()]
    assert ids == [f"story-{n}" for n in range(11) if n % 5 != 3]
    assert [line.split(":")[1] for line in result.stderr.strip().splitlines()] == ["4", "9"]


def test_schemas_export_check_passes_on_committed_files():
    result = CliRunner().invoke(cli, ["schemas", "export", "--check"])
    assert result.exit_code == 0 and "up to date" in result.output
