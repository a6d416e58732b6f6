#!/usr/bin/env bash
# Build the helm and kustomize binaries the test suite renders charts and overlays with, from
# their published Go modules, and cache them by version. Prints the path of the binary asked for
# (and nothing else on stdout).
#
#   scripts/tools.sh helm         helm.sh/helm/v4/cmd/helm at HELM_VERSION
#   scripts/tools.sh kustomize    sigs.k8s.io/kustomize/kustomize/v5 at KUSTOMIZE_VERSION
#
# Environment:
#   STOCKADE_TOOLS_DIR  cache root (default: $HOME/.cache/stockade/tools)
#   GO                  go binary (default: `go` on PATH, else /usr/local/go/bin/go)
#   FORCE=1             rebuild even when cached
#
# The modules are verified against the Go checksum database (`go install MODULE@VERSION` with
# the module's own go.sum); nothing else is downloaded.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v4.3.2}
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.1}

log() { echo "tools: $*" >&2; }
die() { echo "tools: error: $*" >&2; exit 1; }

GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "no Go toolchain found (looked for 'go' on PATH and /usr/local/go/bin/go); install Go >= 1.26 or set GO=/path/to/go"
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0

CACHE=${STOCKADE_TOOLS_DIR:-$HOME/.cache/stockade/tools}

case "${1:-}" in
  helm) name=helm; module=helm.sh/helm/v4/cmd/helm; version=$HELM_VERSION ;;
  kustomize) name=kustomize; module=sigs.k8s.io/kustomize/kustomize/v5; version=$KUSTOMIZE_VERSION ;;
  *) die "usage: scripts/tools.sh helm|kustomize" ;;
esac

dir=$CACHE/$name-$version
bin=$dir/$name
if [ "${FORCE:-0}" != 1 ] && [ -x "$bin" ] && [ -f "$dir/STAMP" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$dir"
log "building $module@$version into $dir with $("$GO" env GOVERSION)"
started=$(date +%s)
# Outside any module, so the repository's go.mod files cannot interfere.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOBIN="$dir" GOFLAGS=-buildvcs=false "$GO" install -trimpath "$module@$version") \
  || die "could not build $module@$version"
[ -x "$bin" ] || die "$module@$version built no $name binary"
echo "$module@$version" > "$dir/STAMP"
log "$name $version ready in $(( $(date +%s) - started ))s"
echo "$bin"
