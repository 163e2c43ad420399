/*
 * budget.c - what reading one message may cost (see budget.h).
 */
#include <string.h>

#include "budget.h"
#include "ndrlimits.h"

/* Monotonic time (µs) when this thread's message is over time; 0: none. */
static _Thread_local gint64 deadline;

/* The items one line of len bytes at p costs GMime (see budget.h). */
static size_t
line_items(const char *p, size_t len)
{
	size_t items = 1, i;

	if (len >= 2 && p[0] == '-' && p[1] == '-')
		items += NDR_PARSE_PART_ITEMS;
	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == ';' || p[i] == '@')
			items++;
	return items;
}

/*
 * The occurrences of c in text; for a line end, dashes (else NULL)
 * counts those followed by "--", lines that may be delimiters.
 */
static size_t
count_byte(const char *text, size_t len, char c, size_t *dashes)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while ((p = memchr(p, c, end - p)) != NULL) {
		n++;
		p++;
		if (dashes != NULL && end - p >= 2 && p[0] == '-' &&
		    p[1] == '-')
			(*dashes)++;
	}
	return n;
}

/*
 * More items than text can hold, counted with memchr(): every line end
 * taken to end a line of its own, every line end before "--" to start a
 * delimiter.  Nearly all mail is far below the limit: it is then passed
 * whole without walking it line by line.
 */
static size_t
items_bound(const char *text, size_t len)
{
	size_t dashes = 1, lines = 1, marks;

	lines += count_byte(text, len, '\n', &dashes);
	lines += count_byte(text, len, '\r', &dashes);
	marks = count_byte(text, len, ',', NULL) +
	        count_byte(text, len, ';', NULL) +
	        count_byte(text, len, '@', NULL);
	return lines + dashes * NDR_PARSE_PART_ITEMS + marks;
}

size_t
ndr_budget_extent(const char *text, size_t len)
{
	size_t at = 0, items = 0;

	if (items_bound(text, len) <= NDR_MAX_PARSE_ITEMS)
		return len;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		const char *stop = nl != NULL ? nl : text + len;
		/* A lone CR ends a line too: CR-only mail has nothing else. */
		const char *cr = memchr(text + at, '\r', stop - (text + at));
		size_t end = len;

		if (cr != NULL && (cr + 1 == text + len || cr[1] != '\n'))
			end = cr - text + 1;
		else if (nl != NULL)
			end = nl - text + 1;
		items += line_items(text + at, end - at);
		if (items > NDR_MAX_PARSE_ITEMS)
			return at;
		at = end;
	}
	return len;
}

void
ndr_budget_start(void)
{
	deadline = g_get_monotonic_time() + NDR_MAX_MESSAGE_MS * 1000;
}

void
ndr_budget_stop(void)
{
	deadline = 0;
}

gboolean
ndr_budget_expired(void)
{
	return deadline != 0 && g_get_monotonic_time() > deadline;
}
