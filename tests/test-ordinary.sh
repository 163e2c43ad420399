#!/bin/sh
# test-ordinary.sh - real ordinary mail stays not-bounce (issue 3).
#
# Runs `ndrcheck scan` over the messages tools/fetch-ordinary-mail
# gathers from Debian packages (notmuch, mairix, bogofilter and
# public-inbox test mail, CPython's email test data) into
# build/ordinary-mail (or $NDR_ORDINARY_MAIL): every one must be
# not-bounce except the genuine bounces and auto-replies listed below,
# which must be found as what they are.  Without the folder the test is
# skipped: fetch it first (.ci/run does) with
#   tools/fetch-ordinary-mail build/ordinary-mail
#
# Usage: sh tests/test-ordinary.sh    (TAP on stdout; NDRCHECK names the binary)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
nd=${NDRCHECK:-$top/bin/ndrcheck}
mail=${NDR_ORDINARY_MAIL:-$top/build/ordinary-mail}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HOME=$tmp XDG_CONFIG_HOME=$tmp XDG_DATA_HOME=$tmp
export HOME XDG_CONFIG_HOME XDG_DATA_HOME
unset NDRCHECK_DB

if [ ! -d "$mail" ]; then
	echo "1..0 # SKIP no ordinary mail in $mail (tools/fetch-ordinary-mail)"
	exit 0
fi

# The real bounce-like messages among them, with their kind: a delay
# DSN and an out-of-office reply in bogofilter's good.mbx, three DSNs
# in CPython's email tests.
cat > "$tmp/expected" <<'LIST'
bogofilter/good-006.eml	auto-reply
bogofilter/good-027.eml	delay
python-email/msg_16.txt	dsn
python-email/msg_25.txt	dsn
python-email/msg_43.txt	dsn
LIST

"$nd" scan --db "$tmp/sent.db" "$mail" > "$tmp/out" 2> "$tmp/err"
total=$(wc -l < "$tmp/out")
n=0 failed=0
ok() {	# ok STATUS NAME [DIAGNOSTIC]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && echo "$3" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

[ "$total" -ge 500 ]
ok $? "scan read at least 500 messages ($total)" "$(cat "$tmp/err")"
# Every message not listed is not-bounce.
sed "s|$mail/||" "$tmp/out" | awk -F'\t' '$1 != "not-bounce" { print $3 "\t" $2 }' |
    sort > "$tmp/flagged"
sort "$tmp/expected" > "$tmp/want"
diff "$tmp/want" "$tmp/flagged" > "$tmp/diff"
ok $? "only the listed genuine bounces are bounce-like, as their kind" \
    "$(cat "$tmp/diff")"
echo "1..$n"
[ "$failed" -eq 0 ]
