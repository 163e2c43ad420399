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
#include "message.h"
#include "ndrlimits.h"

/* The header reader's position: p .. end is what is left to read. */
typedef struct cursor {
	const char *p, *end;
	char eol; /* the byte that ends a line: '\n', or '\r' if CR-only */
} cursor;

/* Whether the line at p is empty: the end of the header block. */
static gboolean
empty_line(const cursor *c, const char *p)
{
	return *p == c->eol || (*p == '\r' && p + 1 < c->end && p[1] == '\n');
}

/* Past the end of the line that starts at p (its EOL included). */
static const char *
line_end(const cursor *c, const char *p)
{
	const char *e = memchr(p, c->eol, c->end - p);

	if (e == NULL)
		return c->end;
	/* (a CR-only message may still hold a CRLF) */
	if (c->eol == '\r' && e + 1 < c->end && e[1] == '\n')
		e++;
	return e + 1;
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

/* GMime's is_lwsp(): what unfolding trims and line breaks are made of. */
static gboolean
is_lwsp(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Whether any byte of v .. end has its high bit set, 8 bytes at a time. */
static gboolean
has_8bit(const char *v, const char *end)
{
	const guint64 high = G_GUINT64_CONSTANT(0x8080808080808080);
	guint64 word;

	for (; end - v >= 8; v += 8) {
		memcpy(&word, v, 8);
		if ((word & high) != 0)
			return TRUE;
	}
	for (; v < end; v++)
		if ((guchar)*v >= 0x80)
			return TRUE;
	return FALSE;
}

/* Whether GMime's decoder has anything to do: encoded words or 8 bits. */
static gboolean
needs_decoding(const char *v, const char *end)
{
	const char *eq;

	for (eq = memchr(v, '=', end - v); eq != NULL;
	     eq = memchr(eq + 1, '=', end - (eq + 1)))
		if (eq + 1 < end && eq[1] == '?')
			return TRUE;
	return has_8bit(v, end);
}

/* The first CR or LF in v .. end, or NULL. */
static const char *
next_break(const char *v, const char *end)
{
	const char *lf = memchr(v, '\n', end - v);
	const char *cr = memchr(v, '\r', (lf != NULL ? lf : end) - v);

	return cr != NULL ? cr : lf;
}

/* Append v .. end without its line breaks: a folded value unfolded. */
static void
append_unfolded(GString *s, const char *v, const char *end)
{
	const char *br;

	while ((br = next_break(v, end)) != NULL) {
		g_string_append_len(s, v, br - v);
		for (v = br; v < end && (*v == '\r' || *v == '\n'); v++)
			;
	}
	g_string_append_len(s, v, end - v);
}

/*
 * Append the value v .. end as g_mime_header_get_value() gives it:
 * unfolded (trimmed, line breaks taken out), then decoded; plain ASCII,
 * most values, is copied without GMime's allocations.
 */
static void
append_value(GString *s, const char *v, const char *end)
{
	char *raw, *unfolded, *decoded;

	while (v < end && is_lwsp(*v))
		v++;
	while (end > v && is_lwsp(end[-1]))
		end--;
	if (!needs_decoding(v, end)) {
		append_unfolded(s, v, end);
		return;
	}
	ndr_gmime_init();
	raw = g_strndup(v, end - v);
	unfolded = g_mime_utils_header_unfold(raw);
	decoded = g_mime_utils_header_decode_text(NULL, unfolded);
	g_string_append(s, decoded);
	g_free(decoded);
	g_free(unfolded);
	g_free(raw);
}

/*
 * Append "Name: value\n" for the field f .. end whose name is nlen
 * bytes long, unless the text would outgrow NDR_MAX_HEADER_BYTES.
 */
static void
append_field(GString *s, const char *f, size_t nlen, const char *end)
{
	const char *colon = memchr(f + nlen, ':', end - (f + nlen));
	size_t before = s->len;

	g_string_append_len(s, f, nlen);
	g_string_append_len(s, ": ", 2);
	append_value(s, colon + 1, end);
	g_string_append_c(s, '\n');
	if (s->len > NDR_MAX_HEADER_BYTES)
		g_string_truncate(s, before);
}

GString *
ndr_header_text(const ndrcheck_message *m)
{
	GString *s = g_string_sized_new(2048);
	const char *data = (const char *)m->head->data;
	size_t len = MIN(m->head->len, m->lead + NDR_MAX_HEADER_BYTES);
	cursor c = {.eol = m->eol == NDR_EOL_CR ? '\r' : '\n'};
	const char *end;
	int fields = 0;
	size_t nlen;

	/* (an empty head has no data pointer, and NULL + 0 is undefined) */
	if (m->head->len == 0)
		return s;
	c.p = data + m->lead;
	c.end = data + len;
	while (c.p < c.end && !empty_line(&c, c.p) &&
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

char *
ndr_header_text_value(const GString *hdr, const char *name)
{
	size_t n = strlen(name);
	const char *p, *eol;

	for (p = hdr->str; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (g_ascii_strncasecmp(p, name, n) == 0 && p[n] == ':')
			return g_strstrip(
			    g_strndup(p + n + 1, (gsize)(eol - p - n - 1)));
		if (*eol == '\0')
			break;
	}
	return NULL;
}
