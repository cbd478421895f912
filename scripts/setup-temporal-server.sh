#!/usr/bin/env bash
# Builds Temporal's own server and its SQL schema tool from their Go module, pinned, into
# .tools/temporal-server/ (git-ignored). This is the server a production cluster runs; the dev server
# (`temporal server start-dev`) is a single-process build of it. Used by scripts/lib/temporal-cluster.ts
# (tests, benchmarks, the cluster script) to run Temporal on PostgreSQL.
#
#   .tools/temporal-server/bin/temporal-server      go.temporal.io/server/cmd/server
#   .tools/temporal-server/bin/temporal-sql-tool    go.temporal.io/server/cmd/tools/sql
#   .tools/temporal-server/schema/postgresql/v12/   the SQL schema files from the same module version, copied
#                                                   so that running the server never needs the module cache
#
# Idempotent: when both binaries were built from the pinned version (`go version -m`) and the schema is
# present, nothing is done. The Go module and build caches (~/go, ~/.cache/go-build) make a rebuild fast.
#
# The pinned server needs a newer Go than some machines have: GOTOOLCHAIN pins the toolchain, which the go
# command fetches from the Go module proxy (golang.org/toolchain) when the installed Go is older.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/.tools/temporal-server"

TEMPORAL_SERVER_MODULE="go.temporal.io/server"
TEMPORAL_SERVER_VERSION="v1.32.2"
TEMPORAL_GO_TOOLCHAIN="go1.26.10"

log() { printf '[setup-temporal-server] %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    log "error: Go is not installed (https://go.dev/dl/); it is needed to build $TEMPORAL_SERVER_MODULE $TEMPORAL_SERVER_VERSION" >&2
    exit 1
  fi
fi
export GOTOOLCHAIN="$TEMPORAL_GO_TOOLCHAIN"

# The version a Go binary was built from, as recorded by the Go toolchain ("" when unknown).
go_binary_version() {
  go version -m "$1" 2>/dev/null | awk -v mod="$TEMPORAL_SERVER_MODULE" '$1 == "mod" && $2 == mod { print $3 }'
}

up_to_date() {
  local bin
  for bin in temporal-server temporal-sql-tool; do
    [[ -x "$OUT/bin/$bin" ]] || return 1
    [[ "$(go_binary_version "$OUT/bin/$bin")" == "$TEMPORAL_SERVER_VERSION" ]] || return 1
  done
  [[ -f "$OUT/schema/postgresql/v12/temporal/schema.sql" && -f "$OUT/schema/postgresql/v12/visibility/schema.sql" ]]
}

if up_to_date; then
  log "temporal-server and temporal-sql-tool $TEMPORAL_SERVER_VERSION already built in $OUT"
  exit 0
fi

log "building $TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION (cmd/server, cmd/tools/sql) with $TEMPORAL_GO_TOOLCHAIN"
started=$(date +%s)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The same flags as Temporal's Makefile (CGO off, the disable_grpc_modules tag); -trimpath for
# reproducible binaries. `go install pkg@version` builds with the module's own go.mod and go.sum.
CGO_ENABLED=0 GOBIN="$tmp/bin" GOFLAGS="-trimpath" go install -tags disable_grpc_modules \
  "$TEMPORAL_SERVER_MODULE/cmd/server@$TEMPORAL_SERVER_VERSION" \
  "$TEMPORAL_SERVER_MODULE/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"

src="$(go mod download -json "$TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION" | awk -F'"' '$2 == "Dir" { print $4 }')"
[[ -d "$src/schema/postgresql/v12" ]] || { log "error: no PostgreSQL schema in the module source ($src)" >&2; exit 1; }

mkdir -p "$OUT/bin"
rm -rf "$OUT/schema"
mkdir -p "$OUT/schema/postgresql"
cp -R "$src/schema/postgresql/v12" "$OUT/schema/postgresql/v12"
# The module cache is read-only; the copy must be writable so a later build can replace it.
chmod -R u+w "$OUT/schema"
find "$OUT/schema" -name '*.go' -delete
mv -f "$tmp/bin/server" "$OUT/bin/temporal-server"
mv -f "$tmp/bin/sql" "$OUT/bin/temporal-sql-tool"
echo "$TEMPORAL_SERVER_VERSION" > "$OUT/VERSION"
log "built $OUT/bin/temporal-server and temporal-sql-tool $TEMPORAL_SERVER_VERSION in $(( $(date +%s) - started ))s"
