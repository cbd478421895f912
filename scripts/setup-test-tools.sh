#!/usr/bin/env bash
# Installs the pinned external tools the test suite runs as real peers, into .tools/ (git-ignored).
# Idempotent: a tool already at its pinned version is left alone. CI runs this before `npm test`.
#
#   stripe-mock  Stripe's own API mock (Go), used by catalog/stripe tests  -> .tools/go-bin/stripe-mock
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_BIN="$ROOT/.tools/go-bin"

STRIPE_MOCK_MODULE="github.com/stripe/stripe-mock"
STRIPE_MOCK_VERSION="v0.203.0"

log() { printf '[setup-test-tools] %s\n' "$*"; }

# The version a Go binary was built from, as recorded by the Go toolchain ("" when unknown).
go_binary_version() {
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod { print $3 }'
}

install_stripe_mock() {
  local bin="$GO_BIN/stripe-mock"
  if [[ -x "$bin" ]]; then
    local have
    have="$(go_binary_version "$bin" "$STRIPE_MOCK_MODULE" || true)"
    if [[ "$have" == "$STRIPE_MOCK_VERSION" ]] || { [[ -z "$have" ]] && ! command -v go >/dev/null 2>&1; }; then
      log "stripe-mock ${have:-(version unknown)} already installed at $bin"
      return
    fi
    log "stripe-mock at $bin is ${have:-of unknown version}, want $STRIPE_MOCK_VERSION: reinstalling"
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "error: Go is not installed (https://go.dev/dl/); it is needed to build stripe-mock $STRIPE_MOCK_VERSION" >&2
    exit 1
  fi
  mkdir -p "$GO_BIN"
  log "installing $STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION into $GO_BIN ($(go version))"
  GOBIN="$GO_BIN" go install "$STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION"
  log "installed $bin"
}

install_stripe_mock
log "done"
