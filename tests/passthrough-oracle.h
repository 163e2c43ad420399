/*
 * passthrough-oracle.h - what passthrough output must be (ndrcheck(1) OPTIONS),
 * checked from outside: for tests/test-property.c and the classify fuzz
 * target (fuzz/targets.c).
 *
 * The output is the input byte for byte, with X-NDR-Verdict, X-NDR-Kind
 * and at most one X-NDR-Evidence added at the top (after an mbox "From "
 * line, which gets a line end if it had none, and after any lines that
 * start with white space, which no field heads) in the line ending of the
 * input's first line, and every X-NDR-* field of the input's header block
 * (which ends at the first empty line) removed with its continuation
 * lines.  Lines end in LF, CRLF or a lone CR.
 */
#ifndef NDR_TESTS_PASSTHROUGH_ORACLE_H
#define NDR_TESTS_PASSTHROUGH_ORACLE_H

#include <string.h>

#include <glib.h>

/* The length of the line ending at p (LF, CRLF or a lone CR), 0 if none. */
static inline size_t
eol_len(const guint8 *p, const guint8 *end)
{
	if (p < end && *p == '\n')
		return 1;
	if (p < end && *p == '\r')
		return (p + 1 < end && p[1] == '\n') ? 2 : 1;
	return 0;
}

/* The end of the line starting at p, its line ending included. */
static inline const guint8 *
line_end(const guint8 *p, const guint8 *end)
{
	while (p < end && eol_len(p, end) == 0)
		p++;
	return p + eol_len(p, end);
}

/* The length of the line ending that closes the line p..e (from line_end). */
static inline size_t
closing_eol(const guint8 *p, const guint8 *e)
{
	if (e > p && e[-1] == '\n')
		return (e - 1 > p && e[-2] == '\r') ? 2 : 1;
	return (e > p && e[-1] == '\r') ? 1 : 0;
}

/* The length of a leading mbox "From " line, line ending included. */
static inline size_t
from_line_len(const guint8 *in, size_t len)
{
	if (len < 5 || memcmp(in, "From ", 5) != 0)
		return 0;
	return line_end(in, in + len) - in;
}

/* The line ending the output must use: that of the input's first line. */
static inline const char *
input_eol(const guint8 *in, size_t len)
{
	const guint8 *p = in, *end = in + len;

	while (p < end && eol_len(p, end) == 0)
		p++;
	if (eol_len(p, end) == 2)
		return "\r\n";
	return (p < end && *p == '\r') ? "\r" : "\n";
}

static inline gboolean
is_xndr(const guint8 *p, const guint8 *end)
{
	return end - p >= 6 &&
	       g_ascii_strncasecmp((const char *)p, "X-NDR-", 6) == 0;
}

/* The length of the lines at p that start with white space (no field's). */
static inline size_t
orphans_len(const guint8 *p, const guint8 *end)
{
	const guint8 *q = p;

	while (q < end && (*q == ' ' || *q == '\t'))
		q = line_end(q, end);
	return q - p;
}

/*
 * The input without its "From " line and without the X-NDR-* fields
 * (with their continuation lines) of its header block, which ends at
 * the first empty line.
 */
static inline GByteArray *
strip_forged(const guint8 *in, size_t len, size_t from)
{
	GByteArray *out = g_byte_array_new();
	const guint8 *p = in + from, *end = in + len;
	gboolean skipping = FALSE;

	while (p < end) {
		const guint8 *next = line_end(p, end);

		if (eol_len(p, end) >
		    0) { /* the empty line: the body follows */
			g_byte_array_append(out, p, end - p);
			break;
		}
		if (*p != ' ' && *p != '\t')
			skipping = is_xndr(p, end);
		if (!skipping)
			g_byte_array_append(out, p, next - p);
		p = next;
	}
	return out;
}

/*
 * Check that out[pos, end) is exactly the block ndrcheck adds: Verdict,
 * Kind, then at most one Evidence field, each line ended by eol.  Fills
 * *verdict and *kind with the values found.
 */
static inline const char *
added_headers(const guint8 *out, size_t pos, size_t end, const char *eol,
              char **verdict, char **kind)
{
	static const char *const names[] = {
	    "X-NDR-Verdict: ", "X-NDR-Kind: ", "X-NDR-Evidence: "};
	const guint8 *p = out + pos, *e, *stop = out + end;
	size_t el = strlen(eol);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(names) && p < stop; i++) {
		size_t nl = strlen(names[i]);

		if ((size_t)(stop - p) < nl || memcmp(p, names[i], nl) != 0)
			return "the added block is not X-NDR-Verdict, "
			       "X-NDR-Kind and X-NDR-Evidence";
		do { /* the field and its continuation lines */
			e = line_end(p, stop);
			if (closing_eol(p, e) != el ||
			    memcmp(e - el, eol, el) != 0)
				return "an added header line does not end in "
				       "the input's line ending";
			if (i < 2 && *p != ' ' && *p != '\t')
				*(i == 0 ? verdict : kind) = g_strndup(
				    (const char *)p + nl, e - el - p - nl);
			p = e;
		} while (i == 2 && p < stop && (*p == ' ' || *p == '\t'));
	}
	if (i < 2)
		return "X-NDR-Verdict or X-NDR-Kind missing";
	return p == stop ? NULL : "more than the X-NDR-* block was added";
}

/* memcmp() == 0, for buffers that are NULL when empty (undefined there). */
static inline gboolean
same(const guint8 *a, const guint8 *b, size_t len)
{
	return len == 0 || memcmp(a, b, len) == 0;
}

/*
 * NULL if out is a faithful passthrough of in, else what is wrong: the
 * From line, the added block, then the input less its From line and its
 * forged X-NDR-* fields.  (A From line without a line end gets one.)  The
 * added verdict and kind are returned in *verdict and *kind.
 */
static inline const char *
passthrough_fault(const guint8 *in, size_t len, const guint8 *out,
                  size_t outlen, char **verdict, char **kind)
{
	size_t from = from_line_len(in, len);
	size_t pos = from + orphans_len(in + from, in + len);
	const char *eol = input_eol(in, len), *fault = NULL;
	GByteArray *rest = strip_forged(in, len, pos);

	*verdict = *kind = NULL;
	if (outlen < pos + rest->len)
		fault = "the output is shorter than the input";
	else if (!same(in, out, pos))
		fault = "the mbox From line (and lines of no field) are not "
		        "first";
	else if (!same(rest->data, out + outlen - rest->len, rest->len))
		fault = "the message after the added headers is not the input "
		        "less its X-NDR-* fields";
	if (fault == NULL && from > 0 && closing_eol(in, in + from) == 0 &&
	    outlen - rest->len - pos >= strlen(eol) &&
	    memcmp(out + pos, eol, strlen(eol)) == 0)
		pos += strlen(eol);
	if (fault == NULL)
		fault = added_headers(out, pos, outlen - rest->len, eol,
		                      verdict, kind);
	g_byte_array_unref(rest);
	return fault;
}

#endif /* NDR_TESTS_PASSTHROUGH_ORACLE_H */
