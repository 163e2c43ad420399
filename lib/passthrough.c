/*
 * passthrough.c - write a message back with its verdict in X-NDR-*
 * header fields (ndrcheck(1) OPTIONS).
 *
 * Delivery agents store what a filter writes in place of the message,
 * so everything but the fields this file adds or removes goes out byte
 * for byte: the mbox "From " line first, then X-NDR-Verdict, X-NDR-Kind
 * and X-NDR-Evidence in the line ending the agent reads, then the header
 * block without any X-NDR-* field a sender put there (the recipes trust
 * X-NDR-Verdict), then the rest.
 *
 * Readers disagree on where a header block with mixed line endings ends:
 * procmail and maildrop split lines at LF only, so that a CRLF line is
 * not empty to them (a CRLF message is all header), while GMime and
 * Dovecot end the block at one.  Forged fields are removed from the
 * longest header block any of them sees: up to the first line that is a
 * bare LF, with lines split at LF, CRLF and a lone CR.  That block may
 * reach past what input.c keeps in memory, so it is read from the
 * descriptor holding the whole message when there is one (input.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "fdio.h"
#include "input.h"
#include "message.h"
#include "result.h"

/* Bytes copied at a time from a large message's descriptor. */
#define COPY_CHUNK (64u * 1024)

static const char prefix[] = "X-NDR-";

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

/* The fields to add, each line ended with nl. */
static GString *
added_fields(const ndrcheck_result *r, const char *nl)
{
	const char *evidence, *p;
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

static gboolean
is_ours(const guint8 *line, size_t len)
{
	return len >= sizeof(prefix) - 1 &&
	       g_ascii_strncasecmp((const char *)line, prefix,
	                           sizeof(prefix) - 1) == 0;
}

/* Where the line at p[0..len) ends its text: its first CR or LF, or len. */
static size_t
text_len(const guint8 *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

/*
 * The length of the line ending at p (a CR or an LF): an LF, CRs then an
 * LF (where procmail ends the line, and GMime too), or else a lone CR.
 * 0 when the CRs reach len and more bytes may follow (!last).
 */
static size_t
eol_len(const guint8 *p, size_t len, gboolean last)
{
	size_t i = 0;

	while (i < len && p[i] == '\r')
		i++;
	if (i < len)
		return p[i] == '\n' ? i + 1 : 1;
	return last ? MIN(len, 1) : 0;
}

/* Removing X-NDR-* fields from the header block, read piece by piece. */
typedef struct strip {
	int fd;
	gboolean header;   /* still in the header block */
	gboolean dropping; /* in an X-NDR-* field or its continuation lines */
	gboolean in_line;  /* past a line's start: its fate is known */
} strip;

/* At the start of line p[0..len): decide its fate; FALSE on a write error. */
static gboolean
line_starts(strip *s, const guint8 *p, size_t len, const guint8 *run)
{
	gboolean was = s->dropping;

	if (*p != ' ' && *p != '\t')
		s->dropping = is_ours(p, len);
	s->in_line = TRUE;
	return !s->dropping || was || ndr_write_all(s->fd, run, p - run);
}

/*
 * Write p[0..len) less its X-NDR-* fields, line by line; *taken says how
 * much was read: all of it, or less where the header block ended
 * (s->header FALSE: the rest is body) or where the first bytes of a line,
 * or CRs an LF may follow, are cut off and more will come (!last).
 */
static gboolean
strip_some(strip *s, const guint8 *p, size_t len, gboolean last, size_t *taken)
{
	size_t i = 0, run = 0, n, el;
	gboolean was;

	while (i < len && s->header) {
		n = len - i;
		if (!s->in_line && p[i] == '\n') {
			/* A bare LF: the body follows, kept whole. */
			run = s->dropping ? i : run;
			s->header = s->dropping = FALSE;
			break;
		}
		if (!s->in_line) {
			if (!last && n < sizeof(prefix) - 1 &&
			    text_len(p + i, n) == n)
				break; /* too little to tell its fate */
			was = s->dropping;
			if (!line_starts(s, p + i, n, p + run))
				return FALSE;
			run = was && !s->dropping ? i : run;
		}
		i += text_len(p + i, n);
		if (i == len)
			break; /* the line goes on in the next piece */
		el = eol_len(p + i, len - i, last);
		if (el == 0 && i > 0)
			break; /* CRs last: read them again with what follows */
		/* A piece of nothing but CRs: the first ends a line. */
		i += MAX(el, 1);
		s->in_line = FALSE;
	}
	*taken = i;
	return s->dropping || ndr_write_all(s->fd, p + run, i - run);
}

/* head's bytes: an empty message has no data, and NULL + 0 is undefined. */
static const guint8 *
head_data(const ndrcheck_message *m)
{
	return m->head->len > 0 ? m->head->data : (const guint8 *)"";
}

/*
 * Write the message from offset at to its end, its header block's part
 * stripped while s->header: from head when that is all of it, else from
 * the descriptor that holds the whole message.
 */
static gboolean
write_from(const ndrcheck_message *m, strip *s, size_t at)
{
	const guint8 *data = head_data(m);
	guint8 *chunk;
	size_t taken = 0;
	ssize_t n;
	gboolean ok = TRUE;

	if (!m->truncated) {
		ok = strip_some(s, data + at, m->head->len - at, TRUE, &taken);
		at += taken;
		return ok && ndr_write_all(s->fd, data + at, m->head->len - at);
	}
	chunk = g_malloc(COPY_CHUNK);
	/* Up to the end of the file, not m->size: a file may have grown. */
	while (ok && (n = pread(m->rest_fd, chunk, COPY_CHUNK, at)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && s->header)
			ok = strip_some(s, chunk, n, n < COPY_CHUNK, &taken);
		ok = ok && n > 0 &&
		     (s->header ||
		      ndr_write_all(s->fd, chunk + taken, (size_t)n - taken));
		at += s->header ? taken : (size_t)n;
		taken = 0;
	}
	g_free(chunk);
	return ok;
}

/*
 * The length of the mbox "From " line input.c found, with all of its
 * line ending (CRs then an LF are one, as for the header lines), and
 * whether it has none: the added fields then need a line of their own.
 */
static size_t
from_line(const ndrcheck_message *m, const guint8 *data, gboolean *open)
{
	size_t len = m->head->len, text;

	*open = FALSE;
	if (m->from_line == 0)
		return 0;
	text = text_len(data, len);
	*open = text == len;
	return text + eol_len(data + text, len - text, TRUE);
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
		at += text_len(p + at, len - at);
		at += eol_len(p + at, len - at, TRUE);
	}
	return at;
}

/*
 * The line ending the agent reads, for the added fields: lines end at LF
 * for every agent, with a CR before it when the first line has one (a
 * first line ending in CR CR LF too); a lone CR only where no line ends
 * in LF.
 */
static const char *
agent_eol(const guint8 *data, size_t len)
{
	const guint8 *lf = memchr(data, '\n', len);

	if (lf != NULL)
		return lf > data && lf[-1] == '\r' ? "\r\n" : "\n";
	return memchr(data, '\r', len) != NULL ? "\r" : "\n";
}

/*
 * The message with r's fields added (none when r is NULL) and every
 * X-NDR-* field of the input left out: a recipe trusts X-NDR-Verdict once
 * the filter exits 0, so a forged one must go even when nothing is added.
 */
static gboolean
write_with_fields(const ndrcheck_message *m, const ndrcheck_result *r, int fd)
{
	const guint8 *data = head_data(m);
	const char *nl = agent_eol(data, m->head->len);
	GString *fields = r != NULL ? added_fields(r, nl) : g_string_new("");
	gboolean open;
	size_t from = from_line(m, data, &open);
	size_t orphans = orphan_lines(data + from, m->head->len - from);
	size_t fields_at = from + orphans;
	strip s = {.fd = fd, .header = TRUE};
	gboolean ok;

	ok = ndr_write_all(fd, data, fields_at) &&
	     (fields->len == 0 || orphans > 0 || !open ||
	      ndr_write_all(fd, nl, strlen(nl))) &&
	     ndr_write_all(fd, fields->str, fields->len) &&
	     write_from(m, &s, fields_at);
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
	return complete(m) && write_with_fields(m, r, fd) ? NDRCHECK_OK
	                                                  : NDRCHECK_ETEMP;
}

int
ndrcheck_message_copy(const ndrcheck_message *m, int fd)
{
	strip s = {.fd = fd, .header = FALSE};

	return complete(m) && write_from(m, &s, 0) ? NDRCHECK_OK
	                                           : NDRCHECK_ETEMP;
}
