#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit/integration/CLI tests, and the tests that
# need a real Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager on
# loopback, built from their Go modules by scripts/testbins.sh and cached by version) or real
# helm and kustomize binaries (built from their Go modules by scripts/tools.sh, cached too).
#
#   scripts/test.sh            everything
#   SKIP_LINT=1 scripts/test.sh   skip cargo fmt/clippy
#
# The control plane is started once, shared by all tests through STOCKADE_TEST_* variables, and
# stopped on exit whatever happens.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

say() { printf '\n== %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "test.sh: cargo not found; install Rust (https://rustup.rs)" >&2; exit 2; }
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi

if [ "${SKIP_LINT:-0}" != 1 ]; then
  say "cargo fmt --check"
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  cargo fmt --all -- --check
  say "cargo clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

say "building the test control plane (cached by version)"
BIN=$(scripts/testbins.sh)
export STOCKADE_TESTBINS_BIN=$BIN

say "building helm and kustomize for the chart and overlay tests (cached by version)"
STOCKADE_TEST_HELM=$(scripts/tools.sh helm)
STOCKADE_TEST_KUSTOMIZE=$(scripts/tools.sh kustomize)
export STOCKADE_TEST_HELM STOCKADE_TEST_KUSTOMIZE

CP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/stockade-cp.XXXXXX")
SINK_PID=
cleanup() {
  scripts/control-plane.sh stop "$CP_DIR" >/dev/null 2>&1 || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
  rm -rf "$CP_DIR"
}
trap cleanup EXIT INT TERM

say "control-plane smoke test"
scripts/control-plane-smoke.sh

# The audit webhook backend (`stockade audit-log serve`) receives the shared control plane's
# audit events live; tests read the alerts it writes.
say "starting the audit webhook backend"
cargo build --locked -p stockade
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=audit-sink \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$CP_DIR/sink.key" -out "$CP_DIR/sink.crt" 2>/dev/null
SINK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/debug/stockade audit-log serve --listen "127.0.0.1:$SINK_PORT" --tls-cert "$CP_DIR/sink.crt" \
  --tls-key "$CP_DIR/sink.key" --alerts-file "$CP_DIR/webhook-alerts.jsonl" --no-config \
  > "$CP_DIR/sink.log" 2>&1 &
SINK_PID=$!
export STOCKADE_CP_AUDIT_WEBHOOK="https://127.0.0.1:$SINK_PORT/" STOCKADE_CP_AUDIT_WEBHOOK_CA="$CP_DIR/sink.crt"
export STOCKADE_TEST_WEBHOOK_ALERTS="$CP_DIR/webhook-alerts.jsonl"

say "starting the shared control plane"
scripts/control-plane.sh start "$CP_DIR"
# shellcheck disable=SC1091
. "$CP_DIR/env"
export STOCKADE_REQUIRE_CLUSTER=1

say "cargo test"
cargo test --workspace --locked
