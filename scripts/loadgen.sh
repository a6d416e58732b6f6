#!/usr/bin/env bash
# Build the vegeta HTTP load generator (github.com/tsenart/vegeta/v12, pinned with its go.sum by
# the wrapper module testbins/vegeta) and cache it by version. Prints the binary's path on
# success (and nothing else on stdout). Used by `cargo xtask bench-webhook`.
#
# Environment: STOCKADE_TESTBINS_DIR cache root (default: $HOME/.cache/stockade/testbins);
# GO go binary (default: `go` on PATH, else /usr/local/go/bin/go); FORCE=1 rebuild.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/testbins/vegeta
die() { echo "loadgen: error: $*" >&2; exit 1; }
GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "no Go toolchain found (looked for 'go' on PATH and /usr/local/go/bin/go); install Go >= 1.26 or set GO=/path/to/go"
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
ver=$(awk '$1=="github.com/tsenart/vegeta/v12" {print $2; exit}' "$SRC/go.mod")
[ -n "$ver" ] || die "testbins/vegeta/go.mod does not pin github.com/tsenart/vegeta/v12"
CACHE=${STOCKADE_TESTBINS_DIR:-$HOME/.cache/stockade/testbins}/vegeta-$ver
if [ "${FORCE:-0}" != 1 ] && [ -x "$CACHE/vegeta" ]; then
  echo "$CACHE/vegeta"; exit 0
fi
mkdir -p "$CACHE"
echo "loadgen: building vegeta $ver" >&2
(cd "$SRC" && "$GO" build -mod=readonly -trimpath -o "$CACHE/vegeta.tmp" github.com/tsenart/vegeta/v12) >&2 \
  || die "go build of vegeta failed (see above)"
mv "$CACHE/vegeta.tmp" "$CACHE/vegeta"
echo "$CACHE/vegeta"
