#!/usr/bin/env bash
# Runs a benchmark with OpenTelemetry tracing to a local Jaeger, then shows
# where to look at the traces.
#
#   examples/otel/run_with_jaeger.sh CONFIG
#   examples/otel/run_with_jaeger.sh examples/otel/config.yml
#
# Jaeger: reuses one already answering on 127.0.0.1:16686; otherwise starts
# the docker image $JAEGER_IMAGE when a docker engine answers `docker info`,
# otherwise the Jaeger binary built (and cached) by scripts/jaeger.sh. All
# ports are bound to 127.0.0.1: OTLP gRPC 4317, OTLP HTTP 4318, query/UI 16686.
#
# inference-perf: $INFERENCE_PERF_BIN if set, else built from this checkout
# when `go` is available, else `inference-perf` from PATH. It runs in the
# current directory, so relative paths in CONFIG resolve as usual.
#
# Jaeger keeps traces in memory only: when the run is over and stdin is a
# terminal, the script waits for Enter before stopping Jaeger (set
# JAEGER_WAIT=0 to stop at once). Jaeger is stopped on any exit.
set -euo pipefail

JAEGER_IMAGE=${JAEGER_IMAGE:-jaegertracing/all-in-one:1.76.0}
QUERY=http://127.0.0.1:16686

if [ $# -ne 1 ]; then
  echo "usage: $0 CONFIG   (e.g. $0 examples/otel/config.yml)" >&2
  exit 2
fi
CONFIG=$1
if [ ! -f "$CONFIG" ]; then
  echo "$0: config file '$CONFIG' not found" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)

jaeger_pid=
container=
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  local rc=$?
  if [ -n "$container" ]; then
    echo "Stopping Jaeger container $container" >&2
    docker stop --time 5 "$container" >/dev/null 2>&1 || true
  fi
  if [ -n "$jaeger_pid" ] && kill -0 "$jaeger_pid" 2>/dev/null; then
    echo "Stopping Jaeger (pid $jaeger_pid)" >&2
    kill -TERM "$jaeger_pid" 2>/dev/null || true
    # Bounded wait, then kill: Jaeger normally stops in about 2 s.
    for _ in $(seq 1 100); do
      kill -0 "$jaeger_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$jaeger_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

jaeger_up() { curl -sf -o /dev/null --max-time 2 "$QUERY/api/services"; }

# wait_for_jaeger polls the query API for up to 60 s; Jaeger accepts OTLP by
# the time it answers.
wait_for_jaeger() {
  for _ in $(seq 1 600); do
    if jaeger_up; then return 0; fi
    if [ -n "$jaeger_pid" ] && ! kill -0 "$jaeger_pid" 2>/dev/null; then
      echo "Jaeger exited; its log:" >&2
      cat "$work/jaeger.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "Jaeger did not answer on $QUERY within 60 s" >&2
  [ -f "$work/jaeger.log" ] && cat "$work/jaeger.log" >&2
  return 1
}

ui_embedded=yes
if jaeger_up; then
  echo "Using the Jaeger already answering on $QUERY" >&2
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  container=inference-perf-jaeger-$$
  echo "Starting Jaeger from docker image $JAEGER_IMAGE" >&2
  docker run -d --rm --name "$container" -e COLLECTOR_OTLP_ENABLED=true \
    -p 127.0.0.1:16686:16686 -p 127.0.0.1:4317:4317 -p 127.0.0.1:4318:4318 \
    "$JAEGER_IMAGE" >/dev/null
  wait_for_jaeger
else
  echo "No docker engine; using the Jaeger binary from scripts/jaeger.sh (first build: ~3.5 min)" >&2
  bin=$("$root/scripts/jaeger.sh" build)
  "$root/scripts/jaeger.sh" config >"$work/jaeger.yaml"
  "$bin" --config "$work/jaeger.yaml" >"$work/jaeger.log" 2>&1 &
  jaeger_pid=$!
  wait_for_jaeger
  ui_embedded=no
fi

if [ -n "${INFERENCE_PERF_BIN:-}" ]; then
  ip=$INFERENCE_PERF_BIN
elif command -v go >/dev/null && [ -d "$root/cmd/inference-perf" ]; then
  echo "Building inference-perf from $root" >&2
  (cd "$root" && go build -o "$work/inference-perf" ./cmd/inference-perf)
  ip=$work/inference-perf
elif command -v inference-perf >/dev/null; then
  ip=inference-perf
else
  echo "$0: no inference-perf: set INFERENCE_PERF_BIN, install Go, or put inference-perf on PATH" >&2
  exit 1
fi

export OTEL_TRACES_ENABLED=true
export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-inference-perf}
export OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317
export OTEL_EXPORTER_OTLP_PROTOCOL=grpc
export OTEL_EXPORTER_OTLP_INSECURE=true
export OTEL_TRACES_SAMPLER=always_on

echo "Running: $ip --config_file $CONFIG (traces to $OTEL_EXPORTER_OTLP_ENDPOINT, service $OTEL_SERVICE_NAME)" >&2
rc=0
"$ip" --config_file "$CONFIG" || rc=$?

cat >&2 <<EOF

Traces of service $OTEL_SERVICE_NAME:
  UI:       $QUERY/search?service=$OTEL_SERVICE_NAME
  API (v1): $QUERY/api/traces?service=$OTEL_SERVICE_NAME&limit=20
  API (v3): $QUERY/api/v3/traces?query.service_name=$OTEL_SERVICE_NAME&query.start_time_min=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 2000-01-01T00:00:00Z)&query.start_time_max=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 2100-01-01T00:00:00Z)&query.num_traces=20
  Services: $QUERY/api/services
EOF
if [ "$ui_embedded" = no ]; then
  echo "  (This Go-built Jaeger has no UI assets: the UI page is a placeholder; use the API URLs.)" >&2
fi

if [ -z "$container" ] && [ -z "$jaeger_pid" ]; then
  exit "$rc" # Jaeger was already running: leave it alone.
fi
if [ "${JAEGER_WAIT:-1}" != 0 ] && [ -t 0 ]; then
  echo "Jaeger keeps the traces in memory until it stops. Press Enter to stop it." >&2
  read -r _ || true
fi
exit "$rc"
