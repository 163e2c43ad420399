# tap.sh - sourced by shell tests: a private environment and TAP output.
#
# Sets top (the repository), nd (the command under test: $NDRCHECK, else
# bin/ndrcheck) and tmp (a folder removed on exit, which is also HOME and
# XDG_*: no test reads or writes the user's files).  ok STATUS NAME
# [DIAGNOSTIC] prints one TAP line; finish prints the plan and gives the
# exit status.
top=$(cd "$(dirname "$0")/.." && pwd)
nd=${NDRCHECK:-$top/bin/ndrcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HOME=$tmp XDG_CONFIG_HOME=$tmp XDG_DATA_HOME=$tmp XDG_CACHE_HOME=$tmp/cache
export HOME XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME
unset NDRCHECK_DB
n=0 failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && echo "# $3"
		failed=$((failed + 1))
	fi
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

# Without the command there is nothing to test: say so and stop.
if [ ! -x "$nd" ]; then
	echo "1..0 # SKIP $nd not built"
	exit 0
fi
