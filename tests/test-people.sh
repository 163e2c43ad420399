#!/bin/sh
# test-people.sh - a person's message about a bounce is never backscatter.
#
# testdata/people/ holds people's messages that carry a bounce of a
# message their writer sent (forwarded inline or attached, quoted,
# pasted, asked about on a list, explained in a newsletter, an
# unsubscribe request), in the styles of Gmail, Outlook, Apple Mail and
# Thunderbird, in four languages.  Each is classified against a sent log
# whose coverage reaches back before them and that lacks their originals
# (where a bounce would be backscatter), and against one that holds the
# originals: every one must be not-bounce.  Then each again as a client
# that marks nothing would send it (no subject prefix, no X-Mailer or
# User-Agent): still never backscatter or genuine.  The mirror: the same
# bounces as the mailer daemons send them (testdata/people/direct) stay
# genuine with their original in the log and backscatter without it,
# also when a mailing list relays them.
#
# Usage: sh tests/test-people.sh    (TAP on stdout; NDRCHECK names the binary)
. "$(dirname "$0")/tap.sh"
people=$top/testdata/people

# Unrelated mail of ours from January on: the log covers the whole year.
for m in Jan Mar May Jul Sep Oct; do
	printf 'From me@example.org Thu Jan  1 00:00:00 2026\n'
	printf 'From: me@example.org\nTo: friend-%s@example.net\n' "$m"
	printf 'Subject: note\nDate: Thu, 01 %s 2026 10:00:00 +0000\n' "$m"
	printf 'Message-ID: <unrelated-%s@example.org>\n\nhello\n\n' "$m"
done > "$tmp/unrelated.mbox"
"$nd" import --db "$tmp/lacking.db" "$tmp/unrelated.mbox" > /dev/null
cp "$tmp/lacking.db" "$tmp/holding.db"
"$nd" import --db "$tmp/holding.db" "$people/direct/sent.mbox" > /dev/null

# verdicts DB FILE...: "verdict<TAB>file" lines.
verdicts() {
	db=$1
	shift
	for f in "$@"; do
		v=$("$nd" -v --db "$db" "$f" 2> "$tmp/err" | cut -d ' ' -f 1)
		printf '%s\t%s\n' "${v:-error:$(cat "$tmp/err")}" "$(basename "$f")"
	done
}

# tally NAME WANT FILE: one TAP line; every verdict in FILE must be one of
# WANT (a grep -E pattern); prints the counts.
tally() {
	counts=$(cut -f 1 "$3" | sort | uniq -c | awk '{ printf "%s%d %s", s, $1, $2; s = ", " }')
	bad=$(grep -Ev "^($2)	" "$3" | tr '\t' ' ' | tr '\n' ';')
	[ -z "$bad" ]
	ok $? "$1: $(wc -l < "$3") messages: $counts" "not $2: $bad"
}

set -- "$people"/*.eml
[ $# -ge 40 ]
ok $? "at least 40 people's messages ($#)"

verdicts "$tmp/lacking.db" "$@" > "$tmp/lacking"
tally "people's messages, originals not in the log" "not-bounce" "$tmp/lacking"
verdicts "$tmp/holding.db" "$@" > "$tmp/holding"
tally "people's messages, originals in the log" "not-bounce" "$tmp/holding"

# The same, as sent by a client that marks nothing in the header block.
mkdir "$tmp/bare"
for f in "$@"; do
	awk 'body { print; next }
	    /^$/ { body = 1 }
	    /^(X-Mailer|User-Agent):/ { next }
	    /^Subject:/ { sub(/^Subject: *((Fwd|FW|WG|TR|RV|Re|RE|AW): *)+/, "Subject: ") }
	    { print }' "$f" > "$tmp/bare/$(basename "$f")"
done
verdicts "$tmp/lacking.db" "$tmp/bare"/*.eml > "$tmp/bare.out"
tally "the same without a client's marks" "not-bounce|unknown" "$tmp/bare.out"

# The mirror: the mailer daemons' own bounces.
verdicts "$tmp/holding.db" "$people"/direct/*.eml > "$tmp/direct-held"
tally "the bounces sent directly, original in the log" "genuine" "$tmp/direct-held"
verdicts "$tmp/lacking.db" "$people"/direct/*.eml > "$tmp/direct-lacking"
tally "the bounces sent directly, original not in the log" "backscatter" \
    "$tmp/direct-lacking"

# Relayed by a mailing list: the list's sender and headers added.
mkdir "$tmp/relayed"
for f in "$people"/direct/*.eml; do
	{
		printf 'Return-Path: <admins-bounces@lists.example.org>\n'
		printf 'List-Id: <admins.lists.example.org>\nPrecedence: list\n'
		printf 'List-Unsubscribe: <mailto:admins-leave@lists.example.org>\n'
		grep -v '^Return-Path:' "$f"
	} > "$tmp/relayed/$(basename "$f")"
done
verdicts "$tmp/holding.db" "$tmp/relayed"/*.eml > "$tmp/relayed-held"
tally "the bounces relayed by a list, original in the log" "genuine" \
    "$tmp/relayed-held"
verdicts "$tmp/lacking.db" "$tmp/relayed"/*.eml > "$tmp/relayed-lacking"
tally "the bounces relayed by a list, original not in the log" "backscatter" \
    "$tmp/relayed-lacking"

finish
