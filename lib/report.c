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

#include "budget.h"
#include "dsn.h"
#include "ndrlimits.h"
#include "message.h"
#include "original.h"
#include "report.h"
#include "sesjson.h"
#include "textndr.h"

/* A leaf part and its decoded text. */
typedef struct leaf {
	GMimeObject *part; /* NULL for text that was not a part of its own */
	char *text;        /* NULL for a returned message, or a part
	                      headed by the original's own fields */
	size_t len;
} leaf;

/* The leaves of one message, sorted by what they carry. */
typedef struct parts {
	GPtrArray *dsn;      /* delivery-status bodies */
	GPtrArray *mdn;      /* disposition notifications */
	GPtrArray *arf;      /* feedback reports */
	GPtrArray *returned; /* the original, whole or its headers */
	GPtrArray *text;     /* text for the rules */
	GPtrArray *owned;    /* GMimeMessage re-parsed from broken structure */
	guint seen;
} parts;

static void
leaf_free(gpointer p)
{
	leaf *l = p;

	g_free(l->text);
	g_free(l);
}

static void
parts_init(parts *p)
{
	p->dsn = g_ptr_array_new_with_free_func(leaf_free);
	p->mdn = g_ptr_array_new_with_free_func(leaf_free);
	p->arf = g_ptr_array_new_with_free_func(leaf_free);
	p->returned = g_ptr_array_new_with_free_func(leaf_free);
	p->text = g_ptr_array_new_with_free_func(leaf_free);
	p->owned = g_ptr_array_new_with_free_func(g_object_unref);
	p->seen = 0;
}

static void
parts_clear(parts *p)
{
	g_ptr_array_unref(p->dsn);
	g_ptr_array_unref(p->mdn);
	g_ptr_array_unref(p->arf);
	g_ptr_array_unref(p->returned);
	g_ptr_array_unref(p->text);
	g_ptr_array_unref(p->owned);
}

static gboolean
is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct =
	    o != NULL ? g_mime_object_get_content_type(o) : NULL;

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

/* The list a leaf belongs to by its type, or NULL when it is not read. */
static GPtrArray *
leaf_list(parts *p, GMimeObject *o)
{
	if (is_type(o, "message", "delivery-status") ||
	    is_type(o, "message", "global-delivery-status"))
		return p->dsn;
	if (is_type(o, "message", "disposition-notification") ||
	    is_type(o, "message", "global-disposition-notification"))
		return p->mdn;
	if (is_type(o, "message", "feedback-report"))
		return p->arf;
	/* Headers, or a message GMime did not parse as one (partial). */
	if (is_type(o, "text", "rfc822-headers") ||
	    is_type(o, "text", "rfc822-header") ||
	    is_type(o, "message", "rfc822-headers") ||
	    is_type(o, "message", "global-headers") ||
	    is_type(o, "message", "rfc822") ||
	    is_type(o, "message", "global") || is_type(o, "message", "partial"))
		return p->returned;
	if (is_type(o, "text", "*"))
		return p->text;
	return NULL;
}

static size_t
line_len(const char *s, const char *end)
{
	const char *e = s;

	while (e < end && *e != '\n' && *e != '\r')
		e++;
	return e - s;
}

static const char *
next_line(const char *s, const char *end)
{
	s += line_len(s, end);
	if (s < end && *s == '\r')
		s++;
	if (s < end && *s == '\n')
		s++;
	return s;
}

/*
 * Where a MIME boundary that GMime did not know splits text: a line
 * "--X" followed by a Content-* field, X not ending in "--" (a closing
 * delimiter).  Returns the offset of the first "--X" line and sets
 * *boundary, or returns len.  This is how a boundary that differs from
 * the one declared, or a multipart body without its Content-Type, shows.
 */
static size_t
stray_boundary(const char *text, size_t len, char **boundary)
{
	const char *end = text + len, *s, *t;
	size_t n;

	for (s = text; s < end; s = next_line(s, end)) {
		n = line_len(s, end);
		if (n < 3 || n > 200 || s[0] != '-' || s[1] != '-' ||
		    (n >= 4 && s[n - 1] == '-' && s[n - 2] == '-'))
			continue;
		t = next_line(s, end);
		if (end - t < 8 || g_ascii_strncasecmp(t, "Content-", 8) != 0)
			continue;
		*boundary = g_strstrip(g_strndup(s + 2, n - 2));
		/* Its first use may be a part without fields. */
		for (t = text; t < s; t = next_line(t, end))
			if (line_len(t, end) == n && memcmp(t, s, n) == 0)
				return t - text;
		return s - text;
	}
	return len;
}

/*
 * Where the message that declares boundary begins, when its header block
 * stands in text before cut: a bounce forwarded as plain text (an mbox
 * "From " line, its header fields, its body).  That header block is the
 * bounce's own, not the original's, and must not be read as quoted
 * headers.  Returns cut when no header block there declares boundary.
 */
static size_t
embedded_start(const char *text, size_t cut, const char *boundary)
{
	const char *end = text + cut, *s, *block = NULL, *decl = NULL, *p;
	size_t len, n = strlen(boundary);

	for (s = text; s < end; s = next_line(s, end)) {
		len = line_len(s, end);
		/* A run of fields (and folded lines) is a header block. */
		if (len == 0 ||
		    (!ndr_original_field_line(s, len) &&
		     (block == NULL || (s[0] != ' ' && s[0] != '\t')))) {
			block = NULL;
			continue;
		}
		if (block == NULL)
			block = s;
		for (p = s; p + 9 < s + len; p++) {
			if (g_ascii_strncasecmp(p, "boundary=", 9) != 0)
				continue;
			p += 9 + (p[9] == '"');
			if ((size_t)(end - p) > n &&
			    strncmp(p, boundary, n) == 0)
				decl = block;
			break;
		}
	}
	return decl != NULL ? (size_t)(decl - text) : cut;
}

static void walk(parts *p, GMimeObject *o, int depth);

/*
 * The message or multipart body that text holds from a stray boundary
 * on, parsed; *cut becomes where it starts.  When the header block that
 * declares the boundary makes a report (a bounce forwarded as text),
 * that block is the report's own and goes with it; else (the original
 * quoted whole, with its multipart body) it stays in the text.
 */
static GMimeMessage *
parse_tail(const char *text, size_t len, const char *boundary, size_t *cut)
{
	size_t start = embedded_start(text, *cut, boundary);
	GString *multipart;
	GMimeMessage *tail;

	if (start < *cut) {
		tail = ndr_message_from_text(text + start, len - start);
		if (is_type(g_mime_message_get_mime_part(tail), "multipart",
		            "report")) {
			*cut = start;
			return tail;
		}
		/* The original quoted whole: its headers are the text's. */
		g_object_unref(tail);
	}
	multipart = g_string_new(NULL);
	g_string_printf(multipart,
	                "Content-Type: multipart/mixed; boundary=\"%s\"\n\n",
	                boundary);
	g_string_append_len(multipart, text + *cut, len - *cut);
	tail = ndr_message_from_text(multipart->str, multipart->len);
	g_string_free(multipart, TRUE);
	return tail;
}

/*
 * Add a leaf of decoded text to list; text past a stray boundary is
 * parsed again as the multipart it is and walked as parts of their own.
 */
static void
add_leaf(parts *p, GPtrArray *list, GMimeObject *o, char *text, size_t len,
         int depth)
{
	leaf *l = g_new0(leaf, 1);
	char *boundary = NULL;
	size_t cut = text != NULL ? stray_boundary(text, len, &boundary) : len;
	GMimeMessage *tail = NULL;

	if (cut < len) {
		tail = parse_tail(text, len, boundary, &cut);
		g_ptr_array_add(p->owned, tail);
		text[cut] = '\0';
		len = cut;
	}
	g_free(boundary);
	l->part = o;
	l->text = text;
	l->len = len;
	g_ptr_array_add(list, l);
	if (tail != NULL)
		walk(p, g_mime_message_get_mime_part(tail), depth + 1);
}

static void
walk_leaf(parts *p, GMimeObject *o, int depth)
{
	GPtrArray *list = leaf_list(p, o);
	size_t len, max;
	char *text;
	leaf *l;

	/*
	 * A part headed by the original's own header fields: the MTA
	 * wrote the returned message without a Content-Type of its own.
	 */
	if (g_mime_header_list_contains(g_mime_object_get_header_list(o),
	                                "Message-ID")) {
		l = g_new0(leaf, 1);
		l->part = o;
		g_ptr_array_add(p->returned, l);
		return;
	}
	if (list == NULL)
		return;
	max = list == p->returned ? NDR_MAX_HEADER_BYTES : NDR_MAX_TEXT_BYTES;
	text = ndr_part_text(GMIME_PART(o), max, &len);
	if (text != NULL && len > 0)
		add_leaf(p, list, o, text, len, depth);
	else
		g_free(text);
}

/*
 * Depth first, in document order.  A returned message is not entered:
 * its text is the original's, not the report's.  A multipart whose
 * boundary never occurs has only its prologue: that is read as text.
 */
static void
walk(parts *p, GMimeObject *o, int depth)
{
	GMimeMultipart *mp;
	const char *prologue;
	char *text;
	leaf *l;
	int i, n;

	if (o == NULL || depth > NDR_MAX_MIME_DEPTH ||
	    ++p->seen > NDR_MAX_MIME_PARTS || ndr_budget_expired())
		return;
	if (GMIME_IS_MULTIPART(o)) {
		mp = GMIME_MULTIPART(o);
		n = g_mime_multipart_get_count(mp);
		prologue = g_mime_multipart_get_prologue(mp);
		if (n == 0 && prologue != NULL) {
			text = g_utf8_make_valid(prologue, -1);
			add_leaf(p, p->text, NULL, text, strlen(text), depth);
		}
		for (i = 0; i < n; i++)
			walk(p, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		l = g_new0(leaf, 1);
		l->part = o;
		g_ptr_array_add(p->returned, l);
	} else if (GMIME_IS_PART(o))
		walk_leaf(p, o, depth);
}

/*
 * A report forwarded as an attachment: when the message itself has no
 * report part, the first returned message that has one is the report.
 */
static void
walk_forwarded(parts *p)
{
	parts q;
	guint i;

	for (i = 0; i < p->returned->len; i++) {
		leaf *l = g_ptr_array_index(p->returned, i);
		GMimeMessage *inner;

		if (l->part == NULL || !GMIME_IS_MESSAGE_PART(l->part))
			continue;
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(l->part));
		if (inner == NULL)
			continue;
		parts_init(&q);
		walk(&q, g_mime_message_get_mime_part(inner), 1);
		if (q.dsn->len > 0 || q.mdn->len > 0 || q.arf->len > 0) {
			/* q's leaves point into inner, which p keeps. */
			g_ptr_array_add(q.owned, g_object_ref(inner));
			parts_clear(p);
			*p = q;
			return;
		}
		parts_clear(&q);
	}
}

static void
read_dsn_parts(GPtrArray *dsn, ndr_findings *f)
{
	guint i;

	for (i = 0; i < dsn->len; i++) {
		leaf *l = g_ptr_array_index(dsn, i);

		ndr_dsn_read(l->text, l->len, f);
	}
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
		leaf *l = g_ptr_array_index(list, i);
		/* A field block (MDN, ARF) is parsed like a header block. */
		GMimeMessage *block = ndr_message_from_text(l->text, l->len);

		each_field(block, names, take, f);
		g_object_unref(block);
	}
}

/*
 * The original from a returned message part.  When its header block is
 * empty (the MTA put a blank line before the fields), they are the
 * start of what GMime took for its body.
 */
static void
read_returned_message(GMimeMessagePart *part, ndr_findings *f)
{
	GMimeMessage *inner = g_mime_message_part_get_message(part);
	GMimeHeaderList *headers;
	GMimeObject *body;
	size_t len;
	char *text;

	if (inner == NULL)
		return;
	headers = g_mime_object_get_header_list(GMIME_OBJECT(inner));
	if (g_mime_header_list_get_count(headers) > 0) {
		ndr_original_from_headers(f, headers);
		ndr_original_keep_message(f, inner, TRUE);
		return;
	}
	body = g_mime_message_get_mime_part(inner);
	if (body == NULL || !GMIME_IS_PART(body))
		return;
	text = ndr_part_text(GMIME_PART(body), NDR_MAX_HEADER_BYTES, &len);
	if (text != NULL)
		ndr_original_from_text(f, text, len);
	g_free(text);
}

static void
read_returned(GPtrArray *returned, ndr_findings *f)
{
	guint i;

	for (i = 0; i < returned->len; i++) {
		leaf *l = g_ptr_array_index(returned, i);

		if (l->text != NULL)
			ndr_original_from_text(f, l->text, l->len);
		else if (GMIME_IS_MESSAGE_PART(l->part))
			read_returned_message(GMIME_MESSAGE_PART(l->part), f);
		else /* a part headed by the original's fields */
			ndr_original_from_headers(
			    f, g_mime_object_get_header_list(l->part));
	}
}

/*
 * Text goes to the rules, except the original's headers sent as
 * text/plain and the JSON notices of Amazon SES.  Some MTAs send the
 * delivery-status block itself as text/plain: read as one when no DSN
 * part gave recipients.  Returns the kind such structured text makes
 * the report (NDRCHECK_KIND_NONE when there was none).
 */
static ndrcheck_kind
read_text(const ndr_rules *rules, GPtrArray *text, ndr_findings *f)
{
	ndrcheck_kind kind = NDRCHECK_KIND_NONE, k;
	guint i;

	for (i = 0; i < text->len; i++) {
		leaf *l = g_ptr_array_index(text, i);

		if ((f->original == NULL || f->original->message_id == NULL) &&
		    ndr_original_is_header_block(l->text, l->len)) {
			ndr_original_from_text(f, l->text, l->len);
			continue;
		}
		if ((k = ndr_sesjson_read(l->text, l->len, f)) !=
		    NDRCHECK_KIND_NONE) {
			kind = k;
			continue;
		}
		if (f->recipients->len == 0 &&
		    ndr_dsn_looks_like(l->text, l->len) &&
		    ndr_dsn_read(l->text, l->len, f) > 0) {
			kind = NDRCHECK_KIND_DSN;
			ndr_original_find_header_block(f, l->text, l->len);
		}
		if (rules != NULL)
			ndr_textndr_read(rules, l->text, l->len, f);
	}
	return kind;
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

/* Fill the empty fields of dst from src. */
static void
merge_recipient(ndr_recipient *dst, const ndr_recipient *src)
{
	ndr_set_field(&dst->final_recipient, src->final_recipient, TRUE);
	ndr_set_field(&dst->action, src->action, TRUE);
	ndr_set_field(&dst->status, src->status, TRUE);
	ndr_set_field(&dst->reply_code, src->reply_code, TRUE);
	ndr_set_field(&dst->diagnostic, src->diagnostic, TRUE);
	ndr_set_field(&dst->diagnostic_type, src->diagnostic_type, TRUE);
	ndr_set_field(&dst->command, src->command, TRUE);
	ndr_set_field(&dst->category, src->category, TRUE);
	ndr_set_field(&dst->remote_mta, src->remote_mta, TRUE);
	ndr_set_field(&dst->reason, src->reason, TRUE);
}

/*
 * Exim and others name the failed recipients in X-Failed-Recipients: its
 * mailboxes, for repair_unusable() and for detect.c, which takes them
 * as the recipients of a report whose prose names none.
 */
static void
read_failed_header(GMimeMessage *msg, ndr_findings *f)
{
	const char *v =
	    g_mime_object_get_header(GMIME_OBJECT(msg), "X-Failed-Recipients");
	InternetAddressList *list;
	InternetAddress *a;
	int i, n;

	if (v == NULL || (list = internet_address_list_parse(NULL, v)) == NULL)
		return;
	n = MIN(internet_address_list_length(list), NDR_MAX_RECIPIENTS);
	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			g_ptr_array_add(
			    f->failed_header,
			    g_strdup(internet_address_mailbox_get_addr(
			        INTERNET_ADDRESS_MAILBOX(a))));
	}
	g_object_unref(list);
}

/* The one address the returned message was sent To (or Cc), or NULL. */
static const char *
returned_recipient(const ndr_findings *f)
{
	if (f->original == NULL || f->original->to->len != 1)
		return NULL;
	return g_ptr_array_index(f->original->to, 0);
}

/* The characters of a local part written alone (AOL's screen names). */
#define LOCAL_PART_CHARS                                                       \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"

/*
 * A recipient the text names by its local part alone (rule group
 * "local", read as "name@") is at the domain the report comes From.
 */
static void
qualify_local(GMimeMessage *msg, ndr_findings *f)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	InternetAddress *a;
	const char *at = NULL;
	ndr_recipient *r;
	char *domain, *addr;
	size_t n;
	guint i;

	if (from != NULL && internet_address_list_length(from) > 0 &&
	    INTERNET_ADDRESS_IS_MAILBOX(
	        a = internet_address_list_get_address(from, 0)))
		at = strrchr(internet_address_mailbox_get_addr(
		                 INTERNET_ADDRESS_MAILBOX(a)),
		             '@');
	if (at == NULL || at[1] == '\0')
		return;
	domain = g_ascii_strdown(at, -1);
	for (i = 0; i < f->recipients->len; i++) {
		r = g_ptr_array_index(f->recipients, i);
		n = strspn(r->address, LOCAL_PART_CHARS);
		if (n == 0 || strcmp(r->address + n, "@") != 0)
			continue;
		addr = g_strconcat(r->address, domain + 1, NULL);
		g_free(r->address);
		r->address = addr;
	}
	g_free(domain);
}

/*
 * One DSN recipient whose address is not one ("@host", a file path)
 * takes the one address the report names elsewhere: the one recipient
 * the text names, Exim's X-Failed-Recipients, or the one address the
 * returned message was sent to.  A report that names no recipient at
 * all ("Delivery report unavailable") is about that one address too.
 */
static void
repair_unusable(ndr_findings *f)
{
	ndr_recipient *bad = NULL, *good = NULL, *r;
	guint i, nbad = 0, ngood = 0, bad_i = 0;
	const char *addr;

	for (i = 0; i < f->recipients->len; i++) {
		r = g_ptr_array_index(f->recipients, i);
		if (ndr_dsn_address_usable(r->address)) {
			good = r;
			ngood++;
		} else {
			bad = r;
			bad_i = i;
			nbad++;
		}
	}
	if (nbad == 0 && ngood == 0 && f->kind != NDRCHECK_KIND_NONE &&
	    ndr_dsn_address_usable(returned_recipient(f))) {
		ndr_findings_recipient(f, returned_recipient(f));
		return;
	}
	if (nbad != 1)
		return;
	if (ngood == 1 && good->action == NULL) {
		merge_recipient(good, bad);
		g_ptr_array_remove_index(f->recipients, bad_i);
	} else if (ngood == 0) {
		addr = f->failed_header->len == 1 ? f->failed_header->pdata[0]
		                                  : returned_recipient(f);
		if (ndr_dsn_address_usable(addr))
			ndr_set_field(&bad->address, addr, FALSE);
	}
}

/*
 * Gmail names the message it bounced in a field of its own report,
 * X-Original-Message-ID: the original's id when nothing returned it.
 */
static void
read_original_id_field(GMimeMessage *msg, ndr_findings *f)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(msg),
	                                         "X-Original-Message-ID");
	char *id;

	if (v == NULL || (f->original != NULL && f->original->message_id))
		return;
	id = g_mime_utils_decode_message_id(v);
	if (id != NULL && *id != '\0')
		ndr_set_field(&ndr_findings_original(f)->message_id, id, TRUE);
	g_free(id);
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

/*
 * Microsoft's complaint reports (JMRP) have no feedback-report part:
 * the message complained of comes back whole, the complainant's
 * address in its X-HmXmrOriginalRecipient field.  Returns whether a
 * returned message had one.
 */
static gboolean
jmrp_recipients(GPtrArray *returned, ndr_findings *f)
{
	gboolean found = FALSE;
	GMimeMessage *inner;
	const char *v;
	char *addr;
	guint i;

	for (i = 0; i < returned->len; i++) {
		leaf *l = g_ptr_array_index(returned, i);

		if (l->part == NULL || !GMIME_IS_MESSAGE_PART(l->part) ||
		    (inner = g_mime_message_part_get_message(
		         GMIME_MESSAGE_PART(l->part))) == NULL ||
		    (v = g_mime_object_get_header(
		         GMIME_OBJECT(inner), "X-HmXmrOriginalRecipient")) ==
		        NULL)
			continue;
		addr = ndr_dsn_address(v);
		found = ndr_findings_recipient(f, addr) != NULL || found;
		g_free(addr);
	}
	return found;
}

/*
 * A feedback report is about the recipients its fields name, else the
 * ones the returned message was sent to; what each reports is a
 * complaint, reason "feedback" (ndrcheck(1) JSON OUTPUT).
 */
static void
read_feedback(ndr_findings *f)
{
	guint i;

	f->kind = NDRCHECK_KIND_FEEDBACK;
	/* (not "undisclosed", a To without an address) */
	if (f->recipients->len == 0 && f->original != NULL) {
		for (i = 0; i < f->original->to->len; i++) {
			const char *to = g_ptr_array_index(f->original->to, i);

			if (ndr_dsn_address_usable(to))
				ndr_findings_recipient(f, to);
		}
	}
	for (i = 0; i < f->recipients->len; i++) {
		ndr_recipient *r = g_ptr_array_index(f->recipients, i);

		ndr_set_field(&r->reason, "feedback", TRUE);
	}
}

static void
read_parts(const ndr_rules *rules, parts *p, ndr_findings *f)
{
	static const char *const mdn_fields[] = {"Final-Recipient",
	                                         "Original-Message-ID", NULL};
	static const char *const arf_fields[] = {
	    "Original-Rcpt-To", "Removal-Recipient", "Reporting-MTA", NULL};
	ndrcheck_kind text_kind;
	guint i;

	read_dsn_parts(p->dsn, f);
	read_field_parts(p->mdn, mdn_fields, take_mdn_field, f);
	read_field_parts(p->arf, arf_fields, take_arf_field, f);
	/*
	 * Text before the returned message: where an MTA quotes the
	 * original's headers in its text they name the message it
	 * bounced, which Sisimai also takes first.
	 */
	text_kind = read_text(rules, p->text, f);
	for (i = 0; i < f->recipients->len; i++)
		ndr_dsn_refine_status(g_ptr_array_index(f->recipients, i));
	read_returned(p->returned, f);

	if (p->arf->len > 0 || jmrp_recipients(p->returned, f))
		read_feedback(f);
	else if (p->mdn->len > 0)
		f->kind = NDRCHECK_KIND_MDN;
	else if (p->dsn->len > 0 || text_kind == NDRCHECK_KIND_DSN)
		f->kind = dsn_kind(f);
	else
		f->kind = text_kind;
}

void
ndr_report_read(const ndr_rules *rules, GMimeMessage *msg, ndr_findings *f)
{
	parts p;
	GDateTime *date;

	parts_init(&p);
	walk(&p, g_mime_message_get_mime_part(msg), 0);
	if (p.dsn->len == 0 && p.mdn->len == 0 && p.arf->len == 0)
		walk_forwarded(&p);
	read_parts(rules, &p, f);
	read_failed_header(msg, f);
	qualify_local(msg, f);
	repair_unusable(f);
	read_original_id_field(msg, f);
	read_reply_ids(msg, f);
	date = g_mime_message_get_date(msg);
	if (date != NULL)
		f->date_unix = g_date_time_to_unix(date);
	parts_clear(&p);
}
