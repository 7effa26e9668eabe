#!/usr/bin/env bash
# Installs everything Wirestream needs on a fresh machine, idempotently:
# a Python 3.11+ virtualenv in .venv with the project and its test extras, Java 17 and Maven
# (Debian packages) for the local Kafka broker, the broker's jars from Maven Central, and the
# prometheus and promtool binaries (Debian package) for the monitoring tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11+ is needed (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

apt_install() {  # [apt-get options] package...
  local packages=() arg
  for arg in "$@"; do [[ $arg == -* ]] || packages+=("$arg"); done
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${packages[*]}: install them (Debian: apt-get install ${packages[*]}) or run as root" >&2
    exit 1
  fi
  say "installing ${packages[*]} (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_java=0
if ! command -v java >/dev/null; then need_java=1
elif ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; then need_java=1; fi
[ "$need_java" = 1 ] && apt_install openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven

# Only the prometheus and promtool binaries are used: the tests start their own server on a free
# port. Without recommends (no node exporter), and the package's own service, which Debian starts
# on port 9090, is stopped and disabled when this script was the one to install it.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  apt_install --no-install-recommends prometheus
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    if command -v update-rc.d >/dev/null; then update-rc.d prometheus disable >/dev/null 2>&1 || true; fi
  fi
fi

# A C compiler and Python's headers: tests/streams/test_compiled.py builds the optional compiled
# (mypyc) wheel and compares its outputs with the pure-Python sources'.
command -v cc >/dev/null || apt_install gcc libc6-dev
python_h="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h"
[ -f "$python_h" ] || apt_install "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-dev"

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
