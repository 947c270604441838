#!/bin/sh
# Smoke test of the load generator: build, start refserver on a loopback port,
# run every scenario for a second or two, stop refserver by its PID.
# Usage: tests-load/smoke.sh [PORT]     (about 30 s; exits non-zero on any FAILED run)
set -u
here=$(cd "$(dirname "$0")" && pwd)
port=${1:-16699}
make -s -C "$here" || exit 1
"$here/refserver" --port "$port" --max-seconds 120 2>/dev/null &
ref=$!
trap 'kill "$ref" 2>/dev/null' EXIT INT TERM
sleep 0.3
fails=0
runs=0
run() {
	runs=$((runs + 1))
	out=$(timeout 60 "$here/evload" "$@" --port "$port" --pid "$ref" --warmup 0.5 --duration 1 2>&1)
	st=$(printf '%s\n' "$out" | sed -n 's/^status: //p')
	key=$(printf '%s\n' "$out" | grep -E '^(deliveries_per_s|registrations_per_s|join_to_366_p50_ms|ops_per_s|flooded_latency_p99_us):' | head -1)
	printf '%-20s %-40s %s\n' "$1" "$key" "${st:-no status}"
	case "$st" in ok*) ;; *) fails=$((fails + 1)); printf '%s\n' "$out" | tail -5 ;; esac
}
run connection_stress --clients 2000 --per-worker 1000
run message_throughput --pairs 50
run channel_load --channels 1 --users-per-channel 300
run channel_load --channels 10 --users-per-channel 20 --senders 2 --delivery-rate 20000
run channel_load --channels 1 --users-per-channel 300 --caps message-tags,server-time --caps-fraction 0.5
run join_storm --members 300 --iterations 10
run mixed_workload --clients 100 --channels 10
run memory_leak --clients 100 --channels 10
run fairness --clients 20 --rate 500
echo "smoke: $((runs - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
