/*
 * dbquery.h - one integer from a query on a sent log file, read from
 * outside the library (a connection of its own), for the tests that
 * check what the library stored.
 */
#ifndef NDR_TESTS_DBQUERY_H
#define NDR_TESTS_DBQUERY_H

#include <glib.h>
#include <sqlite3.h>

/* The first column of the first row, or -1 when there is no row. */
static inline gint64
db_query(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	gint64 v = -1;

	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	                ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &s, NULL), ==,
	                SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

#endif /* NDR_TESTS_DBQUERY_H */
