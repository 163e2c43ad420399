/*
 * sentlog-pg.c - the sent log in PostgreSQL, through libpq: many
 * mailboxes in one database (see sentlog-backend.h).
 *
 * Every row carries its mailbox and every statement names it: a handle
 * sees and changes only its own mailbox's records (a provider can add
 * row-level security on top, see ndrcheck.conf(5)).  The schema version
 * is in sent_schema; migrations run in one transaction under an advisory
 * lock, so that deliveries starting at once on a new database do not race.
 * A lookup is one round trip (a Message-ID with its recipients in one
 * query); readers never wait for writers (MVCC).
 *
 * Failing safe: the connection is bounded by NDR_PG_CONNECT_TIMEOUT_S and
 * every statement by NDR_PG_STATEMENT_TIMEOUT_MS, on the server
 * (statement_timeout) and here (a deadline on the socket, for a server
 * that no longer answers at all).  After one failure the connection is
 * not used again: a delivery fails within one connect and one statement,
 * well inside Dovecot's 10 s.  Writes are transactions: a server gone
 * mid-delivery leaves nothing half-written.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <libpq-fe.h>

#include "error.h"
#include "ndrlimits.h"
#include "sentlog-backend.h"

/*
 * migrations[v] brings a database of schema version v to v + 1.  A later
 * release adds its step at the end and never edits an earlier one.
 * recipients repeats the mailbox, date and made_up of its message so that
 * the window lookup reads one index (an index-only scan) and no table.
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE sent_mailboxes ("
    " mailbox text PRIMARY KEY,"
    " coverage_start bigint,"
    " hash_check text);"
    "CREATE TABLE sent_messages ("
    " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " mailbox text NOT NULL,"
    " message_id text NOT NULL,"
    " made_up boolean NOT NULL,"
    " date bigint NOT NULL,"
    " sender text,"
    " subject text,"
    " UNIQUE (mailbox, message_id));"
    "CREATE INDEX sent_messages_by_date ON sent_messages (mailbox, date);"
    "CREATE TABLE sent_recipients ("
    " message bigint NOT NULL REFERENCES sent_messages (id)"
    "  ON DELETE CASCADE,"
    " mailbox text NOT NULL,"
    " address text NOT NULL,"
    " date bigint NOT NULL,"
    " made_up boolean NOT NULL,"
    " PRIMARY KEY (message, address));"
    "CREATE INDEX sent_recipients_by_address ON sent_recipients"
    " (mailbox, address, date) INCLUDE (made_up);"
    "CREATE TABLE sent_import_state ("
    " mailbox text NOT NULL,"
    " source text NOT NULL,"
    " size bigint, mtime_ns bigint, inode bigint, \"offset\" bigint,"
    " mark bytea,"
    " PRIMARY KEY (mailbox, source));"
    "CREATE TABLE sent_import_keys ("
    " mailbox text NOT NULL,"
    " source text NOT NULL,"
    " key text NOT NULL,"
    " PRIMARY KEY (mailbox, source, key));",
    /* 1 -> 2.  How far each sync of a configured "sent" source got
     * (ndr_sync_state), per mailbox. */
    "CREATE TABLE sent_syncs ("
    " mailbox text NOT NULL,"
    " source text NOT NULL,"
    " at bigint NOT NULL, finished boolean NOT NULL,"
    " done bigint NOT NULL, total bigint NOT NULL,"
    " reached bigint NOT NULL,"
    " PRIMARY KEY (mailbox, source));",
};
#define SCHEMA_VERSION ((int)G_N_ELEMENTS(migrations))
/* A reader takes an older schema as it is: the sync states of step 2 are
 * then none. */
#define SYNCS_SINCE 2

/* Any constant: the advisory lock that serializes migrations. */
#define MIGRATION_LOCK 474180101995

/* The statements, prepared on first use; $1 is always the mailbox. */
enum {
	ST_FIND_ID,
	ST_INSERT_MSG,
	ST_INSERT_RCPT,
	ST_FIND_ID_RCPT,
	ST_FIND_RCPT,
	ST_FIND_RCPT_MADE_UP,
	ST_EARLIEST,
	ST_COVER_START,
	ST_COVER_BACK,
	ST_HASH_GET,
	ST_HASH_PUT,
	ST_PRUNE,
	ST_PRUNE_COVERAGE,
	ST_COUNT_RECORDS,
	ST_FORGET,
	ST_STATE_GET,
	ST_STATE_PUT,
	ST_KEYS_GET,
	ST_KEY_PUT,
	ST_KEY_DROP,
	ST_SYNC_GET,
	ST_SYNC_PUT,
	ST_SYNCS,
	ST_COUNT
};

static const char *const sql[ST_COUNT] = {
    [ST_FIND_ID] = "SELECT id, date FROM sent_messages WHERE mailbox = $1 "
                   "AND message_id = $2",
    [ST_INSERT_MSG] =
        "INSERT INTO sent_messages (mailbox, message_id, made_up, date, "
        "sender, subject) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (mailbox, message_id) DO NOTHING RETURNING id",
    [ST_INSERT_RCPT] =
        "INSERT INTO sent_recipients (mailbox, message, address, date, "
        "made_up) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    [ST_FIND_ID_RCPT] =
        "SELECT m.date, min(r.address), count(r.address) FROM sent_messages "
        "m LEFT JOIN sent_recipients r ON r.message = m.id AND r.mailbox = "
        "$1 WHERE m.mailbox = $1 AND m.message_id = $2 GROUP BY m.id",
    [ST_FIND_RCPT] = "SELECT max(date) FROM sent_recipients WHERE "
                     "mailbox = $1 AND address = $2 AND date BETWEEN $3 "
                     "AND $4",
    [ST_FIND_RCPT_MADE_UP] =
        "SELECT max(date) FROM sent_recipients WHERE mailbox = $1 AND "
        "address = $2 AND date BETWEEN $3 AND $4 AND made_up",
    [ST_EARLIEST] = "SELECT coverage_start FROM sent_mailboxes WHERE "
                    "mailbox = $1",
    /* The mailbox's first record also makes it known (status counts). */
    [ST_COVER_START] =
        "INSERT INTO sent_mailboxes (mailbox, coverage_start) VALUES ($1, "
        "$2) ON CONFLICT (mailbox) DO UPDATE SET coverage_start = "
        "coalesce(sent_mailboxes.coverage_start, excluded.coverage_start)",
    /* least() and greatest() ignore NULL: none is then the new start. */
    [ST_COVER_BACK] =
        "INSERT INTO sent_mailboxes (mailbox, coverage_start) VALUES ($1, "
        "$2) ON CONFLICT (mailbox) DO UPDATE SET coverage_start = "
        "least(sent_mailboxes.coverage_start, excluded.coverage_start)",
    [ST_HASH_GET] = "SELECT hash_check FROM sent_mailboxes WHERE mailbox = "
                    "$1",
    [ST_HASH_PUT] = "INSERT INTO sent_mailboxes (mailbox, hash_check) "
                    "VALUES ($1, $2) ON CONFLICT (mailbox) DO UPDATE SET "
                    "hash_check = excluded.hash_check",
    [ST_PRUNE] = "DELETE FROM sent_messages WHERE mailbox = $1 AND "
                 "date < $2",
    /* A mailbox that covers nothing does not start to by pruning. */
    [ST_PRUNE_COVERAGE] = "UPDATE sent_mailboxes SET coverage_start = "
                          "greatest(coverage_start, $2) WHERE mailbox = $1 "
                          "AND coverage_start IS NOT NULL",
    [ST_COUNT_RECORDS] = "SELECT (SELECT count(*) FROM sent_messages WHERE "
                         "mailbox = $1), (SELECT count(*) FROM "
                         "sent_mailboxes)",
    /* Its recipients go with it (ON DELETE CASCADE). */
    [ST_FORGET] = "DELETE FROM sent_messages WHERE mailbox = $1 AND "
                  "message_id = $2",
    [ST_STATE_GET] = "SELECT size, mtime_ns, inode, \"offset\", mark FROM "
                     "sent_import_state WHERE mailbox = $1 AND source = $2",
    [ST_STATE_PUT] =
        "INSERT INTO sent_import_state (mailbox, source, size, mtime_ns, "
        "inode, \"offset\", mark) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (mailbox, source) DO UPDATE SET size = excluded.size, "
        "mtime_ns = excluded.mtime_ns, inode = excluded.inode, "
        "\"offset\" = excluded.\"offset\", mark = excluded.mark",
    [ST_KEYS_GET] = "SELECT key FROM sent_import_keys WHERE mailbox = $1 "
                    "AND source = $2",
    [ST_KEY_PUT] = "INSERT INTO sent_import_keys (mailbox, source, key) "
                   "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    [ST_KEY_DROP] = "DELETE FROM sent_import_keys WHERE mailbox = $1 AND "
                    "source = $2 AND key = $3",
    [ST_SYNC_GET] = "SELECT at, finished, done, total, reached, source FROM "
                    "sent_syncs WHERE mailbox = $1 AND source = $2",
    [ST_SYNC_PUT] =
        "INSERT INTO sent_syncs (mailbox, source, at, finished, done, "
        "total, reached) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT "
        "(mailbox, source) DO UPDATE SET at = excluded.at, finished = "
        "excluded.finished, done = excluded.done, total = excluded.total, "
        "reached = excluded.reached",
    [ST_SYNCS] = "SELECT at, finished, done, total, reached, source FROM "
                 "sent_syncs WHERE mailbox = $1 ORDER BY source",
};

typedef struct pg_log {
	PGconn *conn;
	char *name;      /* the URI without its password, for messages */
	char *mailbox;   /* $1 of every statement */
	gboolean broken; /* failed once: not used again */
	gboolean in_transaction;
	int version;        /* the schema version of the open database */
	int uses[ST_COUNT]; /* of each statement: prepared on the second */
	char params[8][24]; /* integer parameters as text */
} pg_log;

/* The first line of a libpq message (they end in a newline). */
static char *
first_line(const char *text)
{
	const char *nl = text != NULL ? strchr(text, '\n') : NULL;

	if (text == NULL || *text == '\0')
		return g_strdup("no answer");
	return nl != NULL ? g_strndup(text, (gsize)(nl - text))
	                  : g_strdup(text);
}

static gboolean
fail(pg_log *pg, const char *doing, const char *why, GError **err)
{
	char *line = first_line(why);

	pg->broken = TRUE;
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "sent log %s (mailbox %s): cannot %s: %s: try again later",
	            pg->name, pg->mailbox, doing, line);
	g_free(line);
	return FALSE;
}

/*
 * Wait for the whole answer of what was sent, within the statement
 * deadline; the last result (PQclear it), or NULL after fail().
 */
static PGresult *
wait_result(pg_log *pg, const char *doing, GError **err)
{
	gint64 end = g_get_monotonic_time() +
	             (NDR_PG_STATEMENT_TIMEOUT_MS + NDR_PG_ANSWER_MARGIN_MS) *
	                 (gint64)1000;
	struct pollfd p = {.fd = PQsocket(pg->conn)};
	PGresult *res, *last = NULL;
	int ms, rc, unsent;

	while ((unsent = PQflush(pg->conn)) != 0 || PQisBusy(pg->conn)) {
		ms = (int)((end - g_get_monotonic_time()) / 1000);
		if (unsent < 0 || ms <= 0) {
			fail(pg, doing,
			     unsent < 0 ? PQerrorMessage(pg->conn)
			                : "the server did not answer in time",
			     err);
			return NULL;
		}
		p.events = POLLIN | (unsent > 0 ? POLLOUT : 0);
		rc = poll(&p, 1, ms);
		if (rc < 0 && errno != EINTR) {
			fail(pg, doing, g_strerror(errno), err);
			return NULL;
		}
		if (rc > 0 && !PQconsumeInput(pg->conn)) {
			fail(pg, doing, PQerrorMessage(pg->conn), err);
			return NULL;
		}
	}
	while ((res = PQgetResult(pg->conn)) != NULL) {
		PQclear(last);
		last = res;
	}
	if (last == NULL)
		fail(pg, doing, PQerrorMessage(pg->conn), err);
	return last;
}

/* Check a result: tuples or done, else fail() (and clear it). */
static PGresult *
checked(pg_log *pg, PGresult *res, const char *doing, GError **err)
{
	ExecStatusType st;

	if (res == NULL)
		return NULL;
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	fail(pg, doing, PQresultErrorMessage(res), err);
	PQclear(res);
	return NULL;
}

static gboolean
usable(pg_log *pg, const char *doing, GError **err)
{
	if (!pg->broken && PQstatus(pg->conn) == CONNECTION_OK)
		return TRUE;
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "sent log %s (mailbox %s): cannot %s: the connection "
	            "failed before: try again later",
	            pg->name, pg->mailbox, doing);
	return FALSE;
}

/* Run text (no parameters); TRUE if it succeeded. */
static gboolean
simple(pg_log *pg, const char *text, const char *doing, GError **err)
{
	PGresult *res;

	if (!usable(pg, doing, err))
		return FALSE;
	if (!PQsendQuery(pg->conn, text))
		return fail(pg, doing, PQerrorMessage(pg->conn), err);
	res = checked(pg, wait_result(pg, doing, err), doing, err);
	PQclear(res);
	return res != NULL;
}

/*
 * Run statement i with the mailbox and then n parameters (NULL for SQL
 * NULL); its result (PQclear it) or NULL.
 */
static PGresult *
run(pg_log *pg, int i, int n, const char *const *values, const char *doing,
    GError **err)
{
	const char *all[8];
	char name[16];
	PGresult *res;

	g_assert(n < (int)G_N_ELEMENTS(all));
	if (!usable(pg, doing, err))
		return NULL;
	g_snprintf(name, sizeof(name), "ndr%d", i);
	/*
	 * A delivery runs most statements once: preparing would cost it a
	 * round trip each.  One that comes again (import, scan) is worth it.
	 */
	if (pg->uses[i]++ == 1) {
		if (!PQsendPrepare(pg->conn, name, sql[i], 0, NULL)) {
			fail(pg, doing, PQerrorMessage(pg->conn), err);
			return NULL;
		}
		res = checked(pg, wait_result(pg, doing, err), doing, err);
		if (res == NULL)
			return NULL;
		PQclear(res);
	}
	all[0] = pg->mailbox;
	if (n > 0) /* values may be NULL then: memcpy() must not see it */
		memcpy(all + 1, values, sizeof(*values) * (size_t)n);
	if (pg->uses[i] == 1 ? !PQsendQueryParams(pg->conn, sql[i], n + 1, NULL,
	                                          all, NULL, NULL, 0)
	                     : !PQsendQueryPrepared(pg->conn, name, n + 1, all,
	                                            NULL, NULL, 0)) {
		fail(pg, doing, PQerrorMessage(pg->conn), err);
		return NULL;
	}
	return checked(pg, wait_result(pg, doing, err), doing, err);
}

/* An integer parameter, as text in the handle's slot k. */
static const char *
num(pg_log *pg, int k, gint64 v)
{
	g_snprintf(pg->params[k], sizeof(pg->params[k]), "%" G_GINT64_FORMAT,
	           v);
	return pg->params[k];
}

static gint64
get_int(const PGresult *res, int col)
{
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, col))
		return 0;
	return g_ascii_strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

/* The one integer text gives (no parameters); 0 for NULL. */
static gboolean
query_int(pg_log *pg, const char *text, gint64 *value, const char *doing,
          GError **err)
{
	PGresult *res;

	*value = 0;
	if (!usable(pg, doing, err))
		return FALSE;
	if (!PQsendQuery(pg->conn, text))
		return fail(pg, doing, PQerrorMessage(pg->conn), err);
	res = checked(pg, wait_result(pg, doing, err), doing, err);
	if (res == NULL)
		return FALSE;
	*value = get_int(res, 0);
	PQclear(res);
	return TRUE;
}

/* The schema version of the database: 0 before any table exists. */
static gboolean
read_version(pg_log *pg, int *version, GError **err)
{
	const char *doing = "read its schema version";
	gint64 exists = 0, v = 0;

	*version = 0;
	if (!query_int(pg,
	               "SELECT (to_regclass('sent_schema') IS NOT NULL)::int",
	               &exists, doing, err))
		return FALSE;
	if (exists && !query_int(pg, "SELECT max(version) FROM sent_schema", &v,
	                         doing, err))
		return FALSE;
	*version = (int)v;
	return TRUE;
}

static gboolean
too_new(pg_log *pg, int version, GError **err)
{
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "sent log %s has schema version %d, newer than this "
	            "ndrcheck knows (%d): upgrade ndrcheck",
	            pg->name, version, SCHEMA_VERSION);
	return FALSE;
}

/* Bring the schema up to date, in one transaction, one process at once. */
static gboolean
migrate(pg_log *pg, GError **err)
{
	const char *doing = "create its tables (ndrcheck init-db, as a role "
	                    "that may create them)";
	char *set;
	int v;
	gboolean ok;

	if (!simple(pg, "BEGIN", "start writing", err))
		return FALSE;
	ok = simple(pg,
	            "SELECT pg_advisory_xact_lock(" G_STRINGIFY(
	                MIGRATION_LOCK) ")",
	            "lock its schema", err) &&
	     read_version(pg, &v, err);
	if (ok && v > SCHEMA_VERSION)
		ok = too_new(pg, v, err);
	if (ok && v == 0)
		ok = simple(pg,
		            "CREATE TABLE sent_schema (version integer "
		            "NOT NULL)",
		            doing, err);
	for (; ok && v < SCHEMA_VERSION; v++)
		ok = simple(pg, migrations[v], doing, err);
	if (ok) {
		set = g_strdup_printf("DELETE FROM sent_schema; INSERT INTO "
		                      "sent_schema VALUES (%d)",
		                      SCHEMA_VERSION);
		ok = simple(pg, set, "set its schema version", err);
		g_free(set);
	}
	/* On failure the caller closes the connection: that rolls back. */
	return ok && simple(pg, "COMMIT", "save its tables", err);
}

/*
 * The URI as messages show it, without a password; one that holds a
 * password is refused: the command line and the config file are no place
 * for it (~/.pgpass or PGPASSFILE is).
 */
static char *
display_name(const char *uri, GError **err)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;
	GString *s;

	opts = PQconninfoParse(uri, &msg);
	if (opts == NULL) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "sent log %s: not a PostgreSQL connection URI: %s",
		            uri,
		            msg != NULL ? g_strchomp(msg) : "out of memory");
		PQfreemem(msg);
		return NULL;
	}
	s = g_string_new("postgresql://");
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
			            "sent log URI holds a password: put it in "
			            "~/.pgpass (or the file PGPASSFILE names) "
			            "instead");
			PQconninfoFree(opts);
			g_string_free(s, TRUE);
			return NULL;
		}
		if (strcmp(o->keyword, "user") == 0)
			g_string_append_printf(s, "%s@", o->val);
	}
	for (o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strcmp(o->keyword, "host") == 0)
			g_string_append(s, o->val);
	for (o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strcmp(o->keyword, "dbname") == 0)
			g_string_append_printf(s, "/%s", o->val);
	PQconninfoFree(opts);
	return g_string_free(s, FALSE);
}

static void
pg_close(void *db)
{
	pg_log *pg = db;

	if (pg == NULL)
		return;
	PQfinish(pg->conn);
	g_free(pg->name);
	g_free(pg->mailbox);
	g_free(pg);
}

/* Connect within the bounds; the server's timeouts set at connection. */
static gboolean
connect_bounded(pg_log *pg, const char *uri, GError **err)
{
	char *timeout = g_strdup_printf("%d", NDR_PG_CONNECT_TIMEOUT_S);
	char *options = g_strdup_printf(
	    "-c statement_timeout=%d -c lock_timeout=%d "
	    "-c idle_in_transaction_session_timeout=%d",
	    NDR_PG_STATEMENT_TIMEOUT_MS, NDR_PG_STATEMENT_TIMEOUT_MS,
	    NDR_PG_STATEMENT_TIMEOUT_MS * 5);
	/* Later keywords override what the URI (expanded first) says. */
	const char *keys[] = {"dbname", "connect_timeout", "options",
	                      "application_name", NULL};
	const char *values[] = {uri, timeout, options, "ndrcheck", NULL};

	pg->conn = PQconnectdbParams(keys, values, 1);
	g_free(timeout);
	g_free(options);
	if (pg->conn == NULL)
		return fail(pg, "connect", "out of memory", err);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return fail(pg, "connect", PQerrorMessage(pg->conn), err);
	return TRUE;
}

static void *
pg_open(const char *uri, const char *mailbox, gboolean read_only, GError **err)
{
	pg_log *pg = g_new0(pg_log, 1);
	int v;

	pg->mailbox = g_strdup(mailbox);
	pg->name = display_name(uri, err);
	if (pg->name == NULL || !connect_bounded(pg, uri, err) ||
	    !read_version(pg, &v, err))
		goto fail;
	if (v > SCHEMA_VERSION) {
		too_new(pg, v, err);
		goto fail;
	}
	pg->version = v;
	if (v == SCHEMA_VERSION || (read_only && v > 0))
		return pg; /* an older one read as it is (SYNCS_SINCE) */
	if (read_only) {
		pg_close(pg); /* nothing recorded yet: an empty sent log */
		return NULL;
	}
	pg->version = SCHEMA_VERSION;
	if (migrate(pg, err))
		return pg;
fail:
	pg_close(pg);
	return NULL;
}

static gboolean
pg_begin(void *db, GError **err)
{
	pg_log *pg = db;

	pg->in_transaction = simple(pg, "BEGIN", "start writing", err);
	return pg->in_transaction;
}

static gboolean
pg_commit(void *db, GError **err)
{
	pg_log *pg = db;

	pg->in_transaction = FALSE;
	return simple(pg, "COMMIT", "save", err);
}

static void
pg_rollback(void *db)
{
	pg_log *pg = db;

	if (!pg->in_transaction)
		return;
	pg->in_transaction = FALSE;
	/* A broken connection rolls back on the server by itself. */
	simple(pg, "ROLLBACK", "roll back", NULL);
}

/* Run statement i for its effect only. */
static gboolean
effect(pg_log *pg, int i, int n, const char *const *v, const char *doing,
       GError **err)
{
	PGresult *res = run(pg, i, n, v, doing, err);

	PQclear(res);
	return res != NULL;
}

/* The number of rows a statement for its effect changed, or -1. */
static gint64
changed(pg_log *pg, int i, int n, const char *const *v, const char *doing,
        GError **err)
{
	PGresult *res = run(pg, i, n, v, doing, err);
	gint64 rows;

	if (res == NULL)
		return -1;
	rows = g_ascii_strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rows;
}

/* The id and date of message_id in the mailbox; *id 0 when absent. */
static gboolean
find_row(pg_log *pg, const char *message_id, gint64 *id, gint64 *date,
         GError **err)
{
	const char *v[] = {message_id};
	PGresult *res = run(pg, ST_FIND_ID, 1, v, "read the sent log", err);

	*id = 0;
	if (res == NULL)
		return FALSE;
	if (PQntuples(res) > 0) {
		*id = get_int(res, 0);
		*date = get_int(res, 1);
	}
	PQclear(res);
	return TRUE;
}

static gboolean
pg_add(void *db, const ndr_sent_row *r, gboolean *added, GError **err)
{
	pg_log *pg = db;
	const char *msg[] = {r->message_id, r->made_up ? "t" : "f",
	                     num(pg, 0, r->date), r->sender, r->subject};
	const char *rcpt[4];
	PGresult *res;
	gint64 id = 0, date = r->date;
	guint i;

	*added = FALSE;
	res = run(pg, ST_INSERT_MSG, 5, msg, "record a message", err);
	if (res == NULL)
		return FALSE;
	if (PQntuples(res) > 0) {
		id = get_int(res, 0);
		*added = TRUE;
	}
	PQclear(res);
	/* Recorded before: its recipients keep its first date. */
	if (id == 0 && !find_row(pg, r->message_id, &id, &date, err))
		return FALSE;
	rcpt[0] = num(pg, 1, id);
	rcpt[2] = num(pg, 2, date);
	rcpt[3] = r->made_up ? "t" : "f";
	for (i = 0; r->to != NULL && i < r->to->len; i++) {
		rcpt[1] = r->to->pdata[i];
		if (!effect(pg, ST_INSERT_RCPT, 4, rcpt, "record a recipient",
		            err))
			return FALSE;
	}
	return TRUE;
}

static gboolean
pg_find_id(void *db, const char *message_id, gboolean *found,
           ndr_sent_info *info, GError **err)
{
	const char *v[] = {message_id};
	PGresult *res =
	    run(db, ST_FIND_ID_RCPT, 1, v, "read the sent log", err);

	if (res == NULL)
		return FALSE;
	*found = PQntuples(res) > 0;
	if (*found) {
		info->date = get_int(res, 0);
		if (!PQgetisnull(res, 0, 1))
			info->first_to = g_strdup(PQgetvalue(res, 0, 1));
		info->n_to = (guint)get_int(res, 2);
	}
	PQclear(res);
	return TRUE;
}

/* The one integer statement i gives with parameters v; 0 for NULL. */
static gboolean
aggregate(pg_log *pg, int i, int n, const char *const *v, gint64 *value,
          GError **err)
{
	PGresult *res = run(pg, i, n, v, "read the sent log", err);

	*value = 0;
	if (res == NULL)
		return FALSE;
	*value = get_int(res, 0);
	PQclear(res);
	return TRUE;
}

static gboolean
pg_find_recipient(void *db, const char *address, gint64 from, gint64 to,
                  gboolean made_up_only, gint64 *when, GError **err)
{
	pg_log *pg = db;
	const char *v[] = {address, num(pg, 0, from), num(pg, 1, to)};

	return aggregate(pg, made_up_only ? ST_FIND_RCPT_MADE_UP : ST_FIND_RCPT,
	                 3, v, when, err);
}

static gboolean
pg_earliest(void *db, gint64 *date, GError **err)
{
	return aggregate(db, ST_EARLIEST, 0, NULL, date, err);
}

static gboolean
pg_cover(void *db, gint64 start, gboolean back, GError **err)
{
	pg_log *pg = db;
	const char *v[] = {num(pg, 0, start)};

	return effect(pg, back ? ST_COVER_BACK : ST_COVER_START, 1, v,
	              "keep what the sent log covers", err);
}

static gboolean
pg_hash_check_get(void *db, char **check, GError **err)
{
	PGresult *res = run(db, ST_HASH_GET, 0, NULL, "read the sent log", err);

	*check = NULL;
	if (res == NULL)
		return FALSE;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		*check = g_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return TRUE;
}

static gboolean
pg_hash_check_put(void *db, const char *check, GError **err)
{
	const char *v[] = {check};

	return effect(db, ST_HASH_PUT, 1, v, "save the hash check", err);
}

static gboolean
pg_prune(void *db, gint64 before, guint64 *removed, GError **err)
{
	pg_log *pg = db;
	const char *v[] = {num(pg, 0, before)};
	gint64 rows = changed(pg, ST_PRUNE, 1, v, "prune the sent log", err);

	*removed = rows > 0 ? (guint64)rows : 0;
	return rows >= 0 &&
	       effect(pg, ST_PRUNE_COVERAGE, 1, v, "prune the sent log", err);
}

static gboolean
pg_count(void *db, guint64 *records, guint64 *mailboxes, GError **err)
{
	PGresult *res =
	    run(db, ST_COUNT_RECORDS, 0, NULL, "count records", err);

	if (res == NULL)
		return FALSE;
	*records = (guint64)get_int(res, 0);
	*mailboxes = (guint64)get_int(res, 1);
	PQclear(res);
	return TRUE;
}

static gboolean
pg_state_get(void *db, const char *source, ndr_import_state *st,
             gboolean *found, GError **err)
{
	pg_log *pg = db;
	const char *v[] = {source};
	PGresult *res =
	    run(pg, ST_STATE_GET, 1, v, "read the import state", err);
	size_t len;
	guchar *mark;

	if (res == NULL)
		return FALSE;
	*found = PQntuples(res) > 0;
	if (*found) {
		st->size = (guint64)get_int(res, 0);
		st->mtime_ns = get_int(res, 1);
		st->inode = (guint64)get_int(res, 2);
		st->offset = (guint64)get_int(res, 3);
		if (!PQgetisnull(res, 0, 4)) {
			mark = PQunescapeBytea(
			    (const guchar *)PQgetvalue(res, 0, 4), &len);
			st->mark = g_strndup((const char *)mark, len);
			PQfreemem(mark);
		}
	}
	PQclear(res);
	return TRUE;
}

static gboolean
pg_state_put(void *db, const char *source, const ndr_import_state *st,
             GError **err)
{
	pg_log *pg = db;
	guchar *mark = NULL;
	size_t len;
	const char *v[] = {source,
	                   num(pg, 0, (gint64)st->size),
	                   num(pg, 1, st->mtime_ns),
	                   num(pg, 2, (gint64)st->inode),
	                   num(pg, 3, (gint64)st->offset),
	                   NULL};
	gboolean ok;

	if (st->mark != NULL) {
		mark = PQescapeByteaConn(pg->conn, (const guchar *)st->mark,
		                         strlen(st->mark), &len);
		if (mark == NULL)
			return fail(pg, "save the import state",
			            PQerrorMessage(pg->conn), err);
		v[5] = (const char *)mark;
	}
	ok = effect(pg, ST_STATE_PUT, 6, v, "save the import state", err);
	PQfreemem(mark);
	return ok;
}

static GHashTable *
pg_keys_get(void *db, const char *source, GError **err)
{
	const char *v[] = {source};
	PGresult *res =
	    run(db, ST_KEYS_GET, 1, v, "read the import state", err);
	GHashTable *keys;
	int i;

	if (res == NULL)
		return NULL;
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (i = 0; i < PQntuples(res); i++)
		g_hash_table_add(keys, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	return keys;
}

static gboolean
pg_key_put(void *db, const char *source, const char *key, GError **err)
{
	const char *v[] = {source, key};

	return effect(db, ST_KEY_PUT, 2, v, "save the import state", err);
}

static gboolean
pg_key_drop(void *db, const char *source, const char *key, GError **err)
{
	const char *v[] = {source, key};

	return effect(db, ST_KEY_DROP, 2, v, "save the import state", err);
}

static gboolean
pg_forget(void *db, const char *message_id, gboolean *found, GError **err)
{
	const char *v[] = {message_id};
	gint64 rows = changed(db, ST_FORGET, 1, v, "forget a message", err);

	*found = rows > 0;
	return rows >= 0;
}

/* The sync state in row k of a result of ST_SYNC_GET or ST_SYNCS. */
static void
sync_row(const PGresult *res, int k, ndr_sync_state *st)
{
	st->when = g_ascii_strtoll(PQgetvalue(res, k, 0), NULL, 10);
	st->finished = PQgetvalue(res, k, 1)[0] == 't';
	st->done = g_ascii_strtoull(PQgetvalue(res, k, 2), NULL, 10);
	st->total = g_ascii_strtoull(PQgetvalue(res, k, 3), NULL, 10);
	st->reached = g_ascii_strtoll(PQgetvalue(res, k, 4), NULL, 10);
}

static gboolean
pg_sync_get(void *db, const char *source, ndr_sync_state *st, gboolean *found,
            GError **err)
{
	pg_log *pg = db;
	const char *v[] = {source};
	PGresult *res;

	if (pg->version < SYNCS_SINCE)
		return TRUE;
	res = run(pg, ST_SYNC_GET, 1, v, "read the sync state", err);
	if (res == NULL)
		return FALSE;
	*found = PQntuples(res) > 0;
	if (*found)
		sync_row(res, 0, st);
	PQclear(res);
	return TRUE;
}

static gboolean
pg_sync_put(void *db, const char *source, const ndr_sync_state *st,
            GError **err)
{
	pg_log *pg = db;
	const char *v[] = {source,
	                   num(pg, 0, st->when),
	                   st->finished ? "t" : "f",
	                   num(pg, 1, (gint64)st->done),
	                   num(pg, 2, (gint64)st->total),
	                   num(pg, 3, st->reached)};

	return effect(pg, ST_SYNC_PUT, 6, v, "save the sync state", err);
}

static gboolean
pg_syncs(void *db, GPtrArray *all, GError **err)
{
	pg_log *pg = db;
	ndr_sync_entry *e;
	PGresult *res;
	int k;

	if (pg->version < SYNCS_SINCE)
		return TRUE;
	res = run(pg, ST_SYNCS, 0, NULL, "read the sync state", err);
	if (res == NULL)
		return FALSE;
	for (k = 0; k < PQntuples(res); k++) {
		e = g_new0(ndr_sync_entry, 1);
		sync_row(res, k, &e->st);
		e->source = g_strdup(PQgetvalue(res, k, 5));
		g_ptr_array_add(all, e);
	}
	PQclear(res);
	return TRUE;
}

static gboolean
pg_was_locked(void *db)
{
	return FALSE; /* readers never wait for writers; a lock wait is a
	                 timeout like any other */
}

const ndr_sentlog_ops ndr_sentlog_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .schema_version = SCHEMA_VERSION,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .add = pg_add,
    .find_id = pg_find_id,
    .find_recipient = pg_find_recipient,
    .earliest = pg_earliest,
    .cover = pg_cover,
    .hash_check_get = pg_hash_check_get,
    .hash_check_put = pg_hash_check_put,
    .prune = pg_prune,
    .count = pg_count,
    .state_get = pg_state_get,
    .state_put = pg_state_put,
    .keys_get = pg_keys_get,
    .key_put = pg_key_put,
    .key_drop = pg_key_drop,
    .forget = pg_forget,
    .sync_get = pg_sync_get,
    .sync_put = pg_sync_put,
    .syncs = pg_syncs,
    .was_locked = pg_was_locked,
};
