/*
 * sentlog.c - the sent log in SQLite (see sentlog.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "import.h"
#include "ndrlimits.h"
#include "sentlog.h"

/*
 * migrations[v] brings a database of schema version v to v + 1; the
 * version reached is kept in PRAGMA user_version.  A later release adds
 * its step at the end and never edits an earlier one.
 */
static const char *const migrations[] = {
    /* 0 -> 1.  recipients repeats the date so that the window lookup
     * of ndrcheck.conf(5) (window) reads one index and no table. */
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
};
#define SCHEMA_VERSION ((int)G_N_ELEMENTS(migrations))

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
	ST_FIND_RCPT_NO_ID,
	ST_EARLIEST,
	ST_STATE_GET,
	ST_STATE_PUT,
	ST_KEYS_GET,
	ST_KEY_PUT,
	ST_KEY_DROP,
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
    [ST_FIND_RCPT_NO_ID] =
        "SELECT max(r.date) FROM recipients r JOIN messages m "
        "ON m.id = r.message WHERE r.address = ?1 AND r.date BETWEEN ?2 "
        "AND ?3 AND m.message_id LIKE '%ndrcheck.invalid'",
    [ST_EARLIEST] = "SELECT min(date) FROM messages",
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
};

struct ndr_sentlog {
	sqlite3 *db; /* NULL: no database file, an empty sent log */
	char *path;
	gboolean read_only;
	int depth;       /* of nested ndr_sentlog_begin() */
	gboolean locked; /* the last failure was a lock wait past the timeout */
	sqlite3_stmt *st[ST_COUNT];
};

/* Report a failed SQLite call as what it means to the user. */
static gboolean
db_error(ndr_sentlog *log, int rc, const char *doing, GError **err)
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
stmt(ndr_sentlog *log, int i, GError **err)
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
run(ndr_sentlog *log, sqlite3_stmt *s, const char *doing, GError **err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_error(log, rc, doing, err);
	return TRUE;
}

/* One row of s: TRUE and *row when there is one. */
static gboolean
row(ndr_sentlog *log, sqlite3_stmt *s, gboolean *found, GError **err)
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
exec(ndr_sentlog *log, const char *text, const char *doing, GError **err)
{
	int rc = sqlite3_exec(log->db, text, NULL, NULL, NULL);

	return rc == SQLITE_OK ? TRUE : db_error(log, rc, doing, err);
}

static gboolean
user_version(ndr_sentlog *log, int *version, GError **err)
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
too_new(ndr_sentlog *log, int version, GError **err)
{
	g_set_error(
	    err, NDR_ERROR, NDRCHECK_ETEMP,
	    "sent log %s has schema version %d, newer than this ndrcheck "
	    "knows (%d): upgrade ndrcheck",
	    log->path, version, SCHEMA_VERSION);
	return FALSE;
}

/* Bring the schema up to date, in one transaction. */
static gboolean
migrate(ndr_sentlog *log, GError **err)
{
	char *set;
	int v;

	if (!ndr_sentlog_begin(log, err))
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
	return ndr_sentlog_commit(log, err);
fail:
	ndr_sentlog_rollback(log);
	return FALSE;
}

/* The file, 0600, in its directory, 0700 (with parents) when new. */
static gboolean
create_file(const char *path, GError **err)
{
	char *dir = g_path_get_dirname(path);
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
	g_free(dir);
	/* SQLite would create it 0644: the log says whom we write to. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot create the sent log %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/*
 * Read-only: a database of an older schema cannot be migrated here, and
 * one never given tables (version 0) holds nothing.
 */
static gboolean
check_readable(ndr_sentlog *log, GError **err)
{
	int v;

	if (!user_version(log, &v, err))
		return FALSE;
	if (v > SCHEMA_VERSION)
		return too_new(log, v, err);
	if (v == 0) {
		sqlite3_close(log->db);
		log->db = NULL;
		return TRUE;
	}
	if (v < SCHEMA_VERSION) {
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_ETEMP,
		    "sent log %s has the old schema version %d: run "
		    "\"ndrcheck import\" or \"ndrcheck record\" once to "
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
set_wal(ndr_sentlog *log, GError **err)
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
set_up(ndr_sentlog *log, GError **err)
{
	return set_wal(log, err) &&
	       exec(log, "PRAGMA synchronous = NORMAL", "open it", err) &&
	       migrate(log, err);
}

ndr_sentlog *
ndr_sentlog_open(const char *path, gboolean read_only, GError **err)
{
	ndr_sentlog *log = g_new0(ndr_sentlog, 1);
	int flags, rc;

	log->path = g_strdup(path);
	log->read_only = read_only;
	if (read_only && !g_file_test(path, G_FILE_TEST_EXISTS))
		return log; /* an empty sent log, ndrcheck.conf(5) */
	if (!read_only && !create_file(path, err))
		goto fail;
	flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	        SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &log->db, flags, NULL);
	if (rc != SQLITE_OK) {
		db_error(log, rc, "open it", err);
		goto fail;
	}
	sqlite3_busy_timeout(log->db, NDR_DB_BUSY_TIMEOUT_MS);
	if (read_only ? check_readable(log, err) : set_up(log, err))
		return log;
fail:
	ndr_sentlog_close(log);
	return NULL;
}

void
ndr_sentlog_close(ndr_sentlog *log)
{
	int i;

	if (log == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(log->st[i]);
	sqlite3_close(log->db);
	g_free(log->path);
	g_free(log);
}

const char *
ndr_sentlog_path(const ndr_sentlog *log)
{
	return log->path;
}

static gboolean
writable(ndr_sentlog *log, GError **err)
{
	if (log->db != NULL && !log->read_only)
		return TRUE;
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "sent log %s is open for reading only", log->path);
	return FALSE;
}

gboolean
ndr_sentlog_begin(ndr_sentlog *log, GError **err)
{
	sqlite3_stmt *s;

	if (!writable(log, err))
		return FALSE;
	if (log->depth > 0) {
		log->depth++;
		return TRUE;
	}
	s = stmt(log, ST_BEGIN, err);
	if (s == NULL || !run(log, s, "start writing", err))
		return FALSE;
	log->depth = 1;
	return TRUE;
}

gboolean
ndr_sentlog_commit(ndr_sentlog *log, GError **err)
{
	sqlite3_stmt *s;

	g_return_val_if_fail(log->depth > 0, FALSE);
	if (--log->depth > 0)
		return TRUE;
	s = stmt(log, ST_COMMIT, err);
	if (s != NULL && run(log, s, "save", err))
		return TRUE;
	ndr_sentlog_rollback(log);
	return FALSE;
}

void
ndr_sentlog_rollback(ndr_sentlog *log)
{
	sqlite3_stmt *s;

	if (log->depth == 0)
		return;
	log->depth = 0;
	s = stmt(log, ST_ROLLBACK, NULL);
	if (s != NULL)
		run(log, s, "roll back", NULL);
}

/* Addresses are compared without case: stored and looked up lower-cased. */
static char *
lower_address(const char *address)
{
	if (g_utf8_validate(address, -1, NULL))
		return g_utf8_strdown(address, -1);
	return g_ascii_strdown(address, -1);
}

/* The made-up Message-ID of a message without one (see sentlog.h). */
static char *
made_up_id(const ndr_sent *s, gint64 date)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	char *id, *when = g_strdup_printf("%" G_GINT64_FORMAT "\n", date);
	guint i;

	g_checksum_update(sum, (const guchar *)when, -1);
	g_checksum_update(sum, (const guchar *)(s->from ? s->from : ""), -1);
	g_checksum_update(sum, (const guchar *)"\n", 1);
	g_checksum_update(sum, (const guchar *)(s->subject ? s->subject : ""),
	                  -1);
	for (i = 0; s->to != NULL && i < s->to->len; i++) {
		g_checksum_update(sum, (const guchar *)"\n", 1);
		g_checksum_update(sum, (const guchar *)s->to->pdata[i], -1);
	}
	id = g_strdup_printf("%.32s@ndrcheck.invalid",
	                     g_checksum_get_string(sum));
	g_checksum_free(sum);
	g_free(when);
	return id;
}

/* The row of message_id: *id 0 when absent; *date its date. */
static gboolean
find_row(ndr_sentlog *log, const char *message_id, gint64 *id, gint64 *date,
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
insert_message(ndr_sentlog *log, const char *message_id, gint64 date,
               const ndr_sent *sent, gint64 *id, GError **err)
{
	sqlite3_stmt *s = stmt(log, ST_INSERT_MSG, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, date);
	sqlite3_bind_text(s, 3, sent->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, sent->subject, -1, SQLITE_STATIC);
	if (!run(log, s, "record a message", err))
		return FALSE;
	*id = sqlite3_last_insert_rowid(log->db);
	return TRUE;
}

static gboolean
insert_recipients(ndr_sentlog *log, gint64 id, gint64 date, const GPtrArray *to,
                  GError **err)
{
	sqlite3_stmt *s;
	gboolean ok = TRUE;
	char *addr;
	guint i;

	for (i = 0; to != NULL && i < to->len && ok; i++) {
		s = stmt(log, ST_INSERT_RCPT, err);
		if (s == NULL)
			return FALSE;
		addr = lower_address(to->pdata[i]);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, addr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, date);
		ok = run(log, s, "record a recipient", err);
		g_free(addr);
	}
	return ok;
}

gboolean
ndr_sentlog_add(ndr_sentlog *log, const ndr_sent *s, gboolean *added,
                GError **err)
{
	gint64 date =
	    s->date != 0 ? s->date : g_get_real_time() / G_USEC_PER_SEC;
	char *made_up = NULL;
	const char *mid = s->message_id;
	gint64 id, old_date = 0;
	gboolean ok;

	*added = FALSE;
	if (!ndr_sentlog_begin(log, err))
		return FALSE;
	if (mid == NULL || *mid == '\0')
		mid = made_up = made_up_id(s, date);
	ok = find_row(log, mid, &id, &old_date, err);
	if (ok && id == 0) {
		ok = insert_message(log, mid, date, s, &id, err);
		old_date = date;
		*added = ok;
	}
	/* Recipients keep their message's date, for the window index. */
	ok = ok && insert_recipients(log, id, old_date, s->to, err);
	g_free(made_up);
	if (!ok) {
		ndr_sentlog_rollback(log);
		*added = FALSE;
		return FALSE;
	}
	return ndr_sentlog_commit(log, err);
}

/* Every address of the fields named (groups flattened) into out. */
static void
add_addresses(GPtrArray *out, InternetAddressList *list)
{
	InternetAddress *a;
	int i, n = list != NULL ? internet_address_list_length(list) : 0;

	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			add_addresses(out, internet_address_group_get_members(
			                       INTERNET_ADDRESS_GROUP(a)));
		else if (internet_address_mailbox_get_addr(
		             INTERNET_ADDRESS_MAILBOX(a))[0] != '\0')
			g_ptr_array_add(
			    out, g_strdup(internet_address_mailbox_get_addr(
			             INTERNET_ADDRESS_MAILBOX(a))));
	}
}

static gboolean
name_in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (g_ascii_strcasecmp(name, *names) == 0)
			return TRUE;
	return FALSE;
}

/* The addresses of every header field of msg named one of names. */
static GPtrArray *
addresses(GMimeMessage *msg, const char *const *names)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	InternetAddressList *list;
	GMimeHeader *h;
	int i, n = g_mime_header_list_get_count(hl);

	for (i = 0; i < n && i < (int)NDR_MAX_HEADERS; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		if (!name_in(g_mime_header_get_name(h), names))
			continue;
		list = internet_address_list_parse(
		    NULL, g_mime_header_get_raw_value(h));
		add_addresses(out, list);
		if (list != NULL)
			g_object_unref(list);
	}
	return out;
}

/* Subject as stored: one line, at most NDR_MAX_FIELD_BYTES. */
static char *
short_subject(GMimeMessage *msg)
{
	const char *subject = g_mime_message_get_subject(msg);
	char *copy;

	if (subject == NULL)
		return NULL;
	copy = g_utf8_make_valid(subject, -1);
	if (strlen(copy) > NDR_MAX_FIELD_BYTES)
		*g_utf8_find_prev_char(copy, copy + NDR_MAX_FIELD_BYTES + 1) =
		    '\0';
	return copy;
}

gboolean
ndr_sentlog_record(ndr_sentlog *log, GMimeMessage *msg, gboolean *added,
                   GError **err)
{
	static const char *const from_names[] = {"From", NULL};
	static const char *const to_names[] = {
	    "To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", NULL};
	GPtrArray *from = addresses(msg, from_names);
	GDateTime *date = g_mime_message_get_date(msg);
	ndr_sent s = {
	    .message_id = g_mime_message_get_message_id(msg),
	    .date = date != NULL ? g_date_time_to_unix(date) : 0,
	    .from = from->len > 0 ? from->pdata[0] : NULL,
	    .to = addresses(msg, to_names),
	};
	char *subject = short_subject(msg);
	gboolean ok;

	s.subject = subject;
	ok = ndr_sentlog_add(log, &s, added, err);
	g_free(subject);
	g_ptr_array_unref(s.to);
	g_ptr_array_unref(from);
	return ok;
}

gboolean
ndr_sentlog_find_id(ndr_sentlog *log, const char *message_id, gboolean *found,
                    ndr_sent_info *info, GError **err)
{
	sqlite3_stmt *s;
	gboolean any;
	gint64 id;

	*found = FALSE;
	memset(info, 0, sizeof(*info));
	if (log == NULL || log->db == NULL)
		return TRUE;
	if (!find_row(log, message_id, &id, &info->date, err))
		return FALSE;
	if (id == 0)
		return TRUE;
	*found = TRUE;
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
aggregate(ndr_sentlog *log, sqlite3_stmt *s, gint64 *value, GError **err)
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

gboolean
ndr_sentlog_find_recipient(ndr_sentlog *log, const char *address, gint64 from,
                           gint64 to, gboolean without_id, gint64 *when,
                           GError **err)
{
	sqlite3_stmt *s;
	char *addr;
	gboolean ok;

	*when = 0;
	if (log == NULL || log->db == NULL)
		return TRUE;
	s = stmt(log, without_id ? ST_FIND_RCPT_NO_ID : ST_FIND_RCPT, err);
	if (s == NULL)
		return FALSE;
	addr = lower_address(address);
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	ok = aggregate(log, s, when, err);
	g_free(addr);
	return ok;
}

gboolean
ndr_sentlog_earliest(ndr_sentlog *log, gint64 *date, GError **err)
{
	sqlite3_stmt *s;

	*date = 0;
	if (log == NULL || log->db == NULL)
		return TRUE;
	s = stmt(log, ST_EARLIEST, err);
	return s != NULL && aggregate(log, s, date, err);
}

gboolean
ndr_sentlog_state_get(ndr_sentlog *log, const char *source,
                      ndr_import_state *st, gboolean *found, GError **err)
{
	sqlite3_stmt *s = stmt(log, ST_STATE_GET, err);

	memset(st, 0, sizeof(*st));
	*found = FALSE;
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

gboolean
ndr_sentlog_state_put(ndr_sentlog *log, const char *source,
                      const ndr_import_state *st, GError **err)
{
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

GHashTable *
ndr_sentlog_keys_get(ndr_sentlog *log, const char *source, GError **err)
{
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
key_change(ndr_sentlog *log, int which, const char *source, const char *key,
           GError **err)
{
	sqlite3_stmt *s = stmt(log, which, err);

	if (s == NULL)
		return FALSE;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	return run(log, s, "save the import state", err);
}

gboolean
ndr_sentlog_key_put(ndr_sentlog *log, const char *source, const char *key,
                    GError **err)
{
	return key_change(log, ST_KEY_PUT, source, key, err);
}

gboolean
ndr_sentlog_key_drop(ndr_sentlog *log, const char *source, const char *key,
                     GError **err)
{
	return key_change(log, ST_KEY_DROP, source, key, err);
}

gboolean
ndr_sentlog_was_locked(const ndr_sentlog *log)
{
	return log->locked;
}
