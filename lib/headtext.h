/*
 * headtext.h - the top-level header block as the text header rules read:
 * one "Name: value\n" line per field, in message order, each value
 * unfolded and decoded (RFC 2047, 8-bit text made UTF-8) exactly as
 * GMime decodes it, within NDR_MAX_HEADERS fields and
 * NDR_MAX_HEADER_BYTES bytes.  Read from the input bytes without
 * parsing the message: the fast path of ordinary mail.
 */
#ifndef NDR_HEADTEXT_H
#define NDR_HEADTEXT_H

#include <gmime/gmime.h>

#include "input.h"

GString *ndr_header_text(const ndrcheck_message *m);

/*
 * The value of the first field called name (compared without case) in
 * hdr, the text ndr_header_text() made; NULL if there is none.  g_free()
 * it.
 */
char *ndr_header_text_value(const GString *hdr, const char *name);

#endif /* NDR_HEADTEXT_H */
