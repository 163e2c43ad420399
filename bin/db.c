/*
 * db.c - `ndrcheck init-db`, `ndrcheck prune` and `ndrcheck status`: look
 * after the sent log itself, whichever backend holds it.
 *
 * init-db creates the sent log (an SQLite file, or the tables of a
 * PostgreSQL database, as a role allowed to create them) or brings its
 * schema up to date, so that deliveries can run as roles that may not.
 * prune removes the records older than the config's "keep" days; every
 * recording prunes so as it goes, prune is for a cron job.  status says
 * what a classification would work with, as lines or as JSON.
 */
#include "commands.h"

/* Parse the common options and entries; FALSE after a usage error. */
static gboolean
parse(const char *params, const char *summary, const GOptionEntry *entries,
      ndrcheck_options *opts, int *argc, char ***argv)
{
	GOptionContext *ctx = g_option_context_new(params);
	gboolean ok;

	g_option_context_set_summary(ctx, summary);
	g_option_context_set_main_group(ctx, common_option_group(opts));
	if (entries != NULL)
		g_option_context_add_main_entries(ctx, entries, NULL);
	ok = common_parse(ctx, argc, argv);
	g_option_context_free(ctx);
	if (ok && *argc > 1) {
		common_error("%s takes no arguments", g_get_prgname());
		ok = FALSE;
	}
	return ok;
}

int
cmd_init_db(int argc, char **argv)
{
	ndrcheck_options opts = {0};
	ndrcheck *h;
	int rc;

	if (!parse("- create the sent log, or upgrade its schema",
	           "Creates the SQLite file, or the tables of the PostgreSQL "
	           "database, that --db,\n$NDRCHECK_DB or config \"db\" "
	           "names.",
	           NULL, &opts, &argc, &argv))
		return NDRCHECK_EUSAGE;
	if ((rc = common_open(&h, &opts)) != NDRCHECK_OK)
		return rc;
	rc = ndrcheck_init_db(h);
	if (rc != NDRCHECK_OK)
		common_error("%s", ndrcheck_error(h));
	ndrcheck_close(h);
	return rc;
}

int
cmd_prune(int argc, char **argv)
{
	ndrcheck_options opts = {0};
	unsigned long removed;
	ndrcheck *h;
	char *line;
	int rc;

	if (!parse("- remove what the config's \"keep\" no longer keeps",
	           "Removes the records older than \"keep\" days; the sent "
	           "log no longer covers that\nperiod.",
	           NULL, &opts, &argc, &argv))
		return NDRCHECK_EUSAGE;
	if ((rc = common_open(&h, &opts)) != NDRCHECK_OK)
		return rc;
	rc = ndrcheck_prune(h, &removed);
	if (rc == NDRCHECK_OK) {
		line = g_strdup_printf("pruned %lu messages\n", removed);
		rc = common_print(line);
		g_free(line);
	} else {
		common_error("%s", ndrcheck_error(h));
	}
	ndrcheck_close(h);
	return rc;
}

int
cmd_status(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {{"json", 0, 0, G_OPTION_ARG_NONE, &json,
	                                 "Print one JSON object", NULL},
	                                {NULL, 0, 0, 0, NULL, NULL, NULL}};
	ndrcheck_options opts = {.read_only = 1, .no_sync = 1};
	ndrcheck *h;
	char *text, *line;
	int rc;

	if (!parse("- what the sent log and the rules are now",
	           "Where the sent log is, its backend, records, what it "
	           "covers and its sources;\nthe rules and their cache.  "
	           "Reads only: creates and syncs nothing.",
	           entries, &opts, &argc, &argv))
		return NDRCHECK_EUSAGE;
	if ((rc = common_open(&h, &opts)) != NDRCHECK_OK)
		return rc;
	rc = ndrcheck_status(h, json, &text);
	if (rc == NDRCHECK_OK) {
		line = json ? g_strconcat(text, "\n", NULL) : g_strdup(text);
		rc = common_print(line);
		g_free(line);
		free(text);
	} else {
		common_error("%s", ndrcheck_error(h));
	}
	ndrcheck_close(h);
	return rc;
}
