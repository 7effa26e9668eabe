#!/usr/bin/env bash
# Installs everything Wirestream needs on a fresh machine, idempotently:
# a Python 3.11+ virtualenv in .venv with the project and its test extras, Java 17 and Maven
# (Debian packages) for the local Kafka broker, and the broker's jars from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11+ is needed (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing $*: install them (Debian: apt-get install $*) or run as root" >&2
    exit 1
  fi
  say "installing $* (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_java=0
if ! command -v java >/dev/null; then need_java=1
elif ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; then need_java=1; fi
[ "$need_java" = 1 ] && apt_install openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.wirestream-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi

say "fetching the Kafka broker jars (Maven Central, cached in ~/.cache/wirestream)"
.venv/bin/wirestream broker fetch >/dev/null
