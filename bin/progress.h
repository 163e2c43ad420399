/*
 * progress.h - scan's progress bar on stderr while it is a terminal.
 *
 * Done/total, percent, rate and time left, redrawn at most five times a
 * second on one line.  The total comes from ndr_scan_count(), run in a
 * thread of its own so that the scan starts at once; until it is known,
 * or when it cannot be known cheaply (a list on stdin, an mbox), the
 * line is a counter with the rate.
 */
#ifndef NDR_PROGRESS_H
#define NDR_PROGRESS_H

#include "scan.h"

typedef struct progress progress;

/*
 * A progress bar for a scan of inputs with p (both must outlive it), or
 * NULL when stderr is no terminal.
 */
progress *progress_new(const ndr_scan_params *p, char *const *inputs);

/* done messages so far, backscatter of them; redrawn when it is time. */
void progress_update(progress *pg, guint64 done, guint64 backscatter);

/* Take the line off the screen, before other output (pg may be NULL). */
void progress_clear(progress *pg);

/* Clear it, wait for the count to end, free (pg may be NULL). */
void progress_free(progress *pg);

#endif /* NDR_PROGRESS_H */
