# pgserver.sh - sourced by shell tests (after tap.sh): a throwaway
# PostgreSQL server of Debian's postgresql package, private to one test.
#
# pg_start makes a cluster in a fresh temporary folder (initdb) and starts
# it (pg_ctl) listening on a Unix socket in that folder only: no TCP
# port, so tests running at the same time never meet.  It sets pg_uri
# (libpq's postgresql:// syntax, database "ndrcheck", the cluster's
# superuser "ndrcheck", local trust authentication) and PGHOST/PGUSER/
# PGDATABASE for psql.  pg_kill stops the server at once (as a crash
# would: pg_ctl -m immediate), pg_restart starts it again, pg_stop stops
# it; the EXIT trap stops it and removes the folder.
#
# PostgreSQL refuses to run as root.  As root (as CI runs) the server runs
# as the unprivileged user PG_TEST_USER (default: the package's postgres
# user, else nobody), which then owns the folder.  PG_OPTIONS adds
# server settings ("-c name=value ..."; bench/pg sizes its memory so).
# PG_DIR names a folder to keep instead (bench/pg keeps its loaded
# cluster): a cluster already there is started as it is.
#
# A server that cannot start makes the test print "1..0 # SKIP" with the
# reason and exit 0; under CI=true the test fails instead: CI must not
# skip what a missing package or a broken set-up hides.
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=
pg_uri=

# pg_as COMMAND...: run COMMAND as the server's user (in its folder).
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$pg_dir" && setpriv --reuid="$pg_user" \
		    --regid="$(id -g "$pg_user")" --clear-groups -- "$@")
	else
		(cd "$pg_dir" && "$@")
	fi
}

# pg_unavailable REASON: SKIP, or fail under CI.
pg_unavailable() {
	[ -n "$pg_dir" ] && tail -n 5 "$pg_dir"/*.log 2> /dev/null | sed 's/^/# /' 
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - PostgreSQL test server: $1"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP PostgreSQL test server: $1"
	exit 0
}

pg_ctl_start() {
	# One line: pg_ctl hands the options to a shell command line.
	pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" \
	    -w -t 30 -o "-c listen_addresses='' -c fsync=off \
-c unix_socket_directories='$pg_dir' -c max_connections=300 ${PG_OPTIONS:-}" \
	    start > /dev/null
}

pg_start() {
	[ -x "$pg_bin/initdb" ] ||
	    pg_unavailable "$pg_bin/initdb not found (apt-get install postgresql)"
	pg_user=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		pg_user=${PG_TEST_USER:-postgres}
		id -u "$pg_user" > /dev/null 2>&1 || pg_user=nobody
	fi
	if [ -n "${PG_DIR:-}" ]; then
		pg_dir=$PG_DIR
		mkdir -p "$pg_dir" || pg_unavailable "cannot make $pg_dir"
		trap 'pg_stop; rm -rf "$tmp"' EXIT
	else
		pg_dir=$(mktemp -d) ||
		    pg_unavailable "cannot make a temporary folder"
		trap 'pg_stop; rm -rf "$tmp" "$pg_dir"' EXIT
	fi
	if [ "$(id -u)" -eq 0 ]; then
		chown "$pg_user:" "$pg_dir" && chmod 0755 "$pg_dir" ||
		    pg_unavailable "cannot give $pg_dir to $pg_user"
	fi
	fresh=
	if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
		fresh=1
		pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U ndrcheck \
		    --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
		    > "$pg_dir/initdb.log" 2>&1 ||
		    pg_unavailable "initdb failed as $pg_user"
	fi
	pg_ctl_start || pg_unavailable "pg_ctl start failed as $pg_user"
	PGHOST=$pg_dir PGUSER=ndrcheck PGDATABASE=ndrcheck
	export PGHOST PGUSER PGDATABASE
	[ -z "$fresh" ] || "$pg_bin/createdb" -h "$pg_dir" -U ndrcheck ndrcheck ||
	    pg_unavailable "createdb failed"
	pg_uri="postgresql:///ndrcheck?host=$pg_dir&user=ndrcheck"
}

pg_kill() {
	pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop > /dev/null
}

pg_restart() {
	pg_ctl_start
}

pg_stop() {
	[ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ] &&
	    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop > /dev/null
	return 0
}

# psql_q SQL: one query's result, unaligned, without headers.
psql_q() {
	"$pg_bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}
