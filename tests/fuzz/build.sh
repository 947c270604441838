#!/bin/sh
# tests/fuzz/build.sh - build the libFuzzer targets in build-fuzz/ with
# clang (Debian's clang-14 or clang), -fsanitize=fuzzer,address,undefined.
# The server's own build folders are not touched.
set -eu
cd "$(dirname "$0")/../.."
cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
	for c in clang-14 clang; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
fi
[ -n "$cc" ] || { echo "tests/fuzz/build.sh: no clang (apt-get install clang-14)" >&2; exit 1; }
# Without -j the tools/build.sh make below uses every core; keep it at two.
sh tools/build.sh build-fuzz CC="$cc" --enable-fuzzing
make -s -C build-fuzz -j2 fuzz
