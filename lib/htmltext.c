/*
 * htmltext.c - the text a reader sees in an HTML part (see htmltext.h).
 *
 * Not an HTML parser: reports are simple markup, and all the rules need
 * is the words and where lines end.  Script and style content is no
 * text; comments and other tags are dropped.
 */
#include <string.h>

#include "htmltext.h"

/* Elements whose start or end breaks the line. */
static const char *const breaking[] = {
    "br", "p",  "div",   "tr", "li",  "h1",         "h2",
    "h3", "h4", "table", "hr", "pre", "blockquote", NULL,
};

/* The lower-case element name of the tag at t ("<br/>", "</p>"). */
static char *
tag_name(const char *t, const char *end)
{
	const char *p = t + 1, *start;

	if (p < end && *p == '/')
		p++;
	start = p;
	while (p < end && g_ascii_isalnum(*p))
		p++;
	return g_ascii_strdown(start, p - start);
}

static gboolean
breaks_line(const char *name)
{
	guint i;

	for (i = 0; breaking[i] != NULL; i++)
		if (strcmp(name, breaking[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Where the tag at t ends (past its '>'), or end. */
static const char *
tag_end(const char *t, const char *end)
{
	const char *gt;

	if (end - t >= 4 && strncmp(t, "<!--", 4) == 0) {
		gt = g_strstr_len(t + 4, end - t - 4, "-->");
		return gt != NULL ? gt + 3 : end;
	}
	gt = memchr(t, '>', end - t);
	return gt != NULL ? gt + 1 : end;
}

/* Past the element's end tag "</name", or end: script and style. */
static const char *
skip_content(const char *p, const char *end, const char *name)
{
	char *close = g_strconcat("</", name, NULL);
	size_t n = strlen(close);

	for (; p + n <= end; p++)
		if (g_ascii_strncasecmp(p, close, n) == 0)
			break;
	g_free(close);
	return p + n <= end ? tag_end(p, end) : end;
}

/* Append the entity at e ("&amp;", "&#64;") to s; returns past it. */
static const char *
entity(const char *e, const char *end, GString *s)
{
	static const struct {
		const char *name;
		gunichar c;
	} named[] = {{"amp", '&'},  {"lt", '<'},    {"gt", '>'},
	             {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
	const char *semi = memchr(e, ';', MIN(end - e, 10));
	char *word;
	gunichar c = 0;
	guint i;

	if (semi == NULL) {
		g_string_append_c(s, '&');
		return e + 1;
	}
	word = g_strndup(e + 1, semi - e - 1);
	if (word[0] == '#')
		c = (gunichar)g_ascii_strtoull(
		    word + 1 + (word[1] == 'x' || word[1] == 'X'), NULL,
		    word[1] == 'x' || word[1] == 'X' ? 16 : 10);
	for (i = 0; c == 0 && i < G_N_ELEMENTS(named); i++)
		if (g_ascii_strcasecmp(word, named[i].name) == 0)
			c = named[i].c;
	g_free(word);
	if (c == 0 || !g_unichar_validate(c)) {
		g_string_append_c(s, '&');
		return e + 1;
	}
	g_string_append_unichar(s, c);
	return semi + 1;
}

/*
 * Whether the markup breaks its lines with tags: text sent as
 * text/html without any (Yahoo's reports) keeps its own line ends.
 */
static gboolean
has_breaks(const char *html, size_t len)
{
	const char *p = html, *end = html + len;
	gboolean found = FALSE;
	char *name;

	while (!found && (p = memchr(p, '<', end - p)) != NULL) {
		name = tag_name(p, end);
		found = breaks_line(name);
		g_free(name);
		p++;
	}
	return found;
}

char *
ndr_html_text(const char *html, size_t len, size_t *out)
{
	const char *p = html, *end = html + len, *next;
	GString *s = g_string_sized_new(len);
	gboolean keep_lines = !has_breaks(html, len);
	char *name;

	while (p < end) {
		if (*p == '&') {
			p = entity(p, end, s);
			continue;
		}
		if (*p != '<' || p + 1 >= end ||
		    !(g_ascii_isalpha(p[1]) || p[1] == '/' || p[1] == '!')) {
			/* source line ends are spaces in HTML */
			g_string_append_c(
			    s, !keep_lines && (*p == '\n' || *p == '\r') ? ' '
			                                                 : *p);
			p++;
			continue;
		}
		name = tag_name(p, end);
		next = tag_end(p, end);
		if (p[1] != '/' &&
		    (strcmp(name, "script") == 0 || strcmp(name, "style") == 0))
			next = skip_content(next, end, name);
		else if (breaks_line(name))
			g_string_append_c(s, '\n');
		g_free(name);
		p = next;
	}
	*out = s->len;
	return g_string_free(s, FALSE);
}
