#!/bin/sh
# test-sync.sh - a Sent folder too large to sync in one budget.
#
# The config's sent folder holds a year of mail, one message a day, and
# sync_budget lets each classification read only a few of them.  While
# the sync is unfinished: a genuine bounce of an old message is never
# backscatter (unknown, saying how far the sync got); the newest mail is
# read first, so the bounce of a recent message is genuine and a forged
# bounce of a recent date is backscatter from the first delivery on.
# Once the sync has read back to the old message, its bounce is genuine.
#
# Usage: sh tests/test-sync.sh    (TAP on stdout; NDRCHECK names the binary)
. "$(dirname "$0")/tap.sh"
sent=$tmp/Maildir/.Sent
mkdir -p "$sent/cur" "$sent/new" "$sent/tmp" "$XDG_CONFIG_HOME/ndrcheck"
cat > "$XDG_CONFIG_HOME/ndrcheck/config" <<EOF
[ndrcheck]
db = $tmp/sent.db
sent = $sent
sync_budget = 1
EOF
printf '[ndrcheck]\ndb = %s\n' "$tmp/sent.db" > "$tmp/nosync.conf"

now=$(date +%s)
days=365
# One message a day, its file time its Date (as a mail reader saves it).
awk -v now="$now" -v days="$days" -v dir="$sent/cur" 'BEGIN {
	for (i = 0; i < days; i++) {
		t = now - i * 86400
		f = sprintf("%s/%d.M%dP1.host:2,S", dir, t, i)
		printf "From: me@example.org\nTo: friend%d@example.net\n", i > f
		printf "Subject: day %d\nDate: %s\n", i, \
		    strftime("%a, %d %b %Y %H:%M:%S +0000", t, 1) > f
		printf "Message-ID: <day%d@example.org>\n\nhello\n", i > f
		close(f)
		printf "%s %d\n", f, t
	}
}' | while read -r f t; do
	touch -d "@$t" "$f"
done

# dsn ID DAYS-AGO: a DSN for Message-ID ID, the original dated DAYS-AGO.
dsn() {
	d=$(date -u -R -d "@$((now - $2 * 86400))")
	cat <<EOF
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: me@example.org
Subject: Undelivered Mail Returned to Sender
Date: $(date -u -R -d "@$now")
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; friend$2@example.net
Action: failed
Status: 5.1.1

--b
Content-Type: text/rfc822-headers

From: me@example.org
To: friend$2@example.net
Subject: day $2
Date: $d
Message-ID: <$1@example.org>

--b--
EOF
}
dsn day300 300 > "$tmp/old.eml"
dsn day2 2 > "$tmp/recent.eml"
dsn forged-recent 3 > "$tmp/forged.eml"
dsn forged-old 300 > "$tmp/forged-old.eml"

verdict() { "$nd" -v "$1" 2> "$tmp/err"; }

v=$(verdict "$tmp/old.eml")
case $v in unknown*sync*) r=0 ;; *) r=1 ;; esac
ok $r "first delivery: the old message's bounce is unknown, the sync named" \
    "got: $v $(cat "$tmp/err")"
n_read=$(printf '%s\n' "$v" | sed -n 's/.*(\([0-9]*\) of [0-9]* messages.*/\1/p')
[ "${n_read:-$days}" -lt "$days" ]
ok $? "one budget read part of the folder (${n_read:-?} of $days)" "got: $v"

# Deliver the forged recent bounce until the sync has read that far.
recent=1
while [ "$recent" -lt 1000 ]; do
	recent=$((recent + 1))
	v=$(verdict "$tmp/forged.eml" | cut -d ' ' -f 1)
	[ "$v" = unknown ] || break
done
[ "$v" = backscatter ]
ok $? "a forged bounce of a recent date: unknown, then backscatter ($recent deliveries)" \
    "got: $v"
"$nd" --config "$tmp/nosync.conf" "$tmp/recent.eml"
ok $(($? != 1)) "by then a recent message's bounce is genuine"
v=$(verdict "$tmp/old.eml")
n_read=$(printf '%s\n' "$v" | sed -n 's/.*(\([0-9]*\) of [0-9]* messages.*/\1/p')
[ "${n_read:-$days}" -lt 30 ]
ok $? "newest first: the recent window was covered after ${n_read:-?} of $days messages" \
    "got: $v"

# Deliver the old bounce until the sync reaches it.
deliveries=$recent bad=0 final= early=0
while [ "$deliveries" -lt 2000 ]; do
	deliveries=$((deliveries + 1))
	v=$(verdict "$tmp/old.eml" | cut -d ' ' -f 1)
	case $v in
	backscatter) bad=$((bad + 1)) ;;
	genuine) final=genuine; break ;;
	unknown) ;;
	*) final="error: $(cat "$tmp/err")"; break ;;
	esac
	v=$(verdict "$tmp/forged-old.eml" | cut -d ' ' -f 1)
	# Backscatter for the old date only once the old message is read.
	if [ "$v" = backscatter ]; then
		w=$("$nd" --config "$tmp/nosync.conf" "$tmp/old.eml"; echo $?)
		[ "$w" -eq 1 ] || early=$((early + 1))
	fi
done
[ "$bad" -eq 0 ]
ok $? "the genuine bounce was never backscatter while the sync ran"
[ "$final" = genuine ]
ok $? "it is genuine once the sync reaches it ($deliveries deliveries)" \
    "ended: ${final:-still unknown}"

[ "$early" -eq 0 ]
ok $? "a forged bounce of the old date was backscatter only once the sync had read that far"

# Finish the sync: then the forged bounce of an old date is backscatter.
for i in $(seq 200); do
	v=$(verdict "$tmp/forged-old.eml" | cut -d ' ' -f 1)
	[ "$v" = backscatter ] && break
done
[ "$v" = backscatter ]
ok $? "once the whole folder is read, an old forged bounce is backscatter" \
    "got: $v"
finish
