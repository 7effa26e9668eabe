"""A real single-node Apache Kafka broker (KRaft) for development and tests.

The jars come from Maven Central through ``deploy/kafka/pom.xml`` into a cache outside the repo;
the broker runs on loopback and is stopped by PID. No Docker engine is needed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

_DEPLOY_KAFKA = Path(__file__).resolve().parents[2] / "deploy" / "kafka"


class BrokerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LocalBroker:
    """One broker+controller process with its data in ``workdir``."""

    workdir: Path
    libs_dir: Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.workdir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.workdir / "broker.log"

    # -- jars ---------------------------------------------------------------------------------
    def fetch(self, pom: Path = _DEPLOY_KAFKA / "pom.xml") -> None:
        """Resolve the broker's jars from Maven Central into the cache (idempotent)."""
        marker = self.libs_dir / ".complete"
        if marker.exists():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError("Maven (mvn) is needed to fetch the Kafka broker jars: apt-get install maven")
        self.libs_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", "-DincludeScope=runtime",
             f"-DoutputDirectory={self.libs_dir}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise BrokerError(f"mvn failed to fetch the Kafka jars:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        marker.write_text("ok\n")

    def _java(self, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("Java 17+ is needed to run the Kafka broker: apt-get install openjdk-17-jre-headless")
        return [java, "-cp", f"{self.libs_dir}/*", *args]

    # -- lifecycle ----------------------------------------------------------------------------
    def _write_config(self) -> Path:
        data = self.workdir / "data"
        config = self.workdir / "server.properties"
        config.write_text("\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=1",
            # One node: every internal topic must have replication factor 1 or transactions
            # and exactly-once fail with coordinator-not-available.
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=4",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Room for oversized stories to reach the worker and be dead-lettered with their bytes.
            "message.max.bytes=16777216",
            "replica.fetch.max.bytes=16777216",
            "auto.create.topics.enable=true",
            "",
        ]))
        return config

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def start(self, timeout: float = 60.0) -> None:
        if self.pid() is not None:
            self.wait_ready(timeout)
            return
        if _port_open(self.port):
            raise BrokerError(f"port {self.port} is already in use by another process")
        self.fetch()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.workdir / "data" / "meta.properties").exists():
            cluster_id = str(subprocess.run(self._java("kafka.tools.StorageTool", "random-uuid"),
                                            capture_output=True, text=True, check=True).stdout.strip()
                             or uuid.uuid4())
            fmt = subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config), "--standalone"),
                capture_output=True, text=True,
            )
            if fmt.returncode != 0:
                raise BrokerError(f"formatting the broker's storage failed:\n{fmt.stdout}{fmt.stderr}")
        log4j = _DEPLOY_KAFKA / "log4j2.properties"
        command = [
            shutil.which("java") or "java", f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1", f"-Dlog4j2.configurationFile=file:{log4j}",
            "-cp", f"{self.libs_dir}/*", "kafka.Kafka", str(config),
        ]
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.pid_file.write_text(f"{process.pid}\n")
        self.wait_ready(timeout, process=process)

    def wait_ready(self, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
        """Ready means the broker answers a metadata request, not merely that the port is open."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise BrokerError(f"the broker exited with code {process.returncode}; see {self.log_file}")
            if _port_open(self.port):
                try:
                    admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000,
                                             client_id="wirestream-broker-check")
                    try:
                        admin.list_topics()
                        return
                    finally:
                        admin.close()
                except KafkaError as exc:
                    last_error = exc
            time.sleep(0.25)
        raise BrokerError(f"the broker did not become ready in {timeout:.0f}s ({last_error}); see {self.log_file}")

    def stop(self, timeout: float = 30.0) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                # When this process started the broker, reap it: a zombie still answers kill(pid, 0).
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    break
            except ChildProcessError:
                pass  # not our child (started by another command): init reaps it
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """SIGKILL, for crash tests: the data directory is left as a crash would leave it."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    @classmethod
    def on_free_ports(cls, workdir: Path, heap: str = "512m") -> "LocalBroker":
        """A broker for tests and benchmarks: its own data folder, loopback ports nobody else holds."""
        from streams.settings import Settings

        settings = Settings()
        return cls(workdir=Path(workdir), libs_dir=Path(settings.cache_dir) / f"kafka-{settings.kafka_version}" / "libs",
                   port=free_port(), controller_port=free_port(), heap=heap)

    @classmethod
    def from_settings(cls, settings) -> "LocalBroker":  # noqa: ANN001
        return cls(
            workdir=Path(settings.broker_dir).resolve(),
            libs_dir=Path(settings.cache_dir) / f"kafka-{settings.kafka_version}" / "libs",
            port=settings.broker_port,
            controller_port=settings.controller_port,
            heap=settings.broker_heap,
        )
