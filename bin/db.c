/*
 * db.c - `ndrcheck init-db` and `ndrcheck prune`: look after the sent
 * log itself, whichever backend holds it.
 *
 * init-db creates the sent log (an SQLite file, or the tables of a
 * PostgreSQL database, as a role allowed to create them) or brings its
 * schema up to date, so that deliveries can run as roles that may not.
 * prune removes the records older than the config's "keep" days; every
 * recording prunes so as it goes, prune is for a cron job.
 */
#include "commands.h"

/* Parse the common options alone; FALSE after a usage error. */
static gboolean
parse(const char *params, const char *summary, ndrcheck_options *opts,
      int *argc, char ***argv)
{
	GOptionContext *ctx = g_option_context_new(params);
	gboolean ok;

	g_option_context_set_summary(ctx, summary);
	g_option_context_set_main_group(ctx, common_option_group(opts));
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
	           &opts, &argc, &argv))
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
	           &opts, &argc, &argv))
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
