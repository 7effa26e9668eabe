#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests against a real Kafka broker (started by the
# tests themselves unless WIRESTREAM_TEST_BOOTSTRAP names a running one) and monitoring tests
# against a real Prometheus server. Extra arguments go to pytest (e.g. --runslow, -k name).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
