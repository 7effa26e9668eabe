"""``wirestream monitor``: the worker group's consumer lag, served by a process that is not a worker.

A worker measures and serves the group's lag itself, but a worker that is stopped, stuck or gone
serves nothing. This command measures the same numbers from the broker (committed offsets against
end offsets, and the age of the oldest uncommitted record) and serves only those two gauges, so
lag stays visible when every worker is down.
"""

from __future__ import annotations

import signal

import click
from prometheus_client import CollectorRegistry, start_http_server

from streams.adapters import metrics
from streams.adapters.lag import GroupLagCollector, PartitionLag
from streams.settings import get_settings

DEFAULT_PORT = 9465  # beside the worker's 9464


def lag_registry() -> CollectorRegistry:
    """A registry with the two lag gauges only (the worker's counters would read 0 here and mislead)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(metrics.CONSUMER_LAG_MESSAGES)
    registry.register(metrics.CONSUMER_LAG_SECONDS)
    return registry


def render(lags: list[PartitionLag]) -> str:
    lines = [f"{'topic':<30} {'partition':>9} {'committed':>10} {'end':>10} {'lag':>8} {'lag seconds':>12}"]
    for lag in lags:
        committed = "-" if lag.committed is None else str(lag.committed)
        seconds = "?" if lag.seconds is None else f"{lag.seconds:.1f}"
        lines.append(f"{lag.topic:<30} {lag.partition:>9} {committed:>10} {lag.end:>10} {lag.messages:>8} {seconds:>12}")
    return "\n".join(lines)


@click.command()
@click.option("--group", default=None, help="consumer group (default: WIRESTREAM_APP_ID, the workers' group)")
@click.option("--topic", "topics", multiple=True, help="input topic, repeatable (default: WIRESTREAM_RAW_TOPIC)")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Prometheus endpoint port (0: no endpoint)")
@click.option("--bind", default="0.0.0.0", show_default=True, help="address of the endpoint")
@click.option("--interval", type=click.FloatRange(min=0.1), default=None,
              help="seconds between measurements (default: WIRESTREAM_LAG_INTERVAL_SECONDS)")
@click.option("--once", is_flag=True, help="measure once, print a table and exit")
def monitor(group: str | None, topics: tuple[str, ...], port: int, bind: str, interval: float | None,
            once: bool) -> None:
    """Serve the consumer group's lag (wirestream_consumer_lag_messages/_seconds) measured from the broker.

    Works when every worker is stopped or stuck. Scrape it as its own Prometheus job.
    """
    settings = get_settings()
    collector = GroupLagCollector(settings, group=group, topics=topics or None, interval=interval)
    if once:
        try:
            click.echo(render(collector.update()))
            for topic in collector.missing_topics:
                click.echo(f"topic {topic} does not exist", err=True)
        except Exception as exc:  # noqa: BLE001 - any Kafka error is the answer here
            raise click.ClickException(f"cannot measure the lag of group {collector.group}: {exc!r}") from None
        finally:
            collector.close()
        return
    if port:
        start_http_server(port, addr=bind, registry=lag_registry())
    served = f"metrics on {bind}:{port}/metrics" if port else "no metrics endpoint (--port 0)"
    click.echo(f"monitor: lag of group {collector.group} on {', '.join(collector.topics)} every "
               f"{collector.interval:g}s; {served}", err=True)
    signal.signal(signal.SIGTERM, lambda *_: collector.stop())
    try:
        collector.run()
    except KeyboardInterrupt:
        collector.close()
