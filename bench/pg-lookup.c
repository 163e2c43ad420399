/*
 * pg-lookup.c - the sent log's lookups and records, timed through the
 * library's own sent-log calls (lib/sentlog.h), on either backend.
 *
 * pg-lookup lookup DB MAILBOXES PER N [MAILBOX]
 *	N classifications, each in a mailbox drawn at random (or always
 *	MAILBOX, for a sent log of one mailbox's share) (mNNNNN, as
 *	bench/pg-gen.awk names them) and timed alone, as lib/verdict.c
 *	makes them: the coverage start, then either a Message-ID found
 *	(its record and first recipient: a genuine bounce) or, every other
 *	time, one not found and its failed recipient looked up in the
 *	window among messages recorded without their Message-ID (a
 *	backscatter).  Prints p50, p99 and
 *	max in milliseconds, and the connection's own time.  PER is the
 *	messages a mailbox has (message i belongs to mailbox i % MAILBOXES).
 * pg-lookup kept DB MAILBOXES PER N MAILBOX
 *	The same in MAILBOX on one handle kept open: a server process that
 *	has answered before, as a connection pooler hands out (a new one
 *	first reads the catalog entries of every table and index it uses).
 * pg-lookup write DB THREADS SECONDS
 *	THREADS writers, each with its own handle on a mailbox of its own,
 *	recording new messages of two recipients for SECONDS; prints
 *	records per second in all.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sentlog.h"

#define END   1796083200 /* bench/pg-gen.awk: 2026-12-01 */
#define SPAN  (450 * 86400)
#define DAY   86400
#define WINDOW (30 * DAY)

static double
ms_since(gint64 start)
{
	return (double)(g_get_monotonic_time() - start) / 1000.0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
die(const char *what, GError *err)
{
	fprintf(stderr, "pg-lookup: %s: %s\n", what,
	        err != NULL ? err->message : "failed");
	exit(1);
}

/* One classification's lookups in the open log; FALSE on a wrong answer. */
static gboolean
classify(ndr_sentlog *log, long i, const char *mailbox, gboolean genuine)
{
	char *mid = g_strdup_printf("%ld.%ld@%s.example.org", i,
	                            (i * 7919) % 1000003, mailbox);
	char *addr = g_strdup_printf("friend%ld@example.net", i % 100);
	gint64 date = END - (i * 7919) % SPAN, earliest, when;
	ndr_sent_info info;
	gboolean found, ok;
	GError *err = NULL;

	ok = ndr_sentlog_earliest(log, &earliest, &err);
	if (ok && genuine) {
		ok = ndr_sentlog_find_id(log, mid, &found, &info, &err) &&
		     found;
		g_free(info.first_to);
	} else if (ok) {
		mid[0] = 'x'; /* never sent */
		ok = ndr_sentlog_find_id(log, mid, &found, &info, &err) &&
		     !found &&
		     ndr_sentlog_find_recipient(log, addr, date - WINDOW,
		                                date + DAY, TRUE, &when,
		                                &err) &&
		     when == 0;
	}
	if (err != NULL)
		die("lookup", err);
	g_free(mid);
	g_free(addr);
	return ok;
}

static int
lookup(const char *db, long mailboxes, long per, long n, long only,
       gboolean kept)
{
	double *t = g_new(double, n), connect = 0;
	ndr_sentlog_settings set = {0};
	char mailbox[16];
	ndr_sentlog *log = NULL;
	GError *err = NULL;
	long k, m, i, wrong = 0;
	gint64 start;

	for (k = 0; k < n; k++) {
		m = only >= 0 ? only
		              : g_random_int_range(0, (gint32)mailboxes);
		/* Message m + j * mailboxes of mailbox m, 1-based ids. */
		i = m + mailboxes * g_random_int_range(m == 0, (gint32)per);
		g_snprintf(mailbox, sizeof(mailbox), "m%05ld", m);
		set.mailbox = mailbox;
		start = g_get_monotonic_time();
		if (log == NULL)
			log = ndr_sentlog_open_with(db, &set, TRUE, &err);
		if (log == NULL)
			die(db, err);
		connect += ms_since(start);
		start = g_get_monotonic_time();
		wrong += !classify(log, i, mailbox, k % 2 == 0);
		t[k] = ms_since(start);
		if (!kept)
			g_clear_pointer(&log, ndr_sentlog_close);
	}
	ndr_sentlog_close(log);
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("lookups of %ld classifications: p50 %.3f ms, p99 %.3f ms, "
	       "max %.3f ms; opening %.3f ms on average; %ld wrong\n",
	       n, t[n / 2], t[n * 99 / 100], t[n - 1], connect / (double)n,
	       wrong);
	g_free(t);
	return wrong != 0;
}

typedef struct writer {
	const char *db;
	int no;
	double seconds;
	long done;
} writer;

static gpointer
write_loop(gpointer data)
{
	writer *w = data;
	char *mailbox = g_strdup_printf("w%03d", w->no), *mid;
	ndr_sentlog_settings set = {.mailbox = mailbox};
	GPtrArray *to = g_ptr_array_new();
	ndr_sent s = {.from = "bench@example.org", .subject = "bench",
	              .to = to};
	ndr_sentlog *log;
	GError *err = NULL;
	gboolean added;
	gint64 end;

	log = ndr_sentlog_open_with(w->db, &set, FALSE, &err);
	if (log == NULL)
		die(w->db, err);
	g_ptr_array_add(to, "a@example.net");
	g_ptr_array_add(to, "b@example.net");
	end = g_get_monotonic_time() + (gint64)(w->seconds * G_USEC_PER_SEC);
	while (g_get_monotonic_time() < end) {
		mid = g_strdup_printf("%ld.%d.%u@bench.example.org", w->done,
		                      w->no, g_random_int());
		s.message_id = mid;
		s.date = END - w->done;
		if (!ndr_sentlog_add(log, &s, &added, &err))
			die("record", err);
		g_free(mid);
		w->done++;
	}
	ndr_sentlog_close(log);
	g_ptr_array_unref(to);
	g_free(mailbox);
	return NULL;
}

static int
write_bench(const char *db, int threads, double seconds)
{
	writer *w = g_new0(writer, threads);
	GThread **t = g_new(GThread *, threads);
	long total = 0;
	int k;

	for (k = 0; k < threads; k++) {
		w[k] = (writer){.db = db, .no = k, .seconds = seconds};
		t[k] = g_thread_new("writer", write_loop, &w[k]);
	}
	for (k = 0; k < threads; k++) {
		g_thread_join(t[k]);
		total += w[k].done;
	}
	printf("%d writers: %ld records in %.0f s, %.0f records/s\n", threads,
	       total, seconds, (double)total / seconds);
	g_free(w);
	g_free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	if ((argc == 6 || argc == 7) && g_str_equal(argv[1], "lookup"))
		return lookup(argv[2], atol(argv[3]), atol(argv[4]),
		              atol(argv[5]), argc == 7 ? atol(argv[6]) : -1,
		              FALSE);
	if (argc == 7 && g_str_equal(argv[1], "kept"))
		return lookup(argv[2], atol(argv[3]), atol(argv[4]),
		              atol(argv[5]), atol(argv[6]), TRUE);
	if (argc == 5 && g_str_equal(argv[1], "write"))
		return write_bench(argv[2], atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: pg-lookup lookup DB MAILBOXES PER N [MAILBOX]\n"
	                "       pg-lookup kept DB MAILBOXES PER N MAILBOX\n"
	                "       pg-lookup write DB THREADS SECONDS\n");
	return 64;
}
