/*
 * detect.h - the header-only fast path, and the final choice of kind.
 *
 * ndr_detect_suspect() looks only at the header block: FALSE means the
 * message is ordinary mail and its body is never parsed.  It must be
 * cheap and must not miss bounce-like mail (false positives only cost
 * a full parse).  ndr_detect_kind() names what a fully read message
 * means (ndrcheck(1) DESCRIPTION: the meaning, not the wrapping).
 */
#ifndef NDR_DETECT_H
#define NDR_DETECT_H

#include <gmime/gmime.h>

#include "findings.h"
#include "rules.h"

/* hdr: the message's header text, from ndr_header_text(). */
gboolean ndr_detect_suspect(const ndr_rules *rules, const GString *hdr);
/*
 * Append the text of the message's own text parts (not of a message it
 * returns or attaches) to s, within NDR_MAX_TEXT_BYTES.
 */
void ndr_detect_own_text(GMimeObject *top, GString *s);
/* body: the message's own text, from ndr_detect_own_text(). */
void ndr_detect_kind(const ndr_rules *rules, GMimeMessage *msg,
                     const GString *hdr, const GString *body, ndr_findings *f);

#endif /* NDR_DETECT_H */
