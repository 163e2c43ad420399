/*
 * mbox.h - the messages of an mbox file.
 *
 * Splits on "From " lines at the start of a line after an empty line (or
 * at the start of the file), mboxrd/mboxo style, reading the file
 * through a fixed buffer (lines.h), never the whole file at once.  A
 * "From " line must carry a time (hh:mm) as the ones that delivery
 * agents write do, so that a body line "From the desk of ..." after an
 * empty line does not split a message in an mboxo file.  Each message
 * is handed over without its "From " line and without the empty line
 * that separates it from the next; offset is the "From " line's byte
 * offset (the PATH:OFFSET of scan's output).  Body lines stay as stored
 * (">From " is not unquoted: nothing here reads bodies).
 */
#ifndef NDR_MBOX_H
#define NDR_MBOX_H

#include <glib.h>

/*
 * msg holds the first NDR_MAX_PARSE_BYTES of the message (all that the
 * parse stages look at, ndrlimits.h) and len counts them; size is the
 * message's whole length in the file.  Return FALSE to stop early.
 */
typedef gboolean (*ndr_mbox_fn)(const char *msg, size_t len, guint64 size,
                                guint64 offset, void *arg);

/*
 * Messages whose "From " line starts at or after byte offset start; a
 * "From " line right at start counts without an empty line before it.
 */
gboolean ndr_mbox_each(const char *path, guint64 start, ndr_mbox_fn fn,
                       void *arg, GError **err);

/* TRUE if the file looks like an mbox (starts with a "From " line). */
gboolean ndr_mbox_is_mbox(const char *path);

/* TRUE if line (len bytes, no NUL needed) is an mbox "From " line. */
gboolean ndr_mbox_is_from_line(const char *line, size_t len);

#endif /* NDR_MBOX_H */
