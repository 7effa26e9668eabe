#!/usr/bin/env bash
# The main job on one machine: installs what is needed, starts a local Kafka broker and a worker,
# feeds the sample stories (the seed story among them), shows what arrives on wire.enriched,
# topics.* and events.*, and serves metrics. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/wirestream demo "$@"
