"""The worker's own metrics without Kafka: rebalance hooks, shutdown, the monitor's registry, the docs."""

from __future__ import annotations

import asyncio
import re

import pytest
from faust.types import TP
from prometheus_client import REGISTRY, generate_latest

from streams.adapters import metrics
from streams.adapters.lag import GroupLagCollector
from streams.cli.monitor import lag_registry
from streams.settings import Settings
from tests.conftest import ROOT


def _value(name: str, labels: dict | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
def app(tmp_path):
    from streams.app import create_app

    return create_app(Settings(data_dir=tmp_path / "data", raw_topic="in.raw"))


def test_each_rebalance_is_counted_and_only_input_partitions_are_assigned(app):
    before = _value("wirestream_rebalances_total")
    changelog = "wirestream-article-versions-changelog"
    asyncio.run(app.on_partitions_assigned.send({TP("in.raw", 0), TP("in.raw", 3), TP(changelog, 0)}))
    assert _value("wirestream_rebalances_total") == before + 1
    assert _value("wirestream_assigned_partitions") == 2
    asyncio.run(app.on_partitions_assigned.send(set()))  # another worker joined and took everything
    assert _value("wirestream_rebalances_total") == before + 2
    assert _value("wirestream_assigned_partitions") == 0


def test_worker_up_goes_to_zero_on_shutdown(app):
    metrics.WORKER_UP.set(1)
    metrics.ASSIGNED_PARTITIONS.set(4)
    asyncio.run(app.on_before_shutdown.send())  # Faust sends it from App.on_stop
    assert _value("wirestream_worker_up") == 0
    assert _value("wirestream_assigned_partitions") == 0


def test_monitor_serves_only_the_lag_gauges():
    metrics.CONSUMER_LAG_MESSAGES.labels("in.raw", "0").set(7)
    metrics.CONSUMER_LAG_SECONDS.labels("in.raw", "0").set(1.5)
    try:
        exposition = generate_latest(lag_registry()).decode()
        names = {line.split("{")[0].split(" ")[0] for line in exposition.splitlines() if not line.startswith("#")}
        assert names == {"wirestream_consumer_lag_messages", "wirestream_consumer_lag_seconds"}
        assert 'wirestream_consumer_lag_messages{partition="0",topic="in.raw"} 7.0' in exposition
    finally:
        metrics.CONSUMER_LAG_MESSAGES.remove("in.raw", "0")
        metrics.CONSUMER_LAG_SECONDS.remove("in.raw", "0")


def test_lag_gauges_are_cleared_when_a_measurement_fails(monkeypatch):
    from streams.adapters.lag import PartitionLag

    collector = GroupLagCollector(Settings(raw_topic="in.raw"))
    monkeypatch.setattr(collector, "measure", lambda: [PartitionLag("in.raw", 0, 5, 5, 9, 4, 12.0)])
    collector.update()
    assert _value("wirestream_consumer_lag_messages", {"topic": "in.raw", "partition": "0"}) == 4
    assert _value("wirestream_consumer_lag_seconds", {"topic": "in.raw", "partition": "0"}) == 12.0

    def broken():  # noqa: ANN202
        raise ConnectionError("broker gone")

    monkeypatch.setattr(collector, "measure", broken)
    with pytest.raises(ConnectionError):
        collector.update()
    assert REGISTRY.get_sample_value("wirestream_consumer_lag_messages", {"topic": "in.raw", "partition": "0"}) is None
    assert REGISTRY.get_sample_value("wirestream_consumer_lag_seconds", {"topic": "in.raw", "partition": "0"}) is None


def _declared_metrics() -> dict[str, str]:
    """name -> type of every metric object in streams/adapters/metrics.py, as exposed."""
    found = {}
    for value in vars(metrics).values():
        describe = getattr(value, "describe", None)
        if callable(describe) and getattr(value, "_name", "").startswith("wirestream_"):
            for family in describe():
                name = family.name + {"counter": "_total", "info": "_info"}.get(family.type, "")
                found[name] = family.type
    return found


def test_metric_names_follow_the_conventions():
    declared = _declared_metrics()
    assert len(declared) >= 14
    for name, kind in declared.items():
        assert re.fullmatch(r"wirestream_[a-z][a-z0-9_]*", name), name
        assert name.endswith("_total") == (kind == "counter"), name
        if kind == "histogram":
            assert name.endswith("_seconds"), f"{name}: latencies in base units"


def test_every_metric_and_alert_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    metrics_section = readme.split("\n## Metrics", 1)[1].split("\n## ", 1)[0]
    for name in _declared_metrics():
        assert f"`{name}" in metrics_section, f"{name} is missing from README's Metrics section"
    rules = (ROOT / "deploy/prometheus/rules/wirestream.yml").read_text()
    for alert in re.findall(r"- alert: (\w+)", rules):
        assert f"`{alert}`" in metrics_section, f"alert {alert} is missing from README's Monitoring paragraph"
