#!/usr/bin/env bash
# RPC throughput and latency over loopback with h2load: CheckComment (seed ham and seed spam)
# next to an empty unary RPC (grpc.health.v1.Health/Check) on the same server in the same
# run, which is the ceiling the transport allows. Each is run twice: loaded (CLIENTS x
# STREAMS in flight: throughput, and latency including queueing) and one call at a time
# (latency of a single call). Correctness is checked separately with a
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
/usr/bin/python3 bench/grpc_frames.py wait "127.0.0.1:$port" 20
/usr/bin/python3 bench/grpc_frames.py bodies "$work"

percentiles() {  # h2load --log-file: start_us status duration_us
  sort -n -k3 "$1" | awk '{d[NR]=$3} END {
    printf "p50 %.0f us, p99 %.0f us, non-200 %d\n", d[int(NR*0.50)], d[int(NR*0.99)], bad }
    $2 != 200 {bad++}'
}

run() {  # name path body requests clients streams
  h2load -n "$4" -c "$5" -m "$6" -d "$3" \
    -H 'content-type: application/grpc' -H 'te: trailers' --log-file "$work/${1//\//_}.log" \
    "http://127.0.0.1:$port$2" > "$work/${1//\//_}.out"
  printf '%-30s %s; %s\n' "$1" "$(grep -o "finished in .*req/s" "$work/${1//\//_}.out")" \
    "$(percentiles "$work/${1//\//_}.log")"
}

echo "loaded: $requests requests, $clients clients x $streams streams; single: 5000 requests," \
  "1 client x 1 stream; $(nproc) cores"
for mode in loaded single; do
  if [ "$mode" = loaded ]; then args=("$requests" "$clients" "$streams"); else args=(5000 1 1); fi
  run "empty_health_check/$mode" /grpc.health.v1.Health/Check "$work/empty.bin" "${args[@]}"
  run "check_comment_ham/$mode" /spamguard.v1.CommentFilter/CheckComment \
    "$work/check_ham.bin" "${args[@]}"
  run "check_comment_spam/$mode" /spamguard.v1.CommentFilter/CheckComment \
    "$work/check_spam.bin" "${args[@]}"
done
/usr/bin/python3 bench/grpc_frames.py verify "127.0.0.1:$port"
