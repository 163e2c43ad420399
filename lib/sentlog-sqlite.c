/*
 * sentlog-sqlite.c - the sent log in an SQLite file, one per user (see
 * sentlog-backend.h).
 *
 * WAL mode and a busy timeout (NDR_DB_BUSY_TIMEOUT_MS) so that parallel
 * deliveries and recording never fail each other, and no lock wait
 * outlasts it; the schema version in PRAGMA user_version.  Created 0600
 * in a 0700 directory.  A database locked past the timeout, damaged, or
 * made by a newer ndrcheck is an NDRCHECK_ETEMP error.  The mailbox is
 * the file: this backend has one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "error.h"
#include "ndrlimits.h"
#include "sentlog-backend.h"

/*
 * migrations[v] brings a database of schema version v to v + 1; the
 * version reached is kept in PRAGMA user_version.  A later release adds
 * its step at the end and never edits an earlier one.
 */
static const char *const migrations[] = {
    /* 0 -> 1.  recipients repeats the date so that the window lookup
     * reads one index and no table. */
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " message_id TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " date INTEGER NOT NULL,"
    " sender TEXT,"
    " subject TEXT);"
    "CREATE INDEX messages_by_date ON messages (date);"
    "CREATE TABLE recipients ("
    " message INTEGER NOT NULL REFERENCES messages (id),"
    " address TEXT NOT NULL,"
    " date INTEGER NOT NULL,"
    " PRIMARY KEY (message, address)) WITHOUT ROWID;"
    "CREATE INDEX recipients_by_address ON recipients (address, date);"
    "CREATE TABLE import_state ("
    " source TEXT PRIMARY KEY,"
    " size INTEGER, mtime_ns INTEGER, inode INTEGER, offset INTEGER,"
    " mark BLOB) WITHOUT ROWID;"
    "CREATE TABLE import_keys ("
    " source TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " PRIMARY KEY (source, key)) WITHOUT ROWID;",
    /* 1 -> 2.  What the log covers is kept, no longer read off the
     * oldest record's Date (one message dated 1970 widened it).  The
     * dates already recorded cannot tell a folder's honest reach from a
     * stranger's outlier, so an existing log covers from this upgrade
     * on and its sources are read again (their records are kept): each
     * sync or import that finishes a folder moves the start back as far
     * as that folder reaches (see ndr_sentlog_cover()). */
    "CREATE TABLE coverage ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " start INTEGER NOT NULL);"
    "INSERT INTO coverage (id, start)"
    " SELECT 1, CAST(strftime('%s', 'now') AS INTEGER)"
    " WHERE EXISTS (SELECT 1 FROM messages);"
    "DELETE FROM import_state;"
    "DELETE FROM import_keys;",
    /* 2 -> 3.  How far each sync of a configured "sent" source got, so
     * that a log whose sync the time budget cut short does not judge by
     * the messages it has not read yet (ndr_sync_state). */
    "CREATE TABLE syncs ("
    " source TEXT PRIMARY KEY,"
    " at INTEGER NOT NULL, finished INTEGER NOT NULL,"
    " done INTEGER NOT NULL, total INTEGER NOT NULL,"
    " reached INTEGER NOT NULL) WITHOUT ROWID;",
    /* 3 -> 4.  Settings: the check value of the hash key (config
     * hash_key) the log was written with, or "clear". */
    "CREATE TABLE settings ("
    " name TEXT PRIMARY KEY,"
    " value) WITHOUT ROWID;",
};
#define SCHEMA_VERSION ((int)G_N_ELEMENTS(migrations))
/*
 * A reader opens a log of an older schema as it is when what it lacks
 * can be read as empty: the syncs table of step 3 (no sync state kept),
 * the settings of step 4 (no hash check: written in clear text).
 */
#define READABLE_SINCE 2
#define SYNCS_SINCE    3
#define SETTINGS_SINCE 4

/* The statements, prepared once per connection on first use. */
enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_FIND_ID,
	ST_INSERT_MSG,
	ST_INSERT_RCPT,
	ST_FIRST_RCPT,
	ST_FIND_RCPT,
	ST_FIND_RCPT_MADE_UP,
	ST_EARLIEST,
	ST_COVER_START,
	ST_COVER_BACK,
	ST_SETTING_GET,
	ST_SETTING_PUT,
	ST_PRUNE_RCPT,
	ST_PRUNE_MSG,
	ST_PRUNE_COVERAGE,
	ST_COUNT_RECORDS,
	ST_FORGET_RCPT,
	ST_FORGET_MSG,
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
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_FIND_ID] = "SELECT id, date FROM messages WHERE message_id = ?1",
    [ST_INSERT_MSG] = "INSERT INTO messages (message_id, date, sender, "
                      "subject) VALUES (?1, ?2, ?3, ?4)",
    [ST_INSERT_RCPT] = "INSERT OR IGNORE INTO recipients (message, "
                       "address, date) VALUES (?1, ?2, ?3)",
    [ST_FIRST_RCPT] = "SELECT min(address), count(*) FROM recipients "
                      "WHERE message = ?1",
    [ST_FIND_RCPT] = "SELECT max(date) FROM recipients WHERE address = ?1 "
                     "AND date BETWEEN ?2 AND ?3",
    [ST_FIND_RCPT_MADE_UP] =
        "SELECT max(r.date) FROM recipients r JOIN messages m "
        "ON m.id = r.message WHERE r.address = ?1 AND r.date BETWEEN ?2 "
        "AND ?3 AND m.message_id LIKE '%ndrcheck.invalid'",
    [ST_EARLIEST] = "SELECT start FROM coverage",
    [ST_COVER_START] = "INSERT OR IGNORE INTO coverage (id, start) "
                       "VALUES (1, ?1)",
    [ST_COVER_BACK] = "INSERT INTO coverage (id, start) VALUES (1, ?1) "
                      "ON CONFLICT (id) DO UPDATE SET start = "
                      "min(start, excluded.start)",
    [ST_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    [ST_SETTING_PUT] = "INSERT OR REPLACE INTO settings (name, value) "
                       "VALUES (?1, ?2)",
    [ST_PRUNE_RCPT] = "DELETE FROM recipients WHERE message IN (SELECT id "
                      "FROM messages WHERE date < ?1)",
    [ST_PRUNE_MSG] = "DELETE FROM messages WHERE date < ?1",
    [ST_PRUNE_COVERAGE] = "UPDATE coverage SET start = max(start, ?1)",
    [ST_COUNT_RECORDS] = "SELECT count(*) FROM messages",
    [ST_FORGET_RCPT] = "DELETE FROM recipients WHERE message = ?1",
    [ST_FORGET_MSG] = "DELETE FROM messages WHERE id = ?1",
    [ST_STATE_GET] = "SELECT size, mtime_ns, inode, offset, mark FROM "
                     "import_state WHERE source = ?1",
    [ST_STATE_PUT] = "INSERT OR REPLACE INTO import_state (source, size, "
                     "mtime_ns, inode, offset, mark) VALUES (?1, ?2, ?3, ?4, "
                     "?5, ?6)",
    [ST_KEYS_GET] = "SELECT key FROM import_keys WHERE source = ?1",
    [ST_KEY_PUT] = "INSERT OR IGNORE INTO import_keys (source, key) "
                   "VALUES (?1, ?2)",
    [ST_KEY_DROP] = "DELETE FROM import_keys WHERE source = ?1 AND "
                    "key = ?2",
    [ST_SYNC_GET] = "SELECT at, finished, done, total, reached, source "
                    "FROM syncs WHERE source = ?1",
    [ST_SYNC_PUT] = "INSERT OR REPLACE INTO syncs (source, at, finished, "
                    "done, total, reached) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_SYNCS] = "SELECT at, finished, done, total, reached, source "
                 "FROM syncs ORDER BY source",
};

typedef struct sq_log {
	sqlite3 *db;
	char *path;
	gboolean locked; /* the last failure was a lock wait past the timeout */
	int version;     /* the schema version of the open database */
	sqlite3_stmt *st[ST_COUNT];
} sq_log;

/* Report a failed SQLite call as what it means to the user. */
static gboolean
db_error(sq_log *log, int rc, const char *doing, GError **err)
{
	log->locked =
	    (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_ETEMP,
		    "sent log %s is locked by another process (waited %d ms "
		    "to %s): try again later",
		    log->path, NDR_DB_BUSY_TIMEOUT_MS, doing);
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_ETEMP,
		    "sent log %s is damaged or not a database (%s): move it "
		    "aside and import the sent mail again",
		    log->path, sqlite3_errstr(rc));
		break;
	default:
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "sent log %s: cannot %s: %s", log->path, doing,
		            log->db != NULL ? sqlite3_errmsg(log->db)
		                            : sqlite3_errstr(rc));
		break;
	}
	return FALSE;
}

/* Statement i, reset and unbound, ready for its parameters. */
static sqlite3_stmt *
stmt(sq_log *log, int i, GError **err)
{
	int rc;

	if (log->st[i] == NULL) {
		rc = sqlite3_prepare_v3(log->db, sql[i], -1,
		                        SQLITE_PREPARE_PERSISTENT, &log->st[i],
		                        NULL);
		if (rc != SQLITE_OK) {
			db_error(log, rc, "prepare a query", err);
			return NULL;
		}
	}
	sqlite3_reset(log->st[i]);
	sqlite3_clear_bindings(log->st[i]);
	return log->st[i];
}

/* Step s to its end (statements returning no rows). */
static gboolean
run(sq_log *log, sqlite3_stmt *s, const char *doing, GError **err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_error(log, rc, doing, err);
	return TRUE;
}

/* One row of s: TRUE and *found when there is one. */
static gboolean
row(sq_log *log, sqlite3_stmt *s, gboolean *found, GError **err)
{
	int rc = sqlite3_step(s);

	*found = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return db_error(log, rc, "read the sent log", err);
	}
	return TRUE;
}

static gboolean
exec(sq_log *log, const char *text, const char *doing, GError **err)
{
	int rc = sqlite3_exec(log->db, text, NULL, NULL, NULL);

	return rc == SQLITE_OK ? TRUE : db_error(log, rc, doing, err);
}

static gboolean
user_version(sq_log *log, int *version, GError **err)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(log->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*version = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? TRUE
	                       : db_error(log, rc, "read its version", err);
}

static gboolean
too_new(sq_log *log, int version, GError **err)
{
	g_set_error(
	    err, NDR_ERROR, NDRCHECK_ETEMP,
	    "sent log %s has schema version %d, newer than this ndrcheck "
	    "knows (%d): upgrade ndrcheck",
	    log->path, version, SCHEMA_VERSION);
	return FALSE;
}

static gboolean
sq_begin(void *db, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_BEGIN, err);

	return s != NULL && run(log, s, "start writing", err);
}

static gboolean
sq_commit(void *db, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_COMMIT, err);

	return s != NULL && run(log, s, "save", err);
}

static void
sq_rollback(void *db)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_ROLLBACK, NULL);

	if (s != NULL)
		run(log, s, "roll back", NULL);
}

/* Bring the schema up to date, in one transaction. */
static gboolean
migrate(sq_log *log, GError **err)
{
	char *set;
	int v;

	if (!sq_begin(log, err))
		return FALSE;
	/* Read inside the transaction: another process may have migrated. */
	if (!user_version(log, &v, err))
		goto fail;
	if (v > SCHEMA_VERSION) {
		too_new(log, v, err);
		goto fail;
	}
	for (; v < SCHEMA_VERSION; v++)
		if (!exec(log, migrations[v], "create its tables", err))
			goto fail;
	set = g_strdup_printf("PRAGMA user_version = %d", SCHEMA_VERSION);
	if (!exec(log, set, "set its version", err)) {
		g_free(set);
		goto fail;
	}
	g_free(set);
	log->version = SCHEMA_VERSION;
	if (sq_commit(log, err))
		return TRUE;
fail:
	sq_rollback(log);
	return FALSE;
}

/* Whether the folder of path may be written (access(2), so root may). */
static gboolean
folder_writable(const char *path)
{
	char *dir = g_path_get_dirname(path);
	gboolean ok = access(dir, W_OK) == 0;

	g_free(dir);
	return ok;
}

/*
 * The file, 0600, in its directory, 0700 (with parents) when new.  A
 * writer in WAL mode creates the -wal and -shm files beside it: a folder
 * that is not writable is refused here, saying so, rather than by
 * SQLite's "unable to open database file" later.
 */
static gboolean
create_file(const char *path, GError **err)
{
	char *dir = g_path_get_dirname(path);
	gboolean there = g_file_test(path, G_FILE_TEST_EXISTS);
	int fd, e;

	if (!ndr_config_make_dirs(dir, 0700)) {
		e = errno;
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_ETEMP,
		    "cannot create the directory %s of the sent log: %s", dir,
		    g_strerror(e));
		g_free(dir);
		return FALSE;
	}
	if (there && !folder_writable(path)) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot write the sent log %s: its folder %s is "
		            "not writable, and recording creates files beside "
		            "it (-wal, -shm): make the folder writable "
		            "(classifying only reads the log)",
		            path, dir);
		g_free(dir);
		return FALSE;
	}
	g_free(dir);
	/* SQLite would create it 0644: the log says whom we write to. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot %s the sent log %s: %s",
		            there ? "write" : "create", path,
		            g_strerror(errno));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/*
 * What SQLite is to open for path (g_free it), setting *flags.  A reader
 * of a database in WAL mode goes through its -shm file, and creates it
 * when it is missing: in a folder the user may not write, reading would
 * fail.  With neither -wal nor -shm there, every record is in the file
 * itself (its last writer closed it), so it is then opened immutable,
 * which needs neither; with them there, SQLite reads them as they are.
 */
static char *
open_name(const char *path, gboolean read_only, int *flags)
{
	char *wal = g_strconcat(path, "-wal", NULL),
	     *shm = g_strconcat(path, "-shm", NULL), *abs, *uri = NULL, *name;

	*flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	         SQLITE_OPEN_NOMUTEX;
	if (read_only && !folder_writable(path) &&
	    !g_file_test(wal, G_FILE_TEST_EXISTS) &&
	    !g_file_test(shm, G_FILE_TEST_EXISTS)) {
		abs = g_canonicalize_filename(path, NULL);
		uri = g_filename_to_uri(abs, NULL, NULL);
		g_free(abs);
	}
	if (uri != NULL) {
		*flags |= SQLITE_OPEN_URI;
		name = g_strconcat(uri, "?immutable=1", NULL);
	} else {
		name = g_strdup(path);
	}
	g_free(uri);
	g_free(wal);
	g_free(shm);
	return name;
}

/*
 * Read-only: a database of an older schema cannot be migrated here, and
 * one never given tables (version 0) holds nothing (*empty).
 */
static gboolean
check_readable(sq_log *log, gboolean *empty, GError **err)
{
	int v;

	*empty = FALSE;
	if (!user_version(log, &v, err))
		return FALSE;
	if (v > SCHEMA_VERSION)
		return too_new(log, v, err);
	if (v == 0) {
		*empty = TRUE;
		return TRUE;
	}
	log->version = v;
	if (v < READABLE_SINCE) {
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_ETEMP,
		    "sent log %s has the old schema version %d: run "
		    "\"ndrcheck init-db\" (or \"ndrcheck record\" once) to "
		    "upgrade it",
		    log->path, v);
		return FALSE;
	}
	return TRUE;
}

/*
 * WAL lets classification read while a delivery records.  Switching a
 * new database to WAL needs it alone: processes that all create the log
 * at once deadlock on that, and SQLite answers SQLITE_BUSY at once
 * instead of waiting (test-concurrency saw 21 of 32 concurrent first
 * records fail so).  So retry, at random intervals, within the busy
 * timeout.
 */
static gboolean
set_wal(sq_log *log, GError **err)
{
	gint64 end = g_get_monotonic_time() + NDR_DB_BUSY_TIMEOUT_MS * 1000;
	int rc;

	while ((rc = sqlite3_exec(log->db, "PRAGMA journal_mode = WAL", NULL,
	                          NULL, NULL)) == SQLITE_BUSY &&
	       g_get_monotonic_time() < end)
		g_usleep(g_random_int_range(1000, 20000));
	return rc == SQLITE_OK ? TRUE : db_error(log, rc, "open it", err);
}

static gboolean
set_up(sq_log *log, GError **err)
{
	return set_wal(log, err) &&
	       exec(log, "PRAGMA synchronous = NORMAL", "open it", err) &&
	       migrate(log, err);
}

static void
sq_close(void *db)
{
	sq_log *log = db;
	int i;

	if (log == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(log->st[i]);
	sqlite3_close(log->db);
	g_free(log->path);
	g_free(log);
}

static void *
sq_open(const char *path, const char *mailbox, gboolean read_only, GError **err)
{
	sq_log *log;
	gboolean empty = FALSE;
	char *name;
	int flags, rc;

	if (read_only && !g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL; /* an empty sent log, ndrcheck.conf(5) */
	if (!read_only && !create_file(path, err))
		return NULL;
	log = g_new0(sq_log, 1);
	log->path = g_strdup(path);
	name = open_name(path, read_only, &flags);
	rc = sqlite3_open_v2(name, &log->db, flags, NULL);
	g_free(name);
	if (rc != SQLITE_OK) {
		db_error(log, rc, "open it", err);
		goto fail;
	}
	sqlite3_busy_timeout(log->db, NDR_DB_BUSY_TIMEOUT_MS);
	if ((read_only ? check_readable(log, &empty, err) : set_up(log, err)) &&
	    !empty)
		return log;
fail: /* or empty: NULL without an error */
	sq_close(log);
	return NULL;
}

/* The row of message_id: *id 0 when absent; *date its date. */
static gboolean
find_row(sq_log *log, const char *message_id, gint64 *id, gint64 *date,
         GError **err)
{
	sqlite3_stmt *s = stmt(log, ST_FIND_ID, err);
	gboolean found;

	*id = 0;
	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	if (!row(log, s, &found, err))
		return FALSE;
	if (found) {
		*id = sqlite3_column_int64(s, 0);
		*date = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return TRUE;
}

static gboolean
insert_message(sq_log *log, const ndr_sent_row *r, gint64 *id, GError **err)
{
	sqlite3_stmt *s = stmt(log, ST_INSERT_MSG, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r->date);
	sqlite3_bind_text(s, 3, r->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->subject, -1, SQLITE_STATIC);
	if (!run(log, s, "record a message", err))
		return FALSE;
	*id = sqlite3_last_insert_rowid(log->db);
	return TRUE;
}

static gboolean
sq_add(void *db, const ndr_sent_row *r, gboolean *added, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s;
	gint64 id, date = r->date;
	guint i;

	*added = FALSE;
	if (!find_row(log, r->message_id, &id, &date, err))
		return FALSE;
	if (id == 0) {
		if (!insert_message(log, r, &id, err))
			return FALSE;
		*added = TRUE;
	}
	/* Recipients keep their message's date, for the window index. */
	for (i = 0; r->to != NULL && i < r->to->len; i++) {
		s = stmt(log, ST_INSERT_RCPT, err);
		if (s == NULL)
			return FALSE;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, r->to->pdata[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, date);
		if (!run(log, s, "record a recipient", err))
			return FALSE;
	}
	return TRUE;
}

static gboolean
sq_find_id(void *db, const char *message_id, gboolean *found,
           ndr_sent_info *info, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s;
	gboolean any;
	gint64 id;

	if (!find_row(log, message_id, &id, &info->date, err))
		return FALSE;
	*found = id != 0;
	if (id == 0)
		return TRUE;
	s = stmt(log, ST_FIRST_RCPT, err);
	if (s == NULL)
		return FALSE;
	sqlite3_bind_int64(s, 1, id);
	/* An aggregate: always one row. */
	if (!row(log, s, &any, err))
		return FALSE;
	if (sqlite3_column_type(s, 0) != SQLITE_NULL)
		info->first_to =
		    g_strdup((const char *)sqlite3_column_text(s, 0));
	info->n_to = (guint)sqlite3_column_int(s, 1);
	sqlite3_reset(s);
	return TRUE;
}

/* The one integer a query of one aggregate gives; 0 for NULL. */
static gboolean
aggregate(sq_log *log, sqlite3_stmt *s, gint64 *value, GError **err)
{
	gboolean found;

	*value = 0;
	if (!row(log, s, &found, err))
		return FALSE;
	if (found)
		*value = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return TRUE;
}

static gboolean
sq_find_recipient(void *db, const char *address, gint64 from, gint64 to,
                  gboolean made_up_only, gint64 *when, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s =
	    stmt(log, made_up_only ? ST_FIND_RCPT_MADE_UP : ST_FIND_RCPT, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return aggregate(log, s, when, err);
}

static gboolean
sq_earliest(void *db, gint64 *date, GError **err)
{
	sqlite3_stmt *s = stmt(db, ST_EARLIEST, err);

	return s != NULL && aggregate(db, s, date, err);
}

static gboolean
sq_hash_check_get(void *db, char **check, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s;
	gboolean found;

	*check = NULL;
	if (log->version < SETTINGS_SINCE)
		return TRUE; /* none: older logs are clear text */
	if ((s = stmt(log, ST_SETTING_GET, err)) == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, "hash_check", -1, SQLITE_STATIC);
	if (!row(log, s, &found, err))
		return FALSE;
	if (found && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*check = g_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return TRUE;
}

static gboolean
sq_hash_check_put(void *db, const char *check, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_SETTING_PUT, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, "hash_check", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, check, -1, SQLITE_STATIC);
	return run(log, s, "save the hash check", err);
}

/* Run statement i with the integer v as ?1. */
static gboolean
run_int(sq_log *log, int i, gint64 v, const char *doing, GError **err)
{
	sqlite3_stmt *s = stmt(log, i, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_int64(s, 1, v);
	return run(log, s, doing, err);
}

static gboolean
sq_cover(void *db, gint64 start, gboolean back, GError **err)
{
	return run_int(db, back ? ST_COVER_BACK : ST_COVER_START, start,
	               "keep what the sent log covers", err);
}

static gboolean
sq_prune(void *db, gint64 before, guint64 *removed, GError **err)
{
	sq_log *log = db;
	const char *doing = "prune the sent log";

	*removed = 0;
	if (!run_int(log, ST_PRUNE_RCPT, before, doing, err) ||
	    !run_int(log, ST_PRUNE_MSG, before, doing, err))
		return FALSE;
	*removed = (guint64)sqlite3_changes64(log->db);
	return run_int(log, ST_PRUNE_COVERAGE, before, doing, err);
}

static gboolean
sq_forget(void *db, const char *message_id, gboolean *found, GError **err)
{
	sq_log *log = db;
	const char *doing = "forget a message";
	gint64 id, date;

	*found = FALSE;
	if (!find_row(log, message_id, &id, &date, err))
		return FALSE;
	*found = id != 0;
	return id == 0 || (run_int(log, ST_FORGET_RCPT, id, doing, err) &&
	                   run_int(log, ST_FORGET_MSG, id, doing, err));
}

static gboolean
sq_count(void *db, guint64 *records, guint64 *mailboxes, GError **err)
{
	sqlite3_stmt *s = stmt(db, ST_COUNT_RECORDS, err);
	gint64 n;

	*mailboxes = 0; /* not kept: the file is the mailbox */
	if (s == NULL || !aggregate(db, s, &n, err))
		return FALSE;
	*records = (guint64)n;
	return TRUE;
}

static gboolean
sq_state_get(void *db, const char *source, ndr_import_state *st,
             gboolean *found, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_STATE_GET, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	if (!row(log, s, found, err))
		return FALSE;
	if (*found) {
		st->size = (guint64)sqlite3_column_int64(s, 0);
		st->mtime_ns = sqlite3_column_int64(s, 1);
		st->inode = (guint64)sqlite3_column_int64(s, 2);
		st->offset = (guint64)sqlite3_column_int64(s, 3);
		if (sqlite3_column_type(s, 4) != SQLITE_NULL)
			st->mark = g_strndup(sqlite3_column_blob(s, 4),
			                     (gsize)sqlite3_column_bytes(s, 4));
	}
	sqlite3_reset(s);
	return TRUE;
}

static gboolean
sq_state_put(void *db, const char *source, const ndr_import_state *st,
             GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_STATE_PUT, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)st->size);
	sqlite3_bind_int64(s, 3, st->mtime_ns);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)st->inode);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)st->offset);
	if (st->mark != NULL)
		sqlite3_bind_blob(s, 6, st->mark, (int)strlen(st->mark),
		                  SQLITE_STATIC);
	return run(log, s, "save the import state", err);
}

static GHashTable *
sq_keys_get(void *db, const char *source, GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_KEYS_GET, err);
	GHashTable *keys;
	int rc;

	if (s == NULL)
		return NULL;
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		g_hash_table_add(
		    keys, g_strdup((const char *)sqlite3_column_text(s, 0)));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		g_hash_table_unref(keys);
		db_error(log, rc, "read the import state", err);
		return NULL;
	}
	return keys;
}

/* Put or drop one key: the two statements take the same parameters. */
static gboolean
key_change(sq_log *log, int which, const char *source, const char *key,
           GError **err)
{
	sqlite3_stmt *s = stmt(log, which, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	return run(log, s, "save the import state", err);
}

static gboolean
sq_key_put(void *db, const char *source, const char *key, GError **err)
{
	return key_change(db, ST_KEY_PUT, source, key, err);
}

static gboolean
sq_key_drop(void *db, const char *source, const char *key, GError **err)
{
	return key_change(db, ST_KEY_DROP, source, key, err);
}

/* The sync state in the current row of ST_SYNC_GET or ST_SYNCS. */
static void
sync_row(sqlite3_stmt *s, ndr_sync_state *st)
{
	st->when = sqlite3_column_int64(s, 0);
	st->finished = sqlite3_column_int(s, 1) != 0;
	st->done = (guint64)sqlite3_column_int64(s, 2);
	st->total = (guint64)sqlite3_column_int64(s, 3);
	st->reached = sqlite3_column_int64(s, 4);
}

static gboolean
sq_sync_get(void *db, const char *source, ndr_sync_state *st, gboolean *found,
            GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s;

	if (log->version < SYNCS_SINCE)
		return TRUE;
	if ((s = stmt(log, ST_SYNC_GET, err)) == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	if (!row(log, s, found, err))
		return FALSE;
	if (*found)
		sync_row(s, st);
	sqlite3_reset(s);
	return TRUE;
}

static gboolean
sq_sync_put(void *db, const char *source, const ndr_sync_state *st,
            GError **err)
{
	sq_log *log = db;
	sqlite3_stmt *s = stmt(log, ST_SYNC_PUT, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, st->when);
	sqlite3_bind_int(s, 3, st->finished != 0);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)st->done);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)st->total);
	sqlite3_bind_int64(s, 6, st->reached);
	return run(log, s, "save the sync state", err);
}

static gboolean
sq_syncs(void *db, GPtrArray *all, GError **err)
{
	sq_log *log = db;
	ndr_sync_entry *e;
	sqlite3_stmt *s;
	int rc;

	if (log->version < SYNCS_SINCE)
		return TRUE;
	if ((s = stmt(log, ST_SYNCS, err)) == NULL)
		return FALSE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		e = g_new0(ndr_sync_entry, 1);
		sync_row(s, &e->st);
		e->source = g_strdup((const char *)sqlite3_column_text(s, 5));
		g_ptr_array_add(all, e);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ||
	       db_error(log, rc, "read the sync state", err);
}

static gboolean
sq_was_locked(void *db)
{
	return ((sq_log *)db)->locked;
}

const ndr_sentlog_ops ndr_sentlog_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = SCHEMA_VERSION,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .add = sq_add,
    .find_id = sq_find_id,
    .find_recipient = sq_find_recipient,
    .earliest = sq_earliest,
    .cover = sq_cover,
    .hash_check_get = sq_hash_check_get,
    .hash_check_put = sq_hash_check_put,
    .prune = sq_prune,
    .count = sq_count,
    .state_get = sq_state_get,
    .state_put = sq_state_put,
    .keys_get = sq_keys_get,
    .key_put = sq_key_put,
    .key_drop = sq_key_drop,
    .forget = sq_forget,
    .sync_get = sq_sync_get,
    .sync_put = sq_sync_put,
    .syncs = sq_syncs,
    .was_locked = sq_was_locked,
};
