#!/usr/bin/env bash
# RPC throughput and latency over loopback with h2load: CheckComment (seed ham and seed spam)
# next to an empty unary RPC (grpc.health.v1.Health/Check) on the same server in the same
# run, which is the ceiling the transport allows. Correctness is checked separately with a
# real gRPC client (h2load cannot see grpc-status).
#
#   bench/rpc_load.sh [REQUESTS] [CLIENTS] [STREAMS_PER_CLIENT]
# Needs: make build, make model, nghttp2-client (h2load), python3-grpcio.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
clients=${2:-8}
streams=${3:-16}
port=${PORT:-50071}
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

build/spamguard-server --listen "127.0.0.1:$port" --model models --data-dir "$work/var" \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  /usr/bin/python3 bench/grpc_frames.py verify "127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.2
done
/usr/bin/python3 bench/grpc_frames.py verify "127.0.0.1:$port"
/usr/bin/python3 bench/grpc_frames.py bodies "$work"

percentiles() {  # h2load --log-file: start_us status duration_us
  sort -n -k3 "$1" | awk '{d[NR]=$3} END {
    printf "p50 %.0f us, p99 %.0f us, non-200 %d\n", d[int(NR*0.50)], d[int(NR*0.99)], bad }
    $2 != 200 {bad++}'
}

run() {  # name path body
  h2load -n "$requests" -c "$clients" -m "$streams" -d "$3" \
    -H 'content-type: application/grpc' -H 'te: trailers' --log-file "$work/$1.log" \
    "http://127.0.0.1:$port$2" > "$work/$1.out"
  printf '%-22s %s; %s\n' "$1" "$(grep -o 'finished in .*req/s' "$work/$1.out")" \
    "$(percentiles "$work/$1.log")"
}

echo "h2load: $requests requests, $clients clients x $streams streams, $(nproc) cores"
run empty_health_check /grpc.health.v1.Health/Check "$work/empty.bin"
run check_comment_ham /spamguard.v1.CommentFilter/CheckComment "$work/check_ham.bin"
run check_comment_spam /spamguard.v1.CommentFilter/CheckComment "$work/check_spam.bin"
/usr/bin/python3 bench/grpc_frames.py verify "127.0.0.1:$port"
