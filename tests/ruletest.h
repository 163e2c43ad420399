/*
 * ruletest.h - helpers of the tests of the rule stages (test-detect,
 * test-textndr, test-reason): the built-in rules, and real messages
 * from testdata/ parsed as the library parses them.
 */
#ifndef NDR_RULETEST_H
#define NDR_RULETEST_H

#include <string.h>

#include "message.h"
#include "ndrcheck.h"
#include "rules.h"

#define SOE NDR_SRCDIR "/testdata/set-of-emails/maildir/"

/* The rules of the source tree, loaded once. */
G_GNUC_UNUSED static const ndr_rules *
builtin_rules(void)
{
	static ndr_rules *rules;
	const char *dirs[] = { NDR_SRCDIR "/rules", NULL };
	GError *err = NULL;

	if (rules == NULL) {
		rules = ndr_rules_load(dirs, &err);
		g_assert_no_error(err);
	}
	return rules;
}

/*
 * m parsed whole (head_only: its header block only), and kept with the
 * parse as "ndr-test-input": GMime reads the content from m's bytes.
 */
G_GNUC_UNUSED static GMimeMessage *
parse_input(ndrcheck_message *m, gboolean head_only)
{
	GMimeMessage *msg;

	ndr_gmime_init();
	msg = head_only ? ndr_message_headers(m) : ndr_message_parse(m);
	g_assert_nonnull(msg);
	g_object_set_data_full(G_OBJECT(msg), "ndr-test-input", m,
	    (GDestroyNotify)ndrcheck_message_free);
	return msg;
}

/* A testdata message, parsed whole (head_only: its header block only). */
G_GNUC_UNUSED static GMimeMessage *
parse_file(const char *name, gboolean head_only)
{
	char *path = g_strconcat(SOE, name, NULL);
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_free(path);
	return parse_input(m, head_only);
}

/* A message given as text, parsed whole as the library parses one. */
G_GNUC_UNUSED static GMimeMessage *
parse_text(const char *text)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, text, strlen(text)),
	    ==, NDRCHECK_OK);
	return parse_input(m, FALSE);
}

#endif /* NDR_RULETEST_H */
