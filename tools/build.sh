#!/bin/sh
# tools/build.sh - configure (only when the flags change) and build in place.
# Usage: tools/build.sh [configure flags...]
set -eu
cd "$(dirname "$0")/.."

want="$*"
have=""
if [ -f config.status ]; then
	have=$(./config.status --config | tr -d "'")
fi
if [ ! -f configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
	have="(reconfigure)"
fi
if [ ! -f config.status ] || [ "$have" != "$want" ]; then
	# shellcheck disable=SC2086
	./configure $want >/dev/null
	make -s clean >/dev/null 2>&1 || true
fi
make -s -j"$(nproc)"
