/*
 * record.c - `ndrcheck record [FILE...]` and `ndrcheck import PATH...`:
 * fill the sent log (ndrcheck(1) OPTIONS).
 *
 * record takes outgoing messages one at a time, as a delivery agent or
 * an MTA hands them over (stdin when no FILE is named); with -p it is a
 * filter that copies each message to stdout, and like classify's -p the
 * mail always flows: a message that could not be recorded is still
 * written, with a warning, and 0 means it was.  import takes whole
 * folders, mbox files and MTA logs.  Both go on past a failed input and
 * report the first failure in their one line on stderr, with its status.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

/* The first failure of many inputs, and how many more there were. */
typedef struct failures {
	int rc;
	char *first;
	unsigned more;
} failures;

static void
failed(failures *f, int rc, const char *what, const char *why)
{
	f->rc = MAX(f->rc, rc); /* 75 outweighs 64 */
	if (f->first != NULL) {
		f->more++;
		return;
	}
	f->first = g_strdup_printf("%s: %s", what, why);
}

/* Say the first failure, once; return the exit status. */
static int
report(failures *f)
{
	if (f->first == NULL)
		return NDRCHECK_OK;
	if (f->more > 0)
		common_error("%s (and %u more failed)", f->first, f->more);
	else
		common_error("%s", f->first);
	g_free(f->first);
	return f->rc;
}

static GOptionContext *
context(const char *params, const char *summary, ndrcheck_options *opts)
{
	GOptionContext *ctx = g_option_context_new(params);

	g_option_context_set_summary(ctx, summary);
	g_option_context_set_main_group(ctx, common_option_group(opts));
	return ctx;
}

/* Record one message (h NULL: the handle could not be opened), and copy it. */
static void
record_one(ndrcheck *h, const char *path, gboolean copy, failures *f)
{
	const char *name = path != NULL ? path : "stdin";
	ndrcheck_message *m;
	int rc;

	rc = path != NULL ? ndrcheck_message_open_file(&m, path)
	                  : ndrcheck_message_read_fd(&m, STDIN_FILENO, copy);
	if (rc != NDRCHECK_OK) {
		failed(f, rc, name, ndrcheck_message_error());
		return;
	}
	if (h != NULL && (rc = ndrcheck_record(h, m)) != NDRCHECK_OK)
		failed(f, copy ? NDRCHECK_OK : rc, name, ndrcheck_error(h));
	if (copy &&
	    ndrcheck_message_copy(m, STDOUT_FILENO) != NDRCHECK_OK) {
		/* Lost output outweighs a failure to record: say this. */
		g_clear_pointer(&f->first, g_free);
		failed(f, NDRCHECK_ETEMP, "cannot write the message to stdout",
		       g_strerror(errno));
	}
	ndrcheck_message_free(m);
}

int
cmd_record(int argc, char **argv)
{
	gboolean copy = FALSE;
	correction_args corr = {0};
	const GOptionEntry entries[] = {
	    {"passthrough", 'p', 0, G_OPTION_ARG_NONE, &copy,
	     "Copy each message to stdout", NULL},
	    {"original", 0, 0, G_OPTION_ARG_NONE, &corr.original,
	     "Each FILE is a bounce wrongly called backscatter: record its "
	     "original as sent",
	     NULL},
	    {"corrections", 0, 0, G_OPTION_ARG_NONE, &corr.listing,
	     "List the corrections --original made", NULL},
	    {"undo", 0, 0, G_OPTION_ARG_STRING, &corr.undo,
	     "Undo the correction of MESSAGE-ID", "MESSAGE-ID"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};
	ndrcheck_options opts = {0};
	failures f = {0};
	GOptionContext *ctx;
	ndrcheck *h = NULL;
	gboolean ok;
	int i, rc;

	ctx = context("[FILE...] - add outgoing messages to the sent log",
	              "Records Message-ID, Date, From, recipients and Subject "
	              "of each message\n(stdin when no FILE is given).",
	              &opts);
	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = common_parse(ctx, &argc, &argv);
	g_option_context_free(ctx);
	if (!ok) {
		common_drain_stdin();
		return NDRCHECK_EUSAGE;
	}
	if (correction_asked(&corr)) {
		corr.copy = copy;
		rc = record_correction(&opts, &corr, argc, argv);
		g_free(corr.undo);
		return rc;
	}
	rc = ndrcheck_open(&h, &opts);
	if (rc != NDRCHECK_OK) {
		failed(&f, copy ? NDRCHECK_OK : rc, "cannot record",
		       ndrcheck_error(h));
		ndrcheck_close(h);
		h = NULL;
	}
	if (argc < 2)
		record_one(h, NULL, copy, &f);
	for (i = 1; i < argc; i++)
		record_one(h, argv[i], copy, &f);
	ndrcheck_close(h);
	return report(&f);
}

int
cmd_import(int argc, char **argv)
{
	ndrcheck_options opts = {0};
	unsigned long added;
	failures f = {0};
	GOptionContext *ctx;
	ndrcheck *h;
	char *line;
	int i, rc, status;
	gboolean ok;

	ctx = context("PATH... - add the sent mail of folders and logs to "
	              "the sent log",
	              "PATH is a Maildir folder, an mbox file, or a Postfix, "
	              "Exim or Sendmail log.\nA second import of the same PATH "
	              "adds only what is new.",
	              &opts);
	ok = common_parse(ctx, &argc, &argv);
	g_option_context_free(ctx);
	if (!ok)
		return NDRCHECK_EUSAGE;
	if (argc < 2) {
		common_error("import: name at least one Maildir, mbox file or "
		             "MTA log");
		return NDRCHECK_EUSAGE;
	}
	if ((rc = common_open(&h, &opts)) != NDRCHECK_OK)
		return rc;
	for (i = 1; i < argc && rc == NDRCHECK_OK; i++) {
		added = 0;
		status = ndrcheck_import(h, argv[i], &added);
		if (status != NDRCHECK_OK) {
			failed(&f, status, argv[i], ndrcheck_error(h));
			continue;
		}
		line =
		    g_strdup_printf("%s: %lu messages added\n", argv[i], added);
		rc = common_print(line);
		g_free(line);
	}
	ndrcheck_close(h);
	if (rc == NDRCHECK_OK)
		return report(&f);
	g_free(f.first); /* common_print said why: one line only */
	return rc;
}
