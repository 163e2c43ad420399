/*
 * report.h - read a parsed message into findings.
 *
 * Walks the MIME tree (bounded by NDR_MAX_MIME_DEPTH and _PARTS): hands
 * message/delivery-status and message/global-delivery-status parts
 * (also when mislabelled or nested) to dsn.c, message/rfc822,
 * message/global, text/rfc822-headers and message/global-headers parts
 * to original.c, MDN and ARF parts to their readers, and the text parts
 * to textndr.c; takes In-Reply-To and References for reply-like mail.
 */
#ifndef NDR_REPORT_H
#define NDR_REPORT_H

#include <gmime/gmime.h>

#include "findings.h"
#include "rules.h"

void ndr_report_read(const ndr_rules *rules, GMimeMessage *msg,
    ndr_findings *f);

#endif /* NDR_REPORT_H */
