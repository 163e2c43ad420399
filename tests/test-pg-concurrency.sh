#!/bin/sh
# test-pg-concurrency.sh - many deliveries at once on one PostgreSQL sent
# log of several mailboxes, and the server killed in the middle.
#
# Usage: sh tests/test-pg-concurrency.sh [-n ROUNDS]     (TAP on stdout)
#
# Each round, on a private server (tests/pgserver.sh): 64 `ndrcheck
# record` processes (each adding a new message) and 64 classifying
# processes start at once, over 8 mailboxes.  Half the classifications
# are of bounces of a message their own mailbox sent before (genuine),
# half of a message another mailbox sent (that mailbox's record must not
# count: backscatter).  Afterwards every recorded message is in its own
# mailbox and in no other, and no process failed.  Then 64 records start
# and the server is killed under them: each exits 0 or 75, every 0 is in
# the log, no message is there without its recipient (nothing
# half-written), and after a restart every delivery that failed goes
# through.  -n 10 runs 10 rounds.
set -u
rounds=1
[ "${1:-}" = -n ] && rounds=${2:?usage: test-pg-concurrency.sh [-n ROUNDS]}
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mail.sh"
. "$(dirname "$0")/pgserver.sh"
pg_start
N=64 M=8

i=0
while [ $i -lt $M ]; do
	printf '[ndrcheck]\ndb = %s\nmailbox = mb%d\n' "$pg_uri" $i \
	    > "$tmp/mb$i.conf"
	i=$((i + 1))
done

# stderr: the first thing any process of the round said on stderr.
stderr() {
	cat "$tmp"/e-* 2> /dev/null | head -n 1
}

# in_mailbox I: the config of message I's mailbox.
in_mailbox() {
	echo "$tmp/mb$(($1 % M)).conf"
}

# expect KIND WANT...: each $tmp/x-KIND-* holds an exit status among
# WANT (else noted in $bad).
expect() {
	kind=$1
	shift
	for f in "$tmp"/x-"$kind"-*; do
		read -r rc < "$f"
		case " $* " in
		*" $rc "*) ;;
		*) bad="$bad ${f##*/x-}:exit-$rc-not-$(echo "$*" | tr ' ' /)" ;;
		esac
	done
}

# round R: records and classifications at once over the M mailboxes.
round() {
	rm -f "$tmp"/x-* "$tmp"/e-*
	i=0
	# The old messages, one mbox a mailbox, imported.
	while [ $i -lt $N ]; do
		{
			echo "From jan@example.org Mon Nov  3 10:00:00 2026"
			sent "old-$1-$i" 10
			echo
		} >> "$tmp/old-$((i % M)).mbox"
		sent "new-$1-$i" 20 > "$tmp/s-$i.eml"
		bounce "old-$1-$i" 10 > "$tmp/b-old-$i.eml"
		bounce "new-$1-$i" > "$tmp/b-new-$i.eml"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $M ]; do
		"$nd" import --config "$tmp/mb$i.conf" "$tmp/old-$i.mbox" \
		    > /dev/null 2>> "$tmp/e-import" || return 1
		rm -f "$tmp/old-$i.mbox"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $N ]; do
		("$nd" record --config "$(in_mailbox $i)" < "$tmp/s-$i.eml" \
		    2> "$tmp/e-r-$i"; echo $? > "$tmp/x-r-$i") &
		if [ $((i % 2)) -eq 0 ]; then
			# Its own old message: genuine.
			("$nd" --config "$(in_mailbox $i)" < "$tmp/b-old-$i.eml" \
			    2> "$tmp/e-c-$i"; echo "$?" > "$tmp/x-g-$i") &
		else
			# Mailbox i's view of message i - 1, another's.
			("$nd" --config "$(in_mailbox $i)" \
			    < "$tmp/b-old-$((i - 1)).eml" 2> "$tmp/e-c-$i"
			    echo "$?" > "$tmp/x-b-$i") &
		fi
		i=$((i + 1))
	done
	wait
	bad=
	expect r 0
	expect g 1
	expect b 0
	# Every new message in its own mailbox, each once, none elsewhere.
	wrong=$(psql_q "SELECT count(*) FROM sent_messages WHERE message_id
	    LIKE 'new-$1-%' AND mailbox <> 'mb' || (substring(message_id
	    FROM 'new-$1-([0-9]+)@')::int % $M)")
	all=$(psql_q "SELECT count(*) FROM sent_messages WHERE message_id
	    LIKE 'new-$1-%'")
	[ "$wrong" = 0 ] && [ "$all" = $N ] ||
	    bad="$bad $all-new-records-$wrong-in-a-wrong-mailbox"
	[ -z "$bad" ]
	ok $? "round $1: $N records + $N classifications at once over $M mailboxes" \
	    "wrong:$bad; $(stderr)"
}

# killed R: N records at once, the server killed under them.
killed() {
	rm -f "$tmp"/x-* "$tmp"/e-*
	i=0
	while [ $i -lt $N ]; do
		sent "kill-$1-$i" 20 > "$tmp/k-$i.eml"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $N ]; do
		("$nd" record --config "$(in_mailbox $i)" < "$tmp/k-$i.eml" \
		    2> "$tmp/e-k-$i"; echo $? > "$tmp/x-k-$i") &
		i=$((i + 1))
	done
	sleep 0.$((1 + $1 % 3))
	pg_kill
	wait
	pg_restart
	bad=
	expect k 0 75
	retried=0 i=0
	while [ $i -lt $N ]; do
		read -r rc < "$tmp/x-k-$i"
		if [ "$rc" -eq 0 ]; then
			there=$(psql_q "SELECT count(*) FROM sent_messages WHERE
			    message_id = 'kill-$1-$i@example.org'")
			[ "$there" = 1 ] || bad="$bad kill-$1-$i:acknowledged-but-lost"
		else
			retried=$((retried + 1))
			"$nd" record --config "$(in_mailbox $i)" \
			    < "$tmp/k-$i.eml" 2> "$tmp/e-retry" ||
			    bad="$bad kill-$1-$i:retry-failed"
		fi
		i=$((i + 1))
	done
	half=$(psql_q "SELECT count(*) FROM sent_messages m WHERE NOT EXISTS
	    (SELECT 1 FROM sent_recipients r WHERE r.message = m.id)")
	[ "$half" = 0 ] || bad="$bad $half-messages-without-recipients"
	all=$(psql_q "SELECT count(*) FROM sent_messages WHERE message_id
	    LIKE 'kill-$1-%'")
	[ "$all" = $N ] || bad="$bad $all-of-$N-after-retries"
	[ -z "$bad" ]
	ok $? "round $1: server killed under $N records: $retried failed (75), none lost or half-written, all in after retrying" \
	    "wrong:$bad; $(stderr)"
}

r=1
while [ $r -le "$rounds" ]; do
	round $r || ok 1 "round $r: set-up (import)" "$(stderr)"
	killed $r
	r=$((r + 1))
done
finish
