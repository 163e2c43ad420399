/*
 * original.c - take the original message's Message-ID, From, To/Cc,
 * Subject, Date and Received fields from the header list a report
 * returns, or from header lines it quotes as text (see original.h).
 *
 * The first source that gives a field wins: a report names one original.
 */
#include <string.h>

#include "ndrlimits.h"
#include "message.h"
#include "original.h"

/* The header's raw value, unfolded, or NULL when it is absent. */
static char *
raw_value(GMimeHeaderList *headers, const char *name)
{
	GMimeHeader *h = g_mime_header_list_get_header(headers, name);
	const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;

	return raw != NULL ? g_mime_utils_header_unfold(raw) : NULL;
}

/* Every mailbox of list, groups flattened, as bare addresses. */
static void
add_addresses(InternetAddressList *list, GPtrArray *out, guint max)
{
	int i, n = internet_address_list_length(list);

	for (i = 0; i < n && out->len < max; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		char *addr = NULL;

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			add_addresses(internet_address_group_get_members(
			                  INTERNET_ADDRESS_GROUP(a)),
			              out, max);
			continue;
		}
		ndr_set_field(&addr,
		              internet_address_mailbox_get_addr(
		                  INTERNET_ADDRESS_MAILBOX(a)),
		              FALSE);
		if (addr != NULL)
			g_ptr_array_add(out, addr);
	}
}

static InternetAddressList *
parse_list(GMimeHeaderList *headers, const char *name)
{
	char *v = raw_value(headers, name);
	InternetAddressList *list = NULL;

	if (v != NULL)
		list = internet_address_list_parse(NULL, v);
	g_free(v);
	return list;
}

static void
take_from(ndr_original *o, GMimeHeaderList *headers)
{
	InternetAddressList *list = parse_list(headers, "From");
	GPtrArray *addrs = g_ptr_array_new_with_free_func(g_free);

	if (list != NULL) {
		add_addresses(list, addrs, 1);
		g_object_unref(list);
	}
	if (addrs->len > 0)
		ndr_set_field(&o->from, g_ptr_array_index(addrs, 0), TRUE);
	g_ptr_array_unref(addrs);
}

static void
take_to(ndr_original *o, GMimeHeaderList *headers)
{
	static const char *const names[] = {"To", "Cc"};
	size_t i;

	if (o->to->len > 0)
		return;
	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		InternetAddressList *list = parse_list(headers, names[i]);

		if (list != NULL) {
			add_addresses(list, o->to, NDR_MAX_RECIPIENTS);
			g_object_unref(list);
		}
	}
}

static void
take_message_id(ndr_original *o, GMimeHeaderList *headers)
{
	char *v = raw_value(headers, "Message-ID"), *id;

	if (v == NULL)
		return;
	/* A broken id without <> is still the id the sender's log has. */
	id = g_mime_utils_decode_message_id(v);
	ndr_set_field(&o->message_id, id != NULL ? id : g_strstrip(v), TRUE);
	g_free(id);
	g_free(v);
}

static void
take_date(ndr_original *o, GMimeHeaderList *headers)
{
	char *v = raw_value(headers, "Date");
	GDateTime *dt, *utc;

	if (v == NULL || o->date != NULL)
		goto out;
	dt = g_mime_utils_header_decode_date(v);
	if (dt == NULL)
		goto out;
	utc = g_date_time_to_utc(dt);
	o->date = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
	o->date_unix = g_date_time_to_unix(utc);
	g_date_time_unref(utc);
	g_date_time_unref(dt);
out:
	g_free(v);
}

static void
take_subject(ndr_original *o, GMimeHeaderList *headers)
{
	char *v = raw_value(headers, "Subject"), *text;

	if (v == NULL)
		return;
	text = g_mime_utils_header_decode_text(NULL, v);
	ndr_set_field(&o->subject, text, TRUE);
	g_free(text);
	g_free(v);
}

static void
take_received(ndr_original *o, GMimeHeaderList *headers)
{
	int i, n = MIN(g_mime_header_list_get_count(headers), NDR_MAX_HEADERS);

	if (o->received->len > 0)
		return;
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		char *v, *field = NULL;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Received"))
			continue;
		v = ndr_collapse_spaces(g_mime_header_get_raw_value(h));
		ndr_set_field(&field, v, FALSE);
		g_free(v);
		if (field != NULL)
			g_ptr_array_add(o->received, field);
	}
}

/*
 * Whether headers hold any field taken here: a block of other fields
 * (Content-Type alone) makes no original, which ndrcheck(1) JSON OUTPUT then
 * gives as null.
 */
static gboolean
has_original_field(GMimeHeaderList *headers)
{
	static const char *const names[] = {
	    "Message-ID", "From", "To", "Cc", "Subject", "Date", "Received"};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_mime_header_list_contains(headers, names[i]))
			return TRUE;
	return FALSE;
}

/*
 * Keep the header fields as they came, for dkim.c: the first block, or
 * a later one that carries a DKIM-Signature when the first did not.
 */
static void
keep_header_block(ndr_original *o, GMimeHeaderList *headers)
{
	char *text;

	if (o->header_block != NULL &&
	    (strcasestr(o->header_block->str, "DKIM-Signature:") != NULL ||
	     !g_mime_header_list_contains(headers, "DKIM-Signature")))
		return;
	text = g_mime_header_list_to_string(headers, NULL);
	if (o->header_block != NULL)
		g_string_free(o->header_block, TRUE);
	o->header_block = g_string_new(text);
	g_free(text);
}

/*
 * The returned message as GMime writes it back: its own header fields
 * with their raw values (Content-* fields are its body part's in GMime,
 * written after the others), then its body as it came.  It replaces the
 * block keep_header_block() took from this message's header list alone,
 * and no other: the first source stays the one that counts.
 */
void
ndr_original_keep_message(ndr_findings *f, GMimeMessage *returned,
                          gboolean with_body)
{
	ndr_original *o = f->original;
	char *list = g_mime_header_list_to_string(
	    g_mime_object_get_header_list(GMIME_OBJECT(returned)), NULL);
	GMimeStream *mem;
	GByteArray *bytes;
	const char *end;
	size_t head;

	if (o == NULL || o->body != NULL || o->header_block == NULL ||
	    strcmp(o->header_block->str, list) != 0) {
		g_free(list);
		return;
	}
	g_free(list);
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(returned), NULL, mem) >=
	    0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		end =
		    g_strstr_len((const char *)bytes->data, bytes->len, "\n\n");
		head = end != NULL
		           ? (size_t)(end - (const char *)bytes->data) + 1
		           : bytes->len;
		g_string_truncate(o->header_block, 0);
		g_string_append_len(o->header_block, (const char *)bytes->data,
		                    head);
		if (with_body && end != NULL)
			o->body = g_bytes_new(end + 2, bytes->len - head - 1);
	}
	g_object_unref(mem);
}

void
ndr_original_from_headers(ndr_findings *f, GMimeHeaderList *headers)
{
	ndr_original *o;

	if (headers == NULL || !has_original_field(headers))
		return;
	o = ndr_findings_original(f);
	keep_header_block(o, headers);
	take_message_id(o, headers);
	take_from(o, headers);
	take_to(o, headers);
	take_subject(o, headers);
	take_date(o, headers);
	take_received(o, headers);
}

/* The length of the quoting ("> ", "  ", ">>") before a line's text. */
static size_t
quote_len(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
		i++;
	return i;
}

gboolean
ndr_original_field_line(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < len && s[i] == ':';
}

/* The line at *p (without its end), *p moved past it. */
static const char *
take_line(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *eol = s;

	while (eol < end && *eol != '\n' && *eol != '\r')
		eol++;
	*n = eol - s;
	*p = eol + (eol < end);
	if (eol < end && *eol == '\r' && *p < end && **p == '\n')
		(*p)++;
	return s;
}

/*
 * Where the next field of the block begins, looking from p: a line
 * quoted like the fields (prefix) that is a field, before the blank
 * line that ends the block; NULL when there is none.
 */
static const char *
next_field(const char *p, const char *end, size_t prefix)
{
	const char *s;
	size_t n, q;

	while (p < end) {
		s = take_line(&p, end, &n);
		q = quote_len(s, n);
		if (q == n)
			return NULL;
		if (q == prefix && ndr_original_field_line(s + q, n - q))
			return s;
	}
	return NULL;
}

/*
 * Whether a line that is no field, in a block whose MTA lost the
 * indentation of folded lines, continues the field before it: when it
 * is one unbroken token (encoded data wrapped at a fixed width) or that
 * field has a comment still open ("Received: from x by y (via").  Prose
 * after the fields is neither.
 */
static gboolean
lost_fold(const char *s, size_t n, const GString *block)
{
	const char *field = strrchr(block->str, '\n');
	int depth = 0;

	if (memchr(s, ' ', n) == NULL && memchr(s, '\t', n) == NULL)
		return TRUE;
	for (field = field != NULL ? field : block->str; *field != '\0';
	     field++)
		depth += (*field == '(') - (*field == ')');
	return depth > 0;
}

/*
 * Rebuild a plain header block from quoted lines: the quoting of the
 * first header line is taken off every line, so that a folded line
 * (more indented than that) stays a continuation.  Some MTAs also lose
 * the indentation of folded lines (GMX, Yahoo): a line that lost_fold()
 * accepts and that has fields after it in the same block continues the
 * field before it.
 */
static GString *
unquote_headers(const char *text, size_t len)
{
	GString *block = g_string_new(NULL);
	const char *p = text, *end = text + MIN(len, NDR_MAX_HEADER_BYTES);
	const char *s, *field = NULL; /* the next field past lost folds */
	size_t n, q, prefix = 0;
	gboolean started = FALSE;

	while (p < end) {
		s = take_line(&p, end, &n);
		q = quote_len(s, n);
		if (q == n) { /* blank, or only quote marks */
			if (started)
				break;
			continue;
		}
		if (!started) {
			/* A cut-off field's tail before the first field. */
			if (!ndr_original_field_line(s + q, n - q))
				continue;
			started = TRUE;
			prefix = q;
		} else if (q > prefix ||
		           (q == prefix && q > 0 && s[q - 1] != '>' &&
		            !ndr_original_field_line(s + q, n - q)) ||
		           (!ndr_original_field_line(s + q, n - q) &&
		            (s < field ||
		             (lost_fold(s + q, n - q, block) &&
		              (field = next_field(p, end, prefix)) != NULL)))) {
			/*
			 * More indented than the fields, or indented alike
			 * by an MTA that shifts every line, or not indented
			 * at all with fields to come: a folded line.
			 */
			g_string_append_c(block, ' ');
			g_string_append_len(block, s + q, n - q);
			continue;
		} else if (!ndr_original_field_line(s + q, n - q))
			break;
		if (block->len > 0)
			g_string_append_c(block, '\n');
		g_string_append_len(block, s + q, n - q);
	}
	return block;
}

void
ndr_original_from_text(ndr_findings *f, const char *text, size_t len)
{
	GString *block = unquote_headers(text, len);
	GMimeMessage *msg;

	if (block->len > 0) {
		g_string_append(block, "\n\n");
		msg = ndr_message_from_text(block->str, block->len);
		ndr_original_from_headers(
		    f, g_mime_object_get_header_list(GMIME_OBJECT(msg)));
		ndr_original_keep_message(f, msg, FALSE);
		g_object_unref(msg);
	}
	g_string_free(block, TRUE);
}

gboolean
ndr_original_is_header_block(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	GString *block;
	char **lines;
	gboolean id = FALSE;
	int i;

	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	if (!ndr_original_field_line(p, end - p))
		return FALSE;
	block = unquote_headers(p, end - p);
	lines = g_strsplit(block->str, "\n", -1);
	for (i = 0; lines[i] != NULL && !id; i++)
		id = g_ascii_strncasecmp(lines[i], "Message-ID:", 11) == 0;
	g_strfreev(lines);
	g_string_free(block, TRUE);
	return id;
}

gboolean
ndr_original_find_header_block(ndr_findings *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	gboolean blank = TRUE;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *next = eol != NULL ? eol + 1 : end;

		/* A paragraph starts after a blank line (CR, LF or CRLF). */
		if (blank && *p != '\n' && *p != '\r' &&
		    ndr_original_is_header_block(p, end - p)) {
			ndr_original_from_text(f, p, end - p);
			return TRUE;
		}
		blank = *p == '\n' || *p == '\r';
		p = next;
	}
	return FALSE;
}
