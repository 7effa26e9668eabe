"""A real Prometheus scraping a real worker on a real broker: the exposition, the dashboard, the rules."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time

import pytest
import yaml
from kafka import KafkaProducer

from tests.conftest import seed_story
from tests.exposition import samples
from tests.monitoring.conftest import DASHBOARD, RULES, binary, finite_values

pytestmark = [pytest.mark.kafka, pytest.mark.prometheus]

# Grafana's variables, as a dashboard with "All" workers and a 1 s scrape interval would resolve them.
GRAFANA_VARIABLES = {"$__rate_interval": "15s", "$instance": ".*"}


def _dashboard_queries() -> dict[str, str]:
    """'panel title / refId' -> PromQL with Grafana's variables substituted, for every target."""
    dashboard = json.loads(DASHBOARD.read_text())
    queries = {}

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                assert "$" not in expr, f"unknown Grafana variable in {panel['title']}: {expr}"
                queries[f"{panel['title']} / {target['refId']}"] = expr
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    return queries


class StoryFeed:
    """Keeps stories arriving on the input topic, so every rate window has something in it.

    Each round: a story with events and topics (the seed story under a new id), version 2 then
    version 1 of another (v1 is superseded), malformed JSON and non-UTF-8 bytes (dead letters).
    """

    def __init__(self, bootstrap: str, topic: str, period: float = 0.5) -> None:
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5)
        self.topic, self.period = topic, period
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.rounds = 0

    def _run(self) -> None:
        seed = seed_story()
        while not self.stop_event.is_set():
            n = self.rounds
            versions = [{**seed, "id": f"ver-{n}", "version": v} for v in (2, 1)]
            for key, value in [(f"seed-{n}", json.dumps({**seed, "id": f"seed-{n}"}).encode()),
                               *((f"ver-{n}", json.dumps(doc).encode()) for doc in versions),
                               (f"bad-{n}", b'{"id": "broken", "body": '), (f"bin-{n}", b"\xff\xfe binary")]:
                self.producer.send(self.topic, key=key.encode(), value=value)
            self.producer.flush()
            self.rounds += 1
            self.stop_event.wait(self.period)

    def __enter__(self) -> "StoryFeed":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.stop_event.set()
        self.thread.join(10)
        self.producer.close()


def test_worker_exposition_passes_promtool_check_metrics(kafka_env, worker_factory):
    settings = kafka_env.settings
    worker = worker_factory(WIRESTREAM_LAG_INTERVAL_SECONDS="1")
    worker.wait_metrics()
    with StoryFeed(settings.bootstrap_servers, settings.raw_topic):
        # Wait for every kind of series: labelled counters, histograms, the lag gauges.
        deadline = time.monotonic() + 60
        wanted = ["wirestream_stories_dead_lettered_total", "wirestream_events_published_total",
                  "wirestream_topic_stories_published_total", "wirestream_consumer_lag_seconds"]
        while time.monotonic() < deadline:
            exposition = worker.metrics()
            if all(samples(exposition, name) for name in wanted):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"series missing from the exposition: {worker.log()}")
    result = subprocess.run([binary("promtool"), "check", "metrics"], input=exposition, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), \
        result.stdout + result.stderr


def test_every_dashboard_query_returns_data_and_the_rules_load(kafka_env, worker_factory, prometheus_factory):
    settings = kafka_env.settings
    worker = worker_factory(WIRESTREAM_LAG_INTERVAL_SECONDS="1")
    worker.wait_metrics()
    target = worker.metrics_url.removeprefix("http://").removesuffix("/metrics")
    prometheus = prometheus_factory([target], [RULES], job="wirestream", interval="1s")
    queries = _dashboard_queries()
    assert len(queries) >= 20, queries

    # Every query must return at least one finite sample (NaN, e.g. a quantile of an empty
    # window, does not count). Panels built as "X or vector(0)" always return a sample, so for
    # those the value is checked too: one worker, scraped and running.
    must_equal = {"Workers up / A": 1.0, "Workers up / B": 1.0}
    missing = dict(queries)
    last: dict[str, object] = {}
    with StoryFeed(settings.bootstrap_servers, settings.raw_topic) as feed:
        deadline = time.monotonic() + 90
        while missing and time.monotonic() < deadline:
            for name, expr in list(missing.items()):
                values = finite_values(prometheus.query(expr))
                last[name] = values
                if values and (name not in must_equal or values == [must_equal[name]]):
                    del missing[name]
            if missing:
                time.sleep(1.0)  # the scrape interval
        assert not missing, {name: (expr, last.get(name)) for name, expr in missing.items()} | {
            "worker": worker.log(), "prometheus": prometheus.log(), "rounds": feed.rounds}

        # The Worker variable: label_values(wirestream_worker_up, instance) is Grafana's, not PromQL;
        # its API equivalent must list the scraped worker.
        instances = prometheus.api("label/instance/values", **{"match[]": "wirestream_worker_up"})
        assert instances == [target]

        # Every wirestream_ metric named by the dashboard or the rules is one Prometheus has scraped.
        scraped = set(prometheus.api("label/__name__/values"))
        rule_exprs = [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
        named = set(re.findall(r"\bwirestream_[a-z_]+", " ".join([*queries.values(), *rule_exprs])))
        assert named and named <= scraped, named - scraped

        # The rules load and evaluate without error against live series. Dead letters are ~40 %
        # of the feed, so WirestreamDeadLetterRatioHigh (ratio > 5 % for 10m) must be pending:
        # proof that its expression matches the real series. The worker is up: WirestreamNoWorkers
        # (an absent() rule) and WirestreamWorkerDown stay inactive.
        alerts = set(re.findall(r"- alert: (\w+)", RULES.read_text()))
        deadline = time.monotonic() + 30
        while True:
            groups = {group["name"]: group for group in prometheus.api("rules")["groups"]}
            rules = {rule["name"]: rule for group in groups.values() for rule in group["rules"]}
            ready = ("wirestream" in groups and all(rule["health"] == "ok" for rule in rules.values())
                     and rules.get("WirestreamDeadLetterRatioHigh", {}).get("state") == "pending")
            if ready or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    assert set(groups) == {"wirestream"} and set(rules) == alerts, rules
    assert {name: rule["health"] for name, rule in rules.items()} == {name: "ok" for name in alerts}, \
        {name: rule.get("lastError") for name, rule in rules.items()}
    assert rules["WirestreamDeadLetterRatioHigh"]["state"] == "pending"
    assert rules["WirestreamNoWorkers"]["state"] == "inactive"
    assert rules["WirestreamWorkerDown"]["state"] == "inactive"
