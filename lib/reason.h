/*
 * reason.h - the reason of each recipient, in Sisimai's vocabulary.
 *
 * From the enhanced status code where it alone decides (RFC 3463 and
 * the registry), else from the SMTP reply and the diagnostic text
 * through the "reason" rules.
 */
#ifndef NDR_REASON_H
#define NDR_REASON_H

#include "findings.h"
#include "rules.h"

void ndr_reason_fill(const ndr_rules *rules, ndr_findings *f);

#endif /* NDR_REASON_H */
