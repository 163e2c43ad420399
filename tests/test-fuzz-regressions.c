/*
 * test-fuzz-regressions.c - replay every input that once broke a fuzz
 * target.
 *
 * fuzz/run keeps each crash, leak, timeout or broken promise a target
 * finds under testdata/fuzz-regressions/TARGET/.  This test feeds them
 * again to the same target functions (fuzz/targets.c, included below),
 * in the normal build and under `make check SANITIZE=1` and VALGRIND=1,
 * so that a fixed bug stays fixed without clang or libFuzzer.  The
 * targets abort on a broken promise; a crash fails the test program.
 */
#include "../fuzz/targets.c"

typedef int (*fuzz_target)(const uint8_t *data, size_t size);

static const struct {
	const char *name;
	fuzz_target fn;
} targets[] = {
    {"classify", ndr_fuzz_classify},
    {"dsn", ndr_fuzz_dsn},
    {"textndr", ndr_fuzz_textndr},
    {"mbox", ndr_fuzz_mbox},
};

/* Replay every file of testdata/fuzz-regressions/NAME through fn. */
static void
test_replay(gconstpointer arg)
{
	guint i = GPOINTER_TO_UINT(arg), n = 0;
	char *dir = g_build_filename(NDR_SRCDIR, "testdata", "fuzz-regressions",
	                             targets[i].name, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL), *data;
		GError *err = NULL;
		gsize len;

		g_file_get_contents(path, &data, &len, &err);
		g_assert_no_error(err);
		g_test_message("%s", path);
		g_assert_cmpint(targets[i].fn((const uint8_t *)data, len), ==,
		                0);
		g_free(data);
		g_free(path);
		n++;
	}
	if (d != NULL)
		g_dir_close(d);
	if (n == 0)
		g_test_skip("no regression input for this target");
	g_free(dir);
}

int
main(int argc, char **argv)
{
	guint i;

	g_test_init(&argc, &argv, NULL);
	for (i = 0; i < G_N_ELEMENTS(targets); i++) {
		char *path =
		    g_strconcat("/fuzz-regressions/", targets[i].name, NULL);

		g_test_add_data_func(path, GUINT_TO_POINTER(i), test_replay);
		g_free(path);
	}
	return g_test_run();
}
