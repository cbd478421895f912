#!/usr/bin/env bash
# Installs the pinned external tools the test suite runs as real peers, into .tools/ (git-ignored).
# Idempotent: a tool already at its pinned version is left alone. CI runs this before `npm test`.
#
#   stripe-mock   Stripe's own API mock (Go), used by catalog/stripe tests    -> .tools/go-bin/stripe-mock
#   schemathesis  OpenAPI fuzzer (PyPI), run by test/api/schemathesis.test.ts -> .tools/schemathesis/bin/schemathesis
#                 (a venv; its dependencies pinned by scripts/schemathesis-constraints.txt)
#   moto          S3-compatible server (PyPI), the blob store's S3 peer in store/src/blobs-s3.test.ts
#                 -> .tools/moto/bin/moto_server (a venv; dependencies pinned by scripts/moto-constraints.txt)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_BIN="$ROOT/.tools/go-bin"

STRIPE_MOCK_MODULE="github.com/stripe/stripe-mock"
STRIPE_MOCK_VERSION="v0.203.0"

SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_VENV="$ROOT/.tools/schemathesis"

MOTO_VERSION="5.2.5"
MOTO_VENV="$ROOT/.tools/moto"

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

install_schemathesis() {
  local bin="$SCHEMATHESIS_VENV/bin/schemathesis"
  if [[ -x "$bin" ]] && [[ "$("$bin" --version 2>/dev/null)" == *" $SCHEMATHESIS_VERSION" ]]; then
    log "schemathesis $SCHEMATHESIS_VERSION already installed at $bin"
    return
  fi
  if ! python3 -m venv --help >/dev/null 2>&1; then
    log "error: python3 with the venv module is needed for schemathesis $SCHEMATHESIS_VERSION (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  log "installing schemathesis==$SCHEMATHESIS_VERSION from PyPI into $SCHEMATHESIS_VENV ($(python3 --version))"
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check \
    --constraint "$ROOT/scripts/schemathesis-constraints.txt" "schemathesis==$SCHEMATHESIS_VERSION"
  log "installed $("$bin" --version)"
}

install_moto() {
  local bin="$MOTO_VENV/bin/moto_server"
  if [[ -x "$bin" ]] && [[ "$("$MOTO_VENV/bin/pip" show moto 2>/dev/null | awk '$1 == "Version:" { print $2 }')" == "$MOTO_VERSION" ]]; then
    log "moto $MOTO_VERSION already installed at $bin"
    return
  fi
  if ! python3 -m venv --help >/dev/null 2>&1; then
    log "error: python3 with the venv module is needed for moto $MOTO_VERSION (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  log "installing moto[s3,server]==$MOTO_VERSION from PyPI into $MOTO_VENV ($(python3 --version))"
  rm -rf "$MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check \
    --constraint "$ROOT/scripts/moto-constraints.txt" "moto[s3,server]==$MOTO_VERSION"
  log "installed $bin"
}

install_schemathesis
install_moto
install_stripe_mock
log "done"
