/*
 * textndr.h - human-readable non-delivery reports, read with the rules.
 *
 * Finds in a text part (UTF-8) the failed recipients with their SMTP
 * reply, enhanced status and diagnostic, the reporting MTA, and the
 * original quoted after a separator (handed to ndr_original_from_text).
 */
#ifndef NDR_TEXTNDR_H
#define NDR_TEXTNDR_H

#include "findings.h"
#include "rules.h"

void ndr_textndr_read(const ndr_rules *rules, const char *text, size_t len,
    ndr_findings *f);

#endif /* NDR_TEXTNDR_H */
