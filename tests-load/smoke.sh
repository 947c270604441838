#!/bin/sh
# Smoke test of the load generator: build, start refserver on a loopback port,
# run every scenario for a second or two, stop refserver by its PID; then the
# same with refserver in TLS mode (PORT+1) for the TLS paths: handshakes,
# fan-out, 1:1, and the reconnect storm without and with session resumption.
# Usage: tests-load/smoke.sh [PORT]     (about 45 s; exits non-zero on any FAILED run)
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
	key=$(printf '%s\n' "$out" | grep -E '^storm_time_to_all_registered_s:')
	[ -n "$key" ] && key="storm: $(printf '%s\n' "$out" | sed -n 's/^storm_time_to_all_registered_s: //p') s, resumed $(printf '%s\n' "$out" | sed -n 's/^storm_tls_resumed: //p')"
	[ -n "$key" ] || key=$(printf '%s\n' "$out" | grep -E '^(deliveries_per_s|registrations_per_s|join_to_366_p50_ms|ops_per_s|flooded_latency_p99_us):' | head -1)
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

# TLS: a throwaway self-signed certificate, refserver --tls on PORT+1
kill "$ref" 2>/dev/null
tls=$(mktemp -d)
trap 'kill "$ref" 2>/dev/null; rm -rf "$tls"' EXIT INT TERM
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/key.pem" \
	-out "$tls/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null || exit 1
port=$((port + 1))
"$here/refserver" --port "$port" --max-seconds 120 --tls --cert "$tls/cert.pem" --key "$tls/key.pem" 2>/dev/null &
ref=$!
sleep 0.3
run connection_stress --tls 1 --clients 500
run message_throughput --tls 1 --pairs 50
run channel_load --tls 1 --channels 1 --users-per-channel 300
run channel_load --tls 1 --channels 10 --users-per-channel 20 --senders 2 --delivery-rate 20000
run fairness --tls 1 --clients 20 --rate 500
run connection_stress --tls 1 --clients 500 --reconnect 1 --reconnect-gap 0.3
run connection_stress --tls 1 --tls-resume 1 --clients 500 --reconnect 1 --reconnect-gap 0.3
echo "smoke: $((runs - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
