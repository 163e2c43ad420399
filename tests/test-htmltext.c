/*
 * test-htmltext.c - HTML parts read as their text (htmltext.c): line
 * breaking tags, entities, script and style, comments, and markup
 * without any line breaking tag keeping its own line ends.
 */
#include <string.h>

#include <glib.h>

#include "htmltext.h"

static void
assert_text(const char *html, const char *want)
{
	size_t len = 0;
	char *got = ndr_html_text(html, strlen(html), &len);

	g_assert_cmpstr(got, ==, want);
	g_assert_cmpuint(len, ==, strlen(want));
	g_free(got);
}

static void
test_lines(void)
{
	assert_text("Hi.<br>\nuser@example.com<BR/>\n\n<p>No such user</p>",
	            "Hi.\n user@example.com\n  \nNo such user\n");
	assert_text("<div>a</div><table><tr><td>b</td></tr></table>",
	            "\na\n\n\nb\n\n");
}

static void
test_entities(void)
{
	assert_text("a&amp;b &lt;x&#64;example.org&gt; &#x41;&nbsp;&bogus; &",
	            "a&b <x@example.org> A &bogus; &");
}

static void
test_dropped(void)
{
	assert_text("<style>p { color: red }</style>x<!-- <br> -->y"
	            "<script>if (a < b) {}</script><br>z",
	            "xy\nz");
}

static void
test_plain_as_html(void)
{
	assert_text("I'm afraid.\n\nTo: tina@yahoo.com\n",
	            "I'm afraid.\n\nTo: tina@yahoo.com\n");
	assert_text("1 < 2 and <b>bold</b>", "1 < 2 and bold");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/htmltext/lines", test_lines);
	g_test_add_func("/htmltext/entities", test_entities);
	g_test_add_func("/htmltext/dropped", test_dropped);
	g_test_add_func("/htmltext/plain-as-html", test_plain_as_html);
	return g_test_run();
}
