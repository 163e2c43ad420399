#!/bin/sh
# test-pg.sh - the sent log on both backends, and PostgreSQL's failures.
#
# Usage: sh tests/test-pg.sh     (TAP on stdout)
#
# Starts a private server (tests/pgserver.sh: initdb + pg_ctl in a
# temporary folder, Unix socket only) and checks first that it is what the
# other checks rely on.  Then the same cases on an SQLite file and on the
# server, each through a config file (db, mailbox, hash_key, keep):
# record (-p passes the message unchanged), import, classification
# (genuine, backscatter), made-up Message-IDs, corrections (record
# --original, --corrections, --undo), coverage (started by the first
# record, not widened by a later older one), keyed hashing (nothing in
# clear text; another key refused), pruning (a pruned period is no
# longer covered: unknown, never backscatter).  Then what only a shared
# server has: mailboxes kept apart, and the failures a delivery must
# survive within its bound: server killed, restarted, hung; login
# refused; a password in the URI; a writer holding a transaction while a
# lookup runs.  And the SQLite schema migrated from the previous version.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mail.sh"
. "$(dirname "$0")/pgserver.sh"
pg_start
# The most a failing delivery may take (connect + one statement + margin).
BOUND_MS=5000

out=$(psql_q 'SELECT 1' 2>&1)
ok $([ "$out" = 1 ]; echo $?) "server answers on its Unix socket" "$out"
out=$(psql_q 'SHOW listen_addresses' 2>&1)
ok $([ -z "$out" ]; echo $?) "server listens on no TCP port" "$out"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# conf FILE DB MAILBOX [LINE...]: a config file for that sent log.
conf() {
	f=$1 d=$2 m=$3
	shift 3
	{
		echo "[ndrcheck]"
		echo "db = $d"
		echo "mailbox = $m"
		for l in "$@"; do echo "$l"; done
	} > "$f"
}

# is WANT NAME COMMAND...: COMMAND exits WANT (stderr in $tmp/err).
is() {
	want=$1 name=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	ok $([ "$rc" -eq "$want" ]; echo $?) "$name" \
	    "exit $rc, not $want: $(head -c 300 "$tmp/err")"
}

# bounded WANT NAME COMMAND...: exits WANT within BOUND_MS.
bounded() {
	want=$1 name=$2
	shift 2
	start=$(now_ms)
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$? ms=$(($(now_ms) - start))
	ok $([ "$rc" -eq "$want" ] && [ "$ms" -le $BOUND_MS ]; echo $?) \
	    "$name (${ms} ms)" "exit $rc (want $want) after $ms ms (bound" \
	    "$BOUND_MS): $(head -c 300 "$tmp/err")"
}

nd_c() { # nd_c CONF [ARGS...]: classify with that config
	c=$1
	shift
	"$nd" --config "$c" --rules "$top/rules" "$@"
}
rec_c() { # rec_c CONF [ARGS...]: record with that config
	c=$1
	shift
	"$nd" record --config "$c" "$@"
}

# records KIND DB SQL: one number from the sent log's tables.
records() {
	if [ "$1" = sqlite ]; then
		sqlite3 "$2" "$3"
	else
		psql_q "$3"
	fi
}

# day N: the date N days from today, as sent and bounce take it.
day() {
	date -u -d "$1 days" '+%d %b %Y'
}

# cases KIND DB: the cases both backends must pass alike.
cases() {
	k=$1 db=$2 c=$tmp/$1.conf
	conf "$c" "$db" jan
	sent "$k-old" "$(day -20)" > "$tmp/old.eml"
	sent "$k-a" "$(day -2)" > "$tmp/a.eml"
	bounce "$k-a" "$(day -2)" "$(day -1)" > "$tmp/ba.eml"
	bounce "$k-forged" "$(day -2)" "$(day -1)" > "$tmp/bf.eml"
	is 0 "$k: record a message" rec_c "$c" "$tmp/old.eml"
	is 0 "$k: record -p" rec_c "$c" -p < "$tmp/a.eml"
	cmp -s "$tmp/out" "$tmp/a.eml"
	ok $? "$k: record -p passes the message unchanged"
	is 1 "$k: the bounce of a recorded message is genuine" \
	    nd_c "$c" "$tmp/ba.eml"
	is 0 "$k: a bounce of a message never sent is backscatter" \
	    nd_c "$c" "$tmp/bf.eml"
	# import: an mbox of two messages.
	{
		for id in "$k-m1" "$k-m2"; do
			echo "From jan@example.org Mon Nov  3 10:00:00 2026"
			sent "$id" "$(day -3)"
			echo
		done
	} > "$tmp/sent.mbox"
	"$nd" import --config "$c" "$tmp/sent.mbox" > /dev/null 2> "$tmp/err"
	ok $? "$k: import an mbox" "$(cat "$tmp/err")"
	bounce "$k-m2" "$(day -3)" "$(day -1)" > "$tmp/bm.eml"
	is 1 "$k: the bounce of an imported message is genuine" \
	    nd_c "$c" "$tmp/bm.eml"
	# Made up: no Message-ID, recorded twice, one record.
	sed '/^Message-ID:/d' "$tmp/a.eml" > "$tmp/noid.eml"
	rec_c "$c" "$tmp/noid.eml" && rec_c "$c" "$tmp/noid.eml"
	cnt=$(records "$k" "$db" "SELECT count(*) FROM $3 WHERE \
	    message_id LIKE '%@ndrcheck.invalid'")
	ok $([ "$cnt" = 1 ]; echo $?) \
	    "$k: a message without Message-ID recorded twice is one record" \
	    "$cnt records"
	corrected "$k" "$c"
	statused "$k" "$c"
	covered "$k" "$db"
	hashed "$k" "$db" "$3"
	pruned "$k" "$db"
}

# corrected KIND CONF: record --original, --corrections, --undo.
corrected() {
	is 0 "$1: record --original of a bounce called backscatter" \
	    rec_c "$2" --original "$tmp/bf.eml"
	is 1 "$1: ... its bounce is then genuine" nd_c "$2" "$tmp/bf.eml"
	is 0 "$1: record --corrections" rec_c "$2" --corrections
	grep -q "^<*$1-forged@example.org>*	" "$tmp/out"
	ok $? "$1: ... lists it" "$(cat "$tmp/out")"
	is 0 "$1: record --undo" rec_c "$2" --undo "$1-forged@example.org"
	is 0 "$1: ... and the bounce is backscatter again" \
	    nd_c "$2" "$tmp/bf.eml"
}

# statused KIND CONF: ndrcheck status, as lines and as JSON.
statused() {
	is 0 "$1 status" "$nd" status --config "$2"
	grep -q "^backend: *$([ "$1" = pg ] && echo postgresql || echo sqlite)" \
	    "$tmp/out" && grep -q "^covered: *from 20" "$tmp/out"
	ok $? "$1 status: backend and coverage" "$(cat "$tmp/out")"
	is 0 "$1 status --json" "$nd" status --json --config "$2"
	# The records of cases: old, a, m1, m2, the made-up one, and none
	# from the correction, undone.
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
pg = sys.argv[2] == "pg"
assert s["backend"] == ("postgresql" if pg else "sqlite"), s
assert s["records"] == 5, s
assert s["schema_version"] > 0 and s["covered_from"] is not None, s
assert (s["mailbox"] == "jan") == pg, s
assert (s["mailboxes"] is not None and s["mailboxes"] >= 1) == pg, s
assert not s["hashed"] and s["keep_days"] is None, s' "$tmp/out" "$1" \
	    2> "$tmp/err"
	ok $? "$1 status --json: records, backend, mailbox" "$(cat "$tmp/err")"
	# A sync state as import.c keeps it, of a configured source.
	mine= cols=
	[ "$1" = pg ] && mine="'jan', " cols="mailbox, " tbl=sent_syncs
	[ "$1" = pg ] && fin=false || { fin=0; tbl=syncs; }
	records "$1" "$db" "INSERT INTO $tbl (${cols}source, at, finished, done,
	    total, reached) VALUES (${mine}'$tmp/Sent', 1796083200, $fin, 12,
	    250, 1790000000)" > /dev/null
	echo "sent = $tmp/Sent" >> "$2"
	"$nd" status --config "$2" > "$tmp/out" 2> "$tmp/err"
	grep -q "^source: *$tmp/Sent: last sync 2026-12-01T00:00:00Z, unfinished: 12 of 250 messages, read back to 2026-09-21T14:13:20Z" "$tmp/out"
	ok $? "$1 status: a source's last sync and how far it got" \
	    "$(cat "$tmp/out" "$tmp/err")"
	sed -i '$d' "$2"
}

# covered KIND DB: the first record starts coverage; an older one later
# does not widen it (a stranger's outlier must not make it "covered").
covered() {
	k=$1 db=$2 c=$tmp/$1-c.conf
	[ "$k" = sqlite ] && db=$tmp/covered.db
	conf "$c" "$db" covered
	sent "$k-c-new" "$(day -5)" > "$tmp/c1.eml"
	sent "$k-c-old" "$(day -50)" > "$tmp/c2.eml"
	rec_c "$c" "$tmp/c1.eml" && rec_c "$c" "$tmp/c2.eml"
	bounce "$k-c-never" "$(day -40)" "$(day -39)" > "$tmp/bc1.eml"
	bounce "$k-c-never2" "$(day -3)" "$(day -2)" > "$tmp/bc2.eml"
	is 3 "$k coverage: a later, older record does not widen it: unknown" \
	    nd_c "$c" "$tmp/bc1.eml"
	is 0 "$k coverage: within it, never sent: backscatter" \
	    nd_c "$c" "$tmp/bc2.eml"
}

# hashed KIND DB TABLE: config hash_key, on a sent log of its own.
hashed() {
	k=$1 db=$2 c=$tmp/$1-h.conf
	[ "$k" = sqlite ] && db=$tmp/hashed.db
	head -c 32 /dev/urandom > "$tmp/key"
	head -c 32 /dev/urandom > "$tmp/other-key"
	conf "$c" "$db" hashed "hash_key = $tmp/key"
	sent "$k-h" "$(day -2)" > "$tmp/h.eml"
	bounce "$k-h" "$(day -2)" "$(day -1)" > "$tmp/bh.eml"
	is 0 "$k hashed: record" rec_c "$c" "$tmp/h.eml"
	is 1 "$k hashed: its bounce is genuine" nd_c "$c" "$tmp/bh.eml"
	mine=
	[ "$k" = pg ] && mine="mailbox = 'hashed' AND"
	cnt=$(records "$k" "$db" "SELECT count(*) FROM $3 WHERE $mine \
	    (message_id LIKE '%example%' OR sender IS NOT NULL OR \
	    subject IS NOT NULL)")
	ok $([ "$cnt" = 0 ]; echo $?) \
	    "$k hashed: no Message-ID, sender or subject in clear text" "$cnt"
	hashed_corrections "$k" "$db" "$c"
	conf "$c" "$db" hashed "hash_key = $tmp/other-key"
	is 64 "$k hashed: a log written with another key is refused" \
	    nd_c "$c" "$tmp/bh.eml"
	grep -q "another hash_key" "$tmp/err"
	ok $? "$k hashed: ... saying so" "$(cat "$tmp/err")"
}

# hashed_corrections KIND DB CONF: record --original on a hashed log
# keeps no Message-ID in clear text; --undo takes the Message-ID or the
# key --corrections lists.
hashed_corrections() {
	k=$1 keys=import_keys mine=
	[ "$k" = pg ] && keys=sent_import_keys mine="mailbox = 'hashed' AND"
	for j in 1 2; do
		bounce "$k-hc$j" "$(day -1)" "$(day -0)" > "$tmp/bhc$j.eml"
		is 0 "$k hashed: record --original $j" \
		    rec_c "$3" --original "$tmp/bhc$j.eml"
		is 1 "$k hashed: ... its bounce is then genuine" \
		    nd_c "$3" "$tmp/bhc$j.eml"
	done
	cnt=$(records "$k" "$2" "SELECT count(*) FROM $keys WHERE $mine \
	    key LIKE '%example%'")
	ok $([ "$cnt" = 0 ]; echo $?) \
	    "$k hashed: no correction's Message-ID in clear text" "$cnt"
	is 0 "$k hashed: record --corrections" rec_c "$3" --corrections
	grep -c '^[0-9a-f]\{64\}	20[0-9-]*T[0-9:]*Z	1 hashed recipient$' \
	    "$tmp/out" | grep -qx 2
	ok $? "$k hashed: ... lists both by keyed hash" "$(cat "$tmp/out")"
	# HMAC-SHA256 of the lower-cased Message-ID with the site's secret.
	key2=$(python3 -c 'import hashlib, hmac, sys
print(hmac.new(open(sys.argv[1], "rb").read(), sys.argv[2].lower().encode(),
    hashlib.sha256).hexdigest())' "$tmp/key" "$k-hc2@example.org")
	grep -q "^$key2	" "$tmp/out"
	ok $? "$k hashed: ... the key is the Message-ID's keyed hash" \
	    "$key2 not in: $(cat "$tmp/out")"
	is 0 "$k hashed: --undo by Message-ID" \
	    rec_c "$3" --undo "$k-hc1@example.org"
	is 0 "$k hashed: --undo by the listed key" rec_c "$3" --undo "$key2"
	for j in 1 2; do
		is 0 "$k hashed: ... bounce $j is backscatter again" \
		    nd_c "$3" "$tmp/bhc$j.eml"
	done
	is 0 "$k hashed: no correction is left" rec_c "$3" --corrections
	ok $([ ! -s "$tmp/out" ]; echo $?) "$k hashed: ... none listed" \
	    "$(cat "$tmp/out")"
	is 64 "$k hashed: --undo of what is no correction" \
	    rec_c "$3" --undo "$k-h@example.org"
}

# pruned KIND DB: config keep and ndrcheck prune.
pruned() {
	k=$1 db=$2 c=$tmp/$1-p.conf
	[ "$k" = sqlite ] && db=$tmp/pruned.db
	conf "$c" "$db" pruned
	sent "$k-p-old" "$(day -100)" > "$tmp/p1.eml"
	sent "$k-p-new" "$(day -5)" > "$tmp/p2.eml"
	rec_c "$c" "$tmp/p1.eml" && rec_c "$c" "$tmp/p2.eml"
	bounce "$k-p-old" "$(day -100)" "$(day -99)" > "$tmp/bp1.eml"
	bounce "$k-p-new" "$(day -5)" "$(day -4)" > "$tmp/bp2.eml"
	is 1 "$k prune: before pruning the old bounce is genuine" \
	    nd_c "$c" "$tmp/bp1.eml"
	conf "$c" "$db" pruned "keep = 30"
	is 0 "$k prune: ndrcheck prune" "$nd" prune --config "$c"
	grep -q "^pruned 1 " "$tmp/out"
	ok $? "$k prune: ... removes the one record older than 30 days" \
	    "$(cat "$tmp/out")"
	is 3 "$k prune: the pruned period is not covered: unknown" \
	    nd_c "$c" "$tmp/bp1.eml"
	is 1 "$k prune: a kept record still makes its bounce genuine" \
	    nd_c "$c" "$tmp/bp2.eml"
}

command -v sqlite3 > /dev/null || { echo "Bail out! sqlite3 missing"; exit 1; }
cases sqlite "$tmp/sent.db" messages
cases pg "$pg_uri" sent_messages

# status names the rules in use, the user's own among them, and says
# whether the cache of the compiled built-in rules is valid.
mkdir -p "$XDG_CONFIG_HOME/ndrcheck/rules.d"
printf '[bounce]\nlocal-test\t^Subject: ndrcheck status test\n' \
    > "$XDG_CONFIG_HOME/ndrcheck/rules.d/local.rules"
# rules_json WANT_VALID: check status --json's rules and rule_cache.
rules_json() {
	"$nd" status --json --db "$tmp/sent.db" > "$tmp/out" 2> "$tmp/err" &&
	    python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
own = [f for f in s["rules"] if not f["builtin"]]
assert [f["file"].split("/")[-1] for f in own] == ["local.rules"], own
assert own[0]["rules"] == 1, own
assert any(f["builtin"] for f in s["rules"]), s["rules"]
c = s["rule_cache"]
assert c["valid"] == (sys.argv[2] == "valid"), c
assert c["classes"] > 0 and c["file"].startswith(sys.argv[3]), c' \
	    "$tmp/out" "$1" "$XDG_CACHE_HOME" 2>> "$tmp/err"
}
rm -rf "$XDG_CACHE_HOME/ndrcheck"
rules_json missing
ok $? "status: built-in and own rules; no cache yet: not valid" \
    "$(cat "$tmp/err")"
"$nd" --db "$tmp/sent.db" "$tmp/ba.eml" > /dev/null
rules_json valid
ok $? "status: after a bounce the cache is written and valid" \
    "$(cat "$tmp/err")"
rm -r "$XDG_CONFIG_HOME/ndrcheck/rules.d"

# Mailboxes apart: what jan recorded is not in eva's sent log.
conf "$tmp/eva.conf" "$pg_uri" eva
sent eva-1 "$(day -2)" > "$tmp/e1.eml"
rec_c "$tmp/eva.conf" "$tmp/e1.eml"
is 0 "pg: another mailbox's records are not ours (jan's bounce in eva's)" \
    nd_c "$tmp/eva.conf" "$tmp/ba.eml"
is 1 "pg: ... and they are jan's" nd_c "$tmp/pg.conf" "$tmp/ba.eml"
cnt=$(psql_q "SELECT count(*) FROM sent_messages WHERE mailbox = 'eva'")
ok $([ "$cnt" = 1 ]; echo $?) "pg: eva's one record is under her mailbox" \
    "$cnt"

# Failures, each within the bound.
pw_uri="postgresql://ndrcheck:secret@localhost/ndrcheck"
is 64 "pg: a URI holding a password is refused" \
    "$nd" --db "$pw_uri" "$tmp/ba.eml"
grep -q pgpass "$tmp/err"
ok $? "pg: ... pointing to ~/.pgpass" "$(cat "$tmp/err")"

psql_q "CREATE ROLE refused LOGIN" > /dev/null
pg_as sh -c "{ echo 'local all refused reject'; cat data/pg_hba.conf; } \
    > hba.new && mv hba.new data/pg_hba.conf"
pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" reload > /dev/null
sleep 0.3
conf "$tmp/refused.conf" "postgresql:///ndrcheck?host=$pg_dir&user=refused" \
    jan
bounded 75 "pg: login refused: exit 75" nd_c "$tmp/refused.conf" \
    "$tmp/ba.eml"

# A writer holding its transaction open does not hold up a lookup.
psql_q "BEGIN; INSERT INTO sent_messages (mailbox, message_id, made_up, \
    date) VALUES ('jan', 'held@example.org', false, $(date +%s)); \
    SELECT pg_sleep(2); COMMIT" > /dev/null 2>&1 &
held=$!
sleep 0.5
start=$(now_ms)
is 1 "pg: a lookup while a writer holds a transaction" \
    nd_c "$tmp/pg.conf" "$tmp/ba.eml"
ms=$(($(now_ms) - start))
ok $([ $ms -lt 2000 ]; echo $?) "pg: ... does not wait for it (${ms} ms)"
wait $held

# Hung: the postmaster stopped, new connections wait for nothing.
pm=$(head -n 1 "$pg_dir/data/postmaster.pid")
kill -STOP "$pm"
trap 'kill -CONT $pm; pg_stop; rm -rf "$tmp" "$pg_dir"' EXIT
bounded 75 "pg: server hung: classify exits 75" nd_c "$tmp/pg.conf" \
    "$tmp/ba.eml"
kill -CONT "$pm"
trap 'pg_stop; rm -rf "$tmp" "$pg_dir"' EXIT

# Killed: classify and record fail (75), -p passes the message unchanged.
pg_kill
bounded 75 "pg: server down: classify exits 75" nd_c "$tmp/pg.conf" \
    "$tmp/ba.eml"
bounded 0 "pg: server down: classify -p exits 0" nd_c "$tmp/pg.conf" -p \
    "$tmp/ba.eml"
cmp -s "$tmp/out" "$tmp/ba.eml"
ok $? "pg: server down: classify -p passes the message unchanged"
sent pg-b "$(day -1)" > "$tmp/b.eml"
bounded 75 "pg: server down: record exits 75" rec_c "$tmp/pg.conf" \
    "$tmp/b.eml"
pg_restart
is 0 "pg: restarted: the next delivery records" rec_c "$tmp/pg.conf" \
    "$tmp/b.eml"
bounce pg-b "$(day -1)" "$(day -0)" > "$tmp/bb.eml"
is 1 "pg: restarted: and classifies" nd_c "$tmp/pg.conf" "$tmp/bb.eml"

# PostgreSQL: a database of the previous schema (1, before sync states)
# is read as it is, and init-db migrates it.
"$pg_bin/createdb" -h "$pg_dir" -U ndrcheck ndrcheck_v1
v1_uri="postgresql:///ndrcheck_v1?host=$pg_dir&user=ndrcheck"
rec_c "$tmp/pg.conf" --db "$v1_uri" "$tmp/b.eml" 2> /dev/null
PGDATABASE=ndrcheck_v1 psql_q "DROP TABLE sent_syncs;
    UPDATE sent_schema SET version = 1"
is 1 "pg: a database of schema 1 is read as it is" \
    nd_c "$tmp/pg.conf" --db "$v1_uri" "$tmp/bb.eml"
is 0 "pg: init-db migrates it" "$nd" init-db --config "$tmp/pg.conf" \
    --db "$v1_uri"
v=$(PGDATABASE=ndrcheck_v1 psql_q "SELECT version FROM sent_schema")
t=$(PGDATABASE=ndrcheck_v1 psql_q "SELECT to_regclass('sent_syncs')")
ok $([ "$v" = 2 ] && [ "$t" = sent_syncs ]; echo $?) \
    "pg: ... to schema 2, with sent_syncs" "version $v, $t"

# SQLite: a sent log of the previous schema (1) is migrated.
sqlite3 "$tmp/v1.db" "CREATE TABLE messages (id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE COLLATE NOCASE, date INTEGER NOT NULL,
    sender TEXT, subject TEXT);
  CREATE INDEX messages_by_date ON messages (date);
  CREATE TABLE recipients (message INTEGER NOT NULL REFERENCES messages (id),
    address TEXT NOT NULL, date INTEGER NOT NULL,
    PRIMARY KEY (message, address)) WITHOUT ROWID;
  CREATE INDEX recipients_by_address ON recipients (address, date);
  CREATE TABLE import_state (source TEXT PRIMARY KEY, size INTEGER,
    mtime_ns INTEGER, inode INTEGER, offset INTEGER, mark BLOB) WITHOUT ROWID;
  CREATE TABLE import_keys (source TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (source, key)) WITHOUT ROWID;
  INSERT INTO messages VALUES (1, 'v1-a@example.org', $(date +%s) - 86400,
    NULL, NULL), (2, 'abc@ndrcheck.invalid', $(date +%s) - 86400, NULL, NULL);
  INSERT INTO recipients VALUES (1, 'x-v1-a@example.net',
    $(date +%s) - 86400);
  PRAGMA user_version = 1;"
is 0 "sqlite: init-db migrates a sent log of schema 1" \
    "$nd" init-db --db "$tmp/v1.db"
v=$(sqlite3 "$tmp/v1.db" "PRAGMA user_version")
cnt=$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM messages")
ok $([ "$v" -eq 4 ] && [ "$cnt" = 2 ]; echo $?) \
    "sqlite: ... to the current schema (4), keeping its records" \
    "version $v, $cnt records"
bounce v1-a "$(day -1)" "$(day -0)" > "$tmp/bv1.eml"
is 1 "sqlite: the migrated log's record makes its bounce genuine" \
    "$nd" --db "$tmp/v1.db" --rules "$top/rules" "$tmp/bv1.eml"

finish
