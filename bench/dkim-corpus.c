/*
 * dkim-corpus.c - what the bounces of a corpus return of the original's
 * header block: the figures behind the rule that a complete block
 * without our signature is evidence (ndrcheck.conf(5) dkim_domains).
 * bench/dkim-corpus builds and runs it; a measurement, not a test.
 *
 * Usage: dkim-corpus FILE... ; prints one line per bounce:
 *   FILE <TAB> DKIM-Signature fields returned <TAB> complete (1/0) for
 *   the returned From's domain <TAB> why not ("-" when complete)
 */
#include <stdio.h>
#include <string.h>

#include "dkim.h"
#include "result.h"

static void
report(const char *path, const ndr_findings *f)
{
	const ndr_original *o = f->original;
	const char *at =
	    o != NULL && o->from != NULL ? strrchr(o->from, '@') : NULL;
	char *cut = ndr_dkim_block_cut(f, at != NULL ? at + 1 : "");
	GString *block = o != NULL ? o->header_block : NULL;
	guint sigs = 0;
	const char *p;

	for (p = block != NULL ? block->str : NULL; p != NULL;
	     p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		sigs += g_ascii_strncasecmp(p, "DKIM-Signature:", 15) == 0;
	printf("%s\t%u\t%d\t%s\n", path, sigs, cut == NULL,
	       cut != NULL ? cut : "-");
	g_free(cut);
}

int
main(int argc, char **argv)
{
	ndrcheck_options opts = {.read_only = 1, .no_sync = 1};
	ndrcheck_result *r;
	ndrcheck *h;
	int i;

	if (ndrcheck_open(&h, &opts) != NDRCHECK_OK) {
		fprintf(stderr, "dkim-corpus: %s\n", ndrcheck_error(h));
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (ndrcheck_classify_file(h, argv[i], &r) != NDRCHECK_OK) {
			fprintf(stderr, "dkim-corpus: %s: %s\n", argv[i],
			        ndrcheck_error(h));
			continue;
		}
		if (r->findings->kind != NDRCHECK_KIND_NONE)
			report(argv[i], r->findings);
		ndrcheck_result_free(r);
	}
	ndrcheck_close(h);
	return 0;
}
