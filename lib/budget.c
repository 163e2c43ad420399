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

size_t
ndr_budget_extent(const char *text, size_t len)
{
	size_t at = 0, items = 0;

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
