/*
 * input.h - a message as read from a descriptor, a file or a buffer.
 *
 * Reads all of its input, always.  At most NDR_MAX_PARSE_BYTES are kept
 * in memory (that prefix is what the parse stages see); the rest of a
 * larger message stays in its file, or in an unlinked spool file when it
 * came from a pipe and the caller wants it back (passthrough), or is
 * drained and dropped.
 */
#ifndef NDR_INPUT_H
#define NDR_INPUT_H

#include <sys/types.h>

#include <glib.h>

#include "ndrcheck.h"

typedef enum ndr_eol { NDR_EOL_LF, NDR_EOL_CRLF, NDR_EOL_CR } ndr_eol;

struct ndrcheck_message {
	/* The first bytes; the whole message unless truncated. */
	GByteArray *head;
	gboolean truncated; /* bytes past head exist, in rest_fd */
	/* -1, or a seekable descriptor holding the whole message. */
	int rest_fd;
	guint64 size; /* of the whole message */
	ndr_eol eol;  /* line ending of the first line */
	/* Length of a leading mbox "From " line with its EOL. */
	size_t from_line;
	/*
	 * Where the header block starts, as mailers read it: past the From
	 * line, and past blank lines, a UTF-8 byte order mark and stray
	 * lines before a header field (from_line when there are none).
	 */
	size_t lead;
	/* Reading the file had to wait for the disk, or none can tell. */
	gboolean from_disk;
};

/* The header block's length in head (up to and including the empty line). */
size_t ndr_input_header_len(const ndrcheck_message *m);
/* The same for the header block that starts at m->lead. */
size_t ndr_input_lead_header_len(const ndrcheck_message *m);

#endif /* NDR_INPUT_H */
