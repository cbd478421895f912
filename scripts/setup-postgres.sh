#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages when it is missing (the test suite's second pass, the Temporal
# server's persistence and the cluster script use it). Needs root; idempotent.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  echo "[setup-postgres] $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres --version: $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres" --version)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql > /dev/null
# The package starts a cluster of its own on 5432; the tests start their own and do not need it.
if command -v pg_ctlcluster > /dev/null; then
  for v in /etc/postgresql/*/main; do [[ -d "$v" ]] && pg_ctlcluster "$(basename "$(dirname "$v")")" main stop || true; done
fi
echo "[setup-postgres] installed: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
