/*
 * lines.h - read a file line by line in bounded memory.
 *
 * Mbox files and MTA logs are read through this one buffered reader: it
 * never holds more than NDR_LINE_BUFFER bytes of the file, whatever its
 * size, and hands a longer line over in pieces (so a hostile file with
 * no newline costs no more memory than a good one).  Unlike mmap(2) it
 * is safe against a file truncated while read (an mbox being expunged).
 */
#ifndef NDR_LINES_H
#define NDR_LINES_H

#include <glib.h>

typedef struct ndr_lines ndr_lines;

/* Open path for reading from byte offset start; NULL and *err on failure. */
ndr_lines *ndr_lines_open(const char *path, guint64 start, GError **err);

/*
 * The next piece of the file: one line up to and including its '\n', or
 * the first NDR_LINE_BUFFER bytes of a longer line (then the following
 * pieces continue it), or the file's unterminated last line.  *line
 * stays valid until the next call.  *offset is the piece's byte offset
 * in the file.  FALSE at the end of the file, or on a read error with
 * *err set.
 */
gboolean ndr_lines_next(ndr_lines *r, const char **line, size_t *len,
                        guint64 *offset, GError **err);

/* The byte offset just past the last piece returned. */
guint64 ndr_lines_offset(const ndr_lines *r);

void ndr_lines_close(ndr_lines *r);

#endif /* NDR_LINES_H */
