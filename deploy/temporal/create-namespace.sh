#!/bin/sh
# Registers Switchyard's namespace once the server answers (idempotent), with a 30-day retention of closed runs.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do echo 'waiting for Temporal'; sleep 2; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$ns" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$ns" --retention 30d
echo "namespace $ns is ready"
