/*
 * mbox.c - split an mbox file into its messages (see mbox.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ndrlimits.h"
#include "lines.h"
#include "mbox.h"

/* Where the splitter is in the file. */
typedef struct split {
	ndr_mbox_fn fn;
	void *arg;
	GByteArray *msg;      /* the kept prefix of the current message */
	guint64 size;         /* the current message's whole length */
	guint64 offset;       /* its "From " line's offset */
	gboolean open;        /* a message has started */
	size_t blank;         /* length of a held-back empty line, or 0 */
	gboolean after_blank; /* the previous line was empty (or none) */
	gboolean in_from;     /* skipping the rest of a long "From " line */
	gboolean bol;         /* the next piece starts a line */
} split;

gboolean
ndr_mbox_is_from_line(const char *line, size_t len)
{
	const char *nl = memchr(line, '\n', len);
	size_t i;

	if (nl != NULL)
		len = (size_t)(nl - line);
	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return FALSE;
	for (i = 5; i + 5 <= len; i++)
		if (g_ascii_isdigit(line[i]) && g_ascii_isdigit(line[i + 1]) &&
		    line[i + 2] == ':' && g_ascii_isdigit(line[i + 3]) &&
		    g_ascii_isdigit(line[i + 4]))
			return TRUE;
	return FALSE;
}

static void
append(split *s, const char *p, size_t len)
{
	size_t room = NDR_MAX_PARSE_BYTES - s->msg->len;

	g_byte_array_append(s->msg, (const guint8 *)p, MIN(len, room));
	s->size += len;
}

/* Hand the current message over; FALSE if the callback said stop. */
static gboolean
deliver(split *s)
{
	gboolean go;

	if (!s->open)
		return TRUE;
	/* The held-back empty line was the separator: not the message's. */
	go = s->fn((const char *)s->msg->data, s->msg->len, s->size, s->offset,
	           s->arg);
	g_byte_array_set_size(s->msg, 0);
	s->size = 0;
	s->blank = 0;
	s->open = FALSE;
	return go;
}

static gboolean
is_blank(const char *p, size_t len)
{
	return (len == 1 && p[0] == '\n') ||
	       (len == 2 && p[0] == '\r' && p[1] == '\n');
}

/* One piece of a line; FALSE if the callback said stop. */
static gboolean
piece(split *s, const char *p, size_t len, guint64 offset)
{
	gboolean bol = s->bol;

	s->bol = p[len - 1] == '\n';
	if (s->in_from) {
		s->in_from = !s->bol;
		return TRUE;
	}
	if (bol && s->after_blank && ndr_mbox_is_from_line(p, len)) {
		if (!deliver(s))
			return FALSE;
		s->open = TRUE;
		s->offset = offset;
		s->in_from = !s->bol;
		s->after_blank = FALSE;
		return TRUE;
	}
	if (!bol) {
		append(s, p, len);
		return TRUE;
	}
	if (s->blank > 0)
		append(s, s->blank == 1 ? "\n" : "\r\n", s->blank);
	s->blank = 0;
	s->after_blank = is_blank(p, len);
	if (s->after_blank && s->open)
		s->blank = len;
	else if (s->open)
		append(s, p, len);
	return TRUE;
}

gboolean
ndr_mbox_each(const char *path, guint64 start, ndr_mbox_fn fn, void *arg,
              GError **err)
{
	split s = {.fn = fn, .arg = arg, .after_blank = TRUE, .bol = TRUE};
	GError *e = NULL;
	ndr_lines *r;
	const char *p;
	size_t len;
	guint64 off;
	gboolean go = TRUE;

	r = ndr_lines_open(path, start, err);
	if (r == NULL)
		return FALSE;
	s.msg = g_byte_array_new();
	while (go && ndr_lines_next(r, &p, &len, &off, &e))
		go = piece(&s, p, len, off);
	if (go && e == NULL)
		deliver(&s);
	g_byte_array_free(s.msg, TRUE);
	ndr_lines_close(r);
	if (e != NULL) {
		g_propagate_error(err, e);
		return FALSE;
	}
	return TRUE;
}

/* A "From " line is short: its first NDR_FROM_LINE_PEEK bytes tell. */
#define NDR_FROM_LINE_PEEK 1024

gboolean
ndr_mbox_is_mbox(const char *path)
{
	char buf[NDR_FROM_LINE_PEEK];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n > 0 && ndr_mbox_is_from_line(buf, (size_t)n);
}
