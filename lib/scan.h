/*
 * scan.h - classify every message of many inputs, in parallel, in order.
 *
 * The engine of `ndrcheck scan` (ndrcheck(1) "scan").  The inputs are walked
 * in order (tree.h) in the calling thread; each message is classified by
 * one of jobs worker threads, each with a handle of its own (its own
 * rules and SQLite connection, opened read-only once the configuration's
 * sent folders have been synced); the results come back in input order
 * whatever finished first, through a reorder window of bounded size
 * (ndrlimits.h), so that memory does not grow with the number of messages.
 * With move_to, each backscatter message is then moved into that Maildir
 * folder (move.h), in the calling thread, except out of the user's own
 * folders (tree.h): those are left unvisited unless all_folders is set,
 * and their messages are never moved.
 */
#ifndef NDR_SCAN_H
#define NDR_SCAN_H

#include <glib.h>

#include "ndrcheck.h"

typedef struct ndr_scan_entry {
	const char *file; /* as printed: the path, or PATH:OFFSET in an mbox */
	const ndrcheck_result *result; /* NULL if it could not be read */
	const char *error;    /* why it could not be read or moved, or NULL */
	const char *moved_to; /* where it went (dry run: would go), or NULL */
	gboolean kept;        /* backscatter not moved: in one of the user's own
	                         folders */
} ndr_scan_entry;

/* Called in input order, in the calling thread; FALSE stops the scan. */
typedef gboolean (*ndr_scan_fn)(const ndr_scan_entry *e, void *arg);

typedef struct ndr_scan_params {
	ndrcheck_options open; /* how to open the handles */
	unsigned jobs;         /* threads; 1 classifies in the caller's */
	const char *move_to;   /* Maildir folder for backscatter, or NULL */
	gboolean dry_run;      /* with move_to: only say what would move */
	gboolean all_folders;  /* scan the user's own folders too */
	char *const *exclude;  /* glob patterns of paths left out (tree.h) */
	gint64 since;          /* only files modified since, or 0 */
	ndr_scan_fn fn;
	void *arg;
} ndr_scan_params;

/*
 * Scan the inputs, a NULL-terminated list of paths ("-" reads a list of
 * paths from standard input).  NDRCHECK_OK once every message went to fn
 * (those that could not be read or moved with an error) or fn stopped;
 * NDRCHECK_EUSAGE (a handle or the --move-to folder cannot be opened, an
 * mbox or another filesystem with move_to) or NDRCHECK_ETEMP (the sent
 * log failed) with err set.
 */
int ndr_scan_run(const ndr_scan_params *p, char *const *inputs, GError **err);

/*
 * How many messages ndr_scan_run() will find in the inputs, by the same
 * walk without reading a message (a few getdents calls a folder; a stat
 * a file with since): what a progress bar needs.  FALSE when that cannot
 * be known cheaply: an input is "-" (a list read once) or an mbox file
 * (its messages are known only by reading it), or the configuration
 * cannot be read (the scan will say why).
 */
gboolean ndr_scan_count(const ndr_scan_params *p, char *const *inputs,
                        guint64 *count);

#endif /* NDR_SCAN_H */
