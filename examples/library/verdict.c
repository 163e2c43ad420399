/*
 * verdict.c - print the verdict of each message file named, with its
 * strongest evidence.  Build: cc verdict.c $(pkg-config --cflags --libs
 * ndrcheck)
 */
#include <stdio.h>

#include <ndrcheck.h>

int
main(int argc, char **argv)
{
	ndrcheck *h;
	ndrcheck_result *r;
	const char *why;
	int i, rc;

	/* NULL options: the config and sent log the command would use. */
	rc = ndrcheck_open(&h, NULL);
	for (i = 1; i < argc && rc == NDRCHECK_OK; i++) {
		rc = ndrcheck_classify_file(h, argv[i], &r);
		if (rc != NDRCHECK_OK)
			break;
		why = ndrcheck_result_evidence(r, 0);
		printf("%s\t%s\t%s\n", argv[i],
		    ndrcheck_verdict_name(ndrcheck_result_verdict(r)),
		    why != NULL ? why : "");
		ndrcheck_result_free(r);
	}
	if (rc != NDRCHECK_OK)
		fprintf(stderr, "verdict: %s\n", ndrcheck_error(h));
	ndrcheck_close(h);
	return rc;
}
