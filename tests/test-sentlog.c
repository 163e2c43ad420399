/*
 * test-sentlog.c - the SQLite sent log: creation and modes, recording
 * real outgoing mail, idempotence, read-only use, and the failures a
 * delivery must survive (a lock held too long, a damaged file).
 */
#include <sys/stat.h>

#include <string.h>

#include "dbquery.h"
#include "error.h"
#include "message.h"
#include "sentlog.h"
#include "tmptree.h"

#define ORIGINAL NDR_SRCDIR "/testdata/sent/lhost-postfix-03-original.eml"

static GMimeMessage *
parse(const char *text, gssize len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	ndr_gmime_init();
	stream = g_mime_stream_mem_new_with_buffer(text, len < 0 ? strlen(text)
	                                                         : (size_t)len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	g_assert_nonnull(msg);
	return msg;
}

static GMimeMessage *
parse_file(const char *path)
{
	GMimeMessage *msg;
	char *text;
	gsize len;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	msg = parse(text, (gssize)len);
	g_free(text);
	return msg;
}

/* Created with its parent folders: file 0600, folders 0700, WAL, v4. */
static void
test_create(void)
{
	char *dir = tmptree_new();
	char *db_dir = g_build_filename(dir, "a", "b", NULL);
	char *path = g_build_filename(db_dir, "sent.db", NULL);
	GError *err = NULL;
	ndr_sentlog *log;
	struct stat sb;
	mode_t old = umask(0);

	log = ndr_sentlog_open(path, FALSE, &err);
	umask(old);
	g_assert_no_error(err);
	g_assert_nonnull(log);
	ndr_sentlog_close(log);
	g_assert_cmpint(stat(path, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
	g_assert_cmpint(stat(db_dir, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 07777, ==, 0700);
	g_assert_cmpint(db_query(path, "PRAGMA user_version"), ==, 4);
	g_assert_cmpint(db_query(path,
	                         "SELECT count(*) FROM pragma_journal_mode "
	                         "WHERE journal_mode = 'wal'"),
	                ==, 1);
	g_free(path);
	g_free(db_dir);
	tmptree_free(dir);
}

/* Reading never creates: a missing log is an empty one. */
static void
test_read_only_missing(void)
{
	char *dir = tmptree_new();
	char *path = g_build_filename(dir, "none", "sent.db", NULL);
	GMimeMessage *msg = parse_file(ORIGINAL);
	GError *err = NULL;
	ndr_sent_info info;
	ndr_sentlog *log;
	gboolean found = TRUE, added;
	gint64 t = 1;

	log = ndr_sentlog_open(path, TRUE, &err);
	g_assert_no_error(err);
	g_assert_true(ndr_sentlog_earliest(log, &t, &err));
	g_assert_cmpint(t, ==, 0);
	g_assert_true(ndr_sentlog_find_id(
	    log, "20140701000000.000000000000@e1.example.ne.jp", &found, &info,
	    &err));
	g_assert_false(found);
	g_assert_false(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
	g_clear_error(&err);
	ndr_sentlog_close(log);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_object_unref(msg);
	g_free(path);
	tmptree_free(dir);
}

/* The real message's fields, once, however often it is recorded. */
static void
test_record_real(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GMimeMessage *msg = parse_file(ORIGINAL);
	GError *err = NULL;
	ndr_sent_info info;
	ndr_sentlog *log;
	gboolean found, added;
	gint64 when;

	log = ndr_sentlog_open(path, FALSE, &err);
	g_assert_true(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_no_error(err);
	g_assert_true(added);
	g_assert_true(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_false(added);
	g_assert_true(ndr_sentlog_find_id(
	    log, "20140701000000.000000000000@e1.example.ne.jp", &found, &info,
	    &err));
	g_assert_true(found);
	g_assert_cmpint(info.date, ==, 1404225959); /* 23:45:59 +0900 */
	g_assert_cmpstr(info.first_to, ==, "kijitora@example.net");
	g_assert_cmpuint(info.n_to, ==, 1);
	g_free(info.first_to);
	/* Message-IDs and addresses compare without case. */
	g_assert_true(ndr_sentlog_find_id(
	    log, "20140701000000.000000000000@E1.EXAMPLE.NE.JP", &found, &info,
	    &err));
	g_assert_true(found);
	g_free(info.first_to);
	g_assert_true(ndr_sentlog_find_recipient(log, "KijiTora@example.NET",
	                                         1404225959 - 10, 1404225959,
	                                         FALSE, &when, &err));
	g_assert_cmpint(when, ==, 1404225959);
	g_assert_true(ndr_sentlog_find_recipient(
	    log, "kijitora@example.net", 0, 1404225958, FALSE, &when, &err));
	g_assert_cmpint(when, ==, 0);
	g_assert_true(ndr_sentlog_earliest(log, &when, &err));
	g_assert_cmpint(when, ==, 1404225959);
	ndr_sentlog_close(log);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM messages"), ==, 1);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM messages WHERE "
	                               "sender = 'shironeko@example.jp' AND "
	                               "subject = 'Message'"),
	                ==, 1);
	g_object_unref(msg);
	g_free(path);
	tmptree_free(dir);
}

/* Every recipient field, groups too; no Message-ID still records once. */
static void
test_record_fields(void)
{
	static const char text[] =
	    "From: Jan <jan@example.org>\n"
	    "To: a@example.net, Team: b@example.net, c@example.net;\n"
	    "Cc: D@Example.NET\n"
	    "Bcc: e@example.net\n"
	    "Resent-To: f@example.net\n"
	    "Resent-Cc: g@example.net\n"
	    "Resent-Bcc: h@example.net\n"
	    "Date: Thu, 20 Nov 2026 10:00:00 +0000\n"
	    "Subject: no id\n\nbody\n";
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GMimeMessage *msg = parse(text, -1);
	GError *err = NULL;
	ndr_sentlog *log;
	gboolean added;
	gint64 when;

	log = ndr_sentlog_open(path, FALSE, &err);
	g_assert_true(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_true(added);
	g_assert_true(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_false(added);
	g_assert_true(ndr_sentlog_find_recipient(
	    log, "d@example.net", 0, G_MAXINT64, FALSE, &when, &err));
	g_assert_cmpint(when, ==, 1795168800);
	/* It was recorded without its Message-ID, and is found as such. */
	g_assert_true(ndr_sentlog_find_recipient(
	    log, "d@example.net", 0, G_MAXINT64, TRUE, &when, &err));
	g_assert_cmpint(when, ==, 1795168800);
	ndr_sentlog_close(log);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM recipients"), ==,
	                8);
	g_assert_cmpint(db_query(path,
	                         "SELECT count(*) FROM messages WHERE "
	                         "message_id LIKE '%@ndrcheck.invalid' AND "
	                         "sender = 'jan@example.org'"),
	                ==, 1);
	g_object_unref(msg);
	g_free(path);
	tmptree_free(dir);
}

/*
 * Another process holding the write lock past the busy timeout: the
 * record fails with ETEMP (it waits NDR_DB_BUSY_TIMEOUT_MS first).
 */
static void
test_locked(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GMimeMessage *msg = parse_file(ORIGINAL);
	GError *err = NULL;
	ndr_sentlog *log;
	gboolean added;
	sqlite3 *other;

	log = ndr_sentlog_open(path, FALSE, &err);
	g_assert_no_error(err);
	g_assert_cmpint(sqlite3_open(path, &other), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_exec(other,
	                 "BEGIN EXCLUSIVE; INSERT INTO messages (message_id, "
	                 "date) VALUES ('x@example.org', 1)",
	                 NULL, NULL, NULL),
	    ==, SQLITE_OK);
	g_assert_false(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
	g_assert_nonnull(strstr(err->message, "is locked"));
	g_assert_true(ndr_sentlog_was_locked(log));
	g_clear_error(&err);
	ndr_sentlog_close(log);

	/* Exclusive locking mode keeps even readers out. */
	g_assert_cmpint(
	    sqlite3_exec(other,
	                 "COMMIT; PRAGMA locking_mode = EXCLUSIVE; "
	                 "BEGIN EXCLUSIVE; DELETE FROM messages; COMMIT",
	                 NULL, NULL, NULL),
	    ==, SQLITE_OK);
	log = ndr_sentlog_open(path, TRUE, &err);
	g_assert_null(log);
	g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
	g_clear_error(&err);
	sqlite3_close(other);
	g_object_unref(msg);
	g_free(path);
	tmptree_free(dir);
}

/* A file that is no database: ETEMP, whichever way it is opened. */
static void
test_corrupt(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	char garbage[8192];
	GError *err = NULL;
	gboolean ro;

	memset(garbage, 'x', sizeof(garbage));
	g_assert_true(
	    g_file_set_contents(path, garbage, sizeof(garbage), NULL));
	for (ro = FALSE; ro <= TRUE; ro++) {
		g_assert_null(ndr_sentlog_open(path, ro, &err));
		g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
		g_assert_nonnull(strstr(err->message, "damaged"));
		g_assert_nonnull(strstr(err->message, path));
		g_clear_error(&err);
	}
	g_free(path);
	tmptree_free(dir);
}

/* Record one message dated date (seconds, UTC) with Message-ID id. */
static void
record_dated(ndr_sentlog *log, const char *id, gint64 date)
{
	GDateTime *t = g_date_time_new_from_unix_utc(date);
	char *when = g_date_time_format(t, "%a, %d %b %Y %H:%M:%S +0000");
	char *text = g_strdup_printf("From: me@example.org\n"
	                             "To: you@example.net\n"
	                             "Message-ID: <%s>\n"
	                             "Date: %s\n"
	                             "Subject: dated\n\nbody\n",
	                             id, when);
	GMimeMessage *msg = parse(text, -1);
	GError *err = NULL;
	gboolean added;

	g_assert_true(ndr_sentlog_record(log, msg, &added, &err));
	g_assert_no_error(err);
	g_assert_true(added);
	g_object_unref(msg);
	g_free(text);
	g_free(when);
	g_date_time_unref(t);
}

static gint64
coverage(ndr_sentlog *log)
{
	GError *err = NULL;
	gint64 start = -1;

	g_assert_true(ndr_sentlog_earliest(log, &start, &err));
	g_assert_no_error(err);
	return start;
}

/*
 * No recorded message's own Date widens what the log covers: the first
 * record starts it; a later one dated 1970, earlier, or in the far
 * future leaves it where it was.  Only ndr_sentlog_cover() moves it
 * back, and never forward.
 */
static void
test_coverage(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GError *err = NULL;
	ndr_sentlog *log = ndr_sentlog_open(path, FALSE, &err);
	const gint64 start = 1404225959; /* 2014-07-01 */

	g_assert_no_error(err);
	g_assert_cmpint(coverage(log), ==, 0);
	record_dated(log, "first@example.org", start);
	g_assert_cmpint(coverage(log), ==, start);
	record_dated(log, "epoch@example.org", 0);
	record_dated(log, "older@example.org", start - 86400 * 365);
	record_dated(log, "future@example.org", G_GINT64_CONSTANT(4102444800));
	g_assert_cmpint(coverage(log), ==, start);
	g_assert_true(ndr_sentlog_cover(log, start + 100, &err));
	g_assert_cmpint(coverage(log), ==, start);
	g_assert_true(ndr_sentlog_cover(log, start - 100, &err));
	g_assert_no_error(err);
	g_assert_cmpint(coverage(log), ==, start - 100);
	ndr_sentlog_close(log);
	g_free(path);
	tmptree_free(dir);
}

/* A first record dated 1970 or in the future starts coverage now. */
static void
test_coverage_insane_first(void)
{
	const gint64 dates[] = {0, 86400, G_GINT64_CONSTANT(4102444800)};
	char *dir = tmptree_new(), *path;
	GError *err = NULL;
	ndr_sentlog *log;
	gint64 before;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(dates); i++) {
		path = g_strdup_printf("%s/sent%zu.db", dir, i);
		log = ndr_sentlog_open(path, FALSE, &err);
		g_assert_no_error(err);
		before = g_get_real_time() / G_USEC_PER_SEC;
		record_dated(log, "insane@example.org", dates[i]);
		g_assert_cmpint(coverage(log), >=, before);
		g_assert_cmpint(coverage(log), <=,
		                g_get_real_time() / G_USEC_PER_SEC);
		ndr_sentlog_close(log);
		g_free(path);
	}
	tmptree_free(dir);
}

/*
 * A log of schema 1 (coverage read off min(date)) covers from the
 * upgrade on, keeps its records, and forgets its import states so that
 * the next sync reads its folders again and says how far back they go.
 */
static void
test_migrate_coverage(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GError *err = NULL;
	ndr_sentlog *log;
	sqlite3 *db;
	gint64 before = g_get_real_time() / G_USEC_PER_SEC;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_exec(
	        db,
	        "CREATE TABLE messages (id INTEGER PRIMARY KEY, message_id "
	        "TEXT NOT NULL UNIQUE COLLATE NOCASE, date INTEGER NOT NULL, "
	        "sender TEXT, subject TEXT);"
	        "CREATE INDEX messages_by_date ON messages (date);"
	        "CREATE TABLE recipients (message INTEGER NOT NULL REFERENCES "
	        "messages (id), address TEXT NOT NULL, date INTEGER NOT NULL, "
	        "PRIMARY KEY (message, address)) WITHOUT ROWID;"
	        "CREATE INDEX recipients_by_address ON recipients (address, "
	        "date);"
	        "CREATE TABLE import_state (source TEXT PRIMARY KEY, size "
	        "INTEGER, mtime_ns INTEGER, inode INTEGER, offset INTEGER, "
	        "mark "
	        "BLOB) WITHOUT ROWID;"
	        "CREATE TABLE import_keys (source TEXT NOT NULL, key TEXT NOT "
	        "NULL, PRIMARY KEY (source, key)) WITHOUT ROWID;"
	        "INSERT INTO messages VALUES (1, 'poison@example.org', 0, "
	        "NULL, NULL), (2, 'real@example.org', 1404225959, NULL, NULL);"
	        "INSERT INTO import_state VALUES ('/Sent', 1, 1, 1, 0, NULL);"
	        "INSERT INTO import_keys VALUES ('/Sent', 'k');"
	        "PRAGMA user_version = 1;",
	        NULL, NULL, NULL),
	    ==, SQLITE_OK);
	sqlite3_close(db);
	log = ndr_sentlog_open(path, FALSE, &err);
	g_assert_no_error(err);
	g_assert_cmpint(coverage(log), >=, before);
	ndr_sentlog_close(log);
	g_assert_cmpint(db_query(path, "PRAGMA user_version"), ==, 4);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM messages"), ==, 2);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM import_state"), ==,
	                0);
	g_assert_cmpint(db_query(path, "SELECT count(*) FROM import_keys"), ==,
	                0);
	g_free(path);
	tmptree_free(dir);
}

/*
 * A sync's state is kept per source and listed by name; a log of schema
 * 2 (before sync states) is still read read-only, as holding none.
 */
static void
test_sync_state(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	ndr_sync_state st = {.when = 1700000000,
	                     .done = 12,
	                     .total = 250000,
	                     .reached = 1690000000},
	               got;
	GError *err = NULL;
	ndr_sentlog *log = ndr_sentlog_open(path, FALSE, &err);
	gboolean found;
	GPtrArray *all;
	sqlite3 *db;

	g_assert_no_error(err);
	g_assert_true(ndr_sentlog_sync_get(log, "/b", &got, &found, &err));
	g_assert_false(found);
	g_assert_true(ndr_sentlog_sync_put(log, "/b", &st, &err));
	st.finished = TRUE;
	g_assert_true(ndr_sentlog_sync_put(log, "/a", &st, &err));
	g_assert_true(ndr_sentlog_sync_get(log, "/b", &got, &found, &err));
	g_assert_no_error(err);
	g_assert_true(found);
	g_assert_false(got.finished);
	g_assert_cmpint(got.when, ==, 1700000000);
	g_assert_cmpuint(got.done, ==, 12);
	g_assert_cmpuint(got.total, ==, 250000);
	g_assert_cmpint(got.reached, ==, 1690000000);
	all = ndr_sentlog_syncs(log, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(all->len, ==, 2);
	g_assert_cmpstr(((ndr_sync_entry *)all->pdata[0])->source, ==, "/a");
	g_assert_true(((ndr_sync_entry *)all->pdata[0])->st.finished);
	g_ptr_array_unref(all);
	ndr_sentlog_close(log);

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_exec(db, "DROP TABLE syncs; PRAGMA user_version = 2", NULL,
	                 NULL, NULL),
	    ==, SQLITE_OK);
	sqlite3_close(db);
	log = ndr_sentlog_open(path, TRUE, &err);
	g_assert_no_error(err);
	g_assert_true(ndr_sentlog_sync_get(log, "/b", &got, &found, &err));
	g_assert_no_error(err);
	g_assert_false(found);
	ndr_sentlog_close(log);
	g_free(path);
	tmptree_free(dir);
}

/* A newer schema is not guessed at. */
static void
test_newer_schema(void)
{
	char *dir = tmptree_new(),
	     *path = g_build_filename(dir, "sent.db", NULL);
	GError *err = NULL;
	sqlite3 *db;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
	    SQLITE_OK);
	sqlite3_close(db);
	g_assert_null(ndr_sentlog_open(path, FALSE, &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
	g_assert_nonnull(strstr(err->message, "newer"));
	g_clear_error(&err);
	g_free(path);
	tmptree_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sentlog/create-modes", test_create);
	g_test_add_func("/sentlog/read-only-missing", test_read_only_missing);
	g_test_add_func("/sentlog/record-real", test_record_real);
	g_test_add_func("/sentlog/record-fields", test_record_fields);
	g_test_add_func("/sentlog/locked", test_locked);
	g_test_add_func("/sentlog/corrupt", test_corrupt);
	g_test_add_func("/sentlog/newer-schema", test_newer_schema);
	g_test_add_func("/sentlog/coverage", test_coverage);
	g_test_add_func("/sentlog/coverage-insane-first",
	                test_coverage_insane_first);
	g_test_add_func("/sentlog/migrate-coverage", test_migrate_coverage);
	g_test_add_func("/sentlog/sync-state", test_sync_state);
	return g_test_run();
}
