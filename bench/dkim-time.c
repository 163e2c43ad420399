/*
 * dkim-time.c - the wall time of one classification, for bench/dkim: a
 * measurement, not a test.
 *
 * Usage: dkim-time CONFIG DB FILE N ; classifies FILE N times (after a
 * few unmeasured runs) with one handle and prints the mean in
 * microseconds and the verdict.
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "ndrcheck.h"

#define WARM_UP 5

int
main(int argc, char **argv)
{
	ndrcheck_options opts = {.read_only = 1, .no_sync = 1};
	ndrcheck_message *m;
	ndrcheck_result *r = NULL;
	ndrcheck *h;
	gint64 start = 0;
	long i, n;

	if (argc != 5 || (n = atol(argv[4])) <= 0) {
		fprintf(stderr, "usage: dkim-time CONFIG DB FILE N\n");
		return 64;
	}
	opts.config_path = argv[1];
	opts.db_path = argv[2];
	if (ndrcheck_open(&h, &opts) != NDRCHECK_OK ||
	    ndrcheck_message_open_file(&m, argv[3]) != NDRCHECK_OK) {
		fprintf(stderr, "dkim-time: %s\n", ndrcheck_error(h));
		return 1;
	}
	for (i = -WARM_UP; i < n; i++) {
		if (i == 0)
			start = g_get_monotonic_time();
		ndrcheck_result_free(r);
		if (ndrcheck_classify(h, m, &r) != NDRCHECK_OK) {
			fprintf(stderr, "dkim-time: %s\n", ndrcheck_error(h));
			return 1;
		}
	}
	printf("%.1f %s\n", (double)(g_get_monotonic_time() - start) / n,
	       ndrcheck_verdict_name(ndrcheck_result_verdict(r)));
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	ndrcheck_close(h);
	return 0;
}
