/*
 * reason.c - give every recipient a reason in Sisimai's vocabulary
 * (see reason.h), and the status and reply code its diagnostic states
 * when the report left them out.
 *
 * The two tables below are standards, not mailer knowledge: the
 * vocabulary of SPEC section 5, and what an RFC 3463 / IANA enhanced
 * status code means in that vocabulary.  Phrases live in rules/ (class
 * "reason").
 */
#include <stdlib.h>
#include <string.h>

#include "ndrlimits.h"
#include "reason.h"

/* The vocabulary of SPEC section 5, in byte order for bsearch(). */
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

/*
 * The diagnostic with every run of white space made one space: mailers
 * fold long replies anywhere, and phrases must match across the fold.
 */
static char *
flatten(const char *text)
{
	GString *s = g_string_sized_new(strlen(text));
	gboolean space = FALSE;

	for (; *text != '\0'; text++) {
		if (g_ascii_isspace(*text)) {
			space = s->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(s, ' ');
		space = FALSE;
		g_string_append_c(s, *text);
	}
	return g_string_free(s, FALSE);
}

/* Fill *field from the named group of the first rule of cls matching. */
static void
take_group(const ndr_rules *rules, const char *cls, const char *group,
           const char *text, char **field)
{
	ndr_rule_match m;
	char *v;

	if (*field != NULL || text == NULL ||
	    !ndr_rules_find(rules, cls, text, strlen(text), 0, &m))
		return;
	v = ndr_rule_group(&m, group);
	ndr_set_field(field, v, TRUE);
	g_free(v);
}

/* What remains when neither the text nor the status code decides. */
static const char *
fallback(const ndr_recipient *r)
{
	if (r->action != NULL &&
	    g_ascii_strncasecmp(r->action, "delay", 5) == 0)
		return "expired";
	if (r->status != NULL && (g_str_has_prefix(r->status + 1, ".6.")))
		return "contenterror";
	if (r->status != NULL && (g_str_has_prefix(r->status + 1, ".7.")))
		return "securityerror";
	if (r->diagnostic != NULL)
		return "onhold";
	return "undefined";
}

/*
 * "User unknown" means a missing mailbox, unless the server said it
 * only after the message's DATA (a content filter's answer), or the
 * status code says the mailbox refused mail (5.2.x) and nothing says
 * RCPT TO was what it refused: then it is filtered, as Sisimai has it.
 */
static const char *
user_unknown(const ndr_rules *rules, const ndr_recipient *r,
             const char *by_status)
{
	ndr_rule_match m;
	const char *cmd = NULL;

	if (r->diagnostic != NULL &&
	    ndr_rules_find(rules, "smtp-command", r->diagnostic,
	                   strlen(r->diagnostic), 0, &m))
		cmd = m.label;
	if (cmd != NULL && strcmp(cmd, "data") == 0)
		return "filtered";
	if (by_status != NULL && strcmp(by_status, "filtered") == 0 &&
	    (cmd == NULL || strcmp(cmd, "rcpt") != 0))
		return "filtered";
	return "userunknown";
}

static const char *
decide(const ndr_rules *rules, const ndr_recipient *r)
{
	const char *by_status = ndr_reason_from_status(r->status);
	ndr_rule_match m;
	const char *found = NULL;
	char *flat;

	if (r->status != NULL && r->status[0] == '2')
		return "delivered";
	if (r->diagnostic != NULL) {
		flat = flatten(r->diagnostic);
		if (ndr_rules_match(rules, "reason", flat, strlen(flat), 0, &m))
			found = m.label; /* owned by the rules: outlives flat */
		g_free(flat);
	}
	if (found != NULL && strcmp(found, "userunknown") == 0)
		return user_unknown(rules, r, by_status);
	if (found != NULL)
		return found;
	return by_status != NULL ? by_status : fallback(r);
}

/*
 * The status and reply code come from the report, else from the
 * diagnostic; a recipient whose message states neither keeps them null
 * (SPEC section 5: unknown values are never invented).
 */
static void
fill_one(const ndr_rules *rules, ndr_recipient *r)
{
	take_group(rules, "status", "status", r->diagnostic, &r->status);
	take_group(rules, "reply-code", "code", r->diagnostic, &r->reply_code);
	if (r->reason == NULL || !ndr_reason_known(r->reason))
		ndr_set_field(&r->reason, decide(rules, r), FALSE);
}

void
ndr_reason_fill(const ndr_rules *rules, ndr_findings *f)
{
	guint i;

	for (i = 0; i < f->recipients->len; i++)
		fill_one(rules, g_ptr_array_index(f->recipients, i));
}
