"""A real Prometheus server and a real ``wirestream monitor`` process for the monitoring tests."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, WorkerProcess

RULES = ROOT / "deploy" / "prometheus" / "rules" / "wirestream.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "tests" / "wirestream_test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "wirestream.json"


def binary(name: str) -> str:
    """The Prometheus binaries are part of the test environment (scripts/bootstrap.sh installs them)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run scripts/bootstrap.sh (Debian: apt-get install prometheus)")
    return path


class PrometheusServer:
    """``prometheus`` on a free loopback port with a generated configuration; stopped by PID."""

    def __init__(self, workdir: Path, targets: list[str], rule_files: list[Path], job: str = "wirestream",
                 interval: str = "1s") -> None:
        from streams.adapters.broker import free_port

        self.workdir = workdir
        self.port = free_port()
        self.config = {
            "global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
            "rule_files": [str(path) for path in rule_files],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": targets}]}],
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "PrometheusServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.config))
        self.log_path = self.workdir / "prometheus.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [binary("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={self.workdir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"prometheus exited: {self.log()}"
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"prometheus never became ready: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def api(self, path: str, **params: str):  # noqa: ANN201 - the JSON "data" field
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}{'?' + query if query else ''}", timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant query; the result vector (a scalar result is turned into one sample)."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def finite_values(result: list[dict]) -> list[float]:
    return [float(sample["value"][1]) for sample in result if math.isfinite(float(sample["value"][1]))]


@pytest.fixture
def prometheus_factory(tmp_path: Path):
    servers: list[PrometheusServer] = []

    def start(targets: list[str], rule_files: list[Path] = (), **kwargs) -> PrometheusServer:  # noqa: ANN003
        server = PrometheusServer(tmp_path / f"prometheus-{len(servers)}", targets, list(rule_files), **kwargs)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


class MonitorProcess(WorkerProcess):
    """``wirestream monitor`` as a real OS process, serving the group lag on its own port."""

    def __init__(self, env: dict[str, str], log_path: Path, interval: float = 0.5) -> None:
        from streams.adapters.broker import free_port

        super().__init__(env, log_path)
        self.port = free_port()
        self.interval = interval

    def start(self) -> "MonitorProcess":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streams.cli.main", "monitor", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--interval", str(self.interval)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
        return self

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"


@pytest.fixture
def monitor_factory(kafka_env, tmp_path: Path):
    monitors: list[MonitorProcess] = []

    def start(**kwargs) -> MonitorProcess:  # noqa: ANN003
        monitor = MonitorProcess(kafka_env.env, tmp_path / f"monitor-{len(monitors)}.log", **kwargs)
        monitors.append(monitor.start())
        return monitor

    yield start
    for monitor in monitors:
        monitor.stop()
