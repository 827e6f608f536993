#!/usr/bin/env bash
# What GOALGATE_METRICS=on costs on the hot path, measured with wrk.
#
#   bench/metrics_overhead.sh [ROUNDS] [SECONDS]     (defaults: 20 rounds of 3 s)
#
# Two `goalgate serve` processes (one worker each) on one demo database, one with
# metrics off and one on; wrk (-t1 -c16) hits them in turn, ROUNDS times per
# endpoint (/healthz, and the REST goal list with a token); then both restart
# with the settings swapped: on a shared machine one of two identical servers
# is often faster than the other, and the swap cancels that. Rate limits are off
# so that every request is served. Prints, per endpoint, the median of the
# paired throughput ratios (on / off) for each order and their geometric mean,
# and the servers' CPU time per request.
set -euo pipefail
ROUNDS=${1:-20}
DUR=${2:-3}s
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$ROOT/.venv/bin/python
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait; rm -rf "$WORK"; }
trap cleanup EXIT
export GOALGATE_DATABASE_URL="sqlite+aiosqlite:///$WORK/bench.db"
export GOALGATE_RATE_LIMIT_TOKEN=0 GOALGATE_RATE_LIMIT_INGEST=0
(cd "$WORK" && "$PY" -m goalgate.cli demo --token-file "$WORK/token" >/dev/null)
TOKEN=$(cat "$WORK/token")
GOALS=/api/v1/analytics/sites/sk_demo/goals

serve() {  # metrics port
  GOALGATE_METRICS=$1 "$PY" -m goalgate.cli serve --port "$2" >"$WORK/server-$2.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "server on $2 did not start" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hit() {  # pid port path -> "req/s cpu-us-per-request"
  local before after out n
  before=$(cpu_ticks "$1")
  out=$(wrk -t1 -c16 -d"$DUR" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$2$3")
  after=$(cpu_ticks "$1")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk -v t=$((after - before)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
}

phase() {  # order metrics-of-slot-1 metrics-of-slot-2
  PIDS=()
  serve "$2" 18401; local first=${PIDS[-1]}
  serve "$3" 18402; local second=${PIDS[-1]}
  for port in 18401 18402; do  # warm-up: caches, dictionaries, pools
    wrk -t1 -c16 -d2s "http://127.0.0.1:$port/healthz" >/dev/null
    wrk -t1 -c16 -d2s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port$GOALS" >/dev/null
  done
  for path in /healthz "$GOALS"; do
    for r in $(seq 1 "$ROUNDS"); do
      echo "$path $1 $r $2 $(hit "$first" 18401 "$path")"
      echo "$path $1 $r $3 $(hit "$second" 18402 "$path")"
    done
  done
  kill -TERM "$first" "$second"; wait "$first" "$second" || true
}
phase 1 off on >"$WORK/runs.txt"
phase 2 on off >>"$WORK/runs.txt"
"$PY" - "$WORK/runs.txt" <<'EOF'
import math, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    path, order, rnd, label, rps, cpu = line.split()
    runs.setdefault((path, order, rnd), {})[label] = (float(rps), float(cpu))
for path in dict.fromkeys(key[0] for key in runs):
    ratios, cpu = {}, {"off": [], "on": []}
    for (p, order, _), pair in runs.items():
        if p == path:
            ratios.setdefault(order, []).append(pair["on"][0] / pair["off"][0])
            for label in cpu:
                cpu[label].append(pair[label][1])
    medians = {order: statistics.median(values) for order, values in ratios.items()}
    both = math.sqrt(medians["1"] * medians["2"])
    print(f"{path}: throughput on/off {both:.3f} (order 1: {medians['1']:.3f}, swapped: "
          f"{medians['2']:.3f}); CPU per request off {statistics.median(cpu['off']):.0f} us, "
          f"on {statistics.median(cpu['on']):.0f} us")
EOF
