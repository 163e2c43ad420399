/*
 * test-mbox.c - splitting mbox files (mbox.c, lines.c) and listing
 * Maildir folders (maildir.c), on real bounces from testdata/.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "ndrlimits.h"
#include "maildir.h"
#include "mbox.h"
#include "tmptree.h"

#define SOE NDR_SRCDIR "/testdata/set-of-emails/maildir/bsd/"

static const char *const real[] = {
    SOE "lhost-postfix-01.eml",
    SOE "lhost-exim-02.eml",
    SOE "lhost-sendmail-01.eml",
};

typedef struct seen {
	GPtrArray *msgs;  /* of GBytes */
	GArray *offsets;  /* of guint64 */
	GArray *sizes;    /* of guint64 */
	guint stop_after; /* 0: never stop */
} seen;

static gboolean
collect(const char *msg, size_t len, guint64 size, guint64 offset, void *arg)
{
	seen *s = arg;

	g_ptr_array_add(s->msgs, g_bytes_new(msg, len));
	g_array_append_val(s->offsets, offset);
	g_array_append_val(s->sizes, size);
	return s->stop_after == 0 || s->msgs->len < s->stop_after;
}

static void
seen_init(seen *s)
{
	s->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->offsets = g_array_new(FALSE, FALSE, sizeof(guint64));
	s->sizes = g_array_new(FALSE, FALSE, sizeof(guint64));
	s->stop_after = 0;
}

static void
seen_clear(seen *s)
{
	g_ptr_array_unref(s->msgs);
	g_array_unref(s->offsets);
	g_array_unref(s->sizes);
}

static void
write_file(const char *path, const char *data, gssize len)
{
	GError *err = NULL;

	g_file_set_contents(path, data, len, &err);
	g_assert_no_error(err);
}

/* An mbox of the real messages, with their "From " line offsets. */
static char *
make_mbox(const char *dir, const char *eol, guint64 *offsets, GBytes **msgs)
{
	GString *mbox = g_string_new(NULL);
	char *path, *data;
	gsize len;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(real); i++) {
		g_assert_true(g_file_get_contents(real[i], &data, &len, NULL));
		offsets[i] = mbox->len;
		g_string_append_printf(
		    mbox, "From MAILER-DAEMON  Thu Nov 20 10:0%zu:00 2014%s", i,
		    eol);
		g_string_append_len(mbox, data, (gssize)len);
		g_string_append(mbox, eol);
		msgs[i] = g_bytes_new_take(data, len);
	}
	path = g_build_filename(dir, "mbox", NULL);
	write_file(path, mbox->str, (gssize)mbox->len);
	g_string_free(mbox, TRUE);
	return path;
}

/* Each message comes back byte for byte, at its "From " line's offset. */
static void
test_split_real(void)
{
	GBytes *msgs[G_N_ELEMENTS(real)];
	guint64 offsets[G_N_ELEMENTS(real)];
	char *dir = tmptree_new(), *path;
	GError *err = NULL;
	seen s;
	size_t i;

	path = make_mbox(dir, "\n", offsets, msgs);
	g_assert_true(ndr_mbox_is_mbox(path));
	seen_init(&s);
	g_assert_true(ndr_mbox_each(path, 0, collect, &s, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(s.msgs->len, ==, G_N_ELEMENTS(real));
	for (i = 0; i < G_N_ELEMENTS(real); i++) {
		g_assert_true(g_bytes_equal(s.msgs->pdata[i], msgs[i]));
		g_assert_cmpuint(g_array_index(s.offsets, guint64, i), ==,
		                 offsets[i]);
		g_assert_cmpuint(g_array_index(s.sizes, guint64, i), ==,
		                 g_bytes_get_size(msgs[i]));
	}
	seen_clear(&s);

	/* From the second "From " line on: the last two messages. */
	seen_init(&s);
	g_assert_true(ndr_mbox_each(path, offsets[1], collect, &s, &err));
	g_assert_cmpuint(s.msgs->len, ==, 2);
	g_assert_true(g_bytes_equal(s.msgs->pdata[0], msgs[1]));
	g_assert_cmpuint(g_array_index(s.offsets, guint64, 1), ==, offsets[2]);
	seen_clear(&s);

	/* A callback that says stop is not called again. */
	seen_init(&s);
	s.stop_after = 1;
	g_assert_true(ndr_mbox_each(path, 0, collect, &s, &err));
	g_assert_cmpuint(s.msgs->len, ==, 1);
	seen_clear(&s);

	for (i = 0; i < G_N_ELEMENTS(real); i++)
		g_bytes_unref(msgs[i]);
	g_assert_false(ndr_mbox_is_mbox(real[0]));
	g_free(path);
	tmptree_free(dir);
}

/* A body line "From " without a time, after an empty line, is body. */
static void
test_from_in_body(void)
{
	static const char mbox[] =
	    "From a@example.org Mon Jan  1 00:00:00 1990\r\n"
	    "Subject: one\r\n\r\nHello\r\n\r\nFrom the desk of Jan\r\n"
	    ">From 10:00 quoted\r\n\r\n\r\n"
	    "From b@example.org Mon Jan  1 00:01:00 1990\r\n"
	    "Subject: two\r\n\r\nbye";
	static const char one[] =
	    "Subject: one\r\n\r\nHello\r\n\r\n"
	    "From the desk of Jan\r\n>From 10:00 quoted\r\n\r\n";
	char *dir = tmptree_new(), *path = g_build_filename(dir, "m", NULL);
	GError *err = NULL;
	GBytes *want;
	seen s;

	write_file(path, mbox, -1);
	seen_init(&s);
	g_assert_true(ndr_mbox_each(path, 0, collect, &s, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(s.msgs->len, ==, 2);
	want = g_bytes_new_static(one, strlen(one));
	g_assert_true(g_bytes_equal(s.msgs->pdata[0], want));
	g_bytes_unref(want);
	want = g_bytes_new_static("Subject: two\r\n\r\nbye", 19);
	g_assert_true(g_bytes_equal(s.msgs->pdata[1], want));
	g_bytes_unref(want);
	g_assert_cmpuint(g_array_index(s.offsets, guint64, 1), ==,
	                 strstr(mbox, "From b@") - mbox);
	seen_clear(&s);
	g_free(path);
	tmptree_free(dir);
}

/*
 * A line longer than the read buffer is handed over whole, and a message
 * longer than NDR_MAX_PARSE_BYTES is cut there with its size still told.
 */
static void
test_long(void)
{
	char *dir = tmptree_new(), *path = g_build_filename(dir, "m", NULL);
	size_t big = NDR_MAX_PARSE_BYTES + NDR_LINE_BUFFER * 3 + 7;
	GString *mbox = g_string_new("From x  Mon Jan  1 00:00:00 1990\n");
	GError *err = NULL;
	gsize hdr;
	seen s;

	g_string_append(mbox, "Subject: long\n\n");
	hdr = mbox->len;
	/* One huge line: no newline for far longer than the buffer. */
	g_string_set_size(mbox, hdr + big);
	memset(mbox->str + hdr, 'a', big);
	g_string_append(mbox, "\n\nFrom y  Mon Jan  1 00:00:00 1990\nS: 2\n");
	write_file(path, mbox->str, (gssize)mbox->len);
	seen_init(&s);
	g_assert_true(ndr_mbox_each(path, 0, collect, &s, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(s.msgs->len, ==, 2);
	g_assert_cmpuint(g_bytes_get_size(s.msgs->pdata[0]), ==,
	                 NDR_MAX_PARSE_BYTES);
	g_assert_cmpuint(g_array_index(s.sizes, guint64, 0), ==,
	                 strlen("Subject: long\n\n") + big + 1);
	g_assert_cmpuint(
	    g_array_index(s.offsets, guint64, 1), ==,
	    mbox->len - strlen("From y  Mon Jan  1 00:00:00 1990\nS: 2\n"));
	seen_clear(&s);
	g_string_free(mbox, TRUE);
	g_free(path);
	tmptree_free(dir);
}

static void
test_missing(void)
{
	GError *err = NULL;

	g_assert_false(
	    ndr_mbox_each("/nonexistent/mbox", 0, collect, NULL, &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "/nonexistent/mbox"));
	g_error_free(err);
	g_assert_false(ndr_mbox_is_mbox("/nonexistent/mbox"));
}

static gboolean
add_path(const char *path, void *arg)
{
	g_ptr_array_add(arg, g_path_get_basename(path));
	return TRUE;
}

/* cur/ then new/, sorted, dot files and tmp/ left out. */
static void
test_maildir(void)
{
	static const char *const files[] = {
	    "cur/2.b:2,S", "cur/1.a:2,RS", "cur/.hidden", "new/0.c", "tmp/9.t"};
	char *dir = tmptree_new(), *p, *key;
	GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
	GError *err = NULL;
	size_t i;

	g_assert_false(ndr_maildir_is_maildir(dir));
	for (i = 0; i < 3; i++) {
		p = g_build_filename(
		    dir, (const char *[]){"cur", "new", "tmp"}[i], "sub", NULL);
		g_assert_cmpint(g_mkdir_with_parents(p, 0700), ==, 0);
		g_free(p);
	}
	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		p = g_build_filename(dir, files[i], NULL);
		write_file(p, "Subject: x\n\nx\n", -1);
		g_free(p);
	}
	g_assert_true(ndr_maildir_is_maildir(dir));
	g_assert_true(ndr_maildir_each(dir, add_path, got, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(got->len, ==, 3);
	g_assert_cmpstr(got->pdata[0], ==, "1.a:2,RS");
	g_assert_cmpstr(got->pdata[1], ==, "2.b:2,S");
	g_assert_cmpstr(got->pdata[2], ==, "0.c");
	key = ndr_maildir_key("1.a:2,RS");
	g_assert_cmpstr(key, ==, "1.a");
	g_free(key);
	key = ndr_maildir_key("0.c");
	g_assert_cmpstr(key, ==, "0.c");
	g_free(key);
	g_ptr_array_unref(got);
	tmptree_free(dir);

	g_assert_null(ndr_maildir_list("/nonexistent/cur", &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_ETEMP);
	g_error_free(err);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mbox/split-real", test_split_real);
	g_test_add_func("/mbox/from-in-body", test_from_in_body);
	g_test_add_func("/mbox/long", test_long);
	g_test_add_func("/mbox/missing", test_missing);
	g_test_add_func("/maildir/list", test_maildir);
	return g_test_run();
}
