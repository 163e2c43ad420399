/*
 * lines.c - read a file line by line in bounded memory (see lines.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "ndrlimits.h"
#include "lines.h"

struct ndr_lines {
	int fd;
	char *path;
	char *buf;      /* NDR_LINE_BUFFER bytes */
	size_t len;     /* bytes in buf */
	size_t pos;     /* start of the unreturned bytes */
	guint64 offset; /* file offset of buf[0] */
	gboolean eof;
};

ndr_lines *
ndr_lines_open(const char *path, guint64 start, GError **err)
{
	ndr_lines *r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot open %s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (start > 0 && lseek(fd, (off_t)start, SEEK_SET) < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot seek in %s: %s", path, g_strerror(errno));
		close(fd);
		return NULL;
	}
	/* Mbox files and logs are read once, front to back. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = g_new0(ndr_lines, 1);
	r->fd = fd;
	r->path = g_strdup(path);
	r->buf = g_malloc(NDR_LINE_BUFFER);
	r->offset = start;
	return r;
}

/* Move the unreturned bytes to the front and read more behind them. */
static gboolean
fill(ndr_lines *r, GError **err)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->offset += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < NDR_LINE_BUFFER) {
		n = read(r->fd, r->buf + r->len, NDR_LINE_BUFFER - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
			            "cannot read %s: %s", r->path,
			            g_strerror(errno));
			return FALSE;
		}
		if (n == 0) {
			r->eof = TRUE;
			break;
		}
		r->len += (size_t)n;
		/* One read is enough once a whole line is there. */
		if (memchr(r->buf + r->len - (size_t)n, '\n', (size_t)n))
			break;
	}
	return TRUE;
}

gboolean
ndr_lines_next(ndr_lines *r, const char **line, size_t *len, guint64 *offset,
               GError **err)
{
	const char *nl;
	size_t avail, take;

	avail = r->len - r->pos;
	nl = memchr(r->buf + r->pos, '\n', avail);
	if (nl == NULL && !r->eof) {
		if (!fill(r, err))
			return FALSE;
		avail = r->len - r->pos;
		nl = memchr(r->buf + r->pos, '\n', avail);
	}
	if (avail == 0)
		return FALSE;
	take = nl != NULL ? (size_t)(nl - (r->buf + r->pos)) + 1 : avail;
	*line = r->buf + r->pos;
	*len = take;
	*offset = r->offset + r->pos;
	r->pos += take;
	return TRUE;
}

guint64
ndr_lines_offset(const ndr_lines *r)
{
	return r->offset + r->pos;
}

void
ndr_lines_close(ndr_lines *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	g_free(r->buf);
	g_free(r->path);
	g_free(r);
}
