#!/bin/sh
# hostile.sh - write crafted messages built to exhaust a parser.
#
# Usage: sh tests/hostile.sh KIND [N] > FILE
#
# Used by tests/test-limits.sh (exit codes and output) and bench/hostile
# (time and peak memory).  Each is a bounce from mx.example.net about
# <20261120.hostile@example.org> (the test records that one as sent), so
# that classification walks it instead of stopping at the header fast
# path, and so that a verdict can be checked where the evidence lies
# within the limits (lib/ndrlimits.h).
#   nested [N]      N nested message/rfc822 parts (default 10000), each
#                   padded so that the whole is about 1 KiB * N
#   multinest [N]   N nested multipart/mixed parts
#   parts [N]       a DSN followed by N tiny parts
#   headers [N]     N header fields (Received:) before the DSN body
#   bigheader [N]   one header field of N bytes folded in 76-byte lines
#   oneline [N]     a message that is one N-byte line, no line end at all
#   longline [N]    a DSN whose first part is one N-byte line
#   recipients [N]  a DSN with N per-recipient groups
#   prose [N]       an NDR in prose (Postfix's words) naming N recipients,
#                   each with its reply, and the returned headers
#   big [N]         a DSN whose first text part is N bytes: the report
#                   and its returned headers lie past NDR_MAX_PARSE_BYTES
#   backtrack [N]   an NDR whose text has N "a" characters after "<" and
#                   no ">": a trap for patterns that backtrack
#   forged [N]      a DSN with forged X-NDR-* fields at the top and after
#                   N bytes of header fields
#   emptyparts [N]  a DSN followed by N empty MIME parts (5 bytes each)
#   tinyheaders [N] N header fields "a:b" before the DSN body
#   addresses [N]   a DSN returning a message whose Cc has N addresses
#                   (each of these three once cost GMime a gigabyte)
set -u
kind=${1:?usage: hostile.sh KIND [N]}
n=${2:-}
id=20261120.hostile@example.org

# A bounce's top-level header fields, without Content-Type.
top() {
	printf 'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n'
	printf 'To: jan@example.org\n'
	printf 'Subject: Undelivered Mail Returned to Sender\n'
	printf 'Date: Fri, 21 Nov 2026 10:05:00 +0000\n'
	printf 'Message-ID: <hostile.%s@mx.example.net>\n' "$kind"
	printf 'Auto-Submitted: auto-replied\n'
	printf 'MIME-Version: 1.0\n'
}

report() {	# the Content-Type of a DSN, ending the header block
	printf 'Content-Type: multipart/report; report-type=delivery-status;'
	printf ' boundary="B"\n\n'
}

# The delivery-status part of a DSN, from boundary B.
dsn_part() {
	printf -- '--B\nContent-Type: message/delivery-status\n\n'
	printf 'Reporting-MTA: dns; mx.example.net\n\n'
	printf 'Final-Recipient: rfc822; x@example.net\nAction: failed\n'
	printf 'Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown\n\n'
}

# The returned headers of the original, without and with the closing
# boundary.
returned_part() {
	printf -- '--B\nContent-Type: text/rfc822-headers\n\n'
	printf 'From: jan@example.org\nTo: x@example.net\n'
	printf 'Date: Thu, 20 Nov 2026 10:00:00 +0000\n'
	printf 'Message-ID: <%s>\n\n' "$id"
}

returned() {
	returned_part
	printf -- '--B--\n'
}

# N bytes of one character, fast.
bytes() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

case $kind in
nested)
	top
	printf 'Content-Type: message/rfc822\n\n'
	printf 'From: jan@example.org\nTo: x@example.net\n'
	printf 'Message-ID: <%s>\nContent-Type: message/rfc822\n\n' "$id"
	awk -v n="${n:-10000}" 'BEGIN {
	    pad = sprintf("%0900d", 0)
	    for (i = 2; i < n; i++) {
		printf "From: MAILER-DAEMON@mx%d.example.net\n", i
		printf "Subject: Undelivered Mail Returned to Sender\n"
		printf "Message-ID: <%d.nested@example.net>\n", i
		printf "X-Pad: %s\n", pad
		printf "Content-Type: message/rfc822\n\n"
	    }
	    printf "From: jan@example.org\nMessage-ID: <nested@example.org>\n\n"
	    printf "the innermost message\n" }' ;;
multinest)
	top
	printf 'Content-Type: multipart/mixed; boundary="b0"\n\n'
	awk -v n="${n:-10000}" 'BEGIN {
	    for (i = 1; i < n; i++)
		printf "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i - 1, i
	    printf "--b%d\nContent-Type: text/plain\n\nleaf\n", n - 1
	    for (i = n - 1; i >= 0; i--)
		printf "--b%d--\n", i }' ;;
parts)
	top
	report
	dsn_part
	awk -v n="${n:-100000}" 'BEGIN {
	    for (i = 0; i < n; i++)
		printf "--B\nContent-Type: text/plain\n\n550 5.1.1 <u%d@example.net>: user unknown\n", i }'
	returned ;;
headers)
	top
	awk -v n="${n:-100000}" 'BEGIN {
	    for (i = 0; i < n; i++)
		printf "Received: from h%d by mx.example.net; Thu, 20 Nov 2026 10:00:00 +0000\n", i }'
	report
	dsn_part
	returned ;;
bigheader)
	top
	printf 'X-Big: '
	awk -v n="${n:-1048576}" 'BEGIN {
	    line = sprintf("%075d", 0)
	    for (i = 0; i < n; i += 76)
		printf "%s\n ", line
	    printf "end\n" }'
	report
	dsn_part
	returned ;;
oneline)
	printf 'From: MAILER-DAEMON@mx.example.net Subject: Undelivered Mail '
	bytes "${n:-52428800}" a ;;
longline)
	top
	report
	printf -- '--B\nContent-Type: text/plain\n\n'
	bytes "${n:-52428800}" a
	printf '\n'
	dsn_part
	returned ;;
recipients)
	top
	report
	printf -- '--B\nContent-Type: message/delivery-status\n\n'
	printf 'Reporting-MTA: dns; mx.example.net\n'
	awk -v n="${n:-100000}" 'BEGIN {
	    for (i = 0; i < n; i++)
		printf "\nFinal-Recipient: rfc822; u%d@example.net\nAction: failed\nStatus: 5.1.1\n", i }'
	printf '\n'
	returned ;;
prose)
	top
	printf 'Content-Type: multipart/mixed; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\n'
	printf 'This is the mail system at host mx.example.net.\n\n'
	printf 'I am sorry to have to inform you that your message could not\n'
	printf 'be delivered to one or more recipients.\n\n'
	awk -v n="${n:-3000}" 'BEGIN {
	    for (i = 0; i < n; i++)
		printf "<u%d@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\n\n", i }'
	returned ;;
big)
	top
	report
	printf -- '--B\nContent-Type: text/plain\n\n'
	awk -v n="${n:-10485760}" 'BEGIN {
	    line = sprintf("%079d", 0)
	    for (i = 0; i < n; i += 80)
		print line }'
	dsn_part
	returned ;;
backtrack)
	top
	printf 'Content-Type: text/plain\n\n'
	printf 'This is the mail system at host mx.example.net.\n\n'
	printf 'I am sorry to have to inform you that your message could not\n'
	printf 'be delivered to one or more recipients.\n\n<'
	bytes "${n:-100000}" a
	printf '@example.net: host said: 550 5.1.1 '
	bytes 2000 ' '
	printf '\n' ;;
forged)
	printf 'X-NDR-Verdict: backscatter\nX-NDR-Kind: dsn\n'
	top
	awk -v n="${n:-300000}" 'BEGIN {
	    for (i = 0; i < n; i += 40)
		printf "X-Filler: %029d\n", i }'
	printf 'x-ndr-verdict: backscatter\nX-NDR-Evidence: forged\n\tfolded\n'
	report
	dsn_part
	returned ;;
emptyparts)
	top
	report
	dsn_part
	returned_part
	awk -v n="${n:-1000000}" 'BEGIN {
	    for (i = 0; i < n; i++)
		printf "--B\n\n" }'
	printf -- '--B--\n' ;;
tinyheaders)
	top
	yes 'a:b' | head -n "${n:-1900000}"
	report
	dsn_part
	returned ;;
addresses)
	top
	report
	dsn_part
	printf -- '--B\nContent-Type: message/rfc822\n\n'
	printf 'From: jan@example.org\nMessage-ID: <%s>\nCc: ' "$id"
	yes 'a@b,' | head -n "${n:-1500000}" | tr -d '\n'
	printf '\n\nbody\n--B--\n' ;;
*)
	echo "hostile.sh: unknown kind $kind" >&2
	exit 64 ;;
esac
