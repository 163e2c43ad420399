/*
 * original.h - the original message a report returns or quotes.
 *
 * Takes Message-ID, From, To/Cc, Subject, Date and Received from the
 * returned message or header block, whether it is a MIME part or text
 * quoted inline (possibly indented) after a separator.
 */
#ifndef NDR_ORIGINAL_H
#define NDR_ORIGINAL_H

#include <gmime/gmime.h>

#include "findings.h"

/* From a header list of a returned message/rfc822 or headers part. */
void ndr_original_from_headers(ndr_findings *f, GMimeHeaderList *headers);
/*
 * Keep the header block (and with_body, the body) of the returned
 * message as it came, for dkim.c; after ndr_original_from_headers().
 */
void ndr_original_keep_message(ndr_findings *f, GMimeMessage *returned,
                               gboolean with_body);
/*
 * From text that starts with (possibly indented, possibly partial)
 * header lines of the original; stops at the first line that is not one.
 */
void ndr_original_from_text(ndr_findings *f, const char *text, size_t len);

/* Whether s starts with "Field-Name:" (RFC 5322 ftext, then a colon). */
gboolean ndr_original_field_line(const char *s, size_t len);

/*
 * Whether text starts (after blank lines) with unindented header lines
 * that include a Message-ID: the original's headers sent as text/plain.
 */
gboolean ndr_original_is_header_block(const char *text, size_t len);

/*
 * Read the first paragraph of text that is such a header block (with a
 * Message-ID, unindented) as the original's headers: for the report
 * sent as one text part, its delivery-status fields and then the
 * returned headers, without a separator between.  Returns whether one
 * was found.
 */
gboolean ndr_original_find_header_block(ndr_findings *f, const char *text,
                                        size_t len);

#endif /* NDR_ORIGINAL_H */
