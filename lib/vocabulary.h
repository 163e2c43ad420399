/*
 * vocabulary.h - the words findings use for a recipient's reason
 * (Sisimai's vocabulary, ndrcheck(1) JSON OUTPUT).
 *
 * A leaf of its own, below the findings: reason.c names reasons with
 * it, and the rule engine (rulefile.c) refuses a "reason" rule whose
 * label is not one, without depending on the stage that fills them.
 */
#ifndef NDR_VOCABULARY_H
#define NDR_VOCABULARY_H

#include <glib.h>

/* Is name a reason of the vocabulary (ndrcheck(1) JSON OUTPUT)? */
gboolean ndr_reason_known(const char *name);

/* The reason an enhanced status code alone decides, or NULL. */
const char *ndr_reason_from_status(const char *status);

#endif /* NDR_VOCABULARY_H */
