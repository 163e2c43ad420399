#!/bin/sh
# test-ordinary.sh - real ordinary mail stays not-bounce (issue 3).
#
# Runs `ndrcheck scan` over each source folder of the real ordinary mail
# that tools/fetch-ordinary-mail gathers from Debian packages into
# build/ordinary-mail (or $NDRCHECK_ORDINARY), and over the committed
# sample testdata/ordinary/: one TAP line per source.  Every message must
# be not-bounce, except the genuine bounces listed in
# testdata/ORDINARY-EXCEPTIONS, which must be bounce-like with the kind
# given there; the diagnostics name each message that is not.  The
# fetched folder is complete only with its SOURCES file; without it
# that part is skipped: fetch it first (.ci/run does) with
#   tools/fetch-ordinary-mail build/ordinary-mail
#
# Usage: sh tests/test-ordinary.sh    (TAP on stdout; NDRCHECK names the binary)
. "$(dirname "$0")/tap.sh"
mail=${NDRCHECK_ORDINARY:-$top/build/ordinary-mail}
sample=$top/testdata/ordinary
min=500

grep -v '^#' "$top/testdata/ORDINARY-EXCEPTIONS" | grep . | cut -f 1,2 |
    sort > "$tmp/expected"

# check ROOT SOURCE [COUNT]: one TAP line for the messages of ROOT/SOURCE
# (COUNT of them, when the fetch recorded it); sets $total.
check() {
	"$nd" scan -q --db "$tmp/sent.db" "$1/$2" > "$tmp/out" 2> "$tmp/err"
	status=$?
	total=$(wc -l < "$tmp/out")
	# "path<TAB>verdict<TAB>kind", paths relative to ROOT.
	awk -F '\t' -v root="$1/" '{ p = $3
	    if (index(p, root) == 1) p = substr(p, length(root) + 1)
	    print p "\t" $1 "\t" $2 }' "$tmp/out" | sort > "$tmp/got"
	awk -F '\t' '$2 != "not-bounce" { print $1 "\t" $3 }' "$tmp/got" \
	    > "$tmp/flagged"
	grep "^$2/" "$tmp/expected" > "$tmp/want"
	{
		sed 's/^/  /' "$tmp/err"
		[ "$total" -gt 0 ] || echo "no message in $1/$2"
		[ -z "${3:-}" ] || [ "$total" -eq "$3" ] ||
		    echo "read $total messages, SOURCES says $3"
		comm -13 "$tmp/want" "$tmp/flagged" |
		    awk -F '\t' '{ print "flagged as " $2 ": " $1 }'
		comm -23 "$tmp/want" "$tmp/flagged" | while IFS='	' read -r p k; do
			got=$(awk -F '\t' -v p="$p" '$1 == p { print $2, $3 }' \
			    "$tmp/got")
			echo "listed as $k, found ${got:-no such message}: $p"
		done
	} > "$tmp/diag"
	[ "$status" -eq 0 ] && [ ! -s "$tmp/diag" ]
	ok $? "$2: $total messages, not-bounce but the $(wc -l < \
	    "$tmp/want") listed bounces"
	sed 's/^/# /' "$tmp/diag"
}

for s in "$sample"/*/; do
	[ -d "$s" ] && check "$sample" "$(basename "$s")"
done

if [ ! -f "$mail/SOURCES" ]; then
	echo "ok $((n + 1)) # SKIP ordinary mail not fetched" \
	    "(run tools/fetch-ordinary-mail build/ordinary-mail)"
	n=$((n + 1))
	finish
	exit
fi
# SOURCES: folder, package, version, path, licence, messages.
grep -v '^#' "$mail/SOURCES" | cut -f 1,6 > "$tmp/sources"
sum=0
while IFS='	' read -r s count; do
	check "$mail" "$s" "$count"
	sum=$((sum + total))
done < "$tmp/sources"
[ "$sum" -ge "$min" ]
ok $? "at least $min fetched messages ($sum from $(wc -l < \
    "$tmp/sources") sources)"
finish
