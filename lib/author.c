/*
 * author.c - who wrote a bounce-like message (see author.h).
 *
 * The questions, in order: a machine's own header line (a null sender,
 * a daemon sender, a report structure, ...) settles it, whatever list or
 * person the message passed through; then a person's mark (a forward or
 * reply subject, a mail client, a forward or quote line in its text);
 * then bulk mail's headers (unless under a report's own subject: a
 * report that a list relayed, which nothing shows the writer of); then
 * the notices that programs send but
 * lists may show too; last a message attached under the message's own
 * text, as a person forwards one (a program's notice may attach what it
 * answers, so the notices come first).  The marks themselves are rules
 * (rules/author.rules).
 */
#include "author.h"

/* Header classes whose lines only a program answering mail writes. */
#define MACHINE_CLASSES "machine bounce suspect"
/* Header classes whose lines name a notice, as bulk mail may too. */
#define NOTICE_CLASSES "machine-weak auto-reply challenge virus-notice feedback"

/* The label of the leftmost line of class cls in s, or NULL. */
static const char *
mark(const ndr_rules *rules, const char *cls, const GString *s)
{
	ndr_rule_match m;

	return ndr_rules_find(rules, cls, s->str, s->len, 0, &m) ? m.label
	                                                         : NULL;
}

/* Does the top multipart hold a message (message/rfc822) as a part? */
static gboolean
attaches_message(GMimeMessage *msg)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeMultipart *mp;
	int i, n;

	if (top == NULL || !GMIME_IS_MULTIPART(top))
		return FALSE;
	mp = GMIME_MULTIPART(top);
	n = g_mime_multipart_get_count(mp);
	for (i = 0; i < n; i++)
		if (GMIME_IS_MESSAGE_PART(g_mime_multipart_get_part(mp, i)))
			return TRUE;
	return FALSE;
}

/* A person's mark in the header block or in the message's own text. */
static const char *
person_mark(const ndr_rules *rules, const GString *hdr, const GString *body)
{
	const char *label = mark(rules, "person", hdr);

	return label != NULL ? label : mark(rules, "person-text", body);
}

static ndr_author
person(const char *label, char **why)
{
	*why = g_strdup_printf("a person forwarded, quoted or attached a "
	                       "bounce (%s), and nothing in its header shows "
	                       "that a machine wrote it: it is their message, "
	                       "not a bounce",
	                       label);
	return NDR_AUTHOR_PERSON;
}

ndr_author
ndr_author_decide(const ndr_rules *rules, GMimeMessage *msg, const GString *hdr,
                  const GString *body, char **why)
{
	const char *label;

	*why = NULL;
	if (ndr_rules_any(rules, MACHINE_CLASSES, hdr->str, hdr->len))
		return NDR_AUTHOR_MACHINE;
	label = person_mark(rules, hdr, body);
	if (label != NULL)
		return person(label, why);
	label = mark(rules, "bulk", hdr);
	if (label != NULL && attaches_message(msg))
		return person("attached, to a list", why);
	/* A report that a list relayed, its machine marks replaced. */
	if (label != NULL &&
	    ndr_rules_any(rules, "report-subject", hdr->str, hdr->len))
		return NDR_AUTHOR_UNSURE;
	if (label != NULL) {
		*why = g_strdup_printf("bulk mail (%s) that talks about "
		                       "bounces is not a bounce",
		                       label);
		return NDR_AUTHOR_BULK;
	}
	/* A program's notice may attach what it answers. */
	if (ndr_rules_any(rules, NOTICE_CLASSES, hdr->str, hdr->len))
		return NDR_AUTHOR_MACHINE;
	if (attaches_message(msg))
		return person("attached", why);
	return NDR_AUTHOR_UNSURE;
}
