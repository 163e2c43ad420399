/*
 * vocabulary.h - the words rule labels may say: a recipient's reason
 * (Sisimai's vocabulary, ndrcheck(1) JSON OUTPUT) and the events of an
 * MTA log line (ndrcheck-rules(5), class mta-log).
 *
 * A leaf of its own, below the findings: reason.c and mtalog.c read
 * labels with it, and the rule engine (rulefile.c) refuses a rule whose
 * label is not one, without depending on the stages that use them.
 */
#ifndef NDR_VOCABULARY_H
#define NDR_VOCABULARY_H

#include <glib.h>

/* Is name a reason of the vocabulary (ndrcheck(1) JSON OUTPUT)? */
gboolean ndr_reason_known(const char *name);

/* The reason an enhanced status code alone decides, or NULL. */
const char *ndr_reason_from_status(const char *status);

/* What an MTA log line tells of a message (an mta-log label's EVENT). */
typedef enum ndr_mta_event {
	NDR_MTA_NONE = -1, /* no event of the vocabulary */
	NDR_MTA_MESSAGE,   /* queued: its Message-ID and sender */
	NDR_MTA_SENDER,    /* its sender, named after it was queued */
	NDR_MTA_SENT,      /* gone to a recipient */
	NDR_MTA_DONE,      /* its queue id is done with */
	NDR_MTA_OTHER      /* a line of the MTA's that says nothing more */
} ndr_mta_event;

/* The event of a label MTA.EVENT (or EVENT alone). */
ndr_mta_event ndr_mta_event_of(const char *label);

#endif /* NDR_VOCABULARY_H */
