/*
 * maildir.h - the message files of Maildir folders.
 *
 * A Maildir's messages are the files of cur/ and new/ (tmp/ is never
 * read); a Maildir++ tree adds every ".Folder" below it; a plain folder
 * of message files is read as it is.  Names starting with "." are
 * skipped in cur/ and new/.  Files are listed sorted by name so that
 * output order is stable.
 */
#ifndef NDR_MAILDIR_H
#define NDR_MAILDIR_H

#include <glib.h>

/* TRUE if dir has cur/ and new/. */
gboolean ndr_maildir_is_maildir(const char *dir);

/* Return FALSE to stop early. */
typedef gboolean (*ndr_file_fn)(const char *path, void *arg);

/* The message files of one Maildir (cur/ then new/), sorted by name. */
gboolean ndr_maildir_each(const char *dir, ndr_file_fn fn, void *arg,
    GError **err);

/* The message key of a Maildir file name: the part before ":2,". */
char *ndr_maildir_key(const char *name);

#endif /* NDR_MAILDIR_H */
