/*
 * passthrough.c - write a message back with its verdict in X-NDR-*
 * header fields (ndrcheck(1) OPTIONS).
 *
 * Delivery agents store what a filter writes in place of the message,
 * so everything but the fields this file adds or removes goes out byte
 * for byte: the mbox "From " line first, then X-NDR-Verdict, X-NDR-Kind
 * and X-NDR-Evidence in the input's own line ending (procmail and
 * maildrop store bytes as they come), then the header block without any
 * X-NDR-* field a sender put there (the recipes trust X-NDR-Verdict),
 * then the rest.  A message larger than what input.c keeps in memory is
 * copied from the descriptor holding it whole (input.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "input.h"
#include "message.h"
#include "passthrough.h"
#include "result.h"

/* Bytes copied at a time from a large message's descriptor. */
#define COPY_CHUNK (64u * 1024)

static const char prefix[] = "X-NDR-";

gboolean
ndr_write_all(int fd, const void *buf, size_t len)
{
	const guint8 *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		if (n == 0) {
			/* Not an error by POSIX, but no progress ever will be.
			 */
			errno = EIO;
			return FALSE;
		}
		p += n;
		len -= (size_t)n;
	}
	return TRUE;
}

static const char *
eol_string(ndr_eol eol)
{
	switch (eol) {
	case NDR_EOL_CRLF:
		return "\r\n";
	case NDR_EOL_CR:
		return "\r";
	default:
		return "\n";
	}
}

/*
 * The first evidence sentence as a header field.  GMime encodes what is
 * not plain ASCII (a subject quoted in evidence, and any CR or LF a
 * hostile Message-ID smuggled in, which would otherwise start a forged
 * field of our own) and folds it to 78 columns.  The result ends with
 * "\n".
 */
static char *
evidence_field(const char *sentence)
{
	char *encoded, *field, *folded;

	ndr_gmime_init();
	encoded = g_mime_utils_header_encode_text(NULL, sentence, NULL);
	field = g_strconcat(prefix, "Evidence: ", encoded, NULL);
	folded = g_mime_utils_unstructured_header_fold(NULL, NULL, field);
	g_free(field);
	g_free(encoded);
	return folded;
}

/* The fields to add, each line ended with the input's line ending. */
static GString *
added_fields(const ndrcheck_result *r, ndr_eol eol)
{
	const char *nl = eol_string(eol), *evidence, *p;
	GString *out = g_string_new(NULL);
	char *folded;

	g_string_append_printf(out, "%sVerdict: %s%s", prefix,
	                       ndrcheck_verdict_name(r->verdict), nl);
	g_string_append_printf(out, "%sKind: %s%s", prefix,
	                       ndrcheck_kind_name(r->findings->kind), nl);
	evidence = ndrcheck_result_evidence(r, 0);
	if (evidence == NULL)
		return out;
	folded = evidence_field(evidence);
	for (p = folded; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append(out, nl);
		else
			g_string_append_c(out, *p);
	}
	g_free(folded);
	return out;
}

/* The length of the line at p, its line ending (LF, CRLF or CR) included. */
static size_t
line_length(const guint8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			return i + 1;
		if (p[i] == '\r')
			return (i + 1 < len && p[i + 1] == '\n') ? i + 2
			                                         : i + 1;
	}
	return len;
}

static gboolean
is_ours(const guint8 *line, size_t len)
{
	return len >= sizeof(prefix) - 1 &&
	       g_ascii_strncasecmp((const char *)line, prefix,
	                           sizeof(prefix) - 1) == 0;
}

/*
 * Write the header block buf[0..len) without its X-NDR-* fields and
 * their continuation lines.  The runs of lines kept are written whole,
 * not line by line.
 */
static gboolean
write_headers_without_ours(int fd, const guint8 *buf, size_t len)
{
	size_t i = 0, run = 0, n;
	gboolean dropping = FALSE;

	while (i < len) {
		n = line_length(buf + i, len - i);
		if (is_ours(buf + i, n) ||
		    (dropping && (buf[i] == ' ' || buf[i] == '\t'))) {
			if (!dropping && !ndr_write_all(fd, buf + run, i - run))
				return FALSE;
			dropping = TRUE;
		} else if (dropping) {
			dropping = FALSE;
			run = i;
		}
		i += n;
	}
	return dropping || ndr_write_all(fd, buf + run, len - run);
}

/* Copy what follows head from the descriptor holding the whole message. */
static gboolean
write_rest(const ndrcheck_message *m, int fd)
{
	guint8 *chunk;
	off_t at = m->head->len;
	ssize_t n;
	gboolean ok = TRUE;

	if (!m->truncated)
		return TRUE;
	chunk = g_malloc(COPY_CHUNK);
	/* Up to the end of the file, not m->size: a file may have grown. */
	while (ok && (n = pread(m->rest_fd, chunk, COPY_CHUNK, at)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && ndr_write_all(fd, chunk, (size_t)n);
		at += MAX(n, 0);
	}
	g_free(chunk);
	return ok;
}

/* A "From " line without a line ending: the added fields need their own line.
 */
static gboolean
from_line_open(const ndrcheck_message *m)
{
	guint8 last;

	if (m->from_line == 0)
		return FALSE;
	last = m->head->data[m->from_line - 1];
	return last != '\n' && last != '\r';
}

/*
 * The length of the lines at the start of a header block that begin with
 * white space: continuation lines of no field.  Our fields go after them,
 * or the first would be read as a continuation of X-NDR-Evidence.
 */
static size_t
orphan_lines(const guint8 *p, size_t len)
{
	size_t at = 0;

	while (at < len && (p[at] == ' ' || p[at] == '\t')) {
		/* To the end of the line: LF, CRLF or a lone CR (mixed mail).
		 */
		while (at < len && p[at] != '\n' && p[at] != '\r')
			at++;
		if (at < len && p[at] == '\r' && at + 1 < len &&
		    p[at + 1] == '\n')
			at++;
		if (at < len)
			at++;
	}
	return at;
}

/*
 * The message with r's fields added (none when r is NULL) and every
 * X-NDR-* field of the input left out: a recipe trusts X-NDR-Verdict once
 * the filter exits 0, so a forged one must go even when nothing is added.
 */
static gboolean
write_with_fields(const ndrcheck_message *m, const ndrcheck_result *r, int fd)
{
	/* An empty message has no data pointer, and NULL + 0 is undefined. */
	const guint8 *data =
	    m->head->len > 0 ? m->head->data : (const guint8 *)"";
	size_t header_end = ndr_input_header_len(m);
	GString *fields =
	    r != NULL ? added_fields(r, m->eol) : g_string_new("");
	const char *nl = eol_string(m->eol);
	size_t orphans =
	    orphan_lines(data + m->from_line, header_end - m->from_line);
	size_t fields_at = m->from_line + orphans;
	gboolean ok;

	ok = ndr_write_all(fd, data, fields_at) &&
	     (fields->len == 0 || orphans > 0 || !from_line_open(m) ||
	      ndr_write_all(fd, nl, strlen(nl))) &&
	     ndr_write_all(fd, fields->str, fields->len) &&
	     write_headers_without_ours(fd, data + fields_at,
	                                header_end - fields_at) &&
	     ndr_write_all(fd, data + header_end, m->head->len - header_end);
	g_string_free(fields, TRUE);
	return ok;
}

/* Read without keep_all, a large message's bytes past head are gone. */
static gboolean
complete(const ndrcheck_message *m)
{
	if (m->truncated && m->rest_fd < 0) {
		errno = EINVAL;
		return FALSE;
	}
	return TRUE;
}

int
ndrcheck_message_write(const ndrcheck_message *m, const ndrcheck_result *r,
                       int fd)
{
	return complete(m) && write_with_fields(m, r, fd) && write_rest(m, fd)
	           ? NDRCHECK_OK
	           : NDRCHECK_ETEMP;
}

int
ndrcheck_message_copy(const ndrcheck_message *m, int fd)
{
	return complete(m) && ndr_write_all(fd, m->head->data, m->head->len) &&
	               write_rest(m, fd)
	           ? NDRCHECK_OK
	           : NDRCHECK_ETEMP;
}
