/*
 * detect.c - decide from the rules whether a message is bounce-like at
 * all (header block only), and what a fully read one means (see
 * detect.h).
 *
 * Both questions are asked of the header block rewritten as one
 * "Name: value" line per field, decoded (headtext.h), so that one
 * pattern can look at a field name and its value together; what
 * mailers write there is in rules/headers.rules.
 */
#include <string.h>

#include "detect.h"
#include "dsn.h"
#include "ndrlimits.h"
#include "message.h"

/* The classes of header rules any of which makes a message suspect. */
#define SUSPECT_CLASSES                                                        \
	"bounce bounce-subject auto-reply challenge virus-notice feedback "    \
	"mdn mdn-tnef suspect"

static gboolean
matches(const ndr_rules *rules, const char *cls, const GString *s)
{
	return ndr_rules_any(rules, cls, s->str, s->len);
}

gboolean
ndr_detect_suspect(const ndr_rules *rules, const GString *hdr)
{
	return matches(rules, SUSPECT_CLASSES, hdr);
}

/*
 * Append the text of the message's own text parts to s: the leaves of
 * its multipart tree, but not what is inside a returned message
 * (whatever the original said is no evidence of what this one is).
 */
static void
body_text(GMimeObject *o, GString *s, int depth)
{
	GMimeMultipart *mp;
	const char *prologue;
	char *text;
	size_t len;
	int i, n;

	if (depth > NDR_MAX_MIME_DEPTH || s->len >= NDR_MAX_TEXT_BYTES)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		mp = GMIME_MULTIPART(o);
		n = g_mime_multipart_get_count(mp);
		/* A boundary that never occurs leaves only a prologue. */
		prologue = g_mime_multipart_get_prologue(mp);
		if (n == 0 && prologue != NULL) {
			text = g_utf8_make_valid(prologue, -1);
			g_string_append_len(
			    s, text,
			    MIN(strlen(text), NDR_MAX_TEXT_BYTES - s->len));
			g_string_append_c(s, '\n');
			g_free(text);
		}
		for (i = 0; i < n && i < NDR_MAX_MIME_PARTS; i++)
			body_text(g_mime_multipart_get_part(mp, i), s,
			          depth + 1);
		return;
	}
	/* (TNEF, Outlook's own wrapping, is read for its class name) */
	if (!GMIME_IS_TEXT_PART(o) &&
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(o),
	                                 "application", "ms-tnef"))
		return;
	text = ndr_part_text(GMIME_PART(o), NDR_MAX_TEXT_BYTES - s->len, &len);
	if (text != NULL) {
		g_string_append_len(s, text, len);
		g_string_append_c(s, '\n');
	}
	g_free(text);
}

void
ndr_detect_own_text(GMimeObject *top, GString *s)
{
	body_text(top, s, 0);
}

/*
 * A meaning that a header shows (class hcls), or for mail without a
 * report structure the prose of its report (class tcls): inside a DSN
 * the prose is the remote server's, and a rejection "because of a
 * virus" is a failed delivery, not a scanner's notice; what a quoted
 * original or a list's post says is no notice either.
 */
static gboolean
means(const ndr_rules *rules, const char *hcls, const char *tcls,
      const GString *hdr, const GString *report, const ndr_findings *f)
{
	return matches(rules, hcls, hdr) || (f->kind == NDRCHECK_KIND_NONE &&
	                                     !matches(rules, "ordinary", hdr) &&
	                                     matches(rules, tcls, report));
}

/*
 * The prose of the report: the text before the first separator (the
 * quoted original is no part of it).
 */
static GString *
report_prose(const ndr_rules *rules, const GString *body)
{
	ndr_rule_match m;
	size_t len = body->len;

	if (ndr_rules_find(rules, "separator", body->str, body->len, 0, &m))
		len = m.start;
	return g_string_new_len(body->str, len);
}

/*
 * The mailboxes of X-Failed-Recipients (report.c) are the recipients of
 * a report whose prose names none, with that prose as their diagnostic.
 */
static void
failed_recipients(const char *prose, ndr_findings *f)
{
	ndr_recipient *r;
	guint i;

	if (f->recipients->len > 0)
		return;
	for (i = 0; i < f->failed_header->len; i++) {
		r = ndr_findings_recipient(f, f->failed_header->pdata[i]);
		if (r == NULL)
			continue;
		ndr_set_field(&r->action, "failed", TRUE);
		/* The prose is all the diagnostic there is. */
		ndr_set_field(&r->diagnostic, prose, TRUE);
	}
}

/* The first mailbox address of list, or NULL. */
static const char *
first_mailbox(InternetAddressList *list)
{
	InternetAddress *a;

	if (list == NULL || internet_address_list_length(list) == 0)
		return NULL;
	a = internet_address_list_get_address(list, 0);
	return INTERNET_ADDRESS_IS_MAILBOX(a)
	           ? internet_address_mailbox_get_addr(
	                 INTERNET_ADDRESS_MAILBOX(a))
	           : NULL;
}

/*
 * A report that names no recipient is about the message it returns: an
 * NDR about the one address its original went to (Verizon's MMS gateway
 * quotes only the original's To:), a complaint about every address its
 * original went to (Hotmail returns the message without any ARF part),
 * and a complaint with no original at all (Apple Mail's unsubscribe
 * request) comes from the complaining recipient itself.
 */
static void
implied_recipients(GMimeMessage *msg, const char *prose, ndr_findings *f)
{
	const GPtrArray *to = f->original != NULL ? f->original->to : NULL;
	ndr_recipient *r = NULL;
	const char *addr;
	guint i;

	if (f->recipients->len > 0)
		return;
	if (f->kind == NDRCHECK_KIND_NDR && to != NULL && to->len == 1 &&
	    ndr_dsn_address_usable(g_ptr_array_index(to, 0)))
		r = ndr_findings_recipient(f, g_ptr_array_index(to, 0));
	if (r != NULL) {
		ndr_set_field(&r->action, "failed", TRUE);
		ndr_set_field(&r->diagnostic, prose, TRUE);
	}
	if (f->kind != NDRCHECK_KIND_FEEDBACK)
		return;
	/* ("To: <Undisclosed Recipients>" names nobody) */
	for (i = 0; to != NULL && i < to->len; i++)
		if (ndr_dsn_address_usable(g_ptr_array_index(to, i)))
			ndr_findings_recipient(f, g_ptr_array_index(to, i));
	addr = first_mailbox(g_mime_message_get_from(msg));
	if (f->original == NULL && ndr_dsn_address_usable(addr))
		ndr_findings_recipient(f, addr);
}

/* Whether the message came from the null sender (Return-Path: <>). */
static gboolean
null_sender(GMimeMessage *msg)
{
	const char *v =
	    g_mime_object_get_header(GMIME_OBJECT(msg), "Return-Path");
	char *s = v != NULL ? g_strdup(v) : NULL;
	gboolean null;

	null = s != NULL &&
	       strcmp(g_strstrip(g_strdelimit(s, "<>", ' ')), "") == 0;
	g_free(s);
	return null;
}

/*
 * A report read from its prose that says delivery is still being tried
 * and nowhere that it was given up ("has not yet been delivered ...
 * Delivery attempts will continue") is a delay, its recipients delayed.
 */
static void
prose_delay(const ndr_rules *rules, const GString *report, ndr_findings *f)
{
	ndr_recipient *r;
	guint i;

	if (!matches(rules, "delay-text", report) ||
	    matches(rules, "failure-text", report))
		return;
	f->kind = NDRCHECK_KIND_DELAY;
	for (i = 0; i < f->recipients->len; i++) {
		r = g_ptr_array_index(f->recipients, i);
		ndr_set_field(&r->action, "delayed", FALSE);
	}
}

/*
 * Meaning before wrapping (ndrcheck(1) DESCRIPTION): a challenge or virus
 * notice is one even inside a DSN; then the structure the walker found
 * (dsn, delay, mdn, feedback) stands; then a feedback report sent as
 * plain mail; then a strong bounce signal in the headers (the mailer
 * daemon as sender, X-Failed-Recipients) with recipients or report
 * prose makes an NDR.  Ordinary mail that merely looks automated
 * (ticket systems, lists) is nothing more, but for a report a list
 * relayed (class "relayed"); else a bounce subject with
 * recipients or prose, or recipients with prose, make an NDR; only then
 * is an automatic reply one, since bounces often say "Auto-Submitted:
 * auto-replied" too.
 */
void
ndr_detect_kind(const ndr_rules *rules, GMimeMessage *msg, const GString *hdr,
                const GString *body, ndr_findings *f)
{
	gboolean prose, found;
	GString *report;

	prose = matches(rules, "ndr-text", body);
	report = report_prose(rules, body);
	if (f->kind == NDRCHECK_KIND_NONE)
		failed_recipients(report->str, f);
	found = f->recipients->len > 0;
	if (means(rules, "challenge", "challenge-text", hdr, report, f))
		f->kind = NDRCHECK_KIND_CHALLENGE;
	else if (means(rules, "virus-notice", "virus-text", hdr, report, f) ||
	         ((f->kind == NDRCHECK_KIND_DSN ||
	           f->kind == NDRCHECK_KIND_NONE) &&
	          matches(rules, "filter-text", report)))
		f->kind = NDRCHECK_KIND_VIRUS_NOTICE;
	else if (f->kind != NDRCHECK_KIND_NONE)
		; /* the structure the walker found names it */
	else if (matches(rules, "mdn", hdr) || matches(rules, "mdn-text", body))
		f->kind = NDRCHECK_KIND_MDN;
	else if (matches(rules, "feedback", hdr))
		f->kind = NDRCHECK_KIND_FEEDBACK;
	else if ((prose || found) && matches(rules, "bounce", hdr))
		f->kind = NDRCHECK_KIND_NDR;
	else if (matches(rules, "ordinary", hdr) &&
	         !(prose && found && matches(rules, "relayed", hdr) &&
	           matches(rules, "bounce-subject", hdr)))
		; /* a ticket system's or a list's: kind none */
	else if ((prose || found) && matches(rules, "bounce-subject", hdr))
		f->kind = NDRCHECK_KIND_NDR;
	else if (prose && found)
		f->kind = NDRCHECK_KIND_NDR;
	else if (matches(rules, "auto-reply", hdr) ||
	         (null_sender(msg) && matches(rules, "auto-reply-null", hdr)))
		f->kind = NDRCHECK_KIND_AUTO_REPLY;
	if (f->kind == NDRCHECK_KIND_NDR)
		prose_delay(rules, report, f);
	implied_recipients(msg, report->str, f);
	g_string_free(report, TRUE);
}
