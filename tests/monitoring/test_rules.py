"""The alert rules as Prometheus itself reads them: promtool's syntax check and the rule unit tests."""

from __future__ import annotations

import subprocess

import pytest

from tests.monitoring.conftest import ROOT, RULE_TESTS, RULES, binary

pytestmark = pytest.mark.prometheus


def _promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary("promtool"), *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_alert_rules_pass_promtool_check_rules():
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_alert_rule_unit_tests_pass_promtool_test_rules():
    result = _promtool("test", "rules", str(RULE_TESTS.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
