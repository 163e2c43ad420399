/*
 * correct.h - correcting a wrong verdict, as bogofilter's -n and -s
 * register a mistake: `ndrcheck record --original`, `--corrections`,
 * `--undo` (ndrcheck(1)).
 *
 * A correction records the original a bounce reports (its Message-ID,
 * or the failed recipients) as mail the user sent, so that the bounce,
 * and every other one about that message, is genuine; it is marked as a
 * correction in the sent log, to be listed and undone without touching
 * what record, import and sync put there.  It never widens what the
 * sent log covers: its date is kept within what the log already covers
 * (now, for an empty log), so that no other bounce becomes backscatter.
 */
#ifndef NDR_CORRECT_H
#define NDR_CORRECT_H

#include <glib.h>

#include "ndrcheck.h"

/*
 * Record what r reports as the original as sent, marked as a correction;
 * *id (g_free it) is its Message-ID, or NULL when the sent log had it
 * already (nothing is marked then).  NDRCHECK_EUSAGE when r is no bounce
 * or names no original.
 */
int ndr_correct(ndrcheck *h, const ndrcheck_result *r, char **id);

/* The corrections, one line each: Message-ID, date, recipients. */
int ndr_correct_list(ndrcheck *h, GPtrArray **lines);

/* Remove the correction of this Message-ID; NDRCHECK_EUSAGE if none. */
int ndr_correct_undo(ndrcheck *h, const char *message_id);

#endif /* NDR_CORRECT_H */
