/*
 * reason.h - the reason of each recipient, in Sisimai's vocabulary.
 *
 * From the diagnostic text through the "reason" rules (in rule order:
 * the order is a priority), else from the enhanced status code where
 * it alone decides (RFC 3463 and the IANA registry), else from what is
 * left (action, status class).  The status and reply code a
 * diagnostic states fill the recipient's when the report left them
 * out; a status nothing states stays NULL: Sisimai's pseudo codes
 * (5.0.911 for userunknown, ...) are never invented (ndrcheck(1) JSON OUTPUT).
 */
#ifndef NDR_REASON_H
#define NDR_REASON_H

#include "findings.h"
#include "rules.h"

void ndr_reason_fill(const ndr_rules *rules, ndr_findings *f);

#endif /* NDR_REASON_H */
