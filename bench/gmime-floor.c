/*
 * gmime-floor.c - the least work ndrcheck can do with a bounce: parse it
 * once with GMime 3, as the library does (ndr_message_parse()), and free
 * the parse.  bench/scan builds it to show what a bounce costs before
 * any of ndrcheck's own reading; a measurement, not a test.
 *
 * Usage: gmime-floor FILE... ; prints messages and CPU seconds, best of
 * five passes over the files (read into memory first).
 */
#include <stdio.h>
#include <time.h>

#include "input.h"
#include "message.h"

static double
cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	GPtrArray *msgs = g_ptr_array_new();
	ndrcheck_message *m;
	double best = -1, t;
	int i, pass;
	guint j;

	for (i = 1; i < argc; i++)
		if (ndrcheck_message_open_file(&m, argv[i]) == NDRCHECK_OK)
			g_ptr_array_add(msgs, m);
	ndr_gmime_init();
	for (pass = 0; pass < 5; pass++) {
		t = cpu_seconds();
		for (j = 0; j < msgs->len; j++)
			g_object_unref(ndr_message_parse(msgs->pdata[j]));
		t = cpu_seconds() - t;
		if (best < 0 || t < best)
			best = t;
	}
	printf("%u %.6f\n", msgs->len, best);
	return 0;
}
