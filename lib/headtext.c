/*
 * headtext.c - the top-level header block as the text header rules read
 * (see headtext.h), straight from the input bytes.
 *
 * This is the fast path's whole cost for ordinary mail, so it does not
 * build a GMime message: it cuts the fields itself, the way GMime's
 * parser does (gmime-parser.c, step_headers() and header_buffer_parse()),
 * and gives each value exactly what g_mime_header_get_value() would:
 * g_mime_utils_header_unfold(), then g_mime_utils_header_decode_text(),
 * which is only called when there is something to decode.  The same
 * rules then see the same text whichever path reads the message.
 */
#include <string.h>

#include "headtext.h"
#include "ndrlimits.h"

/* The header reader's position: p .. end is what is left to read. */
typedef struct cursor {
	const char *p, *end;
	gboolean cr_only; /* a lone CR ends a line (ndr_eol NDR_EOL_CR) */
} cursor;

/* The length of the line ending at p, 0 if p is not at one. */
static size_t
eol_at(const cursor *c, const char *p)
{
	if (*p == '\n')
		return 1;
	if (*p != '\r')
		return 0;
	if (p + 1 < c->end && p[1] == '\n')
		return 2;
	return c->cr_only ? 1 : 0;
}

/* Past the end of the line that starts at c->p (its EOL included). */
static const char *
line_end(const cursor *c, const char *p)
{
	size_t n;

	for (; p < c->end; p++)
		if ((n = eol_at(c, p)) > 0)
			return p + n;
	return c->end;
}

/*
 * Where the field starting at c->p ends: after its last continuation
 * line (one starting with white space).
 */
static const char *
field_end(const cursor *c)
{
	const char *p = line_end(c, c->p);

	while (p < c->end && (*p == ' ' || *p == '\t'))
		p = line_end(c, p);
	return p;
}

/*
 * The length of the field name at f, up to its ':' (white space may
 * stand between the name and the colon, but not inside the name, nor
 * any control character), or 0 if the line is no field.
 */
static size_t
name_len(const char *f, const char *end)
{
	const char *p = f, *name_end = NULL;

	for (; p < end && *p != ':'; p++) {
		if (*p == ' ' || *p == '\t') {
			if (name_end == NULL)
				name_end = p;
		} else if (name_end != NULL || g_ascii_iscntrl(*p)) {
			return 0;
		}
	}
	if (p == end || p == f)
		return 0;
	return (size_t)((name_end != NULL ? name_end : p) - f);
}

/* Whether GMime's decoder has anything to do: encoded words or 8 bits. */
static gboolean
needs_decoding(const char *v)
{
	for (; *v != '\0'; v++)
		if ((guchar)*v >= 0x80 || (v[0] == '=' && v[1] == '?'))
			return TRUE;
	return FALSE;
}

/* Append "Name: value\n" for the field f .. end, if it fits. */
static void
append_field(GString *s, const char *f, size_t nlen, const char *end)
{
	const char *colon = memchr(f + nlen, ':', end - (f + nlen));
	char *raw = g_strndup(colon + 1, end - (colon + 1));
	char *value = g_mime_utils_header_unfold(raw);
	char *decoded;

	if (needs_decoding(value)) {
		decoded = g_mime_utils_header_decode_text(NULL, value);
		g_free(value);
		value = decoded;
	}
	if (s->len + nlen + strlen(value) + 3 <= NDR_MAX_HEADER_BYTES) {
		g_string_append_len(s, f, nlen);
		g_string_append(s, ": ");
		g_string_append(s, value);
		g_string_append_c(s, '\n');
	}
	g_free(value);
	g_free(raw);
}

GString *
ndr_header_text(const ndrcheck_message *m)
{
	GString *s = g_string_sized_new(2048);
	const char *data = (const char *)m->head->data;
	size_t len = MIN(m->head->len, m->from_line + NDR_MAX_HEADER_BYTES);
	cursor c = {.cr_only = m->eol == NDR_EOL_CR};
	const char *end;
	int fields = 0;
	size_t nlen;

	/* (an empty head has no data pointer, and NULL + 0 is undefined) */
	if (m->head->len == 0)
		return s;
	c.p = data + m->from_line;
	c.end = data + len;
	while (c.p < c.end && eol_at(&c, c.p) == 0 &&
	       fields < NDR_MAX_HEADERS) {
		end = field_end(&c);
		nlen = name_len(c.p, end);
		if (nlen > 0) {
			append_field(s, c.p, nlen, end);
			fields++;
		} else if (fields == 0) {
			break; /* no header block at all, GMime says */
		}
		c.p = end;
	}
	return s;
}
