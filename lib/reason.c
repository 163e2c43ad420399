/*
 * reason.c - give every recipient a reason in Sisimai's vocabulary (see
 * reason.h), and the status and reply code its diagnostic states when
 * the report left them out.
 *
 * The rules decide.  What is known of a recipient is written as lines
 * of "name: value", its facts (ndrcheck-rules(5) lists them): the reason
 * its status code means, the status, reply code, SMTP command, action,
 * the diagnostic's type, the MTA's own category of the failure,
 * the reasons whose phrases its diagnostic has (class "reason-phrase"),
 * the hosts, the recipient and the diagnostic.  The first rule of class
 * "reason" that matches the facts names the reason; their order is
 * Sisimai's order of checks.  The two tables below are standards, not
 * mailer knowledge: the vocabulary of ndrcheck(1), and what an RFC 3463
 * / IANA enhanced status code means in it.
 */
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "ndrlimits.h"
#include "reason.h"

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

/*
 * The length of the reply code prefix of one line of a multi-line SMTP
 * reply at p ("550-", "550-5.7.1 ", and once such a line was seen, the
 * last line's "550 5.7.1 "), or 0.
 */
static size_t
reply_prefix(const char *p, gboolean multiline)
{
	size_t n;

	if (!ndr_dsn_reply_code_at(p) ||
	    !(p[3] == '-' || (multiline && p[3] == ' ')))
		return 0;
	n = ndr_dsn_status_len(p + 4);
	return n > 0 && p[4 + n] == ' ' ? 5 + n : 4;
}

/*
 * The diagnostic with every run of white space made one space and the
 * reply codes that start the lines of a multi-line reply taken out but
 * the first ("550-5.7.1 a 550 5.7.1 b" is "550 5.7.1 a b"): mailers fold
 * long replies anywhere, and phrases must match across the fold.
 */
static char *
flatten(const char *text)
{
	char *flat = ndr_collapse_spaces(text);
	GString *s = g_string_sized_new(strlen(flat));
	gboolean multiline = FALSE;
	const char *p = flat;
	size_t n;

	while (*p != '\0') {
		n = p == flat || p[-1] == ' ' ? reply_prefix(p, multiline) : 0;
		if (n == 0) {
			g_string_append_c(s, *p++);
			continue;
		}
		if (!multiline) { /* the first line's code stays */
			g_string_append_len(s, p, 3);
			g_string_append_c(s, ' ');
			g_string_append_len(s, p + 4, n - 4);
			multiline = TRUE;
		}
		p += n;
	}
	g_free(flat);
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

/* The SMTP command the reply answered: as read, else as the text says. */
static const char *
command(const ndr_rules *rules, const ndr_recipient *r)
{
	ndr_rule_match m;

	if (r->command != NULL)
		return r->command;
	if (r->diagnostic != NULL &&
	    ndr_rules_find(rules, "smtp-command", r->diagnostic,
	                   strlen(r->diagnostic), 0, &m))
		return m.label;
	return NULL;
}

/* Append the fact "name: value" as one line; a NULL value is empty. */
static void
add_fact(GString *facts, const char *name, const char *value)
{
	const char *p;

	g_string_append(facts, name);
	g_string_append(facts, ": ");
	for (p = value; p != NULL && *p != '\0'; p++)
		g_string_append_c(facts, *p == '\n' || *p == '\r' ? ' ' : *p);
	g_string_append_c(facts, '\n');
}

/* The reasons whose phrases the (flattened) diagnostic has, spaced. */
static char *
phrases(const ndr_rules *rules, const char *flat)
{
	GPtrArray *labels = g_ptr_array_new();
	char *list;

	if (flat != NULL)
		ndr_rules_labels(rules, "reason-phrase", flat, strlen(flat),
		                 labels);
	g_ptr_array_add(labels, NULL);
	list = g_strjoinv(" ", (char **)labels->pdata);
	g_ptr_array_free(labels, TRUE);
	return list;
}

/* The facts of r, as the rules of class "reason" read them. */
static char *
facts(const ndr_rules *rules, const ndr_findings *f, const ndr_recipient *r)
{
	GString *s = g_string_sized_new(512);
	char *flat = r->diagnostic != NULL ? flatten(r->diagnostic) : NULL;
	char *list = phrases(rules, flat);

	add_fact(s, "by-status", ndr_reason_from_status(r->status));
	add_fact(s, "status", r->status);
	add_fact(s, "reply", r->reply_code);
	add_fact(s, "command", command(rules, r));
	add_fact(s, "action", r->action);
	add_fact(s, "diagnostic-type", r->diagnostic_type);
	add_fact(s, "category", r->category);
	add_fact(s, "phrases", list);
	add_fact(s, "remote-mta", r->remote_mta);
	add_fact(s, "reporting-mta", f->reporting_mta);
	add_fact(s, "recipient", r->address);
	add_fact(s, "diagnostic", flat);
	g_free(list);
	g_free(flat);
	return g_string_free(s, FALSE);
}

/* The first rule of class "reason" matching r's facts, else undefined. */
static const char *
decide(const ndr_rules *rules, const ndr_findings *f, const ndr_recipient *r)
{
	char *text = facts(rules, f, r);
	const char *reason = "undefined";
	ndr_rule_match m;

	if (ndr_rules_match(rules, "reason", text, strlen(text), 0, &m))
		reason = m.label; /* owned by the rules: outlives text */
	g_free(text);
	return reason;
}

/*
 * The status and reply code come from the report, else from the
 * diagnostic; a recipient whose message states neither keeps them null
 * (ndrcheck(1) JSON OUTPUT: unknown values are never invented).  A reason a
 * reader set (feedback, vacation, ...) stays.
 */
static void
fill_one(const ndr_rules *rules, const ndr_findings *f, ndr_recipient *r)
{
	take_group(rules, "status", "status", r->diagnostic, &r->status);
	take_group(rules, "reply-code", "code", r->diagnostic, &r->reply_code);
	if (r->reason == NULL || !ndr_reason_known(r->reason))
		ndr_set_field(&r->reason, decide(rules, f, r), FALSE);
}

void
ndr_reason_fill(const ndr_rules *rules, ndr_findings *f)
{
	guint i;

	for (i = 0; i < f->recipients->len; i++)
		fill_one(rules, f, g_ptr_array_index(f->recipients, i));
}
