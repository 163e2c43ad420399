/*
 * mbox.h - the messages of an mbox file.
 *
 * Splits on "From " lines at the start of a line after an empty line (or
 * at the start of the file), mboxrd/mboxo style, without reading the
 * whole file into memory at once.  Each message is handed over without
 * its "From " line; offset is that line's byte offset (the PATH:OFFSET
 * of scan's output).
 */
#ifndef NDR_MBOX_H
#define NDR_MBOX_H

#include <glib.h>

/* Return FALSE to stop early. */
typedef gboolean (*ndr_mbox_fn)(const char *msg, size_t len, guint64 offset,
    void *arg);

/* Messages starting at or after byte offset start. */
gboolean ndr_mbox_each(const char *path, guint64 start, ndr_mbox_fn fn,
    void *arg, GError **err);

/* TRUE if the file looks like an mbox (starts with "From "). */
gboolean ndr_mbox_is_mbox(const char *path);

#endif /* NDR_MBOX_H */
