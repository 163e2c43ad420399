/*
 * message.h - GMime views of a message.
 *
 * ndr_message_headers() parses the header block alone (recording a
 * sent message needs no more; the fast path of classification reads
 * the header block without GMime, see headtext.h).
 * ndr_message_parse() parses the whole kept prefix.  Both cope with LF,
 * CRLF and CR-only line endings and never fail: damaged mail gives what
 * GMime could make of it (possibly a message with no parts).
 */
#ifndef NDR_MESSAGE_H
#define NDR_MESSAGE_H

#include <gmime/gmime.h>

#include "input.h"

/* Call once per process before anything else here (thread-safe). */
void ndr_gmime_init(void);

GMimeMessage *ndr_message_headers(const ndrcheck_message *m);
GMimeMessage *ndr_message_parse(const ndrcheck_message *m);

/*
 * A header block given as text (a returned text/rfc822-headers part, an
 * ARF or MDN field block, quoted header lines) parsed as a message
 * without a body.  Never NULL.
 */
GMimeMessage *ndr_message_from_text(const char *text, size_t len);
/*
 * The same, but NULL when GMime finds no header field at the start of
 * text: for recording sent mail, where no record beats an empty one.
 */
GMimeMessage *ndr_message_from_text_or_null(const char *text, size_t len);

/*
 * The decoded content of a leaf part as UTF-8 (charset converted with
 * iconv, undecodable bytes replaced), at most max bytes of it; NULL for
 * a part without content; an HTML part as its text (htmltext.h).
 * g_free() the result.
 */
char *ndr_part_text(GMimePart *part, size_t max, size_t *len);

#endif /* NDR_MESSAGE_H */
