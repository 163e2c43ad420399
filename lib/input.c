/*
 * input.c - read a message from a descriptor, a file or a buffer into
 * a struct ndrcheck_message (see input.h).
 *
 * The input is always read to its end: a delivery agent (Sieve's
 * execute, procmail, maildrop) treats unread input as a failure.  The
 * first NDR_MAX_PARSE_BYTES are kept in m->head for the parse stages.
 * When the message is larger (m->truncated), m->rest_fd is a seekable
 * descriptor holding the WHOLE message from offset 0, head included:
 * the message file itself, or an unlinked spool file for a pipe or a
 * buffer.  A pipe read without keep_all is drained instead and rest_fd
 * stays -1.  When the message is not truncated, head is the whole
 * message and rest_fd is -1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "input.h"
#include "ndrlimits.h"

/* Bytes asked of read(2) at a time when the size is not known. */
#define READ_CHUNK (64u * 1024)

static GPrivate last_error = G_PRIVATE_INIT(g_free);

const char *
ndrcheck_message_error(void)
{
	const char *e = g_private_get(&last_error);

	return e != NULL ? e : "no error";
}

static int G_GNUC_PRINTF(2, 3) fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_private_replace(&last_error, g_strdup_vprintf(fmt, ap));
	va_end(ap);
	return code;
}

static ndrcheck_message *
message_new(void)
{
	ndrcheck_message *m = g_new0(ndrcheck_message, 1);

	m->head = g_byte_array_new();
	m->rest_fd = -1;
	return m;
}

void
ndrcheck_message_free(ndrcheck_message *m)
{
	if (m == NULL)
		return;
	g_byte_array_unref(m->head);
	if (m->rest_fd >= 0)
		close(m->rest_fd);
	g_free(m);
}

/* Whether the line at p (len bytes to the end of head) is a header field. */
static gboolean
field_line(const guint8 *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':';
}

/*
 * A line before the header block that a reader passes over: white space
 * only, stray bytes (no ':' in it), or one mbox "From " or ">From "
 * line.  Returns the offset past it, or at when it is none.
 */
static size_t
stray_line(const guint8 *p, size_t len, size_t at, gboolean *from_seen)
{
	size_t end = at, colon = 0;
	gboolean from = FALSE;

	while (end < len && p[end] != '\n' && p[end] != '\r')
		if (p[end++] == ':')
			colon++;
	if (end - at >= 5 && (memcmp(p + at, "From ", 5) == 0 ||
	                      memcmp(p + at, ">From ", 6) == 0))
		from = !*from_seen;
	if (colon > 0 && !from)
		return at;
	*from_seen = *from_seen || from;
	if (end < len && p[end] == '\r')
		end++;
	if (end < len && p[end] == '\n')
		end++;
	return end;
}

/*
 * Where the header block starts: mailers and MUAs read a message whose
 * first bytes are a byte order mark, blank lines or stray bytes from
 * its first header field, when one follows soon (else the input is read
 * from its start, as it is).
 */
static size_t
header_start(const ndrcheck_message *m)
{
	const guint8 *p = m->head->data;
	size_t len = m->head->len, at = m->from_line, next;
	gboolean from_seen = m->from_line > 0;
	guint lines = 0;

	if (len - at >= 3 && memcmp(p + at, "\xef\xbb\xbf", 3) == 0)
		at += 3;
	while (at < len && !field_line(p + at, len - at)) {
		next = stray_line(p, len, at, &from_seen);
		if (next == at || ++lines > NDR_MAX_LEAD_LINES ||
		    next - m->from_line > NDR_MAX_LEAD_BYTES)
			return m->from_line;
		at = next;
	}
	return at < len ? at : m->from_line;
}

/* The line ending of the first line, and the length of a "From " line. */
static void
scan_first_line(ndrcheck_message *m)
{
	const guint8 *p = m->head->data;
	size_t len = m->head->len, i;

	for (i = 0; i < len && p[i] != '\n' && p[i] != '\r'; i++)
		;
	m->eol = NDR_EOL_LF;
	if (i < len && p[i] == '\r')
		m->eol = (i + 1 < len && p[i + 1] == '\n') ? NDR_EOL_CRLF
		                                           : NDR_EOL_CR;
	m->from_line = 0;
	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		m->from_line = MIN(len, i + (m->eol == NDR_EOL_CRLF ? 2 : 1));
	m->lead = header_start(m);
}

/* Line by line from start: an empty line is a line terminator right at
 * line start. */
static size_t
header_len_from(const ndrcheck_message *m, size_t start)
{
	const guint8 *p = m->head->data;
	size_t len = m->head->len, i = start;

	while (i < len) {
		size_t eol = 0;

		if (p[i] == '\n')
			eol = 1;
		else if (p[i] == '\r')
			eol = (i + 1 < len && p[i + 1] == '\n') ? 2 : 1;
		if (eol == 0) {
			i++;
			continue;
		}
		if (i == start)
			return i + eol;
		i += eol;
		start = i;
	}
	return len;
}

size_t
ndr_input_header_len(const ndrcheck_message *m)
{
	return header_len_from(m, m->from_line);
}

size_t
ndr_input_lead_header_len(const ndrcheck_message *m)
{
	return header_len_from(m, m->lead);
}

/*
 * An unlinked temporary file holding head so far: it vanishes with its
 * descriptor, whatever way the process ends.
 */
static int
spool_open(ndrcheck_message *m)
{
	const char *dir = g_getenv("TMPDIR");
	char *path;
	int fd, saved;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = g_build_filename(dir, "ndrcheck-XXXXXX", NULL);
	fd = mkstemp(path);
	saved = errno;
	if (fd >= 0)
		unlink(path);
	if (fd < 0) {
		fail(NDRCHECK_ETEMP,
		     "cannot create a spool file in %s: %s; set TMPDIR to a "
		     "writable directory",
		     dir, g_strerror(saved));
	} else if (!ndr_write_all(fd, m->head->data, m->head->len)) {
		fail(NDRCHECK_ETEMP, "cannot write spool file in %s: %s", dir,
		     g_strerror(errno));
		close(fd);
		fd = -1;
	}
	g_free(path);
	return fd;
}

/* One read(2) into buf, retried after signals; -1 on error. */
static ssize_t
read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Read what of fd's first len bytes the page cache holds, without
 * waiting for the disk: preadv2(2) with RWF_NOWAIT.  Bytes read, 0 when
 * the first of them are not cached, or where the kernel or the
 * filesystem cannot tell (the caller then reads as usual).
 */
static size_t
read_cached(int fd, void *buf, size_t len)
{
#ifdef RWF_NOWAIT
	struct iovec iov = {buf, len};
	ssize_t n;

	/* Offset -1: from fd's offset, moving it, as read(2) does. */
	do
		n = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
	while (n < 0 && errno == EINTR);
	return n > 0 ? (size_t)n : 0;
#else
	(void)fd, (void)buf, (void)len;
	return 0;
#endif
}

/*
 * Read fd to its end.  Bytes past head go to the spool (keep_all) or
 * nowhere; either way the writer at the other end sees its input read.
 */
static int
read_stream(ndrcheck_message *m, int fd, gboolean keep_all)
{
	guint8 *chunk = NULL;
	ssize_t n;
	int rc = NDRCHECK_OK;

	for (;;) {
		guint used = m->head->len;
		size_t room = NDR_MAX_PARSE_BYTES - used;

		if (room == 0)
			break;
		g_byte_array_set_size(m->head, used + MIN(room, READ_CHUNK));
		n = read_some(fd, m->head->data + used, MIN(room, READ_CHUNK));
		g_byte_array_set_size(m->head, used + MAX(n, 0));
		if (n < 0)
			return fail(NDRCHECK_ETEMP,
			            "cannot read the message: %s",
			            g_strerror(errno));
		if (n == 0)
			return NDRCHECK_OK;
		m->size += n;
	}
	/* head is full: the rest goes past it. */
	chunk = g_malloc(READ_CHUNK);
	while ((n = read_some(fd, chunk, READ_CHUNK)) > 0) {
		if (!m->truncated) {
			m->truncated = TRUE;
			if (keep_all && (m->rest_fd = spool_open(m)) < 0)
				rc = NDRCHECK_ETEMP;
		}
		m->size += n;
		if (m->rest_fd >= 0 && !ndr_write_all(m->rest_fd, chunk, n)) {
			rc = fail(NDRCHECK_ETEMP,
			          "cannot write the spool file: %s",
			          g_strerror(errno));
			close(m->rest_fd);
			m->rest_fd = -1;
		}
	}
	if (n < 0)
		rc = fail(NDRCHECK_ETEMP, "cannot read the message: %s",
		          g_strerror(errno));
	g_free(chunk);
	return rc;
}

int
ndrcheck_message_read_fd(ndrcheck_message **out, int fd, int keep_all)
{
	ndrcheck_message *m = message_new();
	int rc = read_stream(m, fd, keep_all != 0);

	scan_first_line(m);
	*out = m;
	if (rc != NDRCHECK_OK) {
		ndrcheck_message_free(m);
		*out = NULL;
	}
	return rc;
}

/*
 * A regular file is read with one read(2) of the size fstat(2) gave
 * (first asking the page cache alone, so that m->from_disk can say
 * whether the disk was needed); a larger one keeps its descriptor as
 * rest_fd, since it holds the whole message already.  Anything else (a
 * FIFO, /dev/stdin) is read as a stream and kept whole.
 */
int
ndrcheck_message_open_file(ndrcheck_message **out, const char *path)
{
	ndrcheck_message *m;
	struct stat st;
	size_t want, got = 0;
	ssize_t n = 0;
	int fd, rc;

	*out = NULL;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(errno == ENOENT || errno == EACCES ? NDRCHECK_EUSAGE
		                                               : NDRCHECK_ETEMP,
		            "cannot open %s: %s", path, g_strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = fail(NDRCHECK_ETEMP, "cannot read %s: %s", path,
		          g_strerror(errno));
		close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(
		    NDRCHECK_EUSAGE,
		    "cannot read %s: it is a directory; give a message file",
		    path);
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ndrcheck_message_read_fd(out, fd, 1);
		close(fd);
		return rc;
	}
	m = message_new();
	want = MIN((guint64)st.st_size, NDR_MAX_PARSE_BYTES);
	g_byte_array_set_size(m->head, want);
	got = read_cached(fd, m->head->data, want);
	m->from_disk = got < want;
	while (got < want &&
	       (n = read_some(fd, m->head->data + got, want - got)) > 0)
		got += n;
	if (got < want && n < 0) {
		rc = fail(NDRCHECK_ETEMP, "cannot read %s: %s", path,
		          g_strerror(errno));
		close(fd);
		ndrcheck_message_free(m);
		return rc;
	}
	g_byte_array_set_size(m->head, got); /* shrunk meanwhile */
	m->size = MAX((guint64)st.st_size, got);
	m->truncated = m->size > got;
	if (m->truncated)
		m->rest_fd = fd;
	else
		close(fd);
	scan_first_line(m);
	*out = m;
	return NDRCHECK_OK;
}

int
ndrcheck_message_from_buffer(ndrcheck_message **out, const void *buf,
                             size_t len)
{
	ndrcheck_message *m = message_new();
	size_t keep = MIN(len, NDR_MAX_PARSE_BYTES);

	*out = NULL;
	if (buf == NULL && len > 0) {
		ndrcheck_message_free(m);
		return fail(NDRCHECK_EUSAGE, "message buffer is NULL");
	}
	g_byte_array_append(m->head, buf, keep);
	m->size = len;
	if (len > keep) {
		/* The caller's buffer may go away: spool it whole. */
		m->truncated = TRUE;
		m->rest_fd = spool_open(m);
		if (m->rest_fd < 0 ||
		    !ndr_write_all(m->rest_fd, (const guint8 *)buf + keep,
		                   len - keep)) {
			ndrcheck_message_free(m);
			return fail(NDRCHECK_ETEMP,
			            "cannot spool a message of %zu bytes: %s",
			            len, g_strerror(errno));
		}
	}
	scan_first_line(m);
	*out = m;
	return NDRCHECK_OK;
}
