/*
 * reason.h - the reason of each recipient, in Sisimai's vocabulary.
 *
 * From the diagnostic text through the "reason" rules (in rule order:
 * the order is a priority), else from the enhanced status code where
 * it alone decides (RFC 3463 and the IANA registry), else from what is
 * left (action, status class).  A recipient whose status is unknown
 * then gets the pseudo status code Sisimai gives that reason
 * (X.0.9NN, e.g. 5.0.911 for userunknown), so that status and reason
 * compare with the shared reference; ndrcheck-rules(5) lists them.
 */
#ifndef NDR_REASON_H
#define NDR_REASON_H

#include "findings.h"
#include "rules.h"

void ndr_reason_fill(const ndr_rules *rules, ndr_findings *f);

/* Is name a reason of the vocabulary (SPEC section 5)? */
gboolean ndr_reason_known(const char *name);

/* The reason an enhanced status code alone decides, or NULL. */
const char *ndr_reason_from_status(const char *status);

#endif /* NDR_REASON_H */
