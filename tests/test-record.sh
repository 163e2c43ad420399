#!/bin/sh
# test-record.sh - `ndrcheck record` refuses mail that is not the user's:
# with config addresses set, a message From anyone else is not recorded
# (64, one line saying why), so that a stranger cannot make a Message-ID
# "ours".  TAP on stdout.
. "$(dirname "$0")/tap.sh"
mail=$top/testdata/set-of-emails/maildir
sent=$top/testdata/delivery/lhost-postfix-04.sent.eml
bounce=$mail/bsd/lhost-postfix-04.eml
db=$tmp/sent.db
conf=$tmp/ndrcheck.conf

nd() {	# nd ARGS...: ndrcheck with HOME and USER only; status in $rc
	env -i HOME="$tmp" USER=tester "$nd" --config "$conf" --db "$db" "$@" \
	    > "$tmp/out" 2> "$tmp/err" < "${input:-/dev/null}"
	rc=$?
}

printf '[ndrcheck]\naddresses = someone@example.org\n' > "$conf"
nd record "$sent"
[ "$rc" -eq 64 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
    grep -q 'From <shironeko@example.ne.jp> is none of the config' "$tmp/err"
ok $? "a message From a stranger is refused: 64, one line" \
    "rc $rc: $(cat "$tmp/err")"
nd "$bounce"
[ "$rc" -ne 1 ]
ok $? "... and nothing of it was recorded (its bounce is not genuine)"

nd record -p "$sent"
[ "$rc" -eq 0 ] && cmp -s "$sent" "$tmp/out" && grep -q 'not recorded' "$tmp/err"
ok $? "record -p copies the refused message unchanged, with the warning"

sed 's/^From: .*/From: Someone <someone+lists@example.org>, x@example.ne.jp/' \
    "$sent" > "$tmp/two.eml"
nd record "$tmp/two.eml"
[ "$rc" -eq 64 ]
ok $? "every From mailbox must be ours, not only the first"

printf '[ndrcheck]\naddresses = Shironeko@example.ne.jp\n' > "$conf"
input=$sent nd record
[ "$rc" -eq 0 ]
ok $? "a message From one of the addresses is recorded" "$(cat "$tmp/err")"
nd "$bounce"
[ "$rc" -eq 1 ]
ok $? "... and its bounce is genuine (exit $rc)"

sed 's/^From: .*/From: <shironeko+sent@example.ne.jp>/;
     s/^Message-Id: .*/Message-Id: <plus@example.ne.jp>/' "$sent" > "$tmp/plus.eml"
nd record "$tmp/plus.eml"
[ "$rc" -eq 0 ]
ok $? "a +detail of one of the addresses is ours too" "$(cat "$tmp/err")"

rm -f "$conf"
touch "$conf"
sed 's/^Message-Id: .*/Message-Id: <free@example.ne.jp>/' "$sent" > "$tmp/free.eml"
nd record "$tmp/free.eml"
[ "$rc" -eq 0 ]
ok $? "without addresses in the config, any From is recorded"

finish
