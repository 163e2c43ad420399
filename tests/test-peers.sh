#!/bin/sh
# test-peers.sh - the mailer families of the peers' corpora (issue 12).
#
# Each message of testdata/peers/ is classified with an empty sent log;
# its kind, failed addresses (the ones the user wrote), where they led
# beside them (when others) and the original's Message-ID must be what
# testdata/peers/EXPECTED says: one TAP line per message.
#
# Usage: sh tests/test-peers.sh    (TAP on stdout; NDRCHECK names the binary)
. "$(dirname "$0")/tap.sh"
dir=$top/testdata/peers

grep -v '^#' "$dir/EXPECTED" | grep . > "$tmp/expected"
while IFS='	' read -r file kind addrs finals mid; do
	"$nd" --json --db "$tmp/sent.db" "$dir/$file" > "$tmp/out" 2> "$tmp/err"
	got=$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
r = o["recipients"]
j = lambda xs: ",".join(x for x in xs if x) or "-"
print("\t".join([o["kind"], j(x["address"] for x in r),
    j(x["final_recipient"] for x in r),
    (o["original"] or {}).get("message_id") or "-"]))' "$tmp/out" 2>&1)
	want=$(printf '%s\t%s\t%s\t%s' "$kind" "$addrs" "$finals" "$mid")
	[ "$got" = "$want" ]
	ok $? "$file: $kind $addrs" "got $got $(cat "$tmp/err")"
done < "$tmp/expected"

for f in "$dir"/*.eml; do
	grep -q "^$(basename "$f")	" "$tmp/expected"
	ok $? "$(basename "$f") is listed in EXPECTED"
done
finish
