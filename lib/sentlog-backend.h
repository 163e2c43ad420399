/*
 * sentlog-backend.h - what a storage engine of the sent log provides.
 *
 * sentlog.c keeps everything that does not depend on the engine (the
 * record made from a message, made-up Message-IDs, lower-casing and
 * hashing of keys, transaction nesting, where coverage starts) and calls
 * one of these tables of operations: sentlog-sqlite.c (a file per user) or
 * sentlog-pg.c (PostgreSQL, many mailboxes in one database).  Keys come
 * in normalized: a Message-ID or address lower-cased, or its keyed hash.
 * Every failure is a GError of NDR_ERROR, NDRCHECK_ETEMP unless the
 * configuration itself is wrong (NDRCHECK_EUSAGE).
 */
#ifndef NDR_SENTLOG_BACKEND_H
#define NDR_SENTLOG_BACKEND_H

#include "sentlog.h"

/* One message as stored: every key normalized by sentlog.c. */
typedef struct ndr_sent_row {
	const char *message_id; /* key */
	gboolean made_up;       /* recorded without its own Message-ID */
	gint64 date;
	const char *sender;  /* NULL when hashing */
	const char *subject; /* NULL when hashing */
	const GPtrArray *to; /* of const char *, keys */
} ndr_sent_row;

typedef struct ndr_sentlog_ops {
	const char *name; /* "sqlite", "postgresql" */
	/*
	 * Open where (a path, a URI) for mailbox; NULL and no error: read
	 * only, and there is nothing yet (an empty sent log).
	 */
	void *(*open)(const char *where, const char *mailbox,
	              gboolean read_only, GError **err);
	void (*close)(void *db);
	int schema_version; /* the one this ndrcheck makes and reads */
	gboolean (*begin)(void *db, GError **err);
	gboolean (*commit)(void *db, GError **err);
	void (*rollback)(void *db);
	/* Add a message, or the recipients it lacks; *added if new. */
	gboolean (*add)(void *db, const ndr_sent_row *row, gboolean *added,
	                GError **err);
	gboolean (*find_id)(void *db, const char *message_id, gboolean *found,
	                    ndr_sent_info *info, GError **err);
	gboolean (*find_recipient)(void *db, const char *address, gint64 from,
	                           gint64 to, gboolean made_up_only,
	                           gint64 *when, GError **err);
	/* Where coverage starts as stored; 0 for none (nothing covered). */
	gboolean (*earliest)(void *db, gint64 *date, GError **err);
	/*
	 * Coverage starts at start: back, never later than it was; else
	 * only if it had no start (the first record).
	 */
	gboolean (*cover)(void *db, gint64 start, gboolean back, GError **err);
	/* The keyed-hash check value stored (g_free), or NULL for none. */
	gboolean (*hash_check_get)(void *db, char **check, GError **err);
	gboolean (*hash_check_put)(void *db, const char *check, GError **err);
	/*
	 * Remove the records older than before and move a coverage start
	 * before it forward to it: a pruned period is no longer covered.
	 */
	gboolean (*prune)(void *db, gint64 before, guint64 *removed,
	                  GError **err);
	gboolean (*count)(void *db, guint64 *records, guint64 *mailboxes,
	                  GError **err);
	gboolean (*state_get)(void *db, const char *source,
	                      ndr_import_state *st, gboolean *found,
	                      GError **err);
	gboolean (*state_put)(void *db, const char *source,
	                      const ndr_import_state *st, GError **err);
	GHashTable *(*keys_get)(void *db, const char *source, GError **err);
	gboolean (*key_put)(void *db, const char *source, const char *key,
	                    GError **err);
	gboolean (*key_drop)(void *db, const char *source, const char *key,
	                     GError **err);
	/* Remove a message and its recipients; *found if there was one. */
	gboolean (*forget)(void *db, const char *message_id, gboolean *found,
	                   GError **err);
	/* Sync states (none in a schema that predates them); syncs()
	 * appends ndr_sync_entry *s, by source. */
	gboolean (*sync_get)(void *db, const char *source, ndr_sync_state *st,
	                     gboolean *found, GError **err);
	gboolean (*sync_put)(void *db, const char *source,
	                     const ndr_sync_state *st, GError **err);
	gboolean (*syncs)(void *db, GPtrArray *all, GError **err);
	gboolean (*was_locked)(void *db);
} ndr_sentlog_ops;

extern const ndr_sentlog_ops ndr_sentlog_sqlite;
extern const ndr_sentlog_ops ndr_sentlog_pg;

#endif /* NDR_SENTLOG_BACKEND_H */
