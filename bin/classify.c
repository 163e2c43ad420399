/*
 * classify.c - `ndrcheck [OPTIONS] [FILE]`: classify one message (ndrcheck(1)
 * DESCRIPTION and OPTIONS).
 *
 * The exit status is the answer: 0 backscatter, 1 genuine, 2 not-bounce,
 * 3 unknown (or, with --is, 0 when the verdict is one of those listed and
 * 1 otherwise), 64 usage error, 75 temporary failure.  Delivery agents
 * read "0" as "file it away", so every failure must come out non-zero,
 * and every path out of here reads the whole message first: Sieve's
 * execute aborts the user's script when a program leaves input unread.
 *
 * With -p the message itself is the output.  Agents store whatever a
 * filter that exits 0 wrote, so 0 comes only after the complete message
 * went out; when classification fails the message goes out unchanged
 * (with a warning), since the mail must flow; when writing fails, 75.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

typedef struct classify_args {
	gboolean verbose, json, passthrough, version;
	char *is;          /* --is VERDICT[,VERDICT...] */
	char *envelope_to; /* --envelope-to ADDRESS */
	guint is_set;      /* bit (1 << verdict) of each verdict --is names */
	const char *file;  /* NULL: stdin */
} classify_args;

/* The checks GOption cannot make; FALSE after printing a usage error. */
static gboolean
check_args(classify_args *a, int argc, char **argv)
{
	if (argc > 2) {
		common_error("give one message FILE, or none to read stdin "
		             "(for many messages: ndrcheck scan)");
		return FALSE;
	}
	a->file = argc == 2 && strcmp(argv[1], "-") != 0 ? argv[1] : NULL;
	if ((a->verbose != 0) + (a->json != 0) + (a->passthrough != 0) > 1) {
		common_error("-v, --json and -p all write to stdout; give one "
		             "of them");
		return FALSE;
	}
	if (a->passthrough && a->is != NULL) {
		common_error("-p exits 0 once the message is written, whatever "
		             "the verdict: it cannot go with --is");
		return FALSE;
	}
	return a->is == NULL ||
	       common_parse_verdicts("--is", a->is, &a->is_set);
}

static gboolean
parse(classify_args *a, ndrcheck_options *opts, int *argc, char ***argv)
{
	const GOptionEntry entries[] = {
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose,
	     "Print VERDICT (KIND): EVIDENCE", NULL},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &a->json,
	     "Print the result as a JSON object", NULL},
	    {"passthrough", 'p', 0, G_OPTION_ARG_NONE, &a->passthrough,
	     "Write the message with X-NDR-Verdict, X-NDR-Kind and "
	     "X-NDR-Evidence added",
	     NULL},
	    {"is", 0, 0, G_OPTION_ARG_STRING, &a->is,
	     "Exit 0 if the verdict is one of these, else 1", "VERDICT[,...]"},
	    {"envelope-to", 0, 0, G_OPTION_ARG_STRING, &a->envelope_to,
	     "The address the delivery agent delivers the message to",
	     "ADDRESS"},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &a->version,
	     "Print the version and exit", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};
	GOptionContext *ctx = g_option_context_new(
	    "[FILE] - tell genuine bounces from backscatter");
	gboolean ok;

	g_option_context_set_description(
	    ctx,
	    "Reads the message from FILE, or from stdin.\n"
	    "Exit status: 0 backscatter, 1 genuine, 2 not-bounce, 3 unknown "
	    "(with --is:\n0 listed, 1 not), 64 usage error, 75 temporary "
	    "failure.\n"
	    "Other commands: ndrcheck record [FILE...], ndrcheck import "
	    "PATH...,\nndrcheck scan PATH... (each has --help).  See "
	    "ndrcheck(1).");
	g_option_context_set_main_group(ctx, common_option_group(opts));
	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = common_parse(ctx, argc, argv) &&
	     (a->version || check_args(a, *argc, *argv));
	opts->envelope_to = a->envelope_to;
	g_option_context_free(ctx);
	return ok;
}

static int
read_message(const classify_args *a, ndrcheck_message **m)
{
	int rc;

	if (a->file == NULL)
		rc = ndrcheck_message_read_fd(m, STDIN_FILENO, a->passthrough);
	else
		rc = ndrcheck_message_open_file(m, a->file);
	if (rc != NDRCHECK_OK)
		common_error("%s", ndrcheck_message_error());
	return rc;
}

/*
 * Open the handle and classify; on failure the reason is left in *why
 * (g_free it) for the caller to print, since with -p what to print
 * depends on whether the message can still be written.
 */
static int
classify(const ndrcheck_options *opts, const ndrcheck_message *m,
         ndrcheck_result **r, char **why)
{
	ndrcheck *h;
	int rc = ndrcheck_open(&h, opts);

	*r = NULL;
	if (rc == NDRCHECK_OK)
		rc = ndrcheck_classify(h, m, r);
	if (rc != NDRCHECK_OK)
		*why = g_strdup(ndrcheck_error(h));
	ndrcheck_close(h);
	return rc;
}

static int
passthrough(const ndrcheck_message *m, const ndrcheck_result *r,
            const char *why)
{
	if (ndrcheck_message_write(m, r, STDOUT_FILENO) != NDRCHECK_OK) {
		common_error("cannot write the message to stdout: %s",
		             g_strerror(errno));
		return NDRCHECK_ETEMP;
	}
	if (why != NULL)
		common_error("%s; message passed on unclassified", why);
	return NDRCHECK_OK;
}

/*
 * The -v line, with its newline.  Evidence may quote mail (a Message-ID with a
 * line break in it): the line stays one line, as scripts and Sieve's :output
 * read it.
 */
static char *
verbose_line(const ndrcheck_result *r)
{
	const char *evidence = ndrcheck_result_evidence(r, 0);
	char *line, *p;

	line = g_strdup_printf(
	    "%s (%s)%s%s\n", ndrcheck_verdict_name(ndrcheck_result_verdict(r)),
	    ndrcheck_kind_name(ndrcheck_result_kind(r)),
	    evidence != NULL ? ": " : "", evidence != NULL ? evidence : "");
	for (p = line; p[1] != '\0'; p++) {
		if (g_ascii_iscntrl(*p))
			*p = ' ';
	}
	return line;
}

/* Print what -v or --json asked for, and turn the verdict into the status. */
static int
answer(const classify_args *a, const ndrcheck_result *r)
{
	ndrcheck_verdict v = ndrcheck_result_verdict(r);
	char *out = NULL, *json;
	int rc = NDRCHECK_OK;

	if (a->json) {
		json = ndrcheck_result_json(r, NULL);
		out = g_strconcat(json, "\n", NULL);
		free(json);
	} else if (a->verbose) {
		out = verbose_line(r);
	}
	if (out != NULL)
		rc = common_print(out);
	g_free(out);
	if (rc != NDRCHECK_OK)
		return rc;
	if (a->is != NULL)
		return (a->is_set & (1u << v)) != 0 ? 0 : 1;
	return (int)v;
}

int
cmd_classify(int argc, char **argv)
{
	classify_args a = {0};
	ndrcheck_options opts = {0};
	ndrcheck_message *m = NULL;
	ndrcheck_result *r = NULL;
	char *why = NULL;
	int rc;

	if (!parse(&a, &opts, &argc, &argv)) {
		/* The message may be on stdin (no FILE seen): take it. */
		if (a.file == NULL)
			common_drain_stdin();
		rc = NDRCHECK_EUSAGE;
	} else if (a.version) {
		rc = common_print("ndrcheck " NDRCHECK_VERSION "\n");
	} else if ((rc = read_message(&a, &m)) != NDRCHECK_OK) {
		/* Read to its end or failed reading: nothing left to drain. */
	} else if ((rc = classify(&opts, m, &r, &why)) != NDRCHECK_OK &&
	           !a.passthrough) {
		common_error("%s", why);
	} else if (a.passthrough) {
		rc = passthrough(m, r, why);
	} else {
		rc = answer(&a, r);
	}
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	g_free(why);
	g_free(a.is);
	g_free(a.envelope_to);
	return rc;
}
