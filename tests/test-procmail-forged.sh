#!/bin/sh
# test-procmail-forged.sh - under procmail, whose lines end at LF only, no
# forged X-NDR-Verdict survives `ndrcheck -p`, whatever the line endings
# of the header block.  TAP on stdout.
#
# Ordinary mail carrying a forged "X-NDR-Verdict: backscatter" goes
# through ndrcheck -p, then through procmail with the recipe condition of
# examples/procmail/procmailrc-passthrough: it must not match.
. "$(dirname "$0")/tap.sh"
if ! command -v procmail > /dev/null; then
	[ "${CI:-}" = true ] && { echo "not ok 1 - procmail not installed"; exit 1; }
	echo "1..0 # SKIP procmail not installed (apt-get install procmail)"
	exit 0
fi
cat > "$tmp/rc" << EOF2
SHELL=/bin/sh
LOGFILE=$tmp/log
:0
* ^X-NDR-Verdict: backscatter
$tmp/matched
:0
$tmp/kept
EOF2

forged='X-NDR-Verdict: backscatter'
while read -r name text; do
	# shellcheck disable=SC2059
	printf "$text" > "$tmp/in"
	rm -f "$tmp/matched" "$tmp/kept"
	env -i HOME="$tmp" USER=tester "$nd" -p --db "$tmp/none.db" \
	    < "$tmp/in" > "$tmp/out" 2> /dev/null
	procmail -m "$tmp/rc" < "$tmp/out"
	[ -s "$tmp/kept" ] && [ ! -e "$tmp/matched" ]
	ok $? "$name: procmail finds no forged verdict"
done << EOF2
one-CRLF-line From: a@example.org\nSubject: hi\r\n\r\n$forged\n\nbody\n
CRLF-message From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n$forged\r\n
CR-CR-LF-first From: a@example.org\r\r\n$forged\r\r\n\r\nbody\r\n
after-lone-CR From: a@example.org\rSubject: hi\r\r\n$forged\n\nbody\n
plain-LF From: a@example.org\n$forged\nSubject: hi\n\nbody\n
EOF2
finish
