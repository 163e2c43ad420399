/*
 * passthrough-oracle.h - what passthrough output must be (ndrcheck(1) OPTIONS),
 * checked from outside: for tests/test-property.c and the classify fuzz
 * target (fuzz/targets.c).
 *
 * The output is the input byte for byte, with X-NDR-Verdict, X-NDR-Kind
 * and at most one X-NDR-Evidence added at the top (after an mbox "From "
 * line, which gets a line end if it had none, and after any lines that
 * start with white space, which no field heads) in the line ending the
 * agent reads (that of the input's first LF: CRLF or LF; a lone CR only
 * in input without an LF), and every X-NDR-* field of the input's header
 * block removed with its continuation lines.  Lines end in LF, CRs then
 * LF, or a lone CR; the header block ends at the first line that is a bare LF,
 * the longest block any reader sees (procmail's lines end at LF only, so a CRLF
 * line is not empty to it).
 */
#ifndef NDR_TESTS_PASSTHROUGH_ORACLE_H
#define NDR_TESTS_PASSTHROUGH_ORACLE_H

#include <string.h>

#include <glib.h>

/*
 * The length of the line ending at p, 0 if none: an LF, CRs then an LF
 * (procmail and GMime end the line at the LF alike), or a lone CR.
 */
static inline size_t
eol_len(const guint8 *p, const guint8 *end)
{
	const guint8 *q = p;

	while (q < end && *q == '\r')
		q++;
	if (q < end && *q == '\n')
		return q + 1 - p;
	return q > p ? 1 : 0;
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
	const guint8 *q = e - 1;

	if (e > p && e[-1] == '\n') {
		while (q > p && q[-1] == '\r')
			q--;
		return e - q;
	}
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

/* The line ending the output must use: that of the input's first LF. */
static inline const char *
input_eol(const guint8 *in, size_t len)
{
	size_t i;

	for (i = 0; i < len && in[i] != '\n'; i++)
		;
	if (i < len)
		return i > 0 && in[i - 1] == '\r' ? "\r\n" : "\n";
	return len > 0 && memchr(in, '\r', len) != NULL ? "\r" : "\n";
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
 * the first bare LF line.
 */
static inline GByteArray *
strip_forged(const guint8 *in, size_t len, size_t from)
{
	GByteArray *out = g_byte_array_new();
	const guint8 *p = in + from, *end = in + len;
	gboolean skipping = FALSE;

	while (p < end) {
		const guint8 *next = line_end(p, end);

		if (*p == '\n') { /* a bare LF line: the body follows */
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

/*
 * Whether a reader finds in the header block of p no X-NDR-Verdict field
 * but one saying ours: a reader whose lines end at LF and whose block
 * ends at a bare LF line (procmail, maildrop), or with crlf_empty one for
 * whom a CRLF line ends it too (Dovecot, GMime).  (A reader may find none:
 * in mail without an LF, procmail reads one line.)
 */
static inline gboolean
reader_sees_ours(const guint8 *p, size_t len, gboolean crlf_empty,
                 const char *ours)
{
	static const char field[] = "X-NDR-Verdict:";
	const size_t fl = sizeof(field) - 1, ol = strlen(ours);
	const guint8 *end = p + len, *e, *v;
	guint seen = 0;

	while (p < end && *p != '\n' &&
	       !(crlf_empty && end - p >= 2 && p[0] == '\r' && p[1] == '\n')) {
		e = memchr(p, '\n', end - p);
		e = e != NULL ? e + 1 : end;
		if ((size_t)(e - p) > fl &&
		    g_ascii_strncasecmp((const char *)p, field, fl) == 0) {
			for (v = p + fl; v < e && (*v == ' ' || *v == '\t');
			     v++)
				;
			if (++seen > 1 || (size_t)(e - v) < ol ||
			    memcmp(v, ours, ol) != 0 ||
			    (v + ol < e && v[ol] != '\r' && v[ol] != '\n'))
				return FALSE;
		}
		p = e;
	}
	return TRUE;
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
