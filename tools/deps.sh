#!/bin/sh
# tools/deps.sh - install the Debian packages evircd needs, when missing.
# Usage: tools/deps.sh [test]   ("test" adds what the test suite needs)
# The linking tests run Debian's ircd-hybrid, which conflicts with ngircd:
# tests/protocol/ts6.py fetches and unpacks it privately (apt-get download,
# dpkg -x); only its libraries and util-linux's unshare/setpriv come from here.
# Anope and Atheme (the services tests) are installed as packages: neither starts by
# itself; tests/protocol/anope.py and atheme.py run them as nobody.
# The browser tests (tests/protocol/test_browser.py) drive Debian's chromium
# with puppeteer-core from npm; npm comes from Debian unless a node with its
# own npm (NodeSource's) is installed already, which Debian's npm would conflict with.
set -eu

pkgs="build-essential autoconf automake pkg-config libev-dev libssl-dev \
libc-ares-dev libsqlite3-dev libinih-dev openssl"
if [ "${1:-}" = test ]; then
	pkgs="$pkgs check python3 python3-pytest libltdl7 libgnutls30 util-linux anope atheme-services"
	pkgs="$pkgs chromium clang-14 libclang-rt-14-dev"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "evircd: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "evircd: run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null
