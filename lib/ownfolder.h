/*
 * ownfolder.h - the folders of a mail tree that hold the user's own mail.
 *
 * A message in the user's Sent, Drafts, Trash or Junk folder is the
 * user's own (or filed already): scan leaves those folders alone unless
 * asked, and never moves a message out of them.  They are known by the
 * usual names mail clients and servers give them (ndrcheck(1) lists
 * them), in any letter case, as a Maildir++ folder (".Sent", a dotted
 * component of ".Archive.Sent" or "[Gmail].Sent Mail") or a plain one,
 * the IMAP modified UTF-7 of Maildir++ ("Envoy&AOk-s") read as the name
 * it stands for.
 */
#ifndef NDR_OWNFOLDER_H
#define NDR_OWNFOLDER_H

#include <glib.h>

/* TRUE if name, a folder's name on disk, is one of those names. */
gboolean ndr_own_folder_name(const char *name);

#endif /* NDR_OWNFOLDER_H */
