#!/bin/sh
# test-cli.sh - the command's contract (ndrcheck(1)), on real
# bounces and a sent log made here.  TAP on stdout.
#
# Exit status for each verdict, from a file and from stdin; --is; the -v
# line; --json; usage errors (64), unreadable input, a missing --config;
# a locked and a corrupt sent log (75); -p: fields added, input otherwise
# unchanged, unchanged input with exit 0 when classification fails, 75
# when stdout cannot take it; stdin read to its end on every path; at
# most one line on stderr; record and import.  Every run of ndrcheck
# gets the bare environment of a delivery agent: HOME and USER only.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
nd=${NDRCHECK:-$top/bin/ndrcheck}
mail=$top/testdata/set-of-emails/maildir
sent=$top/testdata/delivery/lhost-postfix-04.sent.eml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
home=$tmp/home
mkdir -p "$home"
n=0 failed=0

ok() {	# ok STATUS NAME: STATUS 0 passes
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

skip() {	# skip NAME REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# nd ARGS...: ndrcheck as Sieve runs it, with HOME and USER only.
nd() {
	env -i HOME="$home" USER=tester "$nd" "$@"
}

# status WANT NAME ARGS...: ndrcheck ARGS exits WANT (stdin as given).
status() {
	want=$1 name=$2
	shift 2
	nd "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "$name (exit $rc, want $want)"
}

# one_line: the last run wrote at most one line to stderr.
one_line() {
	[ "$(wc -l < "$tmp/err")" -le 1 ]
	ok $? "$1: at most one line on stderr"
}

printf 'this is not an SQLite database at all %0512d\n' 0 > "$tmp/corrupt.db"

# The sent log: one message of 2010, so that it covers 2013's forgery.
db=$tmp/sent.db
nd record --db "$db" "$sent" 2> "$tmp/err"
ok $? "record a sent message into a new sent log"
[ "$(stat -c %a "$db")" = 600 ]
ok $? "the sent log is created mode 0600"

# Exit status of each verdict.
status 1 "genuine: bounce of a message we sent" --db "$db" \
    "$mail/bsd/lhost-postfix-04.eml"
status 0 "backscatter: bounce of a message we never sent" --db "$db" \
    "$mail/bsd/lhost-sendmail-01.eml"
status 0 "backscatter from stdin, CRLF" --db "$db" \
    < "$mail/dos/lhost-sendmail-01.eml"
status 0 "backscatter from stdin, CR-only" --db "$db" \
    < "$mail/mac/lhost-sendmail-01.eml"
status 0 "backscatter from stdin given as -" --db "$db" - \
    < "$mail/bsd/lhost-sendmail-01.eml"
status 2 "not-bounce: ordinary mail" --db "$db" \
    "$mail/not/is-not-bounce-02.eml"
status 3 "unknown: the original predates the sent log" --db "$db" \
    "$mail/bsd/lhost-amavis-01.eml"
status 3 "unknown: no sent log at all" --db "$tmp/none.db" \
    "$mail/bsd/lhost-sendmail-01.eml"
[ ! -e "$tmp/none.db" ]
ok $? "classifying does not create a sent log"
status 2 "not-bounce without a sent log" --db "$tmp/none.db" \
    "$mail/not/is-not-bounce-01.eml"

# --is
status 0 "--is backscatter on backscatter" --db "$db" --is backscatter \
    "$mail/bsd/lhost-sendmail-01.eml"
status 1 "--is genuine,unknown on backscatter" --db "$db" \
    --is genuine,unknown "$mail/bsd/lhost-sendmail-01.eml"
status 0 "--is backscatter,unknown on unknown" --db "$db" \
    --is backscatter,unknown "$mail/bsd/lhost-amavis-01.eml"
status 1 "--is backscatter on not-bounce" --db "$db" --is backscatter \
    "$mail/not/is-not-bounce-02.eml"
status 64 "--is with an unknown verdict" --db "$db" --is spam \
    "$mail/bsd/lhost-sendmail-01.eml"
status 64 "--is with no verdict" --db "$db" --is "" \
    "$mail/bsd/lhost-sendmail-01.eml"
status 75 "--is keeps 75 for a failure" --db "$tmp/corrupt.db" \
    --is genuine "$mail/bsd/lhost-sendmail-01.eml"

# -v: one line, VERDICT (KIND): evidence.
status 0 "-v on backscatter" --db "$db" -v "$mail/bsd/lhost-sendmail-01.eml"
[ "$(wc -l < "$tmp/out")" -eq 1 ] &&
    grep -q '^backscatter (dsn): .*E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example\.org' \
    "$tmp/out"
ok $? "-v prints 'backscatter (dsn): evidence' on one line"
status 2 "-v on ordinary mail" --db "$db" -v "$mail/not/is-not-bounce-02.eml"
grep -q '^not-bounce (none): ..*$' "$tmp/out"
ok $? "-v prints 'not-bounce (none): evidence'"

# --json
status 1 "--json on genuine" --db "$db" --json "$mail/bsd/lhost-postfix-04.eml"
[ "$(wc -l < "$tmp/out")" -eq 1 ] &&
    grep -q '"verdict":"genuine","kind":"dsn"' "$tmp/out" &&
    grep -q '"message_id":"A8F82EDD-E518-4F5C-8C70-BC4EFF24AB9F@example.ne.jp"' \
    "$tmp/out" && ! grep -q '"file"' "$tmp/out"
ok $? "--json prints one object with verdict, kind and message_id"

# Usage errors: 64, one line, and stdin still read.
status 64 "an unknown option" --bogus < "$mail/bsd/lhost-sendmail-01.eml"
one_line "an unknown option"
grep -q '^ndrcheck: ' "$tmp/err"
ok $? "errors start with 'ndrcheck: '"
status 64 "two message files" "$mail/bsd/lhost-sendmail-01.eml" \
    "$mail/bsd/lhost-postfix-04.eml"
status 64 "-v with --json" -v --json "$mail/bsd/lhost-sendmail-01.eml"
status 64 "-p with --is" -p --is backscatter < "$mail/bsd/lhost-sendmail-01.eml"
[ ! -s "$tmp/out" ]
ok $? "a usage error with -p writes nothing"
status 64 "a missing message file" "$tmp/no-such.eml"
one_line "a missing message file"
status 64 "a folder as the message file" "$mail/bsd"
if [ "$(id -u)" -ne 0 ]; then
	cp "$mail/bsd/lhost-sendmail-01.eml" "$tmp/secret.eml"
	chmod 000 "$tmp/secret.eml"
	status 64 "an unreadable message file" "$tmp/secret.eml"
else
	skip "an unreadable message file" "root reads every file"
fi
status 64 "a missing --config" --config "$tmp/no-such.conf" \
    "$mail/bsd/lhost-sendmail-01.eml"
one_line "a missing --config"
printf '[ndrcheck]\nwindow = soon\n' > "$tmp/bad.conf"
status 64 "a bad --config value" --config "$tmp/bad.conf" \
    "$mail/bsd/lhost-sendmail-01.eml"
status 64 "a missing --rules folder" --rules "$tmp/no-such-rules" \
    "$mail/bsd/lhost-sendmail-01.eml"

# An installation without its rules: 75 with one line saying so, never
# every bounce "not-bounce"; -p passes the message on unchanged.  A copy
# of the binary outside the source tree looks for the installed rules.
builtin=$(strings "$nd" | grep -m 1 '/share/ndrcheck/rules$')
if [ -n "$builtin" ] && [ ! -e "$builtin" ]; then
	mkdir -p "$tmp/bin"
	cp "$nd" "$tmp/bin/ndrcheck"
	env -i HOME="$home" "$tmp/bin/ndrcheck" \
	    < "$mail/bsd/lhost-sendmail-01.eml" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 75 ] && grep -q "rules that ship with ndrcheck are missing" \
	    "$tmp/err"
	ok $? "no built-in rules: exit 75 and why (exit $rc)"
	one_line "no built-in rules"
	env -i HOME="$home" "$tmp/bin/ndrcheck" -p \
	    < "$mail/bsd/lhost-sendmail-01.eml" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$mail/bsd/lhost-sendmail-01.eml"
	ok $? "no built-in rules: -p passes the message on unchanged (exit $rc)"
else
	skip "no built-in rules" "ndrcheck is installed here"
	skip "no built-in rules: at most one line on stderr" "installed"
	skip "no built-in rules: -p" "ndrcheck is installed here"
fi

# A corrupt sent log: 75, one line; with -p the input unchanged and 0.
status 75 "a corrupt sent log" --db "$tmp/corrupt.db" \
    "$mail/bsd/lhost-sendmail-01.eml"
one_line "a corrupt sent log"
status 2 "ordinary mail needs no sent log, corrupt or not" \
    --db "$tmp/corrupt.db" "$mail/not/is-not-bounce-02.eml"
status 0 "-p with a corrupt sent log exits 0" --db "$tmp/corrupt.db" -p \
    < "$mail/bsd/lhost-sendmail-01.eml"
cmp -s "$tmp/out" "$mail/bsd/lhost-sendmail-01.eml"
ok $? "-p with a corrupt sent log writes the input unchanged"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q unclassified "$tmp/err"
ok $? "-p with a corrupt sent log warns in one line"
status 0 "-p with a missing --config exits 0" --config "$tmp/no-such.conf" \
    -p < "$mail/bsd/lhost-sendmail-01.eml"
cmp -s "$tmp/out" "$mail/bsd/lhost-sendmail-01.eml"
ok $? "-p with a missing --config writes the input unchanged"

# A locked sent log: 75 once the busy timeout is over, not a hang.
locker=
if command -v sqlite3 > /dev/null; then
	locker=sqlite3
elif command -v python3 > /dev/null; then
	locker=python3
fi
if [ -n "$locker" ]; then
	cp "$db" "$tmp/locked.db"
	mkfifo "$tmp/lockfifo"
	if [ "$locker" = sqlite3 ]; then
		sqlite3 "$tmp/locked.db" < "$tmp/lockfifo" > /dev/null &
	else
		python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
for line in sys.stdin:
    c.execute(line)' "$tmp/locked.db" < "$tmp/lockfifo" &
	fi
	exec 9> "$tmp/lockfifo"
	printf 'PRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\n' >&9
	# The lock is taken once the locker has read both lines.
	sleep 1
	status 75 "a locked sent log, classifying" --db "$tmp/locked.db" \
	    "$mail/bsd/lhost-sendmail-01.eml"
	one_line "a locked sent log"
	status 75 "a locked sent log, recording" record --db "$tmp/locked.db" \
	    "$sent"
	status 0 "-p with a locked sent log exits 0" --db "$tmp/locked.db" -p \
	    < "$mail/bsd/lhost-sendmail-01.eml"
	cmp -s "$tmp/out" "$mail/bsd/lhost-sendmail-01.eml"
	ok $? "-p with a locked sent log writes the input unchanged"
	printf 'COMMIT;\n' >&9
	exec 9>&-
	wait
	status 0 "the sent log works again once unlocked" \
	    --db "$tmp/locked.db" "$mail/bsd/lhost-sendmail-01.eml"
else
	skip "a locked sent log" "neither sqlite3 nor python3 to lock it"
fi

# -p: the fields on top, forged ones gone, the rest as it came.
status 0 "-p on backscatter exits 0" --db "$db" -p \
    < "$mail/bsd/lhost-sendmail-01.eml"
head -n 2 "$tmp/out" | tr -d '\r' > "$tmp/fields"
printf 'X-NDR-Verdict: backscatter\nX-NDR-Kind: dsn\n' | cmp -s - "$tmp/fields"
ok $? "-p puts X-NDR-Verdict and X-NDR-Kind first"
size=$(wc -c < "$mail/bsd/lhost-sendmail-01.eml")
tail -c "$size" "$tmp/out" | cmp -s - "$mail/bsd/lhost-sendmail-01.eml"
ok $? "-p ends with the input byte for byte"
awk 'length($0) > 78 { bad = 1 } /^$/ { exit } END { exit bad }' "$tmp/out"
ok $? "-p header lines fit in 78 columns"
status 0 "-p on CRLF input exits 0" --db "$db" -p \
    < "$mail/dos/lhost-sendmail-01.eml"
head -n 1 "$tmp/out" | od -c | grep -q '\\r  \\n'
ok $? "-p writes CRLF fields into CRLF mail"
{
	printf 'X-NDR-Verdict: backscatter\nX-NDR-Evidence: forged\n  folded\n'
	cat "$mail/not/is-not-bounce-02.eml"
} > "$tmp/forged.eml"
status 0 "-p on mail with forged fields exits 0" --db "$db" -p \
    < "$tmp/forged.eml"
[ "$(grep -c '^X-NDR-Verdict: ' "$tmp/out")" -eq 1 ] &&
    grep -q '^X-NDR-Verdict: not-bounce' "$tmp/out" &&
    ! grep -q 'forged\|^  folded' "$tmp/out"
ok $? "-p removes forged X-NDR-* fields and their continuations"
status 0 "-p with a FILE" --db "$db" -p "$mail/bsd/lhost-postfix-04.eml"
grep -q '^X-NDR-Verdict: genuine' "$tmp/out"
ok $? "-p with a FILE writes it with the verdict"

# Output that cannot be written: 75.
nd --db "$db" -p < "$mail/bsd/lhost-sendmail-01.eml" > /dev/full 2> "$tmp/err"
ok $(($? != 75)) "-p to /dev/full exits 75"
one_line "-p to /dev/full"
nd --db "$db" --json "$mail/bsd/lhost-sendmail-01.eml" > /dev/full 2>&1
ok $(($? != 75)) "--json to /dev/full exits 75"
nd --db "$db" -v "$mail/bsd/lhost-sendmail-01.eml" > /dev/full 2>&1
ok $(($? != 75)) "-v to /dev/full exits 75"
# A reader that goes away early: 75, not death by SIGPIPE.
{ nd --db "$db" -p < "$mail/bsd/lhost-sendmail-01.eml" 2> /dev/null; echo $? > "$tmp/rc"; } |
    head -c 10 > /dev/null
[ "$(cat "$tmp/rc")" -eq 75 ] || [ "$(cat "$tmp/rc")" -eq 0 ]
ok $? "-p into a closed pipe exits 75 (or 0 if all fitted the pipe)"

# Stdin is read to its end, even when the header settles the verdict, and
# even after a usage error: the writer must never see EPIPE.
big=$tmp/big.eml
{
	cat "$mail/not/is-not-bounce-02.eml"
	i=0
	while [ $i -lt 3000 ]; do
		printf '%04d %s\n' $i \
		    'a line of body text, padding the message to several megabytes, ..................................................'
		i=$((i + 1))
	done
} > "$tmp/chunk"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
	cat "$tmp/chunk"
done > "$big"
for args in "--db $db" "--db $db -v" "--db $db -p" "--bogus" "--db $tmp/corrupt.db"; do
	# A writer that ignores SIGPIPE would report EPIPE; cat dies of it.
	{ cat "$big"; echo $? > "$tmp/writer"; } | nd $args > "$tmp/out" 2>&1
	[ "$(cat "$tmp/writer")" -eq 0 ]
	ok $? "ndrcheck $args reads all of a $(($(wc -c < "$big") / 1048576)) MiB stdin"
done
status 2 "a big ordinary message through a pipe" --db "$db" < "$big"
nd --db "$db" -p < "$big" > "$tmp/out"
size=$(wc -c < "$big")
tail -c "$size" "$tmp/out" | cmp -s - "$big"
ok $? "-p passes a big message through whole"

# --help and --version.
status 0 "--version" --version
grep -q '^ndrcheck [0-9]' "$tmp/out"
ok $? "--version prints the version"
status 0 "--help" --help
grep -q -- '--passthrough' "$tmp/out" && grep -q -- '--db' "$tmp/out"
ok $? "--help lists the options"

# record: idempotent, --passthrough copies the input, usage errors.
status 0 "record the same message again" record --db "$db" "$sent"
status 0 "record from stdin" record --db "$db" < "$sent"
status 0 "record -p" record --db "$db" -p < "$sent"
cmp -s "$tmp/out" "$sent"
ok $? "record -p copies the input unchanged"
status 0 "record -p with a corrupt sent log exits 0" record \
    --db "$tmp/corrupt.db" -p < "$sent"
cmp -s "$tmp/out" "$sent" && [ "$(wc -l < "$tmp/err")" -eq 1 ]
ok $? "record -p with a corrupt sent log copies the input and warns"
status 75 "record with a corrupt sent log" record --db "$tmp/corrupt.db" \
    "$sent"
status 64 "record with an unknown option" record --bogus < "$sent"
status 64 "record of a missing file" record --db "$db" "$tmp/no-such.eml"

# import: a Maildir, incremental.
mkdir -p "$tmp/Sent/cur" "$tmp/Sent/new" "$tmp/Sent/tmp"
cp "$sent" "$tmp/Sent/cur/1.x:2,S"
status 0 "import a Maildir" import --db "$tmp/import.db" "$tmp/Sent"
grep -q ': 1 messages added$' "$tmp/out"
ok $? "import says how many messages it added"
status 0 "import the same Maildir again" import --db "$tmp/import.db" \
    "$tmp/Sent"
grep -q ': 0 messages added$' "$tmp/out"
ok $? "a second import adds nothing"
status 1 "its bounce is now genuine" --db "$tmp/import.db" \
    "$mail/bsd/lhost-postfix-04.eml"
status 64 "import without a PATH" import --db "$tmp/import.db"
status 64 "import of a missing PATH" import --db "$tmp/import.db" \
    "$tmp/no-such"

# The options of every command may come before the sub-command.
status 0 "--db before record" --db "$tmp/lead.db" record "$sent"
[ -s "$tmp/lead.db" ]
ok $? "--db before record names the sent log record fills"
status 1 "--db=FILE --rules DIR before the bounce" --db="$tmp/lead.db" \
    --rules "$top/rules" "$mail/bsd/lhost-postfix-04.eml"
status 0 "--config and --db before import" --config /dev/null \
    --db "$tmp/lead2.db" import "$tmp/Sent"
status 1 "--db before -v: the bounce is genuine" --db "$tmp/lead.db" -v \
    "$mail/bsd/lhost-postfix-04.eml"
status 64 "--db before a classify option and two files" --db "$tmp/lead.db" \
    -v "$sent" "$sent"
status 64 "--db without its FILE" --db < "$sent"
one_line "--db without its FILE"
grep -q 'Missing argument for --db' "$tmp/err"
ok $? "--db without its FILE says so"
# rules.d holds rule files: a FIFO, a link to /dev/zero or a folder named
# *.rules is refused at once (64, naming it), neither hanging nor eating
# memory.
rulesd=$home/.config/ndrcheck/rules.d
mkdir -p "$rulesd"
for kind in fifo zero folder; do
	case $kind in
	fifo) mkfifo "$rulesd/local.rules" ;;
	zero) ln -s /dev/zero "$rulesd/local.rules" ;;
	folder) mkdir "$rulesd/local.rules" ;;
	esac
	env -i HOME="$home" USER=tester timeout 20 "$nd" \
	    "$mail/bsd/lhost-sendmail-01.eml" > /dev/null 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 64 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
	    grep -q "local.rules.*not a regular file" "$tmp/err"
	ok $? "a $kind in rules.d is refused, naming it (exit $rc, want 64)"
	rm -rf "$rulesd/local.rules"
done
rm -rf "$home/.config"

# A missing home is not made: not by classifying, nor by record.
for gone in "$tmp/no-home" "/nonexistent-$$-$(od -An -N4 -tx4 /dev/urandom |
    tr -d ' ')"; do
	env -i HOME="$gone" USER=tester "$nd" \
	    "$mail/bsd/lhost-sendmail-01.eml" > /dev/null 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 3 ] && [ ! -e "$gone" ]
	ok $? "classifying with HOME=$gone: unknown, and no home made (exit $rc)"
	env -i HOME="$gone" USER=tester "$nd" record "$sent" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 75 ] && [ ! -e "$gone" ] && grep -q "$gone" "$tmp/err"
	ok $? "record with HOME=$gone: 75, saying where, and no home made"
	rm -rf "$gone"
done
echo "1..$n"
[ "$failed" -eq 0 ]
