#!/bin/sh
# test-readonly-log.sh - a sent log in a folder the user may not write.
#
# Usage: sh tests/test-readonly-log.sh     (TAP on stdout)
#
# SQLite in WAL mode reads through a -shm file beside the database, which
# a reader creates when it is missing: in a folder the user cannot write,
# every classification used to fail (75).  Here a log is recorded and
# closed (no -wal, no -shm left), its folder made read-only to the user,
# and then: classification reads it (genuine, backscatter, status), and
# recording fails with a message that names the folder.  Root may write
# any folder, so as root the user is "nobody" (setpriv), which owns
# nothing here.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mail.sh"

# skip REASON: SKIP, or under CI (CI=true) fail: CI must run this.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - $1"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# as_user COMMAND...: run COMMAND as the user who may not write the folder.
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv > /dev/null ||
	    skip "running as root without setpriv(1)"
	as_user() {
		setpriv --reuid=nobody --regid="$(id -g nobody)" \
		    --clear-groups -- "$@"
	}
	# nobody must reach the command and the files.
	chmod 0755 "$tmp"
	as_user test -x "$nd" ||
	    skip "nobody cannot run $nd (a folder on its path)"
else
	as_user() { "$@"; }
fi

day() {
	date -u -d "$1 days" '+%d %b %Y'
}
log=$tmp/log
mkdir -p "$log" "$tmp/mail"
sent ro-a "$(day -2)" > "$tmp/mail/a.eml"
sent ro-b "$(day -2)" > "$tmp/mail/b.eml"
bounce ro-a "$(day -2)" "$(day -1)" > "$tmp/mail/ba.eml"
bounce ro-forged "$(day -2)" "$(day -1)" > "$tmp/mail/bf.eml"
"$nd" record --db "$log/sent.db" "$tmp/mail/a.eml"
ok $? "record into the log while its folder is writable"
ls "$log" > "$tmp/files"
ok $([ "$(cat "$tmp/files")" = sent.db ]; echo $?) \
    "the log is closed: no -wal or -shm beside it" "$(cat "$tmp/files")"

# Readable by the user, in a folder the user may not write.
chmod 0644 "$log/sent.db" "$tmp/mail"/*
chmod 0555 "$log"
chmod 0755 "$tmp/mail"
as_user touch "$log/probe" 2> /dev/null
ok $([ $? -ne 0 ]; echo $?) "the folder is not writable for the user"

nd_u() {
	as_user env HOME="$tmp" "$nd" --db "$log/sent.db" --rules "$top/rules" \
	    "$@"
}
nd_u "$tmp/mail/ba.eml" > "$tmp/out" 2> "$tmp/err"
ok $([ $? -eq 1 ]; echo $?) "its bounce is genuine: the log is read" \
    "$(cat "$tmp/err")"
nd_u "$tmp/mail/bf.eml" > "$tmp/out" 2> "$tmp/err"
ok $([ $? -eq 0 ]; echo $?) "a forged bounce is backscatter" \
    "$(cat "$tmp/err")"
as_user env HOME="$tmp" "$nd" status --db "$log/sent.db" > "$tmp/out" \
    2> "$tmp/err"
grep -q "^records: *1$" "$tmp/out"
ok $? "status reads it" "$(cat "$tmp/out" "$tmp/err")"
ls "$log" > "$tmp/files"
ok $([ "$(cat "$tmp/files")" = sent.db ]; echo $?) \
    "reading left nothing beside it" "$(cat "$tmp/files")"

# Recording needs the folder: a clear message, 75, the message unchanged
# with -p.
as_user env HOME="$tmp" "$nd" record --db "$log/sent.db" \
    "$tmp/mail/b.eml" > /dev/null 2> "$tmp/err"
rc=$?
grep -q "folder $log is not writable" "$tmp/err"
ok $([ $? -eq 0 ] && [ $rc -eq 75 ]; echo $?) \
    "record: 75, saying the folder is not writable" "exit $rc: $(cat "$tmp/err")"
as_user env HOME="$tmp" "$nd" record -p --db "$log/sent.db" \
    < "$tmp/mail/b.eml" > "$tmp/out" 2> /dev/null
rc=$?
cmp -s "$tmp/out" "$tmp/mail/b.eml"
ok $([ $? -eq 0 ] && [ $rc -eq 0 ]; echo $?) \
    "record -p: the message passes unchanged" "exit $rc"

# Another process records later (the folder writable for it): what it
# wrote is seen, nothing of the first read is kept.
chmod 0755 "$log"
"$nd" record --db "$log/sent.db" "$tmp/mail/b.eml"
chmod 0644 "$log/sent.db"
chmod 0555 "$log"
bounce ro-b "$(day -2)" "$(day -1)" > "$tmp/mail/bb.eml"
chmod 0644 "$tmp/mail/bb.eml"
nd_u "$tmp/mail/bb.eml" > /dev/null 2> "$tmp/err"
ok $([ $? -eq 1 ]; echo $?) "a record written later is read too" \
    "$(cat "$tmp/err")"
chmod 0755 "$log"
finish
