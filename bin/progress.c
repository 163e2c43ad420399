/*
 * progress.c - scan's progress bar on stderr while it is a terminal (see
 * progress.h).
 *
 * The cost is kept off the scan: the count is another thread's walk of
 * the folders (readdir only: no message is read, no path built), and the
 * scan's own thread only reads the clock per message and draws five
 * times a second.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

/* Microseconds between two redraws. */
#define PROGRESS_INTERVAL 200000
/* The widest bar, in characters, and the terminal width assumed. */
#define BAR_WIDTH     30
#define DEFAULT_WIDTH 80

struct progress {
	const ndr_scan_params *p;
	char *const *inputs;
	GThread *counter;
	guint64 total;      /* written by counter before counted is set */
	gint counted;       /* atomic: 0 counting, 1 total known, -1 unknown */
	gint64 start, last; /* monotonic time, microseconds */
	int width;          /* of the terminal */
	gboolean shown;     /* the line is on the screen */
	gboolean bar;       /* what was drawn last is the bar */
};

/*
 * The counting thread.  At the lowest priority (on Linux, niceness is a
 * thread's own): on a host with every core busy it waits for the scan,
 * never the scan for it.
 */
static gpointer
count(gpointer data)
{
	progress *pg = data;

	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	if (ndr_scan_count(pg->p, pg->inputs, &pg->total))
		g_atomic_int_set(&pg->counted, 1);
	else
		g_atomic_int_set(&pg->counted, -1);
	return NULL;
}

static int
terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return DEFAULT_WIDTH;
}

progress *
progress_new(const ndr_scan_params *p, char *const *inputs)
{
	progress *pg;

	if (!isatty(STDERR_FILENO))
		return NULL;
	pg = g_new0(progress, 1);
	pg->p = p;
	pg->inputs = inputs;
	pg->start = g_get_monotonic_time();
	pg->width = terminal_width();
	pg->counter = g_thread_new("ndrcheck-count", count, pg);
	return pg;
}

/* "1:02:03" or "2:03". */
static void
format_time(char *buf, size_t size, double secs)
{
	guint64 s = (guint64)(secs + 0.5);

	if (s >= 3600)
		g_snprintf(buf, size, "%" G_GUINT64_FORMAT ":%02u:%02u",
		           s / 3600, (unsigned)(s / 60 % 60),
		           (unsigned)(s % 60));
	else
		g_snprintf(buf, size, "%u:%02u", (unsigned)(s / 60),
		           (unsigned)(s % 60));
}

/* "[=====     ]  45%  22500/50000  1850/s  0:14 left  12 backscatter" */
static void
draw_bar(const progress *pg, guint64 done, guint64 backscatter, double rate)
{
	guint64 total = MAX(pg->total, done);
	double part = total > 0 ? (double)done / total : 1;
	char left[32], rest[160], bar[BAR_WIDTH + 1];
	int width, filled;

	if (rate > 0)
		format_time(left, sizeof(left), (total - done) / rate);
	else
		g_strlcpy(left, "-:--", sizeof(left));
	g_snprintf(rest, sizeof(rest),
	           " %3.0f%%  %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
	           "  %.0f/s  %s left  %" G_GUINT64_FORMAT " backscatter",
	           100 * part, done, total, rate, left, backscatter);
	/* "scan [" "]" and one column spare: no line may wrap. */
	width = MIN(BAR_WIDTH, pg->width - (int)strlen(rest) - 8);
	if (width < 5) {
		fprintf(stderr, "\r\033[K%.*s", MAX(pg->width - 1, 0),
		        rest + 1);
		return;
	}
	filled = (int)(part * width);
	memset(bar, '=', (size_t)filled);
	memset(bar + filled, ' ', (size_t)(width - filled));
	bar[width] = '\0';
	fprintf(stderr, "\r\033[Kscan [%s]%s", bar, rest);
}

void
progress_update(progress *pg, guint64 done, guint64 backscatter)
{
	gint64 now;
	double rate;
	gint counted;

	if (pg == NULL)
		return;
	now = g_get_monotonic_time();
	counted = g_atomic_int_get(&pg->counted);
	/* The total just came: the bar at once, not at the next redraw. */
	if (now - pg->last < PROGRESS_INTERVAL && (counted != 1 || pg->bar))
		return;
	pg->last = now;
	pg->bar = counted == 1;
	rate = now > pg->start ? done * 1e6 / (now - pg->start) : 0;
	if (counted == 1)
		draw_bar(pg, done, backscatter, rate);
	else
		fprintf(
		    stderr,
		    "\r\033[Kndrcheck scan: %" G_GUINT64_FORMAT
		    " messages%s, %.0f/s, %" G_GUINT64_FORMAT " backscatter",
		    done, counted == 0 ? " (counting)" : "", rate, backscatter);
	pg->shown = TRUE;
}

void
progress_clear(progress *pg)
{
	if (pg == NULL || !pg->shown)
		return;
	fputs("\r\033[K", stderr);
	pg->shown = FALSE;
}

void
progress_free(progress *pg)
{
	if (pg == NULL)
		return;
	progress_clear(pg);
	g_thread_join(pg->counter);
	g_free(pg);
}
