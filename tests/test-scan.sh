#!/bin/sh
# test-scan.sh - `ndrcheck scan`: every kind of input in a stable order
# whatever --jobs (-j1 too), --only, --json (message_id, moved_to),
# --exclude, --since, unreadable files, --move-to (flags kept, never
# overwriting, a killed move leaves each message in exactly one place,
# never out of the user's own Sent, Drafts, Trash or Junk folders), a
# closed reader (quiet for scan, 75 for -p), the progress bar on a pty
# only, and the scan's verdicts against the one-message command's on
# every file of the set-of-emails corpus.
#
# Usage: sh tests/test-scan.sh    (TAP on stdout; NDRCHECK names the binary)
set -u
. "$(dirname "$0")/tap.sh"
soe=$top/testdata/set-of-emails/maildir
corpus=$top/../shared/corpora/set-of-emails/maildir
db=$tmp/sent.db

skip() {	# skip NAME REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

same() {	# same FILE-EXPECTED FILE-GOT NAME
	cmp -s "$1" "$2"
	ok $? "$3" "$(diff "$1" "$2" | head -n 20)"
}

scan() {
	"$nd" scan --db "$db" -q "$@"
}

# A sent log that knows one message, sent long before the originals of
# the corpus's bounces: theirs are not in it, so they are backscatter.
cat > "$tmp/long-ago.eml" <<'EOF'
From: Jan <jan@example.org>
To: friend@example.net
Subject: long ago
Date: Mon, 1 Jan 1990 10:00:00 +0000
Message-ID: <long-ago.1990@example.org>

Hello.
EOF
"$nd" record --db "$db" "$tmp/long-ago.eml" ||
	echo "Bail out! ndrcheck record failed"

# A Maildir++ tree: cur/ and new/, a ".Folder", a plain-named Maildir
# below (mbsync's verbatim layout), and what is not mail: tmp/, dot
# files, an IMAP server's keyword folder.
mktree() {	# mktree DIR
	mkdir -p "$1/cur" "$1/new" "$1/tmp" "$1/.Lists/cur" "$1/.Lists/new" \
	    "$1/.Lists/tmp" "$1/Archive/cur" "$1/Archive/new" \
	    "$1/courierimapkeywords"
	cp "$soe/bsd/lhost-postfix-01.eml" "$1/cur/1000.A.host:2,RS"
	cp "$soe/not/is-not-bounce-01.eml" "$1/cur/1001.B.host:2,S"
	cp "$soe/bsd/lhost-sendmail-01.eml" "$1/new/1002.C.host"
	cp "$soe/not/is-not-bounce-02.eml" "$1/new/.1003.hidden"
	cp "$soe/bsd/lhost-exim-02.eml" "$1/tmp/1004.D.host"
	cp "$soe/not/is-not-bounce-02.eml" "$1/.Lists/cur/1005.E.host:2,"
	cp "$soe/bsd/rfc3464-01.eml" "$1/.Lists/new/1006.F.host"
	cp "$soe/bsd/lhost-exim-02.eml" "$1/Archive/cur/1007.G.host:2,FS"
	echo "1 \$Label1" > "$1/courierimapkeywords/:list"
}
md=$tmp/Maildir
mktree "$md"
cat > "$tmp/tree.want" <<EOF
$md/cur/1000.A.host:2,RS
$md/cur/1001.B.host:2,S
$md/new/1002.C.host
$md/.Lists/cur/1005.E.host:2,
$md/.Lists/new/1006.F.host
$md/Archive/cur/1007.G.host:2,FS
EOF

scan "$md" > "$tmp/tree.out" 2> "$tmp/tree.err"
ok $? "a Maildir++ tree scans with exit 0" "$(cat "$tmp/tree.err")"
cut -f3 "$tmp/tree.out" > "$tmp/tree.got"
same "$tmp/tree.want" "$tmp/tree.got" \
    "Maildir: cur/ then new/, then its Maildirs; no tmp/, dot files or keywords"
line=$(head -n 1 "$tmp/tree.out")
[ "$line" = "$(printf 'backscatter\tdsn\t%s' "$md/cur/1000.A.host:2,RS")" ]
ok $? "a Postfix DSN of mail we did not send is backscatter" "$line"
line=$(sed -n 2p "$tmp/tree.out")
[ "$line" = "$(printf 'not-bounce\tnone\t%s' "$md/cur/1001.B.host:2,S")" ]
ok $? "ordinary mail is not-bounce" "$line"

# A folder of message files, searched below: the paths are the input as
# given joined with the files' relative paths (corpus-score relies on it).
(cd "$soe/.." && find maildir -type f | LC_ALL=C sort) > "$tmp/folder.want"
(cd "$soe/.." && "$nd" scan --db "$db" -q maildir) | cut -f3 \
    > "$tmp/folder.got"
same "$tmp/folder.want" "$tmp/folder.got" \
    "a folder of message files: every file, as input/relative path, sorted"

# An mbox named as an input: each message as PATH:OFFSET of its From line.
mbox=$tmp/sent.mbox
for f in "$soe/bsd/lhost-postfix-01.eml" "$soe/not/is-not-bounce-01.eml" \
    "$soe/bsd/lhost-sendmail-01.eml"; do
	echo "From MAILER-DAEMON Thu Sep 18 17:54:04 2008"
	cat "$f"
	echo
done > "$mbox"
grep -b '^From MAILER-DAEMON' "$mbox" | cut -d: -f1 |
    sed "s|^|$mbox:|" > "$tmp/mbox.want"
scan "$mbox" > "$tmp/mbox.out"
cut -f3 "$tmp/mbox.out" > "$tmp/mbox.got"
same "$tmp/mbox.want" "$tmp/mbox.got" "mbox: one line per message, PATH:OFFSET"
cut -f1 "$tmp/mbox.out" | tr '\n' ' ' > "$tmp/mbox.verdicts"
[ "$(cat "$tmp/mbox.verdicts")" = "backscatter not-bounce backscatter " ]
ok $? "mbox messages classified like the files they came from" \
    "$(cat "$tmp/mbox.verdicts")"

# A list of paths on stdin, as mlist or find print them.
grep -v Archive "$tmp/tree.want" | sed '2s/^/  /' > "$tmp/list"
echo "$md/Archive" >> "$tmp/list"
scan - < "$tmp/list" | cut -f3 > "$tmp/list.got"
same "$tmp/tree.want" "$tmp/list.got" \
    "- reads paths from stdin (files, and folders walked)"

# The config's sent folders are synced once before the read-only workers
# start: the bounce of a message found there is genuine.
mkdir -p "$tmp/Sent/cur" "$tmp/Sent/new" "$tmp/Sent/tmp"
cat > "$tmp/Sent/cur/1.sent.host:2,S" <<'EOF'
From: Jan <jan@example.org>
To: neko@example.co.jp
Subject: sent
Date: Mon, 1 Jan 2001 10:00:00 +0000
Message-ID: <Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net>

Hello.
EOF
printf '[ndrcheck]\ndb = %s\nsent = %s\n' "$tmp/synced.db" "$tmp/Sent" \
    > "$tmp/config"
line=$("$nd" scan -q -j 2 --config "$tmp/config" \
    "$soe/bsd/lhost-amavis-01.eml" "$soe/bsd/lhost-postfix-01.eml")
[ "$(echo "$line" | cut -f1 | tr '\n' ' ')" = "genuine backscatter " ]
ok $? "the config's sent folders are synced before the scan" "$line"

# The same order whatever the number of threads.
big=$soe
[ -d "$corpus" ] && big=$corpus
scan -j 1 "$big" "$mbox" > "$tmp/j1"
scan -j 4 "$big" "$mbox" > "$tmp/j4"
same "$tmp/j1" "$tmp/j4" "--jobs 1 and --jobs 4 print the same lines in the same order"
[ "$(wc -l < "$tmp/j1")" -eq $(($(find "$big" -type f | wc -l) + 3)) ]
ok $? "one line per message" "$(wc -l < "$tmp/j1") lines"

scan -j1 "$big" "$mbox" > "$tmp/j1-attached"
same "$tmp/j1" "$tmp/j1-attached" "-j1 works as -j 1 does"

# A reader that went away: scan ends as cat and grep do (quietly, by
# SIGPIPE), but -p, whose reader is a delivery agent, must fail with 75
# so that the agent keeps the mail.  The pipe's read end is closed
# before the command starts, so every write fails.
closed() {	# closed STDIN COMMAND...: "STATUS<TAB>STDERR"
	python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[2:], stdin=open(sys.argv[1], "rb"), stdout=w,
                   stderr=subprocess.PIPE)
print("%d\t%s" % (p.returncode, p.stderr.decode(errors="replace").strip()))
' "$@"
}
if command -v python3 > /dev/null; then
	got=$(closed /dev/null "$nd" scan --db "$db" "$big")
	[ "$got" = "$(printf -- '-13\t')" ]
	ok $? "scan into a closed pipe: killed by SIGPIPE, nothing on stderr" \
	    "$got"
	got=$(closed "$soe/bsd/lhost-postfix-01.eml" "$nd" --db "$db" -p)
	[ "${got%%	*}" = 75 ]
	ok $? "-p into a closed pipe exits 75 (the agent keeps the mail)" "$got"
else
	skip "scan into a closed pipe" "no python3"
	skip "-p into a closed pipe" "no python3"
fi

scan --only backscatter,unknown "$big" "$mbox" > "$tmp/only"
grep -E '^(backscatter|unknown)	' "$tmp/j1" > "$tmp/only.want"
same "$tmp/only.want" "$tmp/only" "--only backscatter,unknown prints just those"
[ -s "$tmp/only" ] && ! grep -q '^not-bounce' "$tmp/only"
ok $? "--only filtered something real"
"$nd" scan --db "$db" --only spam "$md" > /dev/null 2>&1
ok $(($? != 64)) "--only with an unknown verdict is a usage error (64)"

if command -v python3 > /dev/null; then
	scan --json "$md" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print("%s\t%s\t%s" % (o["verdict"], o["kind"], o["file"]))
' > "$tmp/json.got"
	same "$tmp/tree.out" "$tmp/json.got" \
	    "--json: one object per line, with file, verdict and kind"
else
	skip "--json: one object per line" "no python3"
fi

# --exclude: a pattern without "/" is matched against names (files and
# folders), one with "/" against the whole path.
scan --exclude .Lists --exclude '*/new/*' "$md" | cut -f3 > "$tmp/excl.got"
grep -v -e '/\.Lists/' -e '/new/' "$tmp/tree.want" > "$tmp/excl.want"
same "$tmp/excl.want" "$tmp/excl.got" \
    "--exclude .Lists --exclude '*/new/*' leaves out that folder and new/"
scan --exclude '*:2,*S' "$md" | cut -f3 > "$tmp/excl2.got"
grep -v ':2,.*S$' "$tmp/tree.want" > "$tmp/excl2.want"
same "$tmp/excl2.want" "$tmp/excl2.got" "--exclude GLOB on file names"

# --since: by the file's modification time (what Dovecot sets to the
# time the message was received); a bad date is a usage error.  Local
# time is UTC here, so that "local" and "Z" mean one instant.
TZ=UTC
export TZ
sn=$tmp/since
mktree "$sn"
find "$sn" -type f -exec touch -d '2001-02-03 04:05:06' {} +
touch -d '2026-01-15 12:00:00' "$sn/cur/1001.B.host:2,S" \
    "$sn/.Lists/new/1006.F.host"
scan --since 2026-01-01 "$sn" | cut -f3 > "$tmp/since.got"
printf '%s\n' "$sn/cur/1001.B.host:2,S" "$sn/.Lists/new/1006.F.host" \
    > "$tmp/since.want"
same "$tmp/since.want" "$tmp/since.got" "--since DATE: only files modified since"
scan --since 2026-01-15T13:00:00 "$sn" > "$tmp/since1" 2>&1 &&
    scan --since 2026-01-15T11:00:00Z "$sn" > "$tmp/since2" 2>&1 &&
    [ ! -s "$tmp/since1" ] && [ "$(wc -l < "$tmp/since2")" -eq 2 ]
ok $? "--since takes a date and time, local or with its zone" \
    "$(cat "$tmp/since1" "$tmp/since2")"
"$nd" scan --db "$db" -q --since yesterday "$sn" > /dev/null 2> "$tmp/since.err"
rc=$?
[ $rc -eq 64 ] && grep -q -- '--since yesterday' "$tmp/since.err"
ok $? "--since with a bad date: 64, saying which" "exit $rc: $(cat "$tmp/since.err")"

# The progress bar: only when stderr is a terminal (script(1) gives a
# pty), done/total, percent, rate and time left, taken off the screen
# before the summary; never into a pipe or a file, never with -q.
if command -v script > /dev/null; then
	# Ten times the folder: long enough for the bar to be drawn however
	# fast the host.
	total=$(($(find "$big" -type f | wc -l) * 10))
	script -qec "'$nd' scan --db '$db' -j1 $(printf "'%s' " "$big" \
	    "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big") \
	    > '$tmp/pty.out'" "$tmp/pty.log" > /dev/null 2>&1
	bar=$(tr '\r' '\n' < "$tmp/pty.log" |
	    grep -E "scan \[=* *\] +[0-9]+%  [0-9]+/$total  [0-9]+/s  [0-9:]+ left" |
	    tail -n 1)
	[ -n "$bar" ]
	ok $? "on a terminal: a bar with done/$total, percent, rate, time left" \
	    "$(tr '\r' '\n' < "$tmp/pty.log" | tail -n 5)"
	tr '\r' '\n' < "$tmp/pty.log" | grep -q "^$(printf '\033')\[Kndrcheck scan: $total messages in"
	ok $? "the bar is cleared before the summary"
	script -qec "'$nd' scan --db '$db' -q '$big' > /dev/null" \
	    "$tmp/pty-q.log" > /dev/null 2>&1
	! grep -q 'scan \[' "$tmp/pty-q.log"
	ok $? "-q: no bar on a terminal either"
else
	skip "on a terminal: a progress bar" "no script(1)"
	skip "the bar is cleared before the summary" "no script(1)"
	skip "-q: no bar" "no script(1)"
fi
"$nd" scan --db "$db" "$big" > /dev/null 2> "$tmp/notty.err"
! grep -q "$(printf '\033')" "$tmp/notty.err" && ! grep -q "$(printf '\r')" "$tmp/notty.err" &&
    grep -q "^ndrcheck scan: .* messages in" "$tmp/notty.err"
ok $? "stderr not a terminal: the summary alone, no bar" "$(cat -A "$tmp/notty.err" | head -n 3)"

# Unreadable or vanished files: one line on stderr each, skipped, exit 1.
printf '%s\n%s\n%s\n' "$md/cur/1000.A.host:2,RS" "$md/cur/gone" \
    "$md/new/1002.C.host" > "$tmp/list2"
scan - < "$tmp/list2" > "$tmp/gone.out" 2> "$tmp/gone.err"
ok $(($? != 1)) "a vanished file makes the exit status 1"
[ "$(wc -l < "$tmp/gone.out")" -eq 2 ] &&
    [ "$(grep -c "$md/cur/gone" "$tmp/gone.err")" -eq 1 ]
ok $? "the vanished file is said once on stderr, the others are scanned" \
    "$(cat "$tmp/gone.err")"
# Vanished files among readable ones, and small folders, with workers
# that start late: a slot the calling thread has classified (or settled
# when queued), handed over and emptied is no worker's to take (one once
# did, and opened a NULL name).
find "$soe" -type f | sort | head -n 150 |
    awk '{ print; print $0 ".gone" }' > "$tmp/list3"
scan -j 3 - < "$tmp/list3" > "$tmp/many.out" 2> "$tmp/many.err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l < "$tmp/many.out")" -eq 150 ] &&
    [ "$(grep -c '\.gone' "$tmp/many.err")" -eq 150 ] &&
    [ "$(wc -l < "$tmp/many.err")" -eq 150 ]
ok $? "150 vanished files among 150 others, 3 jobs: each said once" \
    "exit $rc; $(wc -l < "$tmp/many.out") lines; $(grep -v '\.gone' "$tmp/many.err" | head -n 3)"
mkdir -p "$tmp/small"
find "$soe/bsd" -type f | sort | head -n 20 | xargs cp -t "$tmp/small"
bad=
for i in 1 2 3 4 5 6 7 8 9 10; do
	scan -j 4 "$tmp/small" > "$tmp/small.out" 2> "$tmp/small.err" &&
	    [ "$(wc -l < "$tmp/small.out")" -eq 20 ] &&
	    [ ! -s "$tmp/small.err" ] || bad="$bad $i"
done
[ -z "$bad" ]
ok $? "a folder of 20 messages, 4 jobs, 10 times: 20 lines each time" \
    "failed in run(s)$bad: $(head -n 3 "$tmp/small.err")"
if [ "$(id -u)" -ne 0 ]; then
	cp "$soe/bsd/lhost-postfix-01.eml" "$tmp/unreadable.eml"
	chmod 000 "$tmp/unreadable.eml"
	scan "$tmp/unreadable.eml" "$md/cur" > /dev/null 2> "$tmp/perm.err"
	ok $(($? != 1)) "an unreadable file is skipped with exit 1" \
	    "$(cat "$tmp/perm.err")"
else
	skip "an unreadable file is skipped with exit 1" "root reads all"
fi

# --move-to, on a fresh copy of the tree, into a Maildir++ folder of it.
mv2=$tmp/move
mktree "$mv2"
bs=$mv2/.Backscatter
find "$mv2" | LC_ALL=C sort > "$tmp/before"
scan --move-to "$bs" --dry-run "$mv2" > "$tmp/dry.out"
find "$mv2" | LC_ALL=C sort > "$tmp/after"
same "$tmp/before" "$tmp/after" "--dry-run moves nothing"
[ ! -e "$bs" ]
ok $? "--dry-run creates nothing"
grep -q "$(printf '\t%s$' "$bs/cur/1000.A.host:2,RS")" "$tmp/dry.out"
ok $? "--dry-run shows where each message would go" "$(cat "$tmp/dry.out")"

if command -v python3 > /dev/null; then
	scan --json --move-to "$bs" --dry-run "$mv2" | python3 -c '
import json, sys
bs = sys.argv[1]
for line in sys.stdin:
    o = json.loads(line)
    ok = ("moved_to" in o) == (o["verdict"] == "backscatter")
    if "moved_to" in o:
        ok = ok and o["moved_to"].startswith(bs + "/")
    print("%s %s %s" % ("ok" if ok else "bad", o["file"], o["message_id"]))
' "$bs" > "$tmp/dry.json"
	! grep -q '^bad' "$tmp/dry.json" && [ -s "$tmp/dry.json" ]
	ok $? "--json --move-to: moved_to on each backscatter line, and only there" \
	    "$(cat "$tmp/dry.json")"
	want=$(sed -n 's/^Message-I[dD]: *<\(.*\)>.*/\1/p' \
	    "$mv2/cur/1001.B.host:2,S" | head -n 1)
	grep -qF "$mv2/cur/1001.B.host:2,S $want" "$tmp/dry.json" &&
	    [ -n "$want" ]
	ok $? "--json: message_id is the message's own Message-ID" \
	    "want $want: $(cat "$tmp/dry.json")"
else
	skip "--json --move-to: moved_to" "no python3"
	skip "--json: message_id" "no python3"
fi

scan --move-to "$bs" "$mv2" > "$tmp/move.out" 2> "$tmp/move.err"
ok $? "--move-to exits 0" "$(cat "$tmp/move.err")"
[ -f "$bs/cur/1000.A.host:2,RS" ] && [ ! -e "$mv2/cur/1000.A.host:2,RS" ]
ok $? "backscatter from cur/ is in FOLDER/cur/ with its flags, and gone"
[ -f "$bs/new/1002.C.host" ] && [ ! -e "$mv2/new/1002.C.host" ]
ok $? "backscatter from new/ is in FOLDER/new/, unseen"
[ -f "$mv2/cur/1001.B.host:2,S" ] && [ -f "$mv2/.Lists/cur/1005.E.host:2," ]
ok $? "other mail stays where it was"
cmp -s "$bs/cur/1000.A.host:2,RS" "$soe/bsd/lhost-postfix-01.eml"
ok $? "a moved message is unchanged"
[ -d "$bs/tmp" ] && [ "$(stat -c %a "$bs" "$bs/cur" "$bs/new" "$bs/tmp" |
    sort -u)" = 700 ]
ok $? "FOLDER, cur/, new/ and tmp/ are created mode 0700"
bsnew=$(grep -c "	$bs/" "$tmp/move.out")
[ "$bsnew" -eq "$(grep -c '^backscatter' "$tmp/move.out")" ]
ok $? "every backscatter line says where it went" "$(cat "$tmp/move.out")"

# The user's own folders: Sent, Drafts, Trash and Junk by their usual
# names (Maildir++, localized, IMAP modified UTF-7) and the config's sent
# folders are left alone unless --all-folders, and never moved out of.
own=$tmp/own
mkdir -p "$own/cur" "$own/new" "$own/tmp"
for f in .Sent .Drafts ".Envoy&AOk-s" .Junk .Outgoing .Lists; do
	mkdir -p "$own/$f/cur" "$own/$f/new" "$own/$f/tmp"
done
cp "$soe/bsd/lhost-postfix-01.eml" "$own/cur/1.inbox.host:2,S"
# The user forwarded (resent) the bounce to the postmaster from Sent.
{ printf 'Resent-From: Jan <jan@example.org>\nResent-To: postmaster@example.org\n'
  cat "$soe/bsd/lhost-postfix-01.eml"; } > "$own/.Sent/cur/2.sent.host:2,S"
cp "$soe/bsd/lhost-sendmail-01.eml" "$own/.Drafts/cur/3.draft.host:2,D"
cp "$soe/bsd/lhost-sendmail-01.eml" "$own/.Envoy&AOk-s/cur/4.fr.host:2,S"
cp "$soe/bsd/lhost-sendmail-01.eml" "$own/.Junk/new/5.junk.host"
# (a bounce of its own: what the sent folder holds is ours, copies too)
cp "$soe/bsd/lhost-sendmail-02.eml" "$own/.Outgoing/cur/6.out.host:2,S"
cp "$soe/bsd/lhost-sendmail-01.eml" "$own/.Lists/new/7.list.host"
printf '[ndrcheck]\ndb = %s\nsent = %s\n' "$db" "$own/.Outgoing" \
    > "$tmp/own.config"
cp "$db" "$tmp/own.db"
ownscan() {
	"$nd" scan --config "$tmp/own.config" --db "$tmp/own.db" "$@"
}
ownscan -q --move-to "$own/.Backscatter" "$own" > "$tmp/own.out" \
    2> "$tmp/own.err"
ok $? "--move-to in a tree with own folders exits 0" "$(cat "$tmp/own.err")"
[ -f "$own/.Backscatter/cur/1.inbox.host:2,S" ] &&
    [ -f "$own/.Backscatter/new/7.list.host" ] &&
    [ -f "$own/.Sent/cur/2.sent.host:2,S" ] &&
    [ "$(find "$own/.Backscatter" -type f | wc -l)" -eq 2 ]
ok $? "--move-to moves INBOX's and .Lists' backscatter, not the bounce forwarded in .Sent" \
    "$(find "$own" -type f | sort)"
! grep -qE '/\.(Sent|Drafts|Envoy|Junk|Outgoing)' "$tmp/own.out"
ok $? "Sent, Drafts, Envoyés, Junk and the config's sent folder are not scanned" \
    "$(cat "$tmp/own.out")"
ownscan --all-folders --move-to "$own/.Backscatter" "$own" \
    > "$tmp/own-all.out" 2> "$tmp/own-all.err"
rc=$?
# (the sent folder's own message is ours: not-bounce)
[ $rc -eq 0 ] && [ "$(grep -c '^backscatter' "$tmp/own-all.out")" -eq 4 ] &&
    grep -q "^not-bounce.*/.Outgoing/" "$tmp/own-all.out" &&
    [ "$(find "$own/.Backscatter" -type f | wc -l)" -eq 2 ] &&
    [ -f "$own/.Drafts/cur/3.draft.host:2,D" ] &&
    [ -f "$own/.Envoy&AOk-s/cur/4.fr.host:2,S" ] &&
    [ -f "$own/.Junk/new/5.junk.host" ] &&
    [ -f "$own/.Outgoing/cur/6.out.host:2,S" ] &&
    ! grep -q "$(printf '\t')$own/.Backscatter" "$tmp/own-all.out" &&
    grep -q '4 left in Sent, Drafts, Trash or Junk' "$tmp/own-all.err"
ok $? "--all-folders scans them, and still moves nothing out of them" \
    "exit $rc: $(cat "$tmp/own-all.out" "$tmp/own-all.err")"
ownscan -q --move-to "$own/.Backscatter" "$own/.Sent/cur" \
    "$own/.Junk/new/5.junk.host" > "$tmp/own-named.out"
[ "$(grep -c '^backscatter' "$tmp/own-named.out")" -eq 2 ] &&
    [ -f "$own/.Sent/cur/2.sent.host:2,S" ] &&
    [ -f "$own/.Junk/new/5.junk.host" ]
ok $? "an own folder or file named as an input is scanned, never moved" \
    "$(cat "$tmp/own-named.out")"

# Never overwrite: a message of the same name is there already.
mktree "$tmp/again"
echo "already here" > "$tmp/taken"
cp "$tmp/taken" "$bs/cur/1000.A.host:2,RS"
scan --move-to "$bs" "$tmp/again/cur" > /dev/null 2> "$tmp/taken.err"
ok $(($? != 1)) "a name taken in FOLDER makes the exit status 1"
cmp -s "$tmp/taken" "$bs/cur/1000.A.host:2,RS" &&
    [ -f "$tmp/again/cur/1000.A.host:2,RS" ]
ok $? "... and neither the message there nor the one scanned is lost" \
    "$(cat "$tmp/taken.err")"

# FOLDER is not scanned: the first run did not list what it had just
# moved there, and a second run leaves it alone.
! grep -q "^[a-z-]*	[a-z-]*	$bs/" "$tmp/move.out"
ok $? "FOLDER inside the tree is not scanned" "$(cat "$tmp/move.out")"
scan --move-to "$bs" "$mv2" > "$tmp/again.out" 2>&1
[ $? -eq 0 ] && [ -f "$bs/new/1002.C.host" ] &&
    [ "$(cut -f3 "$tmp/again.out")" = \
    "$(grep -v '^backscatter' "$tmp/move.out" | cut -f3)" ]
ok $? "a second run scans only what is left, and leaves FOLDER alone" \
    "$(cat "$tmp/again.out")"

cp -r "$bs" "$tmp/bs-before"
"$nd" scan --db "$db" -q --move-to "$bs" "$mbox" > /dev/null 2> "$tmp/mbox.err"
ok $(($? != 64)) "--move-to refuses an mbox (64)" "$(cat "$tmp/mbox.err")"
diff -r "$tmp/bs-before" "$bs" > /dev/null && grep -q mbox "$tmp/mbox.err"
ok $? "... before moving anything, saying why"

other=/dev/shm
if [ -d "$other" ] && [ -w "$other" ] &&
    [ "$(stat -c %d "$other")" != "$(stat -c %d "$tmp")" ]; then
	"$nd" scan --db "$db" -q --move-to "$other/ndrcheck-test-$$" "$md" \
	    > /dev/null 2> "$tmp/xdev.err"
	rc=$?
	[ $rc -eq 64 ] && [ ! -e "$other/ndrcheck-test-$$" ] &&
	    grep -q filesystem "$tmp/xdev.err"
	ok $? "--move-to another filesystem is refused (64), nothing copied" \
	    "exit $rc: $(cat "$tmp/xdev.err")"
	rm -rf "$other/ndrcheck-test-$$"
else
	skip "--move-to another filesystem is refused" "no second filesystem"
fi

# Killed while moving many: each message is in exactly one place.
many=$tmp/many
mkdir -p "$many/cur" "$many/new" "$many/tmp"
i=0
while [ $i -lt 2000 ]; do
	ln "$soe/bsd/lhost-postfix-01.eml" "$many/new/$i.M$i.host" 2> /dev/null ||
	    cp "$soe/bsd/lhost-postfix-01.eml" "$many/new/$i.M$i.host"
	i=$((i + 1))
done
ls "$many/new" | LC_ALL=C sort > "$tmp/many.want"
"$nd" scan --db "$db" -q -j 2 --move-to "$tmp/Killed" "$many" > /dev/null &
pid=$!
i=0
while [ $i -lt 500 ] && [ -z "$(ls "$tmp/Killed/new" 2> /dev/null)" ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
moved=$(ls "$tmp/Killed/new" 2> /dev/null | wc -l)
(ls "$many/new"; ls "$tmp/Killed/new" 2> /dev/null) | LC_ALL=C sort \
    > "$tmp/many.got"
same "$tmp/many.want" "$tmp/many.got" \
    "killed during a move of 2000 ($moved moved): each in exactly one place"

# The scan's verdicts equal the one-message command's, file by file.
: > "$tmp/one.got"
find "$big" -type f | LC_ALL=C sort > "$tmp/files"
while read -r f; do
	v=$("$nd" --db "$db" -v "$f" 2> /dev/null | sed -n \
	    's/^\([a-z-]*\) (\([a-z-]*\)).*/\1	\2/p')
	printf '%s\t%s\n' "${v:-error	error}" "$f" >> "$tmp/one.got"
done < "$tmp/files"
scan - < "$tmp/files" > "$tmp/scan.got"
same "$tmp/one.got" "$tmp/scan.got" \
    "scan's verdict and kind equal ndrcheck FILE's on all $(wc -l < "$tmp/files") files of $big"

finish
