/*
 * sesjson.h - Amazon SES notifications: the bounce, complaint, delivery
 * or delay notice that SES publishes (through Amazon SNS, or as event
 * publishing) as a JSON document in the body of a text/plain message.
 */
#ifndef NDR_SESJSON_H
#define NDR_SESJSON_H

#include "findings.h"

/*
 * If text (a text part, UTF-8) holds an SES notification, bare or in its
 * SNS envelope, add its recipients, reporting MTA and original message
 * to f and return the kind it is: NDRCHECK_KIND_DSN for a bounce or a
 * delivery, NDRCHECK_KIND_DELAY for a delivery delay,
 * NDRCHECK_KIND_FEEDBACK for a complaint.  Otherwise leave f alone and
 * return NDRCHECK_KIND_NONE.
 */
ndrcheck_kind ndr_sesjson_read(const char *text, size_t len, ndr_findings *f);

#endif /* NDR_SESJSON_H */
