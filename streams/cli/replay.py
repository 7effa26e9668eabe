"""``wirestream replay``: reprocess a backlog (a time range, some offsets, or everything).

The logic lives in :mod:`streams.replay`; this module parses options, prints the plan, the progress
line and the summary. Kafka and the pipeline are imported when the command runs, so ``wirestream
--help`` stays fast.
"""

from __future__ import annotations

import signal
import sys

import click

from streams.settings import get_settings

EXAMPLES = """
\b
Examples:
  wirestream replay --from 2025-11-24T00:00Z --to 2025-11-25T00:00Z --dry-run
  wirestream replay --from 2025-11-24T00:00Z --to 2025-11-25T00:00Z
  wirestream replay --offsets 0:100-200 --offsets 1:0-50
  wirestream replay --all --partitions 0,2
  wirestream replay --resume                      # after Ctrl-C or a crash (or run the same command again)
  wirestream replay --mode rewind --from 2025-11-24T00:00Z   # workers stopped first
"""


@click.command(epilog=EXAMPLES)
@click.option("--topic", help="source topic (default: WIRESTREAM_RAW_TOPIC)")
@click.option("--from", "start", metavar="TIME", help="start of a time range, inclusive (ISO 8601 with timezone, "
              "e.g. 2025-11-24T00:00Z); resolved with the broker's timestamp index")
@click.option("--to", "end", metavar="TIME", help="end of the time range, exclusive (default: now)")
@click.option("--offsets", multiple=True, metavar="P:FROM-TO",
              help="an offset range of one partition, FROM inclusive, TO exclusive (empty TO: the current end); "
                   "repeat for more partitions, e.g. --offsets 0:100-200 --offsets 1:0-50")
@click.option("--all", "everything", is_flag=True, help="everything the topic still holds")
@click.option("--partitions", metavar="LIST", help="only these partitions, e.g. 0,2 or 0-3 (with --from/--to or --all)")
@click.option("--mode", type=click.Choice(["consumer", "rewind"]), default="consumer", show_default=True,
              help="consumer: a separate replay consumer reprocesses the range, the live worker is untouched; "
                   "rewind: move the worker group's offsets back to the range start (workers must be stopped)")
@click.option("--group", help="consumer mode: the replay consumer group (default: <app id>-replay); "
                              "rewind mode: the group to rewind (default: the app id, i.e. the workers)")
@click.option("--dry-run", is_flag=True, help="print the plan (partitions, offsets, counts, estimated time) and stop")
@click.option("--resume", is_flag=True, help="continue the interrupted replay recorded in the replay group "
                                             "(no range needed; running the same command again does the same)")
@click.option("--restart", is_flag=True, help="replay the range from its start even if an earlier run of the "
                                              "same command finished or stopped midway")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="messages per batch; offsets are committed after each batch's outputs are acknowledged")
@click.option("--max-rate", type=click.FloatRange(min=0, min_open=True), default=None, metavar="N",
              help="at most N messages per second (to spare the broker and the live workers)")
def replay(topic: str | None, start: str | None, end: str | None, offsets: tuple[str, ...], everything: bool,
           partitions: str | None, mode: str, group: str | None, dry_run: bool, resume: bool, restart: bool,
           batch_size: int, max_rate: float | None) -> None:
    """Reprocess a backlog of TOPIC with the current pipeline: a time range, offsets, or --all.

    Outputs go to the usual topics with pipeline_version and the same deterministic event ids as the
    first run; in consumer mode they are marked replay=true (header wirestream-replay: 1). Interrupted
    runs resume where they stopped. See the README's "Replay" section.
    """
    from streams.replay import ReplayError

    try:
        _replay(topic, start, end, offsets, everything, partitions, mode, group, dry_run, resume, restart,
                batch_size, max_rate)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from None


def _replay(topic, start, end, offsets, everything, partitions, mode, group, dry_run, resume, restart,  # noqa: ANN001
            batch_size, max_rate) -> None:
    from streams.replay import BrokerView, ReplayError, ReplayRequest, compute_plan

    settings = get_settings()
    topic = topic or settings.raw_topic
    has_range = bool(start or end or offsets or everything)
    if resume and restart:
        raise ReplayError("--resume and --restart contradict each other")
    if mode == "rewind" and (resume or restart or max_rate):
        raise ReplayError("--resume, --restart and --max-rate are for --mode consumer")
    if not has_range and not resume:
        raise ReplayError("say what to replay: --from/--to, --offsets, --all, or --resume")
    if partitions and not has_range:
        raise ReplayError("--partitions narrows a range: give --from/--to or --all with it")
    request = ReplayRequest.build(topic, start=start, end=end, offsets=offsets, everything=everything,
                                  partitions=partitions) if has_range else None
    if mode == "rewind":
        group = group or settings.app_id
    else:
        group = group or f"{settings.app_id}-replay"

    isolation = "read_committed" if settings.processing_guarantee == "exactly_once" else "read_uncommitted"
    with BrokerView(settings.bootstrap_servers, isolation_level=isolation) as view:
        plan = compute_plan(view, request, group=group, topic=topic, mode=mode, restart=restart)
        if resume and not plan.resumed:
            raise ReplayError(f"nothing to resume: group {group!r} has no recorded progress for this range; "
                              "leave out --resume to start it")
        if dry_run:
            _dry_run(settings, plan)
        elif mode == "rewind":
            _rewind(view, plan)
        else:
            _consume(settings, view, plan, batch_size=batch_size, max_rate=max_rate, restart=restart)


def _dry_run(settings, plan) -> None:  # noqa: ANN001
    from streams.pipeline import Pipeline
    from streams.replay import measure_rate, render_plan, sample_messages

    pipeline = Pipeline(settings)
    rate, origin = measure_rate(pipeline, sample_messages(settings, plan))
    click.echo(render_plan(plan, rate=rate, rate_origin=origin, pipeline_version=pipeline.pipeline_version))
    click.echo("dry run: nothing was changed")


def _rewind(view, plan) -> None:  # noqa: ANN001
    from streams.replay import render_plan, rewind

    click.echo(render_plan(plan))
    result = rewind(view, plan)
    for partition, (old, new) in sorted(result.changed.items()):
        click.echo(f"rewound partition {partition}: {old} -> {new} ({old - new} messages to reprocess)")
    for partition, why in sorted(result.untouched.items()):
        click.echo(f"left partition {partition} alone: {why}")
    if result.changed:
        click.echo(f"done: start the workers (group {plan.group!r}); they reprocess from the range start. Their "
                   "outputs are not marked as replays (replay=false), and supersession by version still applies.")
    else:
        click.echo("nothing to rewind: the worker group has not processed past the start of the range")


def _consume(settings, view, plan, *, batch_size: int, max_rate: float | None, restart: bool) -> None:  # noqa: ANN001
    from streams.adapters.admin import admin_client, wanted_topics
    from streams.pipeline import Pipeline
    from streams.replay import (
        Replayer,
        group_progress,
        load_versions,
        render_plan,
        store_plan,
    )

    pipeline = Pipeline(settings)
    click.echo(render_plan(plan, pipeline_version=pipeline.pipeline_version))
    if plan.remaining == 0:
        click.echo(f"nothing left to do: this replay already completed in group {plan.group!r} "
                   "(--restart replays the range again)")
        return
    stored = store_plan(view, plan, wait_seconds=settings.session_timeout_seconds + 5, adopt=not restart)
    if stored:
        click.echo(f"recorded the range of {stored} partition(s) in group {plan.group!r} (resumable)")
    _ensure_outputs(settings, admin_client, wanted_topics)
    versions = load_versions(settings)

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)  # a polite kill stops like Ctrl-C: commit what is complete
    try:
        summary = Replayer(settings, plan, pipeline, batch_size=batch_size, max_rate=max_rate, versions=versions,
                           progress=True).run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(summary.render())
    done = group_progress(view, plan)
    left = {p.partition: p.end - done[p.partition] for p in plan.partitions if done[p.partition] < p.end}
    if summary.interrupted:
        click.echo(f"interrupted: {sum(left.values())} messages left; resume with `wirestream replay --resume` "
                   f"(group {plan.group!r}) or by running the same command again", err=True)
        sys.exit(130)
    if left:
        click.echo(f"this process is done; partitions {sorted(left)} are still being replayed by other members of "
                   f"group {plan.group!r} ({sum(left.values())} messages left)")
    else:
        click.echo(f"replay complete: {plan.total} messages of {plan.description}")


def _interrupt(signum, frame) -> None:  # noqa: ANN001
    raise KeyboardInterrupt


def _ensure_outputs(settings, admin_client, wanted_topics) -> None:  # noqa: ANN001
    """Create missing output topics (not the source: replaying an unknown topic is an error)."""
    from kafka.errors import TopicAlreadyExistsError

    with admin_client(settings.bootstrap_servers) as admin:
        existing = set(admin.list_topics())
        for topic in wanted_topics(settings):
            if topic.name != settings.raw_topic and topic.name not in existing:
                try:
                    admin.create_topics([topic])
                except TopicAlreadyExistsError:
                    pass
