/*
 * sentlog.h - the sent log: what we sent.
 *
 * Messages (Message-ID, date, from, subject) and their recipients,
 * indexed by Message-ID and by address and date, in one of two backends
 * chosen by the location's form (sentlog-backend.h): a path is an SQLite
 * file of one user (sentlog-sqlite.c), a postgresql:// URI a PostgreSQL
 * database of many mailboxes (sentlog-pg.c), where a handle sees only
 * its own mailbox.  Nothing above this interface knows which.  With a
 * hash key, Message-IDs and addresses are stored as keyed hashes
 * (HMAC-SHA256), and looked up the same way.  A database that cannot be
 * reached, is locked or damaged past its bound, or was made by a newer
 * ndrcheck is an NDRCHECK_ETEMP error.
 *
 * A message without a Message-ID is recorded under a made-up one,
 * "HASH@ndrcheck.invalid" (HASH of its date, From, Subject and
 * recipients), so that recording it again adds nothing; no real
 * Message-ID ends in the reserved ".invalid" domain (RFC 2606).
 */
#ifndef NDR_SENTLOG_H
#define NDR_SENTLOG_H

#include <gmime/gmime.h>

#include "config.h"

typedef struct ndr_sentlog ndr_sentlog;

/* What the config says of the sent log besides where it is. */
typedef struct ndr_sentlog_settings {
	const char *mailbox;  /* whose records; NULL: the login name */
	const char *hash_key; /* file of the secret, or NULL: clear text */
	int keep_days;        /* prune records older than this; 0: never */
} ndr_sentlog_settings;

/* TRUE if where is a PostgreSQL URI rather than a file. */
gboolean ndr_sentlog_is_uri(const char *where);

/*
 * Open (read-write: creating the file and its directories, or the
 * tables, and pruning what keep_days no longer keeps) or open for
 * reading only, which never creates anything: a missing file, or a
 * database without tables, is then an empty sent log.  A log written
 * with another hash key (or none) is refused (NDRCHECK_EUSAGE).
 */
ndr_sentlog *ndr_sentlog_open_with(const char *where,
                                   const ndr_sentlog_settings *set,
                                   gboolean read_only, GError **err);
/* ndr_sentlog_open_with() with the default settings. */
ndr_sentlog *ndr_sentlog_open(const char *path, gboolean read_only,
                              GError **err);
void ndr_sentlog_close(ndr_sentlog *log);
const char *ndr_sentlog_path(const ndr_sentlog *log);

/* Record one outgoing message; *added is FALSE if it was there already. */
gboolean ndr_sentlog_record(ndr_sentlog *log, GMimeMessage *msg,
                            gboolean *added, GError **err);

/* TRUE if the last failure was a lock held past the busy timeout. */
gboolean ndr_sentlog_was_locked(const ndr_sentlog *log);

/* One sent message, as recorded or as an MTA log tells of it. */
typedef struct ndr_sent {
	const char *message_id; /* without <>; NULL: made up from the rest */
	gint64 date;            /* Unix time; 0: now */
	const char *from;       /* bare address, or NULL */
	const char *subject;    /* or NULL */
	GPtrArray *to;          /* of const char *, bare addresses, or NULL */
} ndr_sent;

/*
 * Add a message, or the recipients it lacks to one already there (an MTA
 * log names them line by line); *added is TRUE only for a new message.
 */
gboolean ndr_sentlog_add(ndr_sentlog *log, const ndr_sent *s, gboolean *added,
                         GError **err);

/*
 * Transactions for bulk work; they nest (only the outermost commits).
 * Rollback undoes the outermost transaction whatever the depth.
 */
gboolean ndr_sentlog_begin(ndr_sentlog *log, GError **err);
gboolean ndr_sentlog_commit(ndr_sentlog *log, GError **err);
void ndr_sentlog_rollback(ndr_sentlog *log);

/* What the sent log knows of a Message-ID. */
typedef struct ndr_sent_info {
	gint64 date;    /* when it was sent */
	char *first_to; /* its first recipient (by address), or NULL */
	guint n_to;     /* how many recipients it had */
} ndr_sent_info;

/* *found and, when found, *info (g_free info->first_to). */
gboolean ndr_sentlog_find_id(ndr_sentlog *log, const char *message_id,
                             gboolean *found, ndr_sent_info *info,
                             GError **err);

/*
 * How to name a message beside its record (the corrections, correct.c)
 * without telling more than the record does: with a hash key the keyed
 * hash its record holds, in clear text the Message-ID as given.
 * ndr_sentlog_find_named() and ndr_sentlog_forget_named() take the name.
 */
char *ndr_sentlog_name_of(const ndr_sentlog *log, const char *message_id);
gboolean ndr_sentlog_find_named(ndr_sentlog *log, const char *name,
                                gboolean *found, ndr_sent_info *info,
                                GError **err);

/*
 * The latest time from <= t <= to at which address was mailed (compared
 * without case), or 0 for none.  without_id counts only messages
 * recorded without their Message-ID (made-up ".invalid" ones).
 */
gboolean ndr_sentlog_find_recipient(ndr_sentlog *log, const char *address,
                                    gint64 from, gint64 to, gboolean without_id,
                                    gint64 *when, GError **err);

/*
 * Where what the log covers starts; 0 when it covers nothing (empty).
 * The first record starts it (at its Date when ndr_sentlog_sane_date(),
 * else at the time of recording); only ndr_sentlog_cover() moves it
 * back, no later record's own Date does, and pruning moves it forward
 * (a pruned period is not covered).
 */
gboolean ndr_sentlog_earliest(ndr_sentlog *log, gint64 *date, GError **err);

/*
 * The log covers from start on (never narrowed by this): for a source
 * read to its end whose messages reach back to start (import.c).
 */
gboolean ndr_sentlog_cover(ndr_sentlog *log, gint64 start, GError **err);

/*
 * Whether a message's Date may speak for coverage: not before
 * NDR_COVER_FLOOR nor more than NDR_COVER_FUTURE_S past now.
 */
gboolean ndr_sentlog_sane_date(gint64 date);

/*
 * Remove the records older than keep_days (of the handle's mailbox) and
 * move the coverage start there; *removed counts messages.
 */
gboolean ndr_sentlog_prune(ndr_sentlog *log, int keep_days, guint64 *removed,
                           GError **err);

/* What ndrcheck status shows of the log. */
typedef struct ndr_sentlog_info {
	const char *backend; /* "sqlite", "postgresql" */
	int schema_version;  /* 0: nothing created yet */
	guint64 records;     /* messages of the handle's mailbox */
	guint64 mailboxes;   /* in the database (PostgreSQL), else 0 */
	gint64 earliest;     /* coverage start, 0: empty */
	gboolean hashed;
	int keep_days;
} ndr_sentlog_info;

gboolean ndr_sentlog_status(ndr_sentlog *log, ndr_sentlog_info *info,
                            GError **err);

/*
 * Import state (import.c): per source (a folder, an mbox file, a log
 * file) what was seen of it, so that an unchanged source costs a stat.
 */
typedef struct ndr_import_state {
	guint64 size;    /* file size */
	gint64 mtime_ns; /* modification time, nanoseconds */
	guint64 inode;   /* to notice a file replaced by another */
	guint64 offset;  /* where to go on reading */
	char *mark;      /* the bytes expected at offset, or NULL */
} ndr_import_state;

/* *found and, when found, *st (g_free st->mark). */
gboolean ndr_sentlog_state_get(ndr_sentlog *log, const char *source,
                               ndr_import_state *st, gboolean *found,
                               GError **err);
gboolean ndr_sentlog_state_put(ndr_sentlog *log, const char *source,
                               const ndr_import_state *st, GError **err);

/*
 * How far the last sync (import.c) of a configured "sent" source got:
 * a sync that the time budget cut short leaves the log short of that
 * source's older messages, and verdict.c must not judge by what it lacks.
 */
typedef struct ndr_sync_state {
	gint64 when;       /* Unix time the last sync of it ran */
	gboolean finished; /* it was read to its end */
	guint64 done;      /* its messages read so far */
	guint64 total;     /* the messages it held, 0: not counted (a file) */
	gint64 reached;    /* unfinished: all it holds from then on is read,
	                      G_MAXINT64: none of its new mail */
} ndr_sync_state;

/* *found and, when found, *st; nothing found in an empty log. */
gboolean ndr_sentlog_sync_get(ndr_sentlog *log, const char *source,
                              ndr_sync_state *st, gboolean *found,
                              GError **err);
gboolean ndr_sentlog_sync_put(ndr_sentlog *log, const char *source,
                              const ndr_sync_state *st, GError **err);

/* One source's sync state, as ndr_sentlog_syncs() lists them. */
typedef struct ndr_sync_entry {
	char *source;
	ndr_sync_state st;
} ndr_sync_entry;

/* Every source's sync state, by source name (frees its entries). */
GPtrArray *ndr_sentlog_syncs(ndr_sentlog *log, GError **err);

/* The message keys seen in a Maildir folder source: a set of strings. */
GHashTable *ndr_sentlog_keys_get(ndr_sentlog *log, const char *source,
                                 GError **err);
gboolean ndr_sentlog_key_put(ndr_sentlog *log, const char *source,
                             const char *key, GError **err);
gboolean ndr_sentlog_key_drop(ndr_sentlog *log, const char *source,
                              const char *key, GError **err);

/*
 * Remove a message and its recipients, by the name ndr_sentlog_name_of()
 * gave it (undoing a correction, correct.c); *found is FALSE when there
 * was none.
 */
gboolean ndr_sentlog_forget_named(ndr_sentlog *log, const char *name,
                                  gboolean *found, GError **err);

#endif /* NDR_SENTLOG_H */
