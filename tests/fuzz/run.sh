#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET...] - run each libFuzzer target for
# SECONDS (default 20) on a copy of its corpus from tests/fuzz/corpus/TARGET
# (the tree's corpus is only read; new inputs go to build-fuzz/corpus/TARGET).
# A crash leaves its reproducer in build-fuzz/crash-TARGET-* and fails the run.
# Build first: tests/fuzz/build.sh.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-20}
[ $# -gt 0 ] && shift
targets=${*:-frame conf session ts6}
status=0
for t in $targets; do
	bin=build-fuzz/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "no $bin: run tests/fuzz/build.sh" >&2; exit 1; }
	work=build-fuzz/corpus/$t
	mkdir -p "$work"
	extra=""
	case $t in conf) extra="-close_fd_mask=2" ;; esac
	dict=""
	[ -f "tests/fuzz/dict/$t.dict" ] && dict="-dict=tests/fuzz/dict/$t.dict"
	echo "fuzz: $t for ${secs}s" >&2
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$secs" -max_len=8192 -timeout=25 -rss_limit_mb=2048 \
		-artifact_prefix="build-fuzz/crash-$t-" -print_final_stats=1 $dict $extra \
		"$work" "tests/fuzz/corpus/$t" >"build-fuzz/fuzz-$t.log" 2>&1; then
		tail -60 "build-fuzz/fuzz-$t.log" >&2
		echo "fuzz: $t FAILED (log build-fuzz/fuzz-$t.log)" >&2
		status=1
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss" "build-fuzz/fuzz-$t.log" >&2 || true
	fi
done
exit $status
