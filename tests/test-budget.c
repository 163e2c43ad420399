/*
 * test-budget.c - the prefix of a message GMime may parse
 * (ndr_budget_extent()): all of ordinary mail, and a cut at a line end
 * where lines, delimiters or addresses add up to NDR_MAX_PARSE_ITEMS,
 * whatever the line ends.
 */
#include <string.h>

#include <glib.h>

#include "budget.h"
#include "ndrlimits.h"

/* count copies of line. */
static GString *
repeat(const char *line, guint count)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < count; i++)
		g_string_append(s, line);
	return s;
}

/* The extent of count copies of line, in whole lines. */
static size_t
extent_lines(const char *line, guint count)
{
	GString *s = repeat(line, count);
	size_t n = ndr_budget_extent(s->str, s->len);

	g_assert_cmpuint(n % strlen(line), ==, 0);
	g_string_free(s, TRUE);
	return n / strlen(line);
}

static void
test_within(void)
{
	const char *mail = "From: jan@example.org\nTo: a@b, c@d\n\n--x\nbody\n";

	g_assert_cmpuint(ndr_budget_extent(mail, strlen(mail)), ==,
	                 strlen(mail));
	g_assert_cmpuint(ndr_budget_extent("", 0), ==, 0);
	/* right at the limit: all of it */
	g_assert_cmpuint(extent_lines("a\n", NDR_MAX_PARSE_ITEMS), ==,
	                 NDR_MAX_PARSE_ITEMS);
}

static void
test_cut(void)
{
	guint part = 1 + NDR_PARSE_PART_ITEMS;

	/* one item a line, with each kind of line end */
	g_assert_cmpuint(extent_lines("a\n", NDR_MAX_PARSE_ITEMS + 10), ==,
	                 NDR_MAX_PARSE_ITEMS);
	g_assert_cmpuint(extent_lines("a\r\n", NDR_MAX_PARSE_ITEMS + 10), ==,
	                 NDR_MAX_PARSE_ITEMS);
	g_assert_cmpuint(extent_lines("a\r", NDR_MAX_PARSE_ITEMS + 10), ==,
	                 NDR_MAX_PARSE_ITEMS);
	/* delimiters, and addresses: a line and four marks each */
	g_assert_cmpuint(extent_lines("--b\n", 2 * NDR_MAX_PARSE_ITEMS / part),
	                 ==, NDR_MAX_PARSE_ITEMS / part);
	g_assert_cmpuint(extent_lines("To: a@b,c@d;\n", NDR_MAX_PARSE_ITEMS),
	                 ==, NDR_MAX_PARSE_ITEMS / 5);
	/* a few dashes that start no line cost nothing more */
	g_assert_cmpuint(extent_lines("a--b\n", NDR_MAX_PARSE_ITEMS), ==,
	                 NDR_MAX_PARSE_ITEMS);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/budget/within", test_within);
	g_test_add_func("/budget/cut", test_cut);
	return g_test_run();
}
