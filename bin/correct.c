/*
 * correct.c - `ndrcheck record --original [FILE...]`, `--corrections`
 * and `--undo MESSAGE-ID`: correct a verdict the user found wrong, list
 * the corrections and undo one (lib/correct.h does the work).
 */
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "correct.h"

/* Correct the verdict on one bounce (path NULL: stdin); the status. */
static int
correct_one(ndrcheck *h, const char *path)
{
	const char *name = path != NULL ? path : "stdin";
	ndrcheck_message *m;
	ndrcheck_result *r = NULL;
	char *id = NULL, *line;
	int rc;

	rc = path != NULL ? ndrcheck_message_open_file(&m, path)
	                  : ndrcheck_message_read_fd(&m, STDIN_FILENO, 0);
	if (rc != NDRCHECK_OK) {
		common_error("%s", ndrcheck_message_error());
		return rc;
	}
	rc = ndrcheck_classify(h, m, &r);
	if (rc == NDRCHECK_OK)
		rc = ndr_correct(h, r, &id);
	if (rc != NDRCHECK_OK)
		common_error("%s: %s", name, ndrcheck_error(h));
	else if (id != NULL)
		line = g_strdup_printf("%s: %s recorded as sent; undo with "
		                       "ndrcheck record --undo '%s'\n",
		                       name, id, id);
	else
		line = g_strdup_printf("%s: its original is in the sent log "
		                       "already; nothing recorded\n",
		                       name);
	if (rc == NDRCHECK_OK) {
		rc = common_print(line);
		g_free(line);
	}
	g_free(id);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	return rc;
}

static int
list(ndrcheck *h)
{
	GPtrArray *lines;
	int rc = ndr_correct_list(h, &lines);
	guint i;

	if (rc != NDRCHECK_OK)
		common_error("%s", ndrcheck_error(h));
	for (i = 0; rc == NDRCHECK_OK && i < lines->len; i++) {
		char *line = g_strconcat(lines->pdata[i], "\n", NULL);

		rc = common_print(line);
		g_free(line);
	}
	g_ptr_array_unref(lines);
	return rc;
}

gboolean
correction_asked(const correction_args *a)
{
	return a->original || a->listing || a->undo != NULL;
}

int
record_correction(const ndrcheck_options *opts, const correction_args *a,
                  int argc, char **argv)
{
	ndrcheck *h;
	int i, rc, worst = NDRCHECK_OK;

	if (a->original + a->listing + (a->undo != NULL) + a->copy > 1 ||
	    (!a->original && argc > 1)) {
		common_error("record: give one of -p, --original [FILE...], "
		             "--corrections and --undo MESSAGE-ID");
		return NDRCHECK_EUSAGE;
	}
	if ((rc = common_open(&h, opts)) != NDRCHECK_OK)
		return rc;
	if (a->listing) {
		worst = list(h);
	} else if (a->undo != NULL) {
		worst = ndr_correct_undo(h, a->undo);
		if (worst != NDRCHECK_OK)
			common_error("%s", ndrcheck_error(h));
	} else if (argc < 2) {
		worst = correct_one(h, NULL);
	}
	for (i = 1; a->original && i < argc; i++) {
		rc = correct_one(h, argv[i]);
		worst = MAX(worst, rc);
	}
	ndrcheck_close(h);
	return worst;
}
