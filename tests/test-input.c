/*
 * test-input.c - reading messages (input.c) and their GMime views
 * (message.c): line endings, mbox "From " lines, the header block, input
 * larger than what is kept, pipes read to their end, decoded text.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "input.h"
#include "ndrlimits.h"
#include "message.h"

#define SOE NDR_SRCDIR "/testdata/set-of-emails/maildir/"

static ndrcheck_message *
from_string(const char *s)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, s, strlen(s)), ==,
	                NDRCHECK_OK);
	g_assert_nonnull(m);
	return m;
}

static void
test_eol(void)
{
	static const struct {
		const char *text;
		ndr_eol eol;
		size_t header_len;
	} cases[] = {
	    {"Subject: a\n\nbody\n", NDR_EOL_LF, 12},
	    {"Subject: a\r\n\r\nbody\r\n", NDR_EOL_CRLF, 14},
	    {"Subject: a\r\rbody\r", NDR_EOL_CR, 12},
	    {"Subject: a\n", NDR_EOL_LF, 11}, /* no body at all */
	    {"", NDR_EOL_LF, 0},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		ndrcheck_message *m = from_string(cases[i].text);

		g_assert_cmpint(m->eol, ==, cases[i].eol);
		g_assert_cmpuint(m->from_line, ==, 0);
		g_assert_cmpuint(ndr_input_header_len(m), ==,
		                 cases[i].header_len);
		g_assert_false(m->truncated);
		g_assert_cmpint(m->rest_fd, ==, -1);
		g_assert_cmpuint(m->size, ==, strlen(cases[i].text));
		ndrcheck_message_free(m);
	}
}

static void
test_from_line(void)
{
	const char *lf = "From MAILER-DAEMON Wed Oct 16 14:15:35 2013\n"
	                 "Subject: x\n\nbody\n";
	const char *crlf = "From MAILER-DAEMON Wed Oct 16 14:15:35 2013\r\n"
	                   "Subject: x\r\n\r\nbody\r\n";
	ndrcheck_message *m = from_string(lf);
	GMimeMessage *msg;

	g_assert_cmpuint(m->from_line, ==, 44);
	g_assert_cmpuint(ndr_input_header_len(m), ==, 44 + 12);
	/* The From line is not a header: GMime must not see it. */
	msg = ndr_message_parse(m);
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==, "x");
	g_object_unref(msg);
	ndrcheck_message_free(m);

	m = from_string(crlf);
	g_assert_cmpint(m->eol, ==, NDR_EOL_CRLF);
	g_assert_cmpuint(m->from_line, ==, 45);
	g_assert_cmpuint(ndr_input_header_len(m), ==, 45 + 14);
	ndrcheck_message_free(m);

	/* "From:" is a header, not an mbox separator. */
	m = from_string("From: a@example.org\n\n");
	g_assert_cmpuint(m->from_line, ==, 0);
	ndrcheck_message_free(m);
}

/*
 * Input that is not RFC 5322 at the top is read from its first header
 * field, as mailers read it: blank and white-space lines, a byte order
 * mark, stray bytes, an mbox "From " or ">From " line before it.  What
 * has no header field soon after is read as it is.
 */
static void
test_lead(void)
{
	static const struct {
		const char *text;
		size_t lead;
	} cases[] = {
	    {"\n\nSubject: x\n\nbody\n", 2},
	    {"  \r\n\t\r\nSubject: x\r\n\r\nbody\r\n", 7},
	    {"\xef\xbb\xbfSubject: x\n\nbody\n", 3},
	    {"\x01\x02junk\nSubject: x\n\nbody\n", 7},
	    {">From jan Wed Oct 16 14:15:35 2013\nSubject: x\n\nbody\n", 35},
	    {"From jan Wed Oct 16 14:15:35 2013\n\nSubject: x\n\nbody\n", 35},
	    {"Subject: x\n\nbody\n", 0},
	    /* no field soon after: as it is */
	    {"\n\n\n\n\n\n\n\n\n\nSubject: x\n\nbody\n", 0},
	    {"\nbody only\n", 0},
	    {"\nnot: a field after a blank line\n", 1},
	};
	ndrcheck_message *m;
	GMimeMessage *msg;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		m = from_string(cases[i].text);
		g_assert_cmpuint(m->lead, ==, cases[i].lead);
		if (cases[i].lead > 0 && strstr(cases[i].text, "Subject")) {
			msg = ndr_message_parse(m);
			g_assert_cmpstr(g_mime_message_get_subject(msg), ==,
			                "x");
			g_object_unref(msg);
		}
		ndrcheck_message_free(m);
	}
}

/* The same bounce with LF, CRLF and CR-only line endings parses alike. */
static void
test_line_endings_parse(void)
{
	static const char *const files[] = {
	    SOE "bsd/lhost-sendmail-01.eml",
	    SOE "dos/lhost-sendmail-01.eml",
	    SOE "mac/lhost-sendmail-01.eml",
	};
	static const ndr_eol eols[] = {NDR_EOL_LF, NDR_EOL_CRLF, NDR_EOL_CR};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		ndrcheck_message *m = NULL;
		GMimeMessage *msg;
		GMimeObject *body;
		GMimeContentType *ct;

		g_assert_cmpint(ndrcheck_message_open_file(&m, files[i]), ==,
		                NDRCHECK_OK);
		g_assert_cmpint(m->eol, ==, eols[i]);
		msg = ndr_message_headers(m);
		g_assert_cmpstr(g_mime_message_get_subject(msg), ==,
		                "Returned mail: see transcript for details");
		g_assert_cmpstr(
		    g_mime_message_get_message_id(msg), ==,
		    "201310160515.r9G5FZh9018575@smtpgw.example.jp");
		g_object_unref(msg);

		msg = ndr_message_parse(m);
		body = g_mime_message_get_mime_part(msg);
		g_assert_true(GMIME_IS_MULTIPART(body));
		ct = g_mime_object_get_content_type(body);
		g_assert_cmpstr(
		    g_mime_content_type_get_parameter(ct, "report-type"), ==,
		    "delivery-status");
		g_assert_cmpint(
		    g_mime_multipart_get_count(GMIME_MULTIPART(body)), ==, 3);
		g_object_unref(msg);
		ndrcheck_message_free(m);
	}
}

static void
test_open_errors(void)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(
	                    &m, NDR_SRCDIR "/testdata/no-such-file.eml"),
	                ==, NDRCHECK_EUSAGE);
	g_assert_null(m);
	g_assert_nonnull(strstr(ndrcheck_message_error(), "no-such-file"));
	g_assert_cmpint(ndrcheck_message_open_file(&m, NDR_SRCDIR "/testdata"),
	                ==, NDRCHECK_EUSAGE);
	g_assert_nonnull(strstr(ndrcheck_message_error(), "directory"));
	g_assert_null(m);
}

/* A message larger than what is parsed: a header, then filler lines. */
static GByteArray *
big_message(size_t size)
{
	GByteArray *b = g_byte_array_sized_new(size);
	static const char head[] = "Subject: big\n\n";
	size_t i;

	g_byte_array_append(b, (const guint8 *)head, sizeof(head) - 1);
	for (i = b->len; i < size; i++)
		g_byte_array_append(
		    b,
		    (const guint8
		         *)(i % 64 == 63
		                ? "\n"
		                : "abcdefghijklmnopqrstuvwxyz0123456789" +
		                      i % 36),
		    1);
	return b;
}

/* Everything rest_fd holds, from offset 0. */
static GByteArray *
slurp(int fd)
{
	GByteArray *b = g_byte_array_new();
	guint8 buf[65536];
	ssize_t n;

	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_byte_array_append(b, buf, n);
	g_assert_cmpint(n, ==, 0);
	return b;
}

static void
assert_same_bytes(GByteArray *a, GByteArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	g_assert_true(memcmp(a->data, b->data, a->len) == 0);
}

struct writer {
	int fd;
	GByteArray *bytes;
};

/* Feed a pipe from another thread, as a delivery agent would. */
static gpointer
writer_run(gpointer p)
{
	struct writer *w = p;
	size_t off = 0;

	while (off < w->bytes->len) {
		ssize_t n =
		    write(w->fd, w->bytes->data + off, w->bytes->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	close(w->fd);
	return GSIZE_TO_POINTER(off);
}

static ndrcheck_message *
read_pipe(GByteArray *bytes, gboolean keep_all)
{
	ndrcheck_message *m = NULL;
	struct writer w;
	GThread *t;
	int fds[2];

	g_assert_cmpint(pipe(fds), ==, 0);
	w.fd = fds[1];
	w.bytes = bytes;
	t = g_thread_new("writer", writer_run, &w);
	g_assert_cmpint(ndrcheck_message_read_fd(&m, fds[0], keep_all), ==,
	                NDRCHECK_OK);
	/* The writer could write everything: the pipe was read to its end. */
	g_assert_cmpuint(GPOINTER_TO_SIZE(g_thread_join(t)), ==, bytes->len);
	close(fds[0]);
	return m;
}

static void
test_pipe_big(void)
{
	GByteArray *bytes = big_message(NDR_MAX_PARSE_BYTES + 300000);
	ndrcheck_message *m = read_pipe(bytes, TRUE);
	GByteArray *back;

	g_assert_true(m->truncated);
	g_assert_cmpuint(m->size, ==, bytes->len);
	g_assert_cmpuint(m->head->len, ==, NDR_MAX_PARSE_BYTES);
	g_assert_true(memcmp(m->head->data, bytes->data, m->head->len) == 0);
	g_assert_cmpint(m->rest_fd, >=, 0);
	back = slurp(m->rest_fd);
	assert_same_bytes(back, bytes);
	g_byte_array_unref(back);
	ndrcheck_message_free(m);

	/* Without keep_all the rest is drained and dropped. */
	m = read_pipe(bytes, FALSE);
	g_assert_true(m->truncated);
	g_assert_cmpuint(m->size, ==, bytes->len);
	g_assert_cmpint(m->rest_fd, ==, -1);
	ndrcheck_message_free(m);
	g_byte_array_unref(bytes);
}

static void
test_pipe_small(void)
{
	GByteArray *bytes = big_message(200000); /* several pipe buffers */
	ndrcheck_message *m = read_pipe(bytes, TRUE);

	g_assert_false(m->truncated);
	g_assert_cmpint(m->rest_fd, ==, -1);
	g_assert_cmpuint(m->size, ==, bytes->len);
	assert_same_bytes(m->head, bytes);
	ndrcheck_message_free(m);
	g_byte_array_unref(bytes);
}

/* A new temporary file holding len bytes of data; its name. */
static char *
temp_file(const void *data, size_t len)
{
	GError *err = NULL;
	char *path;
	int fd;

	fd = g_file_open_tmp("test-input-XXXXXX", &path, &err);
	g_assert_no_error(err);
	close(fd);
	g_file_set_contents(path, data, len, &err);
	g_assert_no_error(err);
	return path;
}

/* A big file keeps its own descriptor; a big buffer is spooled. */
static void
test_file_and_buffer_big(void)
{
	GByteArray *bytes = big_message(NDR_MAX_PARSE_BYTES + 1000), *back;
	char *path = temp_file(bytes->data, bytes->len);
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_unlink(path);
	g_assert_true(m->truncated);
	g_assert_cmpuint(m->size, ==, bytes->len);
	g_assert_cmpuint(m->head->len, ==, NDR_MAX_PARSE_BYTES);
	back = slurp(m->rest_fd);
	assert_same_bytes(back, bytes);
	g_byte_array_unref(back);
	ndrcheck_message_free(m);

	g_assert_cmpint(
	    ndrcheck_message_from_buffer(&m, bytes->data, bytes->len), ==,
	    NDRCHECK_OK);
	g_assert_true(m->truncated);
	back = slurp(m->rest_fd);
	assert_same_bytes(back, bytes);
	g_byte_array_unref(back);
	ndrcheck_message_free(m);
	g_byte_array_unref(bytes);
	g_free(path);
}

/* Whether the filesystem of path answers reads with RWF_NOWAIT. */
static gboolean
nowait_supported(const char *path)
{
	char byte;
	struct iovec iov = {&byte, 1};
	int fd = open(path, O_RDONLY);
	ssize_t n;

	g_assert_cmpint(fd, >=, 0);
	n = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
	close(fd);
	return n >= 0 || errno == EAGAIN;
}

/*
 * m->from_disk: a file read just now comes from the page cache (scan
 * reads ahead only while files do not).  The other way round cannot be
 * asserted: a read the disk answers at once does not wait either
 * (RWF_NOWAIT means "do not wait", not "do not read"), and the kernel
 * may keep a file it was asked to drop.
 */
static void
test_from_disk(void)
{
	static const char text[] = "Subject: cached?\n\nbody\n";
	char *path = temp_file(text, strlen(text));
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_assert_cmpmem(m->head->data, m->head->len, text, strlen(text));
	if (nowait_supported(path))
		g_assert_false(m->from_disk);
	else
		g_test_skip("this filesystem does not answer RWF_NOWAIT");
	ndrcheck_message_free(m);
	g_unlink(path);
	g_free(path);
}

/* The first leaf of a message built from text. */
static GMimePart *
first_part(GMimeMessage *msg)
{
	GMimeObject *o = g_mime_message_get_mime_part(msg);

	while (GMIME_IS_MULTIPART(o))
		o = g_mime_multipart_get_part(GMIME_MULTIPART(o), 0);
	g_assert_true(GMIME_IS_PART(o));
	return GMIME_PART(o);
}

static void
test_part_text(void)
{
	/* "Grüße" in ISO-8859-1, base64: R3L832U= */
	ndrcheck_message *m =
	    from_string("Content-Type: text/plain; charset=iso-8859-1\n"
	                "Content-Transfer-Encoding: base64\n\nR3L832UK\n");
	GMimeMessage *msg = ndr_message_parse(m);
	size_t len;
	char *text = ndr_part_text(first_part(msg), 1000, &len);

	g_assert_cmpstr(text, ==,
	                "Gr\xc3\xbc\xc3\x9f"
	                "e\n");
	g_assert_cmpuint(len, ==, 8);
	g_free(text);
	/* Cut at a character boundary, never inside the "ü". */
	text = ndr_part_text(first_part(msg), 3, &len);
	g_assert_cmpstr(text, ==, "Gr");
	g_assert_cmpuint(len, ==, 2);
	g_free(text);
	g_object_unref(msg);
	ndrcheck_message_free(m);

	/* Undeclared 8-bit bytes and quoted-printable: replaced, kept going. */
	m = from_string("Content-Type: text/plain\n"
	                "Content-Transfer-Encoding: quoted-printable\n\n"
	                "a=FFb=\nc\n");
	msg = ndr_message_parse(m);
	text = ndr_part_text(first_part(msg), 1000, &len);
	g_assert_cmpstr(text, ==,
	                "a\xef\xbf\xbd"
	                "bc\n");
	g_free(text);
	g_object_unref(msg);
	ndrcheck_message_free(m);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ndr_gmime_init();
	g_test_add_func("/input/eol", test_eol);
	g_test_add_func("/input/from-line", test_from_line);
	g_test_add_func("/input/lead", test_lead);
	g_test_add_func("/input/line-endings-parse", test_line_endings_parse);
	g_test_add_func("/input/open-errors", test_open_errors);
	g_test_add_func("/input/pipe-small", test_pipe_small);
	g_test_add_func("/input/pipe-big", test_pipe_big);
	g_test_add_func("/input/file-and-buffer-big", test_file_and_buffer_big);
	g_test_add_func("/input/from-disk", test_from_disk);
	g_test_add_func("/input/part-text", test_part_text);
	return g_test_run();
}
