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
 * Sisimai's order of checks.  The vocabulary and what an enhanced status
 * code means in it are standards, not mailer knowledge (vocabulary.h).
 */
#include <string.h>

#include "ndrlimits.h"
#include "reason.h"
#include "smtpcode.h"
#include "vocabulary.h"

/*
 * The length of the reply code prefix of one line of a multi-line SMTP
 * reply at p ("550-", "550-5.7.1 ", and once such a line was seen, the
 * last line's "550 5.7.1 "), or 0.
 */
static size_t
reply_prefix(const char *p, gboolean multiline)
{
	size_t n;

	if (!ndr_smtp_reply_code_at(p) ||
	    !(p[3] == '-' || (multiline && p[3] == ' ')))
		return 0;
	n = ndr_smtp_status_len(p + 4);
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
