/*
 * maildir.h - the message files of Maildir folders.
 *
 * A Maildir's messages are the files of cur/ and new/ (tmp/ is never
 * read).  Names starting with "." are skipped.  Files are listed
 * sorted by name so that output order is stable.  (Walking Maildir++
 * trees and plain folders is tree.h's job.)
 */
#ifndef NDR_MAILDIR_H
#define NDR_MAILDIR_H

#include <glib.h>

/* TRUE if dir has cur/ and new/. */
gboolean ndr_maildir_is_maildir(const char *dir);

/* Return FALSE to stop early. */
typedef gboolean (*ndr_file_fn)(const char *path, void *arg);

/*
 * The names (not paths) of the regular files of one directory, dot
 * files left out, sorted; NULL and *err if it cannot be read.
 */
GPtrArray *ndr_maildir_list(const char *dir, GError **err);

/*
 * Add to *count how many names ndr_maildir_list() would give, without
 * copying or sorting them; FALSE and *err if dir cannot be read.
 */
gboolean ndr_maildir_count(const char *dir, guint64 *count, GError **err);

/* The message files of one Maildir (cur/ then new/), sorted by name. */
gboolean ndr_maildir_each(const char *dir, ndr_file_fn fn, void *arg,
                          GError **err);

/*
 * The message key of a Maildir file name: the part before ":2," (the
 * flags change, the key does not).  g_free() the result.
 */
char *ndr_maildir_key(const char *name);

#endif /* NDR_MAILDIR_H */
