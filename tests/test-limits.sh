#!/bin/sh
# test-limits.sh - crafted messages built to exhaust a parser (TAP).
#
# Each message of tests/hostile.sh goes through bin/ndrcheck twice, from
# a pipe as a delivery agent gives it: classification must end with the
# expected verdict (where the evidence lies within lib/ndrlimits.h, the
# right one; past a limit, at worst unknown, never a crash or a
# temporary failure), and passthrough must exit 0 with the whole input
# on stdout behind the added X-NDR-* fields, every forged one removed.
# How long each takes and how much memory is bench/hostile's business
# (timing is never asserted here); `timeout` only turns a hang into a
# failure instead of a stuck CI run.
set -u
. "$(dirname "$0")/tap.sh"
db=$tmp/sent.db
hang=120

# strip_added OUT: OUT without the X-NDR-* block ndrcheck put first.
strip_added() {
	added=$(head -c 8192 "$1" | awk '
	    NR == 1 && !/^X-NDR-Verdict: / { exit }
	    /^X-NDR-/ || (NR > 1 && /^[ \t]/) { n += length($0) + 1; next }
	    { exit }
	    END { print n + 0 }')
	tail -c +$((added + 1)) "$1"
}

# limit KIND EXITS [N]: the checks above on `hostile.sh KIND N`; EXITS
# lists the acceptable exit statuses of classification.
limit() {
	sh "$top/tests/hostile.sh" "$1" ${3:-} > "$tmp/in"
	size=$(wc -c < "$tmp/in")
	cat "$tmp/in" | timeout $hang "$nd" --db "$db" --rules "$top/rules" \
	    > /dev/null 2> "$tmp/err"
	rc=$?
	case " $2 " in
	*" $rc "*) ok 0 "$1 ($size bytes): exit $rc" ;;
	*) ok 1 "$1 ($size bytes): exit $rc, expected one of: $2" \
	    "$(head -c 300 "$tmp/err")" ;;
	esac
	cat "$tmp/in" | timeout $hang "$nd" -p --db "$db" \
	    --rules "$top/rules" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	grep -v '^[Xx]-[Nn][Dd][Rr]-\|^	folded$' "$tmp/in" > "$tmp/want" ||
	    : > "$tmp/want"
	[ "$1" = forged ] || cp "$tmp/in" "$tmp/want"
	strip_added "$tmp/out" | cmp -s - "$tmp/want"
	same=$?
	[ "$rc" -eq 0 ] && [ "$same" -eq 0 ]
	ok $? "$1: passthrough exits 0 with every byte of the input" \
	    "exit $rc, output same as input: $same; $(head -c 300 "$tmp/err")"
}

# The original every hostile bounce returns, sent on 20 November 2026.
printf '%s\n' 'From: jan@example.org' 'To: x@example.net' \
    'Date: Thu, 20 Nov 2026 10:00:00 +0000' \
    'Message-ID: <20261120.hostile@example.org>' '' 'hello' |
    "$nd" record --db "$db"
ok $? "record the original the hostile bounces return"

# Evidence within the limits gives the right verdict however much else
# there is; evidence past one (here NDR_MAX_PARSE_ITEMS or _BYTES) gives
# unknown.
limit nested "1"
limit multinest "2 3"
limit parts "1"
limit headers "1" 10000
limit headers "3"
limit bigheader "1" 262144
limit oneline "2 3"
limit longline "3"
limit recipients "1" 1000
limit recipients "3"
# Once each recipient found sent every recipient rule over the rest of
# the text again: 3,000 of them ran out of time (unknown).
limit prose "1"
limit big "3"
limit backtrack "0 3"
# Each of these cost GMime a gigabyte and seconds before NDR_MAX_PARSE_ITEMS.
limit emptyparts "1"
limit tinyheaders "3"
limit addresses "1"
limit forged "1"
# Exactly one X-NDR-Verdict, ndrcheck's own, however deep a forged one sat.
verdicts=$(grep -ci '^X-NDR-Verdict:' "$tmp/out")
[ "$verdicts" -eq 1 ] && head -n 1 "$tmp/out" | grep -q '^X-NDR-Verdict: genuine'
ok $? "forged: one X-NDR-Verdict left, ndrcheck's ($verdicts found)"
finish
