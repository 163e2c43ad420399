/*
 * test-headtext.c - the header block as rule text, read from the input
 * bytes (headtext.c): the same text GMime's parse gives, field by field,
 * on every message of testdata/, and the cases that decide it: folding,
 * encoded words, 8-bit text, line endings, mbox "From " lines, lines
 * that are no field, and a block without any field.
 */
#include <string.h>

#include <glib.h>

#include "headtext.h"
#include "input.h"
#include "message.h"
#include "ndrlimits.h"

#define TESTDATA NDR_SRCDIR "/testdata/"

static void
assert_text(const char *message, const char *expected)
{
	ndrcheck_message *m = NULL;
	GString *s;

	g_assert_cmpint(
	    ndrcheck_message_from_buffer(&m, message, strlen(message)), ==,
	    NDRCHECK_OK);
	s = ndr_header_text(m);

	g_assert_cmpstr(s->str, ==, expected);
	g_string_free(s, TRUE);
	ndrcheck_message_free(m);
}

static void
test_fields(void)
{
	/* folded, CRLF, white space before the colon, an empty value */
	assert_text("Subject: a\r\n  long\r\n\tsubject \r\nX-Empty:\r\n"
	            "From : jan@example.org\r\n\r\nSubject: body\r\n",
	            "Subject: a  long\tsubject\nX-Empty: \n"
	            "From: jan@example.org\n");
	/* CR-only, with an mbox From line before the block */
	assert_text("From MAILER-DAEMON Thu Nov 26 10:00:00 2026\r"
	            "Subject: b\r folded\rTo: x@example.net\r\rbody\r",
	            "Subject: b folded\nTo: x@example.net\n");
	/* a line that is no field is left out, after the first field */
	assert_text("To: x@example.net\nnot a field\nBad Name: y\n"
	            "Subject: c\n\n",
	            "To: x@example.net\nSubject: c\n");
	/*
	 * Stray lines or blank lines before the first field are passed
	 * over, as mailers read such input (input.c's lead); a first line
	 * with a colon that is no field leaves no header block.
	 */
	assert_text("This is no header\nSubject: d\n\nbody\n", "Subject: d\n");
	assert_text("", "");
	assert_text("\nSubject: after a blank line\n",
	            "Subject: after a blank line\n");
	assert_text("no field: here\nSubject: d\n\nbody\n", "");
	/* no empty line: the block runs to the end */
	assert_text("Subject: e\nTo: x@example.net", "Subject: e\n"
	                                             "To: x@example.net\n");
}

static void
test_decoding(void)
{
	/* encoded words of any charset become UTF-8 */
	assert_text("Subject: =?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=\n\n",
	            "Subject: \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88\n");
	assert_text("Subject: =?UTF-8?Q?Zustellung_fehlgeschlagen?= (x)\n\n",
	            "Subject: Zustellung fehlgeschlagen (x)\n");
	/* raw 8-bit text is made valid UTF-8 */
	assert_text("Subject: caf\xe9\n\n", "Subject: caf\xc3\xa9\n");
	/* "=?" that starts no encoded word stays as it is */
	assert_text("Subject: a =? b\n\n", "Subject: a =? b\n");
}

/* The fields of a GMime header list, as headtext.c writes them. */
static void
append_gmime_fields(GString *s, GMimeHeaderList *list)
{
	GMimeHeader *h;
	const char *value;
	int i;

	for (i = 0; list != NULL && i < g_mime_header_list_get_count(list);
	     i++) {
		h = g_mime_header_list_get_header_at(list, i);
		value = g_mime_header_get_value(h);
		g_string_append_printf(s, "%s: %s\n", g_mime_header_get_name(h),
		                       value != NULL ? value : "");
	}
}

/*
 * GMime's header text of m.  It keeps the Content-* fields with the top
 * MIME part, the others with the message, so the order differs.
 */
static GString *
gmime_text(const ndrcheck_message *m)
{
	GMimeMessage *msg = ndr_message_headers(m);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GString *s = g_string_new(NULL);

	append_gmime_fields(s,
	                    g_mime_object_get_header_list(GMIME_OBJECT(msg)));
	if (top != NULL)
		append_gmime_fields(s, g_mime_object_get_header_list(top));
	g_object_unref(msg);
	return s;
}

static int
compare_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s sorted, for comparing texts whatever their order. */
static char *
sorted(GString *s)
{
	char **lines = g_strsplit(s->str, "\n", -1);
	char *text;

	qsort(lines, g_strv_length(lines), sizeof(*lines), compare_lines);
	text = g_strjoinv("\n", lines);
	g_strfreev(lines);
	g_string_free(s, TRUE);
	return text;
}

static void
compare_tree(const char *dir, guint *files)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	char *path, *ours, *theirs;
	ndrcheck_message *m;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			compare_tree(path, files);
		} else if (ndrcheck_message_open_file(&m, path) ==
		           NDRCHECK_OK) {
			ours = sorted(ndr_header_text(m));
			theirs = sorted(gmime_text(m));
			if (strcmp(ours, theirs) != 0)
				g_error("%s: header text\n%s\nGMime's\n%s",
				        path, ours, theirs);
			g_free(ours);
			g_free(theirs);
			ndrcheck_message_free(m);
			(*files)++;
		}
		g_free(path);
	}
	g_dir_close(d);
}

/* Every real message of testdata/ reads as GMime reads it. */
static void
test_same_as_gmime(void)
{
	guint files = 0;

	ndr_gmime_init();
	compare_tree(TESTDATA "set-of-emails", &files);
	compare_tree(TESTDATA "ordinary", &files);
	compare_tree(TESTDATA "fuzz-regressions", &files);
	g_assert_cmpuint(files, >, 200);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/headtext/fields", test_fields);
	g_test_add_func("/headtext/decoding", test_decoding);
	g_test_add_func("/headtext/same-as-gmime", test_same_as_gmime);
	return g_test_run();
}
