/*
 * report.c - read a parsed message into findings (see report.h).
 *
 * The MIME tree is walked once to sort its parts by what they carry;
 * then the machine-readable parts are read first (delivery status, MDN,
 * ARF), the returned original next, and the human-readable text last,
 * so that the rules only fill in what the structured fields left open.
 * The kind set here is structural; ndr_detect_kind() may rename it.
 */
#include <string.h>

#include "dsn.h"
#include "ndrlimits.h"
#include "message.h"
#include "original.h"
#include "report.h"
#include "textndr.h"

/* The parts of one message, sorted by what they carry. */
typedef struct parts {
	GPtrArray *dsn;      /* GMimePart: delivery-status bodies */
	GPtrArray *mdn;      /* GMimePart: disposition notifications */
	GPtrArray *arf;      /* GMimePart: feedback reports */
	GPtrArray *returned; /* GMimeObject: the original, whole or headers */
	GPtrArray *text;     /* GMimePart: text for the rules */
	guint seen;
} parts;

static gboolean
is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static void
sort_leaf(parts *p, GMimeObject *o)
{
	if (is_type(o, "message", "delivery-status") ||
	    is_type(o, "message", "global-delivery-status"))
		g_ptr_array_add(p->dsn, o);
	else if (is_type(o, "message", "disposition-notification") ||
	         is_type(o, "message", "global-disposition-notification"))
		g_ptr_array_add(p->mdn, o);
	else if (is_type(o, "message", "feedback-report"))
		g_ptr_array_add(p->arf, o);
	else if (is_type(o, "text", "rfc822-headers") ||
	         is_type(o, "text", "rfc822-header") ||
	         is_type(o, "message", "global-headers") ||
	         is_type(o, "message", "rfc822") ||
	         is_type(o, "message", "global"))
		g_ptr_array_add(p->returned, o); /* not parsed as a message */
	else if (is_type(o, "text", "*"))
		g_ptr_array_add(p->text, o);
}

/*
 * Depth first, in document order.  A returned message is not entered:
 * its text is the original's, not the report's.
 */
static void
walk(parts *p, GMimeObject *o, int depth)
{
	int i, n;

	if (o == NULL || depth > NDR_MAX_MIME_DEPTH ||
	    ++p->seen > NDR_MAX_MIME_PARTS)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			walk(p,
			     g_mime_multipart_get_part(GMIME_MULTIPART(o), i),
			     depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o))
		g_ptr_array_add(p->returned, o);
	else if (GMIME_IS_PART(o))
		sort_leaf(p, o);
}

/* The decoded text of a leaf; NULL when it has none. */
static char *
leaf_text(GMimeObject *o, size_t max, size_t *len)
{
	char *text = ndr_part_text(GMIME_PART(o), max, len);

	if (text != NULL && *len == 0)
		g_clear_pointer(&text, g_free);
	return text;
}

static void
read_dsn_parts(GPtrArray *dsn, ndr_findings *f)
{
	guint i;

	for (i = 0; i < dsn->len; i++) {
		size_t len;
		char *text = leaf_text(g_ptr_array_index(dsn, i),
		                       NDR_MAX_TEXT_BYTES, &len);

		if (text != NULL)
			ndr_dsn_read(text, len, f);
		g_free(text);
	}
}

/* A field block (MDN, ARF) parsed like a header block. */
static GMimeMessage *
field_block(GMimeObject *o)
{
	size_t len;
	char *text = leaf_text(o, NDR_MAX_TEXT_BYTES, &len);
	GMimeMessage *block;

	if (text == NULL)
		return NULL;
	block = ndr_message_from_text(text, len);
	g_free(text);
	return block;
}

/* Every value of the fields named, in order, handed to take(). */
static void
each_field(GMimeMessage *block, const char *const *names,
           void (*take)(ndr_findings *, const char *, const char *),
           ndr_findings *f)
{
	GMimeHeaderList *list =
	    g_mime_object_get_header_list(GMIME_OBJECT(block));
	int i, n = MIN(g_mime_header_list_get_count(list), NDR_MAX_HEADERS);
	const char *const *name;

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		char *v;

		for (name = names; *name != NULL; name++) {
			if (g_ascii_strcasecmp(g_mime_header_get_name(h),
			                       *name) != 0)
				continue;
			v = g_mime_utils_header_unfold(
			    g_mime_header_get_raw_value(h));
			take(f, *name, v);
			g_free(v);
		}
	}
}

static void
take_recipient(ndr_findings *f, const char *value)
{
	char *addr = ndr_dsn_address(value);

	ndr_findings_recipient(f, addr);
	g_free(addr);
}

/* RFC 8098: who displayed (or deleted) which message. */
static void
take_mdn_field(ndr_findings *f, const char *name, const char *value)
{
	char *id;

	if (g_ascii_strcasecmp(name, "Final-Recipient") == 0)
		take_recipient(f, value);
	else if (g_ascii_strcasecmp(name, "Original-Message-ID") == 0) {
		id = ndr_dsn_address(value);
		ndr_set_field(&ndr_findings_original(f)->message_id, id, TRUE);
		g_free(id);
	}
}

/* RFC 5965: the recipients the reported message went to. */
static void
take_arf_field(ndr_findings *f, const char *name, const char *value)
{
	char *mta;

	if (g_ascii_strcasecmp(name, "Reporting-MTA") == 0) {
		mta = ndr_dsn_mta(value);
		ndr_set_field(&f->reporting_mta, mta, TRUE);
		g_free(mta);
	} else
		take_recipient(f, value);
}

static void
read_field_parts(GPtrArray *list, const char *const *names,
                 void (*take)(ndr_findings *, const char *, const char *),
                 ndr_findings *f)
{
	guint i;

	for (i = 0; i < list->len; i++) {
		GMimeMessage *block = field_block(g_ptr_array_index(list, i));

		if (block != NULL) {
			each_field(block, names, take, f);
			g_object_unref(block);
		}
	}
}

static void
read_returned(GPtrArray *returned, ndr_findings *f)
{
	guint i;

	for (i = 0; i < returned->len; i++) {
		GMimeObject *o = g_ptr_array_index(returned, i);
		GMimeMessage *inner;
		size_t len;
		char *text;

		if (GMIME_IS_MESSAGE_PART(o)) {
			inner = g_mime_message_part_get_message(
			    GMIME_MESSAGE_PART(o));
			if (inner != NULL)
				ndr_original_from_headers(
				    f, g_mime_object_get_header_list(
				           GMIME_OBJECT(inner)));
			continue;
		}
		text = leaf_text(o, NDR_MAX_HEADER_BYTES, &len);
		if (text != NULL)
			ndr_original_from_text(f, text, len);
		g_free(text);
	}
}

/*
 * Text parts go to the rules.  Some MTAs send the delivery-status block
 * itself as text/plain: read as one when no DSN part gave recipients.
 * Returns whether such a block was found.
 */
static gboolean
read_text(const ndr_rules *rules, GPtrArray *text, ndr_findings *f)
{
	gboolean dsn = FALSE;
	guint i;

	for (i = 0; i < text->len; i++) {
		size_t len;
		char *t = leaf_text(g_ptr_array_index(text, i),
		                    NDR_MAX_TEXT_BYTES, &len);

		if (t == NULL)
			continue;
		if (f->recipients->len == 0 && ndr_dsn_looks_like(t, len) &&
		    ndr_dsn_read(t, len, f) > 0)
			dsn = TRUE;
		if (rules != NULL)
			ndr_textndr_read(rules, t, len, f);
		g_free(t);
	}
	return dsn;
}

/* A DSN is a delay notice when the recipients with an action all wait. */
static ndrcheck_kind
dsn_kind(ndr_findings *f)
{
	gboolean delayed = FALSE;
	guint i;

	for (i = 0; i < f->recipients->len; i++) {
		ndr_recipient *r = g_ptr_array_index(f->recipients, i);

		if (r->action == NULL)
			continue;
		if (strcmp(r->action, "delayed") != 0)
			return NDRCHECK_KIND_DSN;
		delayed = TRUE;
	}
	return delayed ? NDRCHECK_KIND_DELAY : NDRCHECK_KIND_DSN;
}

/* In-Reply-To first: it names the one message answered. */
static void
read_reply_ids(GMimeMessage *msg, ndr_findings *f)
{
	static const char *const names[] = {"In-Reply-To", "References"};
	GMimeHeaderList *list =
	    g_mime_object_get_header_list(GMIME_OBJECT(msg));
	size_t i;
	int j;

	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		GMimeHeader *h = g_mime_header_list_get_header(list, names[i]);
		GMimeReferences *refs;

		if (h == NULL || g_mime_header_get_raw_value(h) == NULL)
			continue;
		refs = g_mime_references_parse(NULL,
		                               g_mime_header_get_raw_value(h));
		if (refs == NULL)
			continue;
		for (j = 0; j < g_mime_references_length(refs); j++)
			ndr_findings_add_reply_id(
			    f, g_mime_references_get_message_id(refs, j));
		g_mime_references_free(refs);
	}
}

static void
read_parts(const ndr_rules *rules, parts *p, ndr_findings *f)
{
	static const char *const mdn_fields[] = {"Final-Recipient",
	                                         "Original-Message-ID", NULL};
	static const char *const arf_fields[] = {
	    "Original-Rcpt-To", "Removal-Recipient", "Reporting-MTA", NULL};
	gboolean dsn;
	guint i;

	read_dsn_parts(p->dsn, f);
	read_field_parts(p->mdn, mdn_fields, take_mdn_field, f);
	read_field_parts(p->arf, arf_fields, take_arf_field, f);
	read_returned(p->returned, f);
	dsn = read_text(rules, p->text, f) || p->dsn->len > 0;

	if (p->arf->len > 0) {
		f->kind = NDRCHECK_KIND_FEEDBACK;
		/* No Original-Rcpt-To: the report is about the returned To. */
		if (f->recipients->len == 0 && f->original != NULL) {
			for (i = 0; i < f->original->to->len; i++)
				ndr_findings_recipient(
				    f, g_ptr_array_index(f->original->to, i));
		}
	} else if (p->mdn->len > 0)
		f->kind = NDRCHECK_KIND_MDN;
	else if (dsn)
		f->kind = dsn_kind(f);
}

void
ndr_report_read(const ndr_rules *rules, GMimeMessage *msg, ndr_findings *f)
{
	parts p = {0};
	GDateTime *date;

	p.dsn = g_ptr_array_new();
	p.mdn = g_ptr_array_new();
	p.arf = g_ptr_array_new();
	p.returned = g_ptr_array_new();
	p.text = g_ptr_array_new();
	walk(&p, g_mime_message_get_mime_part(msg), 0);
	read_parts(rules, &p, f);
	read_reply_ids(msg, f);
	date = g_mime_message_get_date(msg);
	if (date != NULL)
		f->date_unix = g_date_time_to_unix(date);
	g_ptr_array_unref(p.dsn);
	g_ptr_array_unref(p.mdn);
	g_ptr_array_unref(p.arf);
	g_ptr_array_unref(p.returned);
	g_ptr_array_unref(p.text);
}
