/*
 * tree.h - the messages that scan inputs name, in a stable order.
 *
 * An input named by the user is a message file, an mbox file (a file that
 * starts with a "From " line), a Maildir (cur/ then new/, then every
 * folder below it that is itself a Maildir: the ".Folder"s of Maildir++
 * and the plain subfolders of mbsync's verbatim layout), or a folder of
 * message files: its files, then its subfolders (each a Maildir or a
 * plain folder again).  Names are sorted byte-wise; names starting with
 * "." are skipped except Maildir++ folders; tmp/ is never read; symbolic
 * links to folders are not followed (no loops).  Inside folders every
 * regular file is a message file, even one that starts with "From ":
 * only a file named as an input is taken for an mbox.
 *
 * Paths handed on are the input as given joined with the relative path,
 * so that they mean the same to the user as the input did.
 *
 * The user's own folders (ownfolder.h, and the configuration's sent
 * folders) are not entered below an input unless all_folders is set;
 * a message found in one (an input may name one) is handed on as own.
 * Paths that match an exclude pattern and files older than since are
 * left out, inputs included (an mbox is one file: kept or left whole).
 */
#ifndef NDR_TREE_H
#define NDR_TREE_H

#include <glib.h>

typedef enum ndr_tree_what {
	NDR_TREE_MESSAGE, /* a message file */
	NDR_TREE_MBOX,    /* an mbox file named as an input */
	NDR_TREE_ERROR    /* a path that could not be read: error says why */
} ndr_tree_what;

/*
 * error is NULL except for NDR_TREE_ERROR; own is set for a message in
 * one of the user's own folders.  Return FALSE to stop.
 */
typedef gboolean (*ndr_tree_fn)(ndr_tree_what what, const char *path,
                                gboolean own, const char *error, void *arg);

typedef struct ndr_tree_opts {
	const char *skip;     /* a folder never entered (scan --move-to's:
	                         its messages are filed already), or NULL */
	char *const *sent;    /* the config's sent folders, NULL-terminated,
	                         or NULL: own folders too */
	gboolean all_folders; /* enter own folders as well */
	char *const *exclude; /* GLib glob patterns (GPatternSpec),
	                         NULL-terminated, or NULL: a file or folder
	                         that matches is left out; a pattern with a
	                         "/" is matched against the whole path, any
	                         other against the name alone */
	gint64 since;         /* if not 0, only files modified at or after this
	                         time (seconds since the epoch) */
} ndr_tree_opts;

/* Walk one input named by the user.  FALSE if fn stopped the walk. */
gboolean ndr_tree_walk(const char *input, const ndr_tree_opts *o,
                       ndr_tree_fn fn, void *arg);

/*
 * Add to *count how many messages ndr_tree_walk() would hand on for
 * input, without building their paths where no exclude or since needs
 * them; FALSE at an mbox input (its messages are known only by reading
 * it).
 */
gboolean ndr_tree_count(const char *input, const ndr_tree_opts *o,
                        guint64 *count);

/*
 * Walk the paths listed one per line on fd, as mlist(1) or find(1) print
 * them (leading blanks, as in mseq's thread indentation, are dropped):
 * each file is a message file, each folder is walked.
 */
gboolean ndr_tree_walk_list(int fd, const ndr_tree_opts *o, ndr_tree_fn fn,
                            void *arg);

#endif /* NDR_TREE_H */
