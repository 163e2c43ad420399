/*
 * tmptree.h - a temporary folder per test, made and removed whole
 * (for the sent-log tests: test-config, -import, -mbox, -sentlog,
 * -verdict).
 */
#ifndef NDR_TESTS_TMPTREE_H
#define NDR_TESTS_TMPTREE_H

#include <stdlib.h>

#include <glib.h>

/* A new empty folder under the temporary directory; g_free() it. */
static inline char *
tmptree_new(void)
{
	GError *err = NULL;
	char *dir = g_dir_make_tmp("ndrcheck-test-XXXXXX", &err);

	g_assert_no_error(err);
	return dir;
}

/* Remove dir and all below it, and free the name. */
static inline void
tmptree_free(char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_free(dir);
}

#endif /* NDR_TESTS_TMPTREE_H */
