#!/bin/sh
# test-concurrency.sh - many deliveries and recordings on one sent log.
#
# Usage: sh tests/test-concurrency.sh [-n ROUNDS]     (TAP on stdout)
#
# Each round: 32 `ndrcheck record` processes (each adding a new message)
# and 32 classifying processes (half on bounces of messages recorded
# before, which must come out genuine; half on bounces of messages never
# sent, which must come out backscatter) start at once on one sent log.
# Afterwards every recorded message must be in the log (its bounce comes
# out genuine), no process may have crashed, and no classification may
# have given up on the lock (exit 75): readers must not wait for writers
# (WAL).  A second part starts 32 `record` processes at once on a sent
# log that does not exist yet: creating it must not race.  The slowest
# classification is reported (not asserted: CI machines vary).
# -n 20 runs 20 rounds, one TAP line each, for the measurement.
set -u
rounds=1
[ "${1:-}" = -n ] && rounds=${2:?usage: test-concurrency.sh [-n ROUNDS]}
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mail.sh"
N=32

# stderr: the first thing any process of the round said on stderr.
stderr() {
	cat "$tmp"/e-* 2> /dev/null | head -n 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# classify ID EXPECTED: classify the bounce of ID in the background,
# noting exit status and milliseconds in $tmp/c-ID.
classify() {
	(
		start=$(now_ms)
		"$nd" --db "$db" --rules "$top/rules" < "$tmp/b-$1.eml" \
		    2> "$tmp/e-c-$1"
		rc=$?
		echo "$rc $2 $(($(now_ms) - start))" > "$tmp/c-$1"
	) &
}

# record_bg ID: record the sent message ID in the background, noting the
# exit status in $tmp/r-ID.
record_bg() {
	("$nd" record --db "$db" < "$tmp/s-$1.eml" 2> "$tmp/e-r-$1"
	    echo $? > "$tmp/r-$1") &
}

# records_ok: every background record exited 0 (else noted in $bad).
records_ok() {
	for f in "$tmp"/r-*; do
		read -r rc < "$f"
		[ "$rc" -eq 0 ] || bad="$bad ${f##*/r-}:exit-$rc"
	done
}

# all_genuine PREFIX: the bounce of every PREFIX-i is genuine now, its
# original being in the log (else noted in $bad).
all_genuine() {
	i=0
	while [ $i -lt $N ]; do
		"$nd" --db "$db" --rules "$top/rules" < "$tmp/b-$1-$i.eml" \
		    2> "$tmp/e-after"
		rc=$?
		[ "$rc" -eq 1 ] || bad="$bad $1-$i:exit-$rc-not-1"
		i=$((i + 1))
	done
}

# round R: one round of the concurrent test on a fresh sent log.
round() {
	db=$tmp/r$1/sent.db
	mkdir -p "$tmp/r$1"
	rm -f "$tmp"/c-* "$tmp"/r-* "$tmp"/e-*
	i=0
	while [ $i -lt $N ]; do
		sent "old-$1-$i" 01 > "$tmp/old.eml"
		"$nd" record --db "$db" "$tmp/old.eml" 2> "$tmp/e-old" ||
		    return 1
		sent "new-$1-$i" 20 > "$tmp/s-new-$1-$i.eml"
		for id in "old-$1-$i" "new-$1-$i" "forged-$1-$i"; do
			bounce "$id" > "$tmp/b-$id.eml"
		done
		i=$((i + 1))
	done
	# Everything at once: the records and the classifications interleaved.
	i=0
	while [ $i -lt $N ]; do
		record_bg "new-$1-$i"
		if [ $((i % 2)) -eq 0 ]; then
			classify "old-$1-$i" 1
		else
			classify "forged-$1-$i" 0
		fi
		i=$((i + 1))
	done
	wait
	bad=
	records_ok
	slowest=0
	for f in "$tmp"/c-*; do
		read -r rc want ms < "$f"
		[ "$rc" -eq "$want" ] ||
		    bad="$bad ${f##*/c-}:exit-$rc-not-$want"
		[ "$ms" -gt "$slowest" ] && slowest=$ms
	done
	all_genuine "new-$1" # recorded during the storm: in the log now
	[ -z "$bad" ]
	ok $? "round $1: $N record + $N classify at once; slowest classify ${slowest} ms" \
	    "wrong:$bad; $(stderr)"
}

# creation R: 32 records at once on a sent log that does not exist yet.
creation() {
	db=$tmp/c$1/sent.db
	rm -f "$tmp"/r-* "$tmp"/e-*
	i=0
	while [ $i -lt $N ]; do
		sent "first-$1-$i" 20 > "$tmp/s-first-$1-$i.eml"
		bounce "first-$1-$i" > "$tmp/b-first-$1-$i.eml"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $N ]; do
		record_bg "first-$1-$i"
		i=$((i + 1))
	done
	wait
	bad=
	records_ok
	all_genuine "first-$1"
	mode=$(stat -c %a "$db" 2>/dev/null)
	[ "$mode" = 600 ] || bad="$bad mode-$mode"
	[ -z "$bad" ]
	ok $? "round $1: $N records at once create a new sent log (mode 0600)" \
	    "wrong:$bad; $(stderr)"
}

r=1
while [ $r -le "$rounds" ]; do
	round $r || ok 1 "round $r: set-up (sequential record)" "$(stderr)"
	creation $r
	r=$((r + 1))
done
finish
