/*
 * test-passthrough.c - ndrcheck_message_write(): the X-NDR-* fields are
 * added at the top (after an mbox "From " line) in the line ending the
 * agent reads, forged ones are removed with their continuation lines
 * wherever a reader would see them in the header block, and
 * every other byte comes out as it went in: real messages with LF, CRLF
 * and CR-only line endings, odd shapes, and messages larger than what
 * is kept in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "input.h"
#include "message.h"
#include "ndrlimits.h"
#include "result.h"

#define SOE      NDR_SRCDIR "/testdata/set-of-emails/maildir/"
#define EVIDENCE "Message-ID <20261120.abc@example.org> is not in the sent log"

/* The fields added for backscatter_result(), with line ending nl. */
static char *
fields(const char *nl)
{
	return g_strconcat("X-NDR-Verdict: backscatter", nl, "X-NDR-Kind: dsn",
	                   nl, "X-NDR-Evidence: ", EVIDENCE, nl, NULL);
}

static ndrcheck_result *
result_with(ndrcheck_verdict v, ndrcheck_kind k, const char *evidence)
{
	ndrcheck_result *r = ndr_result_new();

	r->verdict = v;
	r->findings->kind = k;
	if (evidence != NULL)
		g_ptr_array_add(r->evidence, g_strdup(evidence));
	return r;
}

static ndrcheck_result *
backscatter_result(void)
{
	return result_with(NDRCHECK_BACKSCATTER, NDRCHECK_KIND_DSN, EVIDENCE);
}

/*
 * What ndrcheck_message_write() wrote (ndrcheck_message_copy() when copy
 * is set), read back from a temporary file.
 */
static GBytes *
written_by(const ndrcheck_message *m, const ndrcheck_result *r, gboolean copy)
{
	GError *err = NULL;
	char *path, *data;
	gsize len;
	int fd = g_file_open_tmp("ndrcheck-test-XXXXXX", &path, &err);

	g_assert_no_error(err);
	g_assert_cmpint(copy ? ndrcheck_message_copy(m, fd)
	                     : ndrcheck_message_write(m, r, fd),
	                ==, NDRCHECK_OK);
	close(fd);
	g_assert_true(g_file_get_contents(path, &data, &len, &err));
	g_assert_no_error(err);
	g_unlink(path);
	g_free(path);
	return g_bytes_new_take(data, len);
}

static GBytes *
written(const ndrcheck_message *m, const ndrcheck_result *r)
{
	return written_by(m, r, FALSE);
}

static void
assert_bytes(GBytes *got, const void *want, size_t len)
{
	g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
	                want, len);
}

static ndrcheck_message *
from_string(const char *s)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, s, strlen(s)), ==,
	                NDRCHECK_OK);
	return m;
}

/* input written with r's fields gives prefix, then rest. */
static void
check_string(const char *input, const ndrcheck_result *r, const char *prefix,
             const char *rest)
{
	ndrcheck_message *m = from_string(input);
	char *want = g_strconcat(prefix, rest, NULL);
	GBytes *got = written(m, r);

	assert_bytes(got, want, strlen(want));
	g_bytes_unref(got);
	g_free(want);
	ndrcheck_message_free(m);
}

/*
 * A real message: the fields in its line ending, after its "From " line
 * if it has one (from_line bytes), then the file unchanged.
 */
static void
check_real(const char *name, const char *nl, size_t from_line)
{
	char *path = g_build_filename(SOE, name, NULL), *data, *added;
	ndrcheck_message *m = NULL;
	ndrcheck_result *r = backscatter_result();
	GString *want;
	GBytes *got;
	gsize len;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	/* The identity below holds only for mail without fields of ours. */
	g_assert_null(g_strstr_len(data, len, "X-NDR-"));
	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_assert_cmpuint(m->from_line, ==, from_line);
	added = fields(nl);
	want = g_string_new_len(data, from_line);
	g_string_append(want, added);
	g_string_append_len(want, data + from_line, len - from_line);
	got = written(m, r);
	assert_bytes(got, want->str, want->len);

	g_bytes_unref(got);
	g_string_free(want, TRUE);
	g_free(added);
	g_free(data);
	g_free(path);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
}

static void
test_real_lf(void)
{
	check_real("bsd/lhost-postfix-01.eml", "\n", 0);
}

static void
test_real_crlf(void)
{
	check_real("dos/lhost-amavis-01.eml", "\r\n", 0);
}

static void
test_real_cr(void)
{
	check_real("mac/lhost-amavis-01.eml", "\r", 0);
}

static void
test_real_from_line(void)
{
	check_real("bsd/lhost-exim-29.eml", "\n",
	           strlen("From MAILER-DAEMON Tue Mar 02 09:44:33 1999\n"));
}

/*
 * A sender's X-NDR-* fields go, whatever their case, with their
 * continuation lines; look-alikes and the body stay.
 */
static void
test_forged(void)
{
	static const char *const cases[][2] = {
	    {"X-NDR-Verdict: backscatter\n"
	     "From: a@example.org\n"
	     "x-ndr-kind: dsn\n"
	     "\tfolded on\n"
	     " and on\n"
	     "Subject: hi\n"
	     "X-Ndr-Evidence: forged\n"
	     "X-NDRish: stays\n"
	     "X-NDR-Verdict: genuine\n"
	     "\n"
	     "X-NDR-Verdict: backscatter in the body stays\n",
	     "From: a@example.org\n"
	     "Subject: hi\n"
	     "X-NDRish: stays\n"
	     "\n"
	     "X-NDR-Verdict: backscatter in the body stays\n"},
	    /* CRLF, and a forged field last in a header with no body. */
	    {"Subject: hi\r\nX-NDR-Verdict: backscatter\r\n folded\r\n",
	     "Subject: hi\r\n"},
	    /* CR-only. */
	    {"Subject: hi\rX-NDR-Kind: dsn\r\tmore\rTo: b@example.org\r\rx\r",
	     "Subject: hi\rTo: b@example.org\r\rx\r"},
	};
	ndrcheck_result *r = backscatter_result();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *added = fields(i == 0 ? "\n" : i == 1 ? "\r\n" : "\r");

		check_string(cases[i][0], r, added, cases[i][1]);
		g_free(added);
	}
	ndrcheck_result_free(r);
}

/*
 * Readers disagree where mixed line endings end a header block: procmail
 * splits lines at LF only, so that a CRLF line (all of a CRLF message)
 * is header to it, and a forged field behind one must go as well.
 */
static void
test_mixed_endings(void)
{
	static const char *const cases[][3] = {
	    /* One CRLF line among LF ones, a forged verdict behind it. */
	    {"Subject: hi\n\r\nX-NDR-Verdict: backscatter\n\nbody\n", "\n",
	     "Subject: hi\n\r\n\nbody\n"},
	    /* CR CR LF ends the first line: the agent reads CRLF, not CR. */
	    {"Subject: hi\r\r\nX-NDR-Kind: dsn\r\r\n\r\nbody\r\n", "\r\n",
	     "Subject: hi\r\r\n\r\nbody\r\n"},
	    /* A CRLF message is all header to procmail. */
	    {"Subject: hi\r\n\r\nbody\r\nX-NDR-Verdict: genuine\r\n", "\r\n",
	     "Subject: hi\r\n\r\nbody\r\n"},
	    /* A lone CR ends a line for GMime: "\r\r" is empty to it only. */
	    {"Subject: hi\r\rX-NDR-Verdict: genuine\n\nX-NDR-Kind: x\n", "\n",
	     "Subject: hi\r\r\nX-NDR-Kind: x\n"},
	};
	ndrcheck_result *r = backscatter_result();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *added = fields(cases[i][1]);

		check_string(cases[i][0], r, added, cases[i][2]);
		g_free(added);
	}
	ndrcheck_result_free(r);
}

/* Shapes at the edges: each input comes out behind the fields as it was. */
static void
test_shapes(void)
{
	static const char *const inputs[] = {
	    "Subject: no final newline\n\nbody",
	    "Subject: empty body\n\n",
	    "Subject: no body, no empty line\n",
	    "Subject: not even a line end",
	    "\nbody without a header\n",
	    "",
	    "Subject: procmail's extra newline\n\nbody\n\n",
	};
	ndrcheck_result *r = backscatter_result();
	char *added = fields("\n");
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++)
		check_string(inputs[i], r, added, inputs[i]);
	g_free(added);
	ndrcheck_result_free(r);
}

/* A "From " line alone still gets the fields on a line of their own. */
static void
test_from_line_alone(void)
{
	static const char from[] = "From a@b Thu Nov 20 10:00:00 2026";
	ndrcheck_result *r = backscatter_result();
	char *added = fields("\n");
	char *want = g_strconcat(from, "\n", added, NULL);

	check_string(from, r, want, "");
	g_free(want);
	g_free(added);
	ndrcheck_result_free(r);
}

/*
 * Without a result (the failure path) nothing is added, but a forged
 * field still goes: recipes trust X-NDR-Verdict whenever -p exits 0.
 */
static void
test_unclassified(void)
{
	static const char input[] = "X-NDR-Verdict: backscatter\n"
	                            "Subject: kept as it came\n\nbody\n";

	check_string(input, NULL, "", "Subject: kept as it came\n\nbody\n");
}

/* ndrcheck_message_copy() (record -p) writes every byte as it came. */
static void
test_copy(void)
{
	static const char input[] = "X-NDR-Verdict: backscatter\n"
	                            "Subject: kept as it came\n\nbody\n";
	ndrcheck_message *m = from_string(input);
	GBytes *got = written_by(m, NULL, TRUE);

	assert_bytes(got, input, strlen(input));
	g_bytes_unref(got);
	ndrcheck_message_free(m);
}

/*
 * A header block that starts with white space (a continuation of no
 * field): our fields go after those lines, or the first of them would
 * continue X-NDR-Evidence and a second pass would remove it with ours.
 */
static void
test_leading_continuation(void)
{
	static const char input[] = " stray\n\tlines\nSubject: a\n\nb\n";
	ndrcheck_result *r = backscatter_result();
	ndrcheck_message *m = from_string(input);
	char *added = fields("\n");
	char *want =
	    g_strconcat(" stray\n\tlines\n", added, "Subject: a\n\nb\n", NULL);
	GBytes *got = written(m, r);

	assert_bytes(got, want, strlen(want));
	g_bytes_unref(got);
	g_free(want);
	g_free(added);
	ndrcheck_message_free(m);
	ndrcheck_result_free(r);
}

/* No evidence: two fields only. */
static void
test_no_evidence(void)
{
	static const char input[] = "Subject: a\r\n\r\nb\r\n";
	ndrcheck_result *r =
	    result_with(NDRCHECK_NOT_BOUNCE, NDRCHECK_KIND_NONE, NULL);

	check_string(input, r,
	             "X-NDR-Verdict: not-bounce\r\nX-NDR-Kind: none\r\n",
	             input);
	ndrcheck_result_free(r);
}

/* The lines of the added fields: what comes before the input's header. */
static char **
added_lines(const ndrcheck_result *r, const char *input)
{
	ndrcheck_message *m = from_string(input);
	GBytes *got = written(m, r);
	gsize len;
	const char *data = g_bytes_get_data(got, &len);
	const char *end = g_strstr_len(data, len, input);
	char *head, **lines;

	g_assert_nonnull(end);
	head = g_strndup(data, end - data);
	g_assert_true(g_str_has_suffix(head, "\n"));
	head[strlen(head) - 1] = '\0';
	lines = g_strsplit(head, "\n", -1);
	g_free(head);
	g_bytes_unref(got);
	ndrcheck_message_free(m);
	return lines;
}

/* The evidence field's value, unfolded and decoded. */
static char *
evidence_value(char **lines)
{
	GString *field = g_string_new(NULL);
	char *unfolded, *decoded;
	size_t i;

	for (i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "X-NDR-Evidence: ") ||
		    (field->len > 0 &&
		     (lines[i][0] == ' ' || lines[i][0] == '\t')))
			g_string_append_printf(field, "%s\n", lines[i]);
	}
	g_assert_cmpuint(field->len, >, 0);
	unfolded =
	    g_mime_utils_header_unfold(field->str + strlen("X-NDR-Evidence:"));
	decoded = g_mime_utils_header_decode_text(NULL, unfolded);
	g_free(unfolded);
	g_string_free(field, TRUE);
	return g_strstrip(decoded);
}

/*
 * Long evidence is folded to 78 columns and reads back the same; text
 * from the mail cannot start a field of its own (a CR LF in a hostile
 * Message-ID) nor put raw 8-bit bytes in the header.
 */
static void
test_evidence_folding(void)
{
	static const char *const sentences[] = {
	    "Message-ID <20261120.abc@example.org> is not in the sent log, and "
	    "none of the 3 failed recipients (x@example.net, y@example.net, "
	    "z@example.net) was mailed by us in the last 30 days",
	    "Message-ID <a\r\nX-NDR-Verdict: genuine\r\n@x> is not in the sent "
	    "log",
	    "the original's Subject «Grüße» was found, not its Message-ID",
	};
	size_t i, j;

	ndr_gmime_init();
	for (i = 0; i < G_N_ELEMENTS(sentences); i++) {
		ndrcheck_result *r = result_with(
		    NDRCHECK_BACKSCATTER, NDRCHECK_KIND_DSN, sentences[i]);
		char **lines = added_lines(r, "Subject: a\n\nb\n");
		char *value = evidence_value(lines);
		guint verdicts = 0;

		for (j = 0; lines[j] != NULL; j++) {
			const char *p;

			g_assert_cmpuint(strlen(lines[j]), <=, 78);
			g_assert_null(strchr(lines[j], '\r'));
			for (p = lines[j]; *p != '\0'; p++)
				g_assert_cmpint((guchar)*p, <, 0x80);
			verdicts +=
			    g_str_has_prefix(lines[j], "X-NDR-Verdict:");
		}
		g_assert_cmpuint(verdicts, ==, 1);
		g_assert_cmpstr(lines[0], ==, "X-NDR-Verdict: backscatter");
		/* Control characters are encoded, and decode as they were. */
		g_assert_cmpstr(value, ==, sentences[i]);
		g_free(value);
		g_strfreev(lines);
		ndrcheck_result_free(r);
	}
}

/* A message of size bytes: a header, then lines of numbered text. */
static GByteArray *
big_message(size_t size)
{
	static const char header[] =
	    "From: a@example.org\nX-NDR-Verdict: backscatter\nSubject: big\n\n";
	GByteArray *b = g_byte_array_sized_new(size);
	unsigned n = 0;

	g_byte_array_append(b, (const guint8 *)header, strlen(header));
	while (b->len < size) {
		char line[64];
		int len = g_snprintf(line, sizeof(line), "line %08u\n", n++);

		g_byte_array_append(b, (const guint8 *)line,
		                    MIN((size_t)len, size - b->len));
	}
	return b;
}

/* What the big message must come out as: fields in, forged field out. */
static GString *
big_expected(const GByteArray *in)
{
	static const char forged[] = "X-NDR-Verdict: backscatter\n";
	const char *data = (const char *)in->data;
	const char *cut = g_strstr_len(data, 200, forged);
	char *added = fields("\n");
	GString *want = g_string_new(added);

	g_assert_nonnull(cut);
	g_string_append_len(want, data, cut - data);
	g_string_append_len(want, cut + strlen(forged),
	                    in->len - (cut - data) - strlen(forged));
	g_free(added);
	return want;
}

typedef struct feeder {
	int fd;
	const GByteArray *data;
} feeder;

static gpointer
feed(gpointer p)
{
	feeder *f = p;
	size_t off = 0;

	while (off < f->data->len) {
		ssize_t n = write(f->fd, f->data->data + off,
		                  MIN(f->data->len - off, 100000));

		g_assert_cmpint(n, >, 0);
		off += n;
	}
	close(f->fd);
	return NULL;
}

/* Read a pipe fed by a thread, as stdin is. */
static ndrcheck_message *
read_pipe(const GByteArray *data, gboolean keep_all)
{
	ndrcheck_message *m = NULL;
	int fds[2];
	feeder f;
	GThread *t;

	g_assert_cmpint(pipe(fds), ==, 0);
	f.fd = fds[1];
	f.data = data;
	t = g_thread_new("feeder", feed, &f);
	g_assert_cmpint(ndrcheck_message_read_fd(&m, fds[0], keep_all), ==,
	                NDRCHECK_OK);
	g_thread_join(t);
	close(fds[0]);
	return m;
}

/* Above NDR_MAX_PARSE_BYTES, through a pipe: the spool gives every byte. */
static void
test_big_pipe(void)
{
	GByteArray *in = big_message(NDR_MAX_PARSE_BYTES + 3 * 65536 + 17);
	GString *want = big_expected(in);
	ndrcheck_message *m = read_pipe(in, TRUE);
	ndrcheck_result *r = backscatter_result();
	GBytes *got;

	g_assert_true(m->truncated);
	got = written(m, r);
	assert_bytes(got, want->str, want->len);
	g_bytes_unref(got);
	got = written_by(m, NULL, TRUE);
	assert_bytes(got, in->data, in->len);
	g_bytes_unref(got);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	g_string_free(want, TRUE);
	g_byte_array_unref(in);
}

/* data as a message file, opened (and unlinked: the message keeps it). */
static ndrcheck_message *
read_file(const GByteArray *data)
{
	ndrcheck_message *m = NULL;
	GError *err = NULL;
	char *path;
	int fd = g_file_open_tmp("ndrcheck-big-XXXXXX", &path, &err);

	g_assert_no_error(err);
	close(fd);
	g_assert_true(g_file_set_contents(path, (const char *)data->data,
	                                  data->len, &err));
	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_unlink(path);
	g_free(path);
	return m;
}

/* m written with r's fields is want; m is freed. */
static void
assert_written(ndrcheck_message *m, const ndrcheck_result *r,
               const GString *want)
{
	GBytes *got;

	g_assert_true(m->truncated);
	got = written(m, r);
	assert_bytes(got, want->str, want->len);
	g_bytes_unref(got);
	ndrcheck_message_free(m);
}

/* Above NDR_MAX_PARSE_BYTES, from a file: the file gives every byte. */
static void
test_big_file(void)
{
	GByteArray *in = big_message(NDR_MAX_PARSE_BYTES + 1);
	GString *want = big_expected(in);
	ndrcheck_result *r = backscatter_result();

	assert_written(read_file(in), r, want);
	ndrcheck_result_free(r);
	g_string_free(want, TRUE);
	g_byte_array_unref(in);
}

/*
 * A header block longer than what is kept in memory: a forged field past
 * it goes too, from a pipe and from a file.
 */
static void
test_big_header(void)
{
	static const char forged[] = "X-NDR-Verdict: genuine\n";
	GByteArray *in = g_byte_array_new();
	char *added = fields("\n");
	GString *want = g_string_new(added);
	ndrcheck_result *r = backscatter_result();

	while (in->len < NDR_MAX_PARSE_BYTES + 70000)
		g_byte_array_append(in, (const guint8 *)"X-Filler: x\n", 12);
	g_string_append_len(want, (const char *)in->data, in->len);
	g_byte_array_append(in, (const guint8 *)forged, strlen(forged));
	g_byte_array_append(in, (const guint8 *)"\nbody\n", 6);
	g_string_append(want, "\nbody\n");
	assert_written(read_pipe(in, TRUE), r, want);
	assert_written(read_file(in), r, want);
	g_free(added);
	ndrcheck_result_free(r);
	g_string_free(want, TRUE);
	g_byte_array_unref(in);
}

/*
 * A large message read without keep_all lost its tail: writing it must
 * fail before a byte goes out, never write a truncated message.
 */
static void
test_tail_not_kept(void)
{
	GByteArray *in = big_message(NDR_MAX_PARSE_BYTES + 10);
	ndrcheck_message *m = read_pipe(in, FALSE);
	int fd = open("/dev/null", O_WRONLY);

	g_assert_true(m->truncated);
	g_assert_cmpint(m->rest_fd, ==, -1);
	errno = 0;
	g_assert_cmpint(ndrcheck_message_write(m, NULL, fd), ==,
	                NDRCHECK_ETEMP);
	g_assert_cmpint(errno, ==, EINVAL);
	close(fd);
	ndrcheck_message_free(m);
	g_byte_array_unref(in);
}

/* Output that cannot be written whole is an error, with errno saying why. */
static void
test_write_errors(void)
{
	ndrcheck_message *m = from_string("Subject: a\n\nb\n");
	ndrcheck_result *r = backscatter_result();
	int fds[2], full = open("/dev/full", O_WRONLY);

	g_assert_cmpint(full, >=, 0);
	errno = 0;
	g_assert_cmpint(ndrcheck_message_write(m, r, full), ==, NDRCHECK_ETEMP);
	g_assert_cmpint(errno, ==, ENOSPC);
	close(full);

	g_assert_cmpint(pipe(fds), ==, 0);
	close(fds[0]); /* the reader went away */
	errno = 0;
	g_assert_cmpint(ndrcheck_message_write(m, r, fds[1]), ==,
	                NDRCHECK_ETEMP);
	g_assert_cmpint(errno, ==, EPIPE);
	close(fds[1]);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
}

int
main(int argc, char **argv)
{
	/* As the command does: a closed reader is EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/passthrough/real-lf", test_real_lf);
	g_test_add_func("/passthrough/real-crlf", test_real_crlf);
	g_test_add_func("/passthrough/real-cr", test_real_cr);
	g_test_add_func("/passthrough/real-from-line", test_real_from_line);
	g_test_add_func("/passthrough/forged", test_forged);
	g_test_add_func("/passthrough/mixed-endings", test_mixed_endings);
	g_test_add_func("/passthrough/shapes", test_shapes);
	g_test_add_func("/passthrough/from-line-alone", test_from_line_alone);
	g_test_add_func("/passthrough/unclassified", test_unclassified);
	g_test_add_func("/passthrough/copy", test_copy);
	g_test_add_func("/passthrough/no-evidence", test_no_evidence);
	g_test_add_func("/passthrough/leading-continuation",
	                test_leading_continuation);
	g_test_add_func("/passthrough/evidence-folding", test_evidence_folding);
	g_test_add_func("/passthrough/big-pipe", test_big_pipe);
	g_test_add_func("/passthrough/big-file", test_big_file);
	g_test_add_func("/passthrough/big-header", test_big_header);
	g_test_add_func("/passthrough/tail-not-kept", test_tail_not_kept);
	g_test_add_func("/passthrough/write-errors", test_write_errors);
	return g_test_run();
}
