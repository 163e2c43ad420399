/*
 * vocabulary.c - the reasons of ndrcheck(1) JSON OUTPUT, what an
 * enhanced status code means in them, and the events of an MTA log line
 * (see vocabulary.h).  Both tables
 * are standards, not mailer knowledge: Sisimai's vocabulary, and the
 * RFC 3463 / IANA registry of enhanced status codes.
 */
#include <stdlib.h>
#include <string.h>

#include "vocabulary.h"

/* The vocabulary of ndrcheck(1) JSON OUTPUT, in byte order for bsearch(). */
static const char *const vocabulary[] = {
    "authfailure", "badreputation",   "blocked",       "contenterror",
    "delivered",   "exceedlimit",     "expired",       "feedback",
    "filtered",    "hasmoved",        "hostunknown",   "mailboxfull",
    "mailererror", "mesgtoobig",      "networkerror",  "norelaying",
    "notaccept",   "notcompliantrfc", "onhold",        "policyviolation",
    "rejected",    "requireptr",      "securityerror", "spamdetected",
    "speeding",    "suspend",         "syntaxerror",   "systemerror",
    "systemfull",  "toomanyconn",     "undefined",     "userunknown",
    "vacation",    "virusdetected",
};

/*
 * The registry codes whose meaning names one reason.  Codes left out
 * (X.0.0, 4.4.3, 5.5.0, ...) say too little: the text decides.
 */
static const struct {
	const char *status, *reason;
} status_reasons[] = {
    {"2.1.5", "delivered"},      {"2.6.0", "delivered"},
    {"4.1.6", "hasmoved"},       {"4.1.7", "rejected"},
    {"4.1.8", "rejected"},       {"4.1.9", "systemerror"},
    {"4.2.1", "suspend"},        {"4.2.2", "mailboxfull"},
    {"4.2.3", "exceedlimit"},    {"4.2.4", "filtered"},
    {"4.3.1", "systemfull"},     {"4.3.2", "notaccept"},
    {"4.3.3", "systemerror"},    {"4.3.5", "systemerror"},
    {"4.4.1", "expired"},        {"4.4.2", "networkerror"},
    {"4.4.4", "networkerror"},   {"4.4.5", "systemfull"},
    {"4.4.6", "networkerror"},   {"4.4.7", "expired"},
    {"4.5.3", "systemerror"},    {"4.5.5", "systemerror"},
    {"4.6.0", "contenterror"},   {"4.6.2", "contenterror"},
    {"4.6.5", "contenterror"},   {"4.7.1", "blocked"},
    {"4.7.2", "blocked"},        {"4.7.5", "securityerror"},
    {"4.7.6", "securityerror"},  {"4.7.7", "securityerror"},
    {"4.7.12", "securityerror"}, {"4.7.15", "securityerror"},
    {"4.7.16", "mesgtoobig"},    {"4.7.24", "authfailure"},
    {"4.7.25", "requireptr"},    {"5.1.0", "userunknown"},
    {"5.1.1", "userunknown"},    {"5.1.2", "hostunknown"},
    {"5.1.3", "userunknown"},    {"5.1.4", "filtered"},
    {"5.1.6", "hasmoved"},       {"5.1.7", "rejected"},
    {"5.1.8", "rejected"},       {"5.1.9", "systemerror"},
    {"5.1.10", "notaccept"},     {"5.2.0", "filtered"},
    {"5.2.1", "filtered"},       {"5.2.2", "mailboxfull"},
    {"5.2.3", "exceedlimit"},    {"5.2.4", "filtered"},
    {"5.3.0", "systemerror"},    {"5.3.1", "systemfull"},
    {"5.3.2", "notaccept"},      {"5.3.3", "systemerror"},
    {"5.3.4", "mesgtoobig"},     {"5.3.5", "systemerror"},
    {"5.4.0", "networkerror"},   {"5.4.3", "systemerror"},
    {"5.4.4", "hostunknown"},    {"5.5.3", "toomanyconn"},
    {"5.5.4", "systemerror"},    {"5.5.5", "systemerror"},
    {"5.5.6", "securityerror"},  {"5.6.0", "contenterror"},
    {"5.6.1", "contenterror"},   {"5.6.2", "contenterror"},
    {"5.6.3", "contenterror"},   {"5.6.5", "contenterror"},
    {"5.6.6", "contenterror"},   {"5.6.7", "contenterror"},
    {"5.6.8", "contenterror"},   {"5.6.9", "contenterror"},
    {"5.7.0", "securityerror"},  {"5.7.1", "securityerror"},
    {"5.7.2", "securityerror"},  {"5.7.3", "securityerror"},
    {"5.7.4", "securityerror"},  {"5.7.5", "securityerror"},
    {"5.7.6", "securityerror"},  {"5.7.7", "securityerror"},
    {"5.7.8", "securityerror"},  {"5.7.9", "securityerror"},
    {"5.7.10", "securityerror"}, {"5.7.11", "securityerror"},
    {"5.7.13", "suspend"},       {"5.7.14", "securityerror"},
    {"5.7.15", "securityerror"}, {"5.7.16", "mesgtoobig"},
    {"5.7.17", "hasmoved"},      {"5.7.18", "hasmoved"},
    {"5.7.19", "securityerror"}, {"5.7.20", "authfailure"},
    {"5.7.21", "authfailure"},   {"5.7.22", "authfailure"},
    {"5.7.23", "authfailure"},   {"5.7.24", "authfailure"},
    {"5.7.25", "requireptr"},    {"5.7.26", "authfailure"},
    {"5.7.27", "notaccept"},
};

static int
compare_name(const void *key, const void *entry)
{
	return strcmp(key, *(const char *const *)entry);
}

gboolean
ndr_reason_known(const char *name)
{
	return name != NULL &&
	       bsearch(name, vocabulary, G_N_ELEMENTS(vocabulary),
	               sizeof(*vocabulary), compare_name) != NULL;
}

const char *
ndr_reason_from_status(const char *status)
{
	guint i;

	if (status == NULL)
		return NULL;
	for (i = 0; i < G_N_ELEMENTS(status_reasons); i++)
		if (strcmp(status_reasons[i].status, status) == 0)
			return status_reasons[i].reason;
	return NULL;
}

ndr_mta_event
ndr_mta_event_of(const char *label)
{
	static const char *const events[] = {
	    [NDR_MTA_MESSAGE] = "message", [NDR_MTA_SENDER] = "sender",
	    [NDR_MTA_SENT] = "sent",       [NDR_MTA_DONE] = "done",
	    [NDR_MTA_OTHER] = "other",
	};
	const char *event = strrchr(label, '.');
	guint i;

	event = event != NULL ? event + 1 : label;
	for (i = 0; i < G_N_ELEMENTS(events); i++)
		if (strcmp(event, events[i]) == 0)
			return (ndr_mta_event)i;
	return NDR_MTA_NONE;
}
