#!/bin/sh
# test-correct.sh - correcting a wrong verdict: `ndrcheck record
# --original` makes a bounce's original "ours", `--corrections` lists the
# corrections, `--undo` takes one back.  TAP on stdout.
#
# On real bounces and a sent log made here, in the bare environment of a
# delivery agent.  A correction must never widen what the sent log
# covers: other bounces keep their verdict (unknown stays unknown).
. "$(dirname "$0")/tap.sh"
mail=$top/testdata/set-of-emails/maildir
sent=$top/testdata/delivery/lhost-postfix-04.sent.eml
forged=$mail/bsd/lhost-sendmail-01.eml
id=E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org
db=$tmp/sent.db

nd() {	# nd ARGS...: ndrcheck with HOME and USER only; status in $rc
	env -i HOME="$tmp" USER=tester "$nd" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}

nd record --db "$db" "$sent"
nd --db "$db" "$forged"
[ "$rc" -eq 0 ]
ok $? "before: the bounce is backscatter (exit $rc)"

nd record --db "$db" --original "$forged"
[ "$rc" -eq 0 ] && grep -qF "$id recorded as sent" "$tmp/out"
ok $? "record --original records the bounce's original" "$(cat "$tmp/err")"
nd --db "$db" -v "$forged"
[ "$rc" -eq 1 ] && grep -q "^genuine" "$tmp/out"
ok $? "after: the bounce is genuine (exit $rc)"

nd record --db "$db" --corrections
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 1 ] &&
    [ "$(cut -f1 "$tmp/out")" = "$id" ] &&
    grep -q '	2013-10-16T05:15:35Z	userunknown@bouncehammer.jp$' "$tmp/out"
ok $? "--corrections lists it: Message-ID, date, recipient" "$(cat "$tmp/out")"

nd record --db "$db" --original "$forged"
[ "$rc" -eq 0 ] && grep -q "in the sent log already" "$tmp/out"
ok $? "correcting it again records nothing"

# A message really sent is no correction, and cannot be undone as one.
nd record --db "$db" --undo A8F82EDD-E518-4F5C-8C70-BC4EFF24AB9F@example.ne.jp
[ "$rc" -eq 64 ] && grep -q "is not a correction" "$tmp/err"
ok $? "--undo of a recorded message that is no correction: 64"
nd --db "$db" "$mail/bsd/lhost-postfix-04.eml"
[ "$rc" -eq 1 ]
ok $? "... and that message stays in the sent log"

nd record --db "$db" --undo "$id"
[ "$rc" -eq 0 ]
ok $? "--undo takes the correction back" "$(cat "$tmp/err")"
nd --db "$db" "$forged"
[ "$rc" -eq 0 ]
ok $? "after --undo: the bounce is backscatter again (exit $rc)"
nd record --db "$db" --corrections
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]
ok $? "no correction is left"
nd record --db "$db" --undo "$id"
[ "$rc" -eq 64 ]
ok $? "undoing it twice: 64"

# In an empty sent log a correction must not make the log cover 2013:
# another bounce of that time stays unknown, never backscatter.
nd record --db "$tmp/empty.db" --original "$forged"
[ "$rc" -eq 0 ]
ok $? "record --original into a new sent log"
nd --db "$tmp/empty.db" "$forged"
[ "$rc" -eq 1 ]
ok $? "its bounce is genuine (exit $rc)"
nd --db "$tmp/empty.db" "$mail/bsd/lhost-sendmail-02.eml"
[ "$rc" -eq 3 ]
ok $? "another bounce of that time stays unknown (exit $rc, want 3)"

# Without a sent log there is no correction, and nothing is created.
nd record --db "$tmp/none.db" --corrections
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -e "$tmp/none.db" ]
ok $? "--corrections without a sent log: none, nothing created"
nd record --db "$tmp/none.db" --undo "$id"
[ "$rc" -eq 64 ] && [ ! -e "$tmp/none.db" ]
ok $? "--undo without a sent log: 64, nothing created"

# What cannot be corrected.
nd record --db "$db" --original "$mail/not/is-not-bounce-01.eml"
[ "$rc" -eq 64 ] && grep -q "nothing to correct" "$tmp/err"
ok $? "--original on ordinary mail: 64, nothing to correct"
nd record --db "$db" --original -p "$forged"
[ "$rc" -eq 64 ]
ok $? "--original with -p: 64"
nd record --db "$db" --corrections "$forged"
[ "$rc" -eq 64 ]
ok $? "--corrections with a FILE: 64"
nd --db "$db" record --original < "$forged"
[ "$rc" -eq 0 ] && grep -q "^stdin: $id recorded" "$tmp/out"
ok $? "--original reads stdin, after a leading --db"
finish
