/*
 * message.c - GMime views of a message read by input.c (see message.h):
 * its header block alone, the whole kept prefix, and the decoded text
 * of a leaf part.
 */
#include <string.h>

#include "budget.h"
#include "htmltext.h"
#include "ndrlimits.h"
#include "message.h"

static gpointer
gmime_init_once(G_GNUC_UNUSED gpointer unused)
{
	static const char *fallback[] = {"UTF-8", "windows-1252", NULL};
	GMimeParserOptions *opts;

	g_mime_init();
	/*
	 * Bounces quote whatever the failed message carried: be as lenient
	 * as GMime allows with encoded words, addresses and parameters, and
	 * read undeclared 8-bit headers as the usual Western charset.
	 */
	opts = g_mime_parser_options_get_default();
	g_mime_parser_options_set_rfc2047_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(opts, TRUE);
	g_mime_parser_options_set_fallback_charsets(opts, fallback);
	return NULL;
}

void
ndr_gmime_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, gmime_init_once, NULL);
}

/*
 * GMime knows LF and CRLF but not a lone CR: lines of old Mac mail would
 * run together into one header.  Such input is parsed from a copy with
 * every lone CR made a LF; the bytes kept in the message stay as they are.
 */
static GMimeStream *
stream_over(const ndrcheck_message *m, size_t start, size_t end)
{
	GMimeStream *s;
	GByteArray *copy;
	size_t i;

	if (m->eol != NDR_EOL_CR) {
		s = g_mime_stream_mem_new_with_byte_array(m->head);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
		g_mime_stream_set_bounds(s, start, end);
		return s;
	}
	copy = g_byte_array_sized_new(end - start);
	g_byte_array_append(copy, m->head->data + start, end - start);
	for (i = 0; i < copy->len; i++) {
		if (copy->data[i] == '\r' &&
		    (i + 1 == copy->len || copy->data[i + 1] != '\n'))
			copy->data[i] = '\n';
	}
	return g_mime_stream_mem_new_with_byte_array(copy);
}

/* The message GMime makes of s (which it takes), or NULL for none. */
static GMimeMessage *
construct(GMimeStream *s)
{
	GMimeParser *parser;
	GMimeMessage *msg;

	parser = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(s);
	return msg;
}

/* Promised never to fail: garbage gives an empty message. */
static GMimeMessage *
or_empty(GMimeMessage *msg)
{
	return msg != NULL ? msg : g_mime_message_new(FALSE);
}

/* The bytes from the header block to end, cut to what GMime may build. */
static GMimeMessage *
parse_range(const ndrcheck_message *m, size_t end)
{
	size_t start = m->lead;

	/* (an empty head has no data pointer, and NULL + 0 is undefined) */
	if (end > start)
		end = start +
		      ndr_budget_extent((const char *)m->head->data + start,
		                        end - start);
	else
		end = start;
	ndr_gmime_init();
	return or_empty(construct(stream_over(m, start, end)));
}

GMimeMessage *
ndr_message_headers(const ndrcheck_message *m)
{
	size_t end =
	    MIN(ndr_input_lead_header_len(m), m->lead + NDR_MAX_HEADER_BYTES);

	return parse_range(m, end);
}

GMimeMessage *
ndr_message_parse(const ndrcheck_message *m)
{
	return parse_range(m, m->head->len);
}

GMimeMessage *
ndr_message_from_text_or_null(const char *text, size_t len)
{
	ndr_gmime_init();
	return construct(g_mime_stream_mem_new_with_buffer(
	    text, ndr_budget_extent(text, len)));
}

GMimeMessage *
ndr_message_from_text(const char *text, size_t len)
{
	return or_empty(ndr_message_from_text_or_null(text, len));
}

/*
 * The content stream of part with its transfer encoding undone and its
 * charset converted to UTF-8.  Read through filters so that only the
 * bytes wanted are ever decoded.
 */
static GMimeStream *
decoded_stream(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *filtered;
	GMimeFilter *filter;
	const char *charset;

	if (content == NULL || g_mime_data_wrapper_get_stream(content) == NULL)
		return NULL;
	filtered =
	    g_mime_stream_filter_new(g_mime_data_wrapper_get_stream(content));
	g_mime_stream_reset(g_mime_data_wrapper_get_stream(content));
	filter = g_mime_filter_basic_new(
	    g_mime_data_wrapper_get_encoding(content), FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
	g_object_unref(filter);
	charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	                                                   "charset");
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0 &&
	    (filter = g_mime_filter_charset_new(charset, "UTF-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
		g_object_unref(filter);
	}
	return filtered;
}

/*
 * Japanese mail in ISO-2022-JP (RFC 1468) that declares no charset, or
 * us-ascii (its bytes are 7-bit; Lotus Domino writes its DSN fields so):
 * its escape sequences say what it is.
 */
static gboolean
undeclared_iso2022jp(GMimePart *part, const GByteArray *buf)
{
	const char *charset = g_mime_object_get_content_type_parameter(
	    GMIME_OBJECT(part), "charset");

	if (charset != NULL && g_ascii_strcasecmp(charset, "us-ascii") != 0)
		return FALSE;
	return memmem(buf->data, buf->len, "\x1b$B", 3) != NULL ||
	       memmem(buf->data, buf->len, "\x1b$@", 3) != NULL;
}

/* buf converted from ISO-2022-JP to UTF-8 by GMime's lenient filter. */
static GByteArray *
from_iso2022jp(GByteArray *buf)
{
	GMimeFilter *filter = g_mime_filter_charset_new("ISO-2022-JP", "UTF-8");
	GByteArray *out;
	GMimeStream *mem, *in, *sink;

	if (filter == NULL)
		return buf;
	mem = g_mime_stream_mem_new_with_buffer((const char *)buf->data,
	                                        buf->len);
	in = g_mime_stream_filter_new(mem);
	g_object_unref(mem); /* the filter stream holds it */
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(in), filter);
	g_object_unref(filter);
	out = g_byte_array_sized_new(buf->len * 3 / 2 + 1);
	sink = g_mime_stream_mem_new_with_byte_array(out);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(sink), FALSE);
	g_mime_stream_write_to_stream(in, sink);
	g_mime_stream_flush(sink);
	g_object_unref(sink);
	g_object_unref(in);
	g_byte_array_unref(buf);
	return out;
}

char *
ndr_part_text(GMimePart *part, size_t max, size_t *len)
{
	GMimeStream *s = decoded_stream(part);
	GByteArray *buf;
	char *text, *html;
	ssize_t n;
	size_t cut;

	*len = 0;
	if (s == NULL)
		return NULL;
	buf = g_byte_array_sized_new(MIN(max, 64 * 1024) + 1);
	while (buf->len < max) {
		size_t want = MIN(max - buf->len, 64 * 1024);
		guint used = buf->len;

		g_byte_array_set_size(buf, used + want);
		n = g_mime_stream_read(s, (char *)buf->data + used, want);
		g_byte_array_set_size(buf, used + MAX(n, 0));
		if (n <= 0)
			break;
	}
	g_object_unref(s);
	if (undeclared_iso2022jp(part, buf))
		buf = from_iso2022jp(buf);
	/* Undeclared or mislabelled 8-bit text: U+FFFD, never an abort. */
	text = g_utf8_make_valid((const char *)buf->data, buf->len);
	g_byte_array_unref(buf);
	cut = strlen(text);
	if (cut > max) {
		cut = max;
		while (cut > 0 && ((guchar)text[cut] & 0xc0) == 0x80)
			cut--;
		text[cut] = '\0';
	}
	*len = cut;
	if (g_mime_content_type_is_type(
	        g_mime_object_get_content_type(GMIME_OBJECT(part)), "text",
	        "html")) {
		html = text;
		text = ndr_html_text(html, cut, len);
		g_free(html);
	}
	return text;
}
