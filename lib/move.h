/*
 * move.h - moving message files into a Maildir folder, atomically.
 *
 * A message is moved by one rename(2) within a filesystem, so that at
 * every moment it is in exactly one place, even if the process is killed;
 * it is never copied (another filesystem is an error) and never
 * overwrites a message already there (renameat2 RENAME_NOREPLACE; on a
 * filesystem without it, link(2) then unlink(2), which may leave it in
 * both places after a crash but never in neither).  A name with Maildir
 * info (":2,FLAGS") goes to cur/ unchanged, flags and all; a name without
 * (from new/, or a file of a plain folder) goes to new/, as a fresh
 * delivery would: the user has not seen it, and the MUA will say so.
 * The folder's cur/ and new/ are opened once and used through their
 * descriptors, so that no symbolic link swapped in later redirects a move.
 */
#ifndef NDR_MOVE_H
#define NDR_MOVE_H

#include <glib.h>

typedef struct ndr_move ndr_move;

/*
 * Where moves into folder will go; nothing is created yet.  NULL with err
 * set (code NDRCHECK_EUSAGE) if the folder's place cannot be read.
 */
ndr_move *ndr_move_new(const char *folder, gboolean dry_run, GError **err);

/*
 * Create the folder and its cur/, new/ and tmp/ (mode 0700) unless in a
 * dry run, and open them.  FALSE with err set (NDRCHECK_EUSAGE) if they
 * cannot be made or opened.
 */
gboolean ndr_move_open(ndr_move *mv, GError **err);
void ndr_move_close(ndr_move *mv);

/* FALSE with err set (NDRCHECK_EUSAGE) if path exists on another
 * filesystem than the folder's. */
gboolean ndr_move_check_source(const ndr_move *mv, const char *path,
                               GError **err);

/*
 * Move the message file at path into the folder; in a dry run only check
 * that it could be.  *dest is set to where it is then (g_free it), or to
 * NULL if it was in the folder already.
 */
gboolean ndr_move_file(ndr_move *mv, const char *path, char **dest,
                       GError **err);

#endif /* NDR_MOVE_H */
