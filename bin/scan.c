/*
 * scan.c - `ndrcheck scan`: classify every message of Maildirs, Maildir++
 * trees, mbox files and folders of message files (ndrcheck(1) "scan").
 *
 * The engine (walking, worker threads, order, moving) is lib/scan.c;
 * this file parses the options and prints: one line per message in input
 * order on stdout, VERDICT<TAB>KIND<TAB>PATH (a fourth field says where
 * --move-to put the message) or JSON lines with "file"; a progress bar
 * on stderr when it is a terminal; a summary on stderr at the end.
 *
 * Exit status (the mblaze and cat(1) convention): 0 when every message
 * was read (and, with --move-to, every backscatter message moved); 1 when
 * some file could not be read or vanished, or some message could not be
 * moved, each said in one line on stderr and skipped; 64 for a usage
 * error; 75 when the sent log or the output failed (a reader that went
 * away, as head(1) does, ends the scan quietly by SIGPIPE instead, as it
 * ends cat(1)).  The verdicts are in
 * the output, not in the status.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ndrlimits.h"
#include "progress.h"
#include "scan.h"

#define N_VERDICTS (NDRCHECK_UNKNOWN + 1)
#define N_KINDS    (NDRCHECK_KIND_FEEDBACK + 1)
typedef struct printer {
	gboolean json;
	guint only;       /* bit (1 << verdict) of each verdict printed */
	progress *bar;    /* NULL unless stderr is a terminal */
	gboolean tty_out; /* stdout is a terminal too: clear the bar first */
	guint64 messages, skipped, moved, unmoved, kept;
	guint64 verdicts[N_VERDICTS];
	guint64 kinds[N_KINDS];
	gint64 start;    /* monotonic time, microseconds */
	int write_errno; /* why stdout failed, or 0 */
} printer;

static double
rate(const printer *pr, gint64 now)
{
	return now > pr->start ? pr->messages * 1e6 / (now - pr->start) : 0;
}

static void G_GNUC_PRINTF(2, 3) warn(printer *pr, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	progress_clear(pr->bar);
	common_error("scan: %s", msg);
	g_free(msg);
}

/* The JSON object of ndrcheck(1), with "moved_to" when it moved. */
static void
print_json(const ndr_scan_entry *e)
{
	char *json, *end, *dest;
	JsonNode *node;

	json = ndrcheck_result_json(e->result, e->file);
	end = strrchr(json, '}');
	if (e->moved_to == NULL || end == NULL) {
		printf("%s\n", json);
	} else {
		node = json_node_init_string(json_node_alloc(), e->moved_to);
		dest = json_to_string(node, FALSE);
		printf("%.*s,\"moved_to\":%s}\n", (int)(end - json), json,
		       dest);
		g_free(dest);
		json_node_unref(node);
	}
	free(json);
}

static void
print_text(const ndr_scan_entry *e)
{
	printf("%s\t%s\t%s",
	       ndrcheck_verdict_name(ndrcheck_result_verdict(e->result)),
	       ndrcheck_kind_name(ndrcheck_result_kind(e->result)), e->file);
	if (e->moved_to != NULL)
		printf("\t%s", e->moved_to);
	putchar('\n');
}

/* One message, in input order; FALSE (stop) once stdout fails. */
static gboolean
print_entry(const ndr_scan_entry *e, void *arg)
{
	printer *pr = arg;
	ndrcheck_verdict v;

	pr->messages++;
	if (e->result == NULL) {
		pr->skipped++;
		warn(pr, "%s", e->error);
		return TRUE;
	}
	v = ndrcheck_result_verdict(e->result);
	pr->verdicts[v]++;
	pr->kinds[ndrcheck_result_kind(e->result)]++;
	pr->moved += e->moved_to != NULL;
	pr->kept += e->kept;
	if (e->error != NULL) {
		pr->unmoved++;
		warn(pr, "%s", e->error);
	}
	if (pr->only == 0 || (pr->only & (1u << v)) != 0) {
		if (pr->tty_out)
			progress_clear(pr->bar);
		if (pr->json)
			print_json(e);
		else
			print_text(e);
	}
	progress_update(pr->bar, pr->messages,
	                pr->verdicts[NDRCHECK_BACKSCATTER]);
	if (ferror(stdout) && pr->write_errno == 0)
		pr->write_errno = errno;
	return pr->write_errno == 0;
}

/* "name count, ..." for the non-zero counts. */
static void
append_counts(GString *s, const guint64 *counts, int n,
              const char *(*name)(int))
{
	const char *sep = "";
	int i;

	for (i = 0; i < n; i++) {
		if (counts[i] == 0)
			continue;
		g_string_append_printf(s, "%s%s %" G_GUINT64_FORMAT, sep,
		                       name(i), counts[i]);
		sep = ", ";
	}
}

static const char *
verdict_name(int v)
{
	return ndrcheck_verdict_name((ndrcheck_verdict)v);
}

static const char *
kind_name(int k)
{
	return ndrcheck_kind_name((ndrcheck_kind)k);
}

static void
summary(printer *pr, const char *move_to, gboolean dry_run)
{
	gint64 now = g_get_monotonic_time();
	GString *s = g_string_new(NULL);

	progress_clear(pr->bar);
	g_string_printf(s,
	                "ndrcheck scan: %" G_GUINT64_FORMAT
	                " messages in %.2f s "
	                "(%.0f/s): ",
	                pr->messages, (now - pr->start) / 1e6, rate(pr, now));
	append_counts(s, pr->verdicts, N_VERDICTS, verdict_name);
	g_string_append(s, "\nndrcheck scan: kinds: ");
	append_counts(s, pr->kinds, N_KINDS, kind_name);
	if (pr->skipped > 0)
		g_string_append_printf(s,
		                       "\nndrcheck scan: %" G_GUINT64_FORMAT
		                       " not read (see above)",
		                       pr->skipped);
	if (move_to != NULL)
		g_string_append_printf(
		    s, "\nndrcheck scan: %s %" G_GUINT64_FORMAT " to %s",
		    dry_run ? "would move" : "moved", pr->moved, move_to);
	if (pr->unmoved > 0)
		g_string_append_printf(
		    s, ", %" G_GUINT64_FORMAT " not (see above)", pr->unmoved);
	if (pr->kept > 0)
		g_string_append_printf(s,
		                       ", %" G_GUINT64_FORMAT
		                       " left in Sent, Drafts, Trash or Junk",
		                       pr->kept);
	fprintf(stderr, "%s\n", s->str);
	g_string_free(s, TRUE);
}

typedef struct scan_args {
	gboolean json, dry_run, quiet, all_folders;
	char *only, *move_to, *since;
	char **exclude;
	gint jobs;
} scan_args;

/*
 * --since DATE: an ISO 8601 date (local midnight) or date and time (local
 * unless it names its zone), as date(1) -I prints them.
 */
static gboolean
parse_since(const char *text, gint64 *since)
{
	GDateTime *t = NULL;
	GTimeZone *local;
	int y, m, d, end = 0;

	if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &end) == 3 &&
	    text[end] == '\0' &&
	    g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		t = g_date_time_new_local(y, m, d, 0, 0, 0);
	else {
		local = g_time_zone_new_local();
		t = g_date_time_new_from_iso8601(text, local);
		g_time_zone_unref(local);
	}
	if (t == NULL) {
		common_error("scan: --since %s: give a date as 2026-11-20 or "
		             "2026-11-20T08:00:00",
		             text);
		return FALSE;
	}
	*since = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return TRUE;
}

/*
 * GOption takes a short option's value only from the next argument, so
 * "-j1" would be refused where every Unix tool (make, xargs) takes it:
 * split "-jN" into "-j" "N" before parsing, up to "--".  The new vector
 * lives as long as the process, as argv does (held here, not leaked).
 */
static void
split_jobs(int *argc, char ***argv)
{
	static char **split;
	GPtrArray *out = g_ptr_array_new();
	gboolean options = TRUE;
	int i;

	for (i = 0; i < *argc; i++) {
		const char *arg = (*argv)[i];

		if (strcmp(arg, "--") == 0)
			options = FALSE;
		if (options && i > 0 && strncmp(arg, "-j", 2) == 0 &&
		    arg[2] != '\0') {
			g_ptr_array_add(out, "-j");
			arg += 2;
		}
		g_ptr_array_add(out, (char *)arg);
	}
	*argc = (int)out->len;
	g_ptr_array_add(out, NULL);
	g_free(split);
	*argv = split = (char **)g_ptr_array_free(out, FALSE);
}

/* Parse argv into a, p and pr; FALSE after a usage error was printed. */
static gboolean
parse(int *argc, char ***argv, scan_args *a, ndr_scan_params *p, printer *pr)
{
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &a->json,
	     "Print JSON lines (ndrcheck(1) JSON OUTPUT, with \"file\")", NULL},
	    {"only", 0, 0, G_OPTION_ARG_STRING, &a->only,
	     "Print only messages with these verdicts", "VERDICT[,...]"},
	    {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs,
	     "Classify with N threads (default: every core)", "N"},
	    {"move-to", 0, 0, G_OPTION_ARG_FILENAME, &a->move_to,
	     "Move backscatter into this Maildir folder", "FOLDER"},
	    {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &a->dry_run,
	     "With --move-to: say what would move, move nothing", NULL},
	    {"all-folders", 0, 0, G_OPTION_ARG_NONE, &a->all_folders,
	     "Scan Sent, Drafts, Trash and Junk folders too (never moving "
	     "out of them)",
	     NULL},
	    {"exclude", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->exclude,
	     "Leave out files and folders matching GLOB (on the name; on the "
	     "path if GLOB has a /)",
	     "GLOB"},
	    {"since", 0, 0, G_OPTION_ARG_STRING, &a->since,
	     "Only message files modified since DATE (ISO 8601)", "DATE"},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
	     "No progress bar and no summary on stderr", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};
	GOptionContext *ctx;
	gboolean ok;

	ctx = g_option_context_new("PATH... - classify every message of "
	                           "Maildirs, mbox files and folders");
	g_option_context_set_description(
	    ctx,
	    "PATH is a Maildir (with its Maildir++ folders), an mbox file, a "
	    "folder of message\nfiles or a message file; - reads a list of "
	    "paths from stdin (mlist, find).\nExit status: 0 every message "
	    "read, 1 some could not be read or moved,\n64 usage error, 75 "
	    "sent log or output failure.");
	g_option_context_set_main_group(ctx, common_option_group(&p->open));
	g_option_context_add_main_entries(ctx, entries, NULL);
	split_jobs(argc, argv);
	ok = common_parse(ctx, argc, argv);
	g_option_context_free(ctx);
	if (!ok ||
	    (a->only != NULL &&
	     !common_parse_verdicts("scan: --only", a->only, &pr->only)) ||
	    (a->since != NULL && !parse_since(a->since, &p->since)))
		return FALSE;
	if (*argc < 2)
		common_error("scan: name at least one PATH, or - to read paths "
		             "from stdin");
	else if (a->jobs < 1 || a->jobs > NDR_SCAN_MAX_JOBS)
		common_error("scan: --jobs %d: give a number from 1 to %d",
		             a->jobs, NDR_SCAN_MAX_JOBS);
	else if (a->dry_run && a->move_to == NULL)
		common_error("scan: --dry-run goes with --move-to FOLDER");
	else
		return TRUE;
	return FALSE;
}

/*
 * The reader of stdout went away (`ndrcheck scan ... | head`): a normal
 * end for a filter.  End as cat(1) and grep(1) do, quietly, killed by
 * SIGPIPE (the shell's status 141), which main() ignores so that every
 * other command sees EPIPE as a write error instead.
 */
static void
reader_gone(printer *pr)
{
	progress_clear(pr->bar);
	fflush(stderr);
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
}

int
cmd_scan(int argc, char **argv)
{
	scan_args a = {
	    .jobs = (gint)MIN(g_get_num_processors(), NDR_SCAN_MAX_JOBS)};
	ndr_scan_params p = {0};
	printer pr = {0};
	GError *err = NULL;
	int rc;

	if (!parse(&argc, &argv, &a, &p, &pr)) {
		rc = NDRCHECK_EUSAGE;
		goto out;
	}
	p.jobs = (unsigned)a.jobs;
	p.move_to = a.move_to;
	p.dry_run = a.dry_run;
	p.all_folders = a.all_folders;
	p.exclude = a.exclude;
	p.fn = print_entry;
	p.arg = &pr;
	pr.json = a.json;
	pr.bar = a.quiet ? NULL : progress_new(&p, argv + 1);
	pr.tty_out = isatty(STDOUT_FILENO);
	pr.start = g_get_monotonic_time();
	rc = ndr_scan_run(&p, argv + 1, &err);
	if ((fflush(stdout) != 0 || ferror(stdout)) && pr.write_errno == 0)
		pr.write_errno = errno;
	if (pr.write_errno == EPIPE)
		reader_gone(&pr);
	if (pr.write_errno != 0) {
		warn(&pr, "cannot write the output: %s",
		     g_strerror(pr.write_errno));
		rc = NDRCHECK_ETEMP;
	} else if (rc != NDRCHECK_OK) {
		warn(&pr, "%s", err->message);
	} else {
		if (!a.quiet)
			summary(&pr, a.move_to, a.dry_run);
		rc = pr.skipped > 0 || pr.unmoved > 0;
	}
out:
	progress_free(pr.bar);
	g_clear_error(&err);
	g_free(a.only);
	g_free(a.move_to);
	g_free(a.since);
	g_strfreev(a.exclude);
	return rc;
}
