#!/bin/sh
# test-pg.sh - the sent log on a real PostgreSQL server.
#
# Usage: sh tests/test-pg.sh     (TAP on stdout)
#
# Starts a private server (tests/pgserver.sh: initdb + pg_ctl in a
# temporary folder, Unix socket only) and checks first that it is what the
# other checks rely on: reachable on its socket, listening on no TCP
# port, and killable and restartable.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/pgserver.sh"
pg_start

out=$(psql_q 'SELECT 1' 2>&1)
ok $([ "$out" = 1 ]; echo $?) "server answers on its Unix socket" "$out"
out=$(psql_q 'SHOW listen_addresses' 2>&1)
ok $([ -z "$out" ]; echo $?) "server listens on no TCP port" "$out"
pg_kill
psql_q 'SELECT 1' > /dev/null 2>&1
ok $([ $? -ne 0 ]; echo $?) "a killed server is unreachable"
pg_restart
out=$(psql_q 'SELECT 1' 2>&1)
ok $([ "$out" = 1 ]; echo $?) "a restarted server answers again" "$out"

finish
