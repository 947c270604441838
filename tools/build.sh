#!/bin/sh
# tools/build.sh - configure a build folder (again only when the flags
# change) and build there, out of the source tree (VPATH).
# Usage: tools/build.sh DIR [configure flags...]
#   build/       what tools/run runs, and what "make -C build install" installs
#   build-asan/  what tools/test tests (--enable-sanitizers)
# Each folder keeps its own objects, so one never cleans or rebuilds the other.
set -eu
cd "$(dirname "$0")/.."
dir=${1:?usage: tools/build.sh DIR [configure flags...]}
shift
case $dir in
*/* | . | ..)
	echo "tools/build.sh: DIR is a folder name at the top of the tree (build, build-asan)" >&2
	exit 2
	;;
esac
want="$*"

# An older tools/build.sh configured the tree in place: a VPATH build cannot
# share a configured source tree, so undo that once.
if [ -f config.status ] && [ -f Makefile ]; then
	echo "evircd: the tree was configured in place; cleaning it (make distclean) to build in $dir/" >&2
	make -s distclean >/dev/null 2>&1 || rm -f config.status
fi
if [ ! -f configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
mkdir -p "$dir"
have=""
if [ -f "$dir/config.status" ]; then
	have=$(cd "$dir" && ./config.status --config | tr -d "'")
fi
if [ ! -f "$dir/config.status" ] || [ "$have" != "$want" ]; then
	# shellcheck disable=SC2086
	(cd "$dir" && ../configure $want >/dev/null)
	make -s -C "$dir" clean >/dev/null 2>&1 || true
fi
make -s -C "$dir" -j"$(nproc)"
