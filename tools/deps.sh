#!/bin/sh
# deps.sh - install the Debian packages the build needs, or say which.
#
# Called by `make deps` with the package list.  As root it runs apt-get
# (after apt-get update); otherwise it prints the exact command and fails.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing$missing"
	apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
	    { echo "deps: apt-get install$missing failed" >&2; exit 1; }
else
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
