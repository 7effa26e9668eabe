"""Shared fixtures: the seed story, a real Kafka broker, and workers running as real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEED = ROOT.parent / "shared" / "seed" / "xi-trump-call.txt"
SAMPLES = ROOT / "streams" / "samples" / "stories.jsonl"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run the large-volume tests too")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="large volume: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def seed_story() -> dict:
    """The seed story as a native RawArticle dict (published 25 November 2025, WASHINGTON)."""
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["id"] == "seed-xi-trump-call":
            return doc
    raise AssertionError("the seed story is missing from the samples")


@pytest.fixture
def seed() -> dict:
    return seed_story()


# -- Kafka ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory):
    """A real single-node Kafka broker on free loopback ports, for the whole test session.

    When WIRESTREAM_TEST_BOOTSTRAP names a broker already running (as .ci/run starts one), the
    tests use it instead.
    """
    from streams.adapters.broker import LocalBroker

    external = os.environ.get("WIRESTREAM_TEST_BOOTSTRAP")
    if external:
        host, port = external.rsplit(":", 1)
        broker = LocalBroker(workdir=tmp_path_factory.mktemp("unused"), libs_dir=Path("."), port=int(port))
        broker.wait_ready(60)
        yield broker
        return

    broker = LocalBroker.on_free_ports(tmp_path_factory.mktemp("kafka"))
    broker.start(timeout=120)
    yield broker
    broker.stop()


@dataclass
class KafkaEnv:
    """Settings for one test: its own topic names and consumer group on the shared broker."""

    env: dict[str, str]

    @property
    def settings(self):  # noqa: ANN201
        from streams.settings import Settings

        return Settings(**{k.removeprefix("WIRESTREAM_").lower(): v for k, v in self.env.items()
                           if k.startswith("WIRESTREAM_")})


@pytest.fixture
def kafka_env(kafka_broker, tmp_path: Path) -> KafkaEnv:
    from tests.kafka_helpers import worker_env

    return KafkaEnv(worker_env(kafka_broker.bootstrap, tmp_path, "test"))


class WorkerProcess:
    """``wirestream worker`` as a real OS process, so tests can kill, pause and restart it."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "streams.cli.main", "worker"], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            cwd=ROOT)
        return self

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.env['WIRESTREAM_METRICS_PORT']}/metrics"

    def metrics(self) -> str:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
            return response.read().decode()

    def wait_metrics(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process and self.process.poll() is None, f"worker exited: {self.log()}"
            try:
                return self.metrics()
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"worker metrics never came up: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def worker_factory(kafka_env: KafkaEnv, tmp_path: Path):
    workers: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        worker = WorkerProcess({**kafka_env.env, **overrides}, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker.start())
        return worker

    yield start
    for worker in workers:
        worker.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
