"""docker-compose cannot run here (no Docker engine); check what can be checked without it."""

from pathlib import Path

import yaml

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_four_services():
    assert set(_compose()["services"]) == {"kafka", "worker", "prometheus", "grafana"}


def test_worker_talks_to_the_kafka_service_and_exposes_metrics_where_prometheus_scrapes():
    services = _compose()["services"]
    worker_env = services["worker"]["environment"]
    bootstrap_host, bootstrap_port = worker_env["WIRESTREAM_BOOTSTRAP_SERVERS"].split(":")
    assert bootstrap_host == "kafka"
    assert f"PLAINTEXT://kafka:{bootstrap_port}" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    metrics_port = int(worker_env["WIRESTREAM_METRICS_PORT"])
    assert str(metrics_port) in services["worker"]["expose"]
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    [job] = [j for j in prometheus["scrape_configs"] if j["job_name"] == "wirestream"]
    [sd] = job["dns_sd_configs"]
    assert sd["names"] == ["worker"] and sd["port"] == metrics_port


def test_environment_names_are_real_settings():
    worker_env = _compose()["services"]["worker"]["environment"]
    fields = {f"WIRESTREAM_{name.upper()}" for name in Settings.model_fields}
    assert set(worker_env) <= fields


def test_grafana_provisioning_paths_exist():
    grafana = _compose()["services"]["grafana"]
    for volume in grafana["volumes"]:
        host_path = volume.split(":")[0]
        assert (ROOT / host_path).is_dir(), host_path
    assert list((ROOT / "deploy/grafana/dashboards").glob("*.json")), "no dashboard to provision"


def test_dockerfile_runs_the_worker():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["wirestream", "worker"]' in dockerfile
    # The image runs the compiled build and checks at build time that it got it.
    assert "WIRESTREAM_COMPILE=1 pip wheel" in dockerfile and "assert running_compiled()" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY") and "--from" not in line:
            for name in line.split()[1:-1]:
                assert (ROOT / name).exists(), f"the Dockerfile copies {name}, which is not in the repository"
