#!/usr/bin/env bash
# Builds and runs a local Jaeger (v2, in-memory storage) for trace tests and demos.
#
#   scripts/jaeger.sh build
#       Prints the path of a cached Jaeger binary. Builds it only when it is missing
#       or was built from a different tools/jaeger/go.mod, go.sum or Go toolchain.
#       A cold build takes about 3.5 minutes and 2 GB of RAM on 2 cores.
#   scripts/jaeger.sh run [OTLP_GRPC OTLP_HTTP QUERY_HTTP QUERY_GRPC HEALTH]
#       Runs Jaeger in the foreground on 127.0.0.1 with tools/jaeger/jaeger-mem.yaml.
#       Default ports: 4317 4318 16686 16685 13133.
#   scripts/jaeger.sh config [OTLP_GRPC OTLP_HTTP QUERY_HTTP QUERY_GRPC HEALTH]
#       Prints the rendered config (what `run` uses).
#
# Jaeger lives in its own module (tools/jaeger) because it pins older OpenTelemetry
# and gRPC versions that break the main module's build when merged into it.
# Progress and build output go to stderr; stdout of `build` is only the binary path.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tooldir="$root/tools/jaeger"
pkg=github.com/jaegertracing/jaeger/cmd/jaeger

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# jaeger_version prints the Jaeger module version pinned in tools/jaeger/go.mod.
jaeger_version() {
  local v
  v=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2; exit }' "$tooldir/go.mod")
  if [ -z "$v" ]; then
    echo "jaeger.sh: no github.com/jaegertracing/jaeger requirement in $tooldir/go.mod" >&2
    exit 1
  fi
  printf '%s\n' "$v"
}

# stamp prints what the cached binary depends on: the tool module's files and the toolchain.
stamp() {
  {
    cat "$tooldir/go.mod" "$tooldir/go.sum"
    go env GOVERSION GOOS GOARCH
  } | sha256sum | cut -d' ' -f1
}

cmd_build() {
  command -v go >/dev/null || { echo "jaeger.sh: go is not on PATH" >&2; exit 1; }
  local version cache bin want
  version=$(jaeger_version)
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/inference-perf/jaeger-$version"
  bin="$cache/jaeger"
  want=$(stamp)
  if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" = "$want" ]; then
    printf '%s\n' "$bin"
    return
  fi
  mkdir -p "$cache"
  echo "jaeger.sh: building Jaeger $version into $bin (cold: ~3.5 min, ~2 GB RAM)" >&2
  local start=$SECONDS tmp="$bin.tmp.$$"
  # Build to a temporary name and rename, so an interrupted build never leaves a
  # half-written binary that looks current.
  # shellcheck disable=SC2064 # expand now: $tmp is local to this function
  trap "rm -f $(printf '%q' "$tmp")" EXIT
  (cd "$tooldir" && go build -trimpath -ldflags='-s -w' -o "$tmp" "$pkg") >&2
  mv -f "$tmp" "$bin"
  trap - EXIT
  printf '%s\n' "$want" >"$bin.stamp"
  echo "jaeger.sh: built in $((SECONDS - start)) s ($(du -h "$bin" | cut -f1))" >&2
  printf '%s\n' "$bin"
}

# render_config prints tools/jaeger/jaeger-mem.yaml with the ports filled in.
render_config() {
  local grpc=${1:-4317} http=${2:-4318} qhttp=${3:-16686} qgrpc=${4:-16685} health=${5:-13133} p
  for p in "$grpc" "$http" "$qhttp" "$qgrpc" "$health"; do
    case $p in
      '' | *[!0-9]*) echo "jaeger.sh: port '$p' is not a number" >&2; exit 2 ;;
    esac
  done
  sed -e "s/{{OTLP_GRPC_PORT}}/$grpc/g" \
    -e "s/{{OTLP_HTTP_PORT}}/$http/g" \
    -e "s/{{QUERY_HTTP_PORT}}/$qhttp/g" \
    -e "s/{{QUERY_GRPC_PORT}}/$qgrpc/g" \
    -e "s/{{HEALTH_PORT}}/$health/g" \
    "$tooldir/jaeger-mem.yaml"
}

cmd_run() {
  local bin cfgdir
  bin=$(cmd_build)
  cfgdir=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $cfgdir is local to this function
  trap "rm -rf $(printf '%q' "$cfgdir")" EXIT
  render_config "$@" >"$cfgdir/jaeger.yaml"
  echo "jaeger.sh: OTLP grpc 127.0.0.1:${1:-4317} http 127.0.0.1:${2:-4318}," \
    "query http://127.0.0.1:${3:-16686}/api/services, health http://127.0.0.1:${5:-13133}/status" >&2
  # Not exec: the trap must remove the config after Jaeger exits. Forward
  # SIGINT/SIGTERM so stopping this script stops Jaeger.
  "$bin" --config "$cfgdir/jaeger.yaml" &
  local pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' INT TERM
  local rc=0
  wait "$pid" || rc=$?
  # wait returns early when a trapped signal arrives; wait again for the real exit.
  if kill -0 "$pid" 2>/dev/null; then wait "$pid" || rc=$?; fi
  rm -rf "$cfgdir"
  return "$rc"
}

case ${1:-} in
  build) shift; [ $# -eq 0 ] || usage; cmd_build ;;
  run) shift; [ $# -le 5 ] || usage; cmd_run "$@" ;;
  config) shift; [ $# -le 5 ] || usage; render_config "$@" ;;
  *) usage ;;
esac
