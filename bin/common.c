/*
 * common.c - what every sub-command shares: the --db, --config and
 * --rules options, parsing the command line, opening the handle, and
 * the one line on stderr that says what went wrong.
 *
 * Delivery agents put a filter's stderr into the MTA's log or into a
 * deferral notice, so every complaint is one line, prefixed with the
 * program's name, whatever the library's message looked like.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

/*
 * What GOption parsed.  It lives as long as the process, not as long as
 * the option context: sub-commands free the context right after parsing
 * and keep using the paths.
 */
static struct {
	char *db, *config, *rules;
} parsed;

static gboolean
copy_parsed(GOptionContext *ctx, GOptionGroup *group, gpointer data,
            GError **err)
{
	ndrcheck_options *opts = data;

	if (parsed.db != NULL)
		opts->db_path = parsed.db;
	if (parsed.config != NULL)
		opts->config_path = parsed.config;
	if (parsed.rules != NULL)
		opts->rules_dir = parsed.rules;
	return TRUE;
}

GOptionGroup *
common_option_group(ndrcheck_options *opts)
{
	static const GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &parsed.db,
	     "Sent log (default: $NDRCHECK_DB, config \"db\", "
	     "~/.local/share/ndrcheck/sent.db)",
	     "FILE"},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &parsed.config,
	     "Configuration file (default: ~/.config/ndrcheck/config)", "FILE"},
	    {"rules", 0, 0, G_OPTION_ARG_FILENAME, &parsed.rules,
	     "Use only the rule files of DIR", "DIR"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};
	GOptionGroup *g;

	g = g_option_group_new("common", "Options of every command:",
	                       "Show the options of every command", opts, NULL);
	g_option_group_add_entries(g, entries);
	g_option_group_set_parse_hooks(g, NULL, copy_parsed);
	return g;
}

void
common_take_leading(int *argc, char ***argv)
{
	ndrcheck_options unused = {0};
	GOptionContext *ctx = g_option_context_new(NULL);
	/* Parsed in a copy: argv stays whole when the options are wrong. */
	char **args = g_memdup2(*argv, sizeof(char *) * (size_t)(*argc + 1));
	int n = *argc;

	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_set_ignore_unknown_options(ctx, TRUE);
	g_option_context_set_strict_posix(ctx, TRUE);
	g_option_context_set_main_group(ctx, common_option_group(&unused));
	if (g_option_context_parse(ctx, &n, &args, NULL)) {
		memcpy(*argv, args, sizeof(char *) * (size_t)(n + 1));
		*argc = n;
	}
	g_free(args);
	g_option_context_free(ctx);
}

void
common_error(const char *fmt, ...)
{
	va_list ap;
	char *msg, *p;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* One line, whatever the message: it may quote mail or a file. */
	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	fprintf(stderr, "ndrcheck: %s\n", msg);
	g_free(msg);
}

gboolean
common_parse(GOptionContext *ctx, int *argc, char ***argv)
{
	GError *err = NULL;

	if (g_option_context_parse(ctx, argc, argv, &err))
		return TRUE;
	common_error("%s; see ndrcheck --help", err->message);
	g_error_free(err);
	return FALSE;
}

int
common_open(ndrcheck **h, const ndrcheck_options *opts)
{
	int rc = ndrcheck_open(h, opts);

	if (rc == NDRCHECK_OK)
		return rc;
	common_error("%s", ndrcheck_error(*h));
	ndrcheck_close(*h);
	*h = NULL;
	return rc;
}

int
common_print(const char *text)
{
	if (fputs(text, stdout) != EOF && fflush(stdout) == 0)
		return NDRCHECK_OK;
	common_error("cannot write to standard output: %s", g_strerror(errno));
	return NDRCHECK_ETEMP;
}

void
common_drain_stdin(void)
{
	ndrcheck_message *m;

	if (isatty(STDIN_FILENO))
		return;
	if (ndrcheck_message_read_fd(&m, STDIN_FILENO, 0) == NDRCHECK_OK)
		ndrcheck_message_free(m);
}

gboolean
common_parse_verdicts(const char *option, const char *list, guint *set)
{
	char **names = g_strsplit(list, ",", -1);
	ndrcheck_verdict v;
	gboolean ok = TRUE;
	int i;

	for (i = 0; ok && names[i] != NULL; i++) {
		ok = ndrcheck_verdict_from_name(g_strstrip(names[i]), &v) == 0;
		if (ok)
			*set |= 1u << v;
		else
			common_error(
			    "%s: unknown verdict '%s'; use backscatter, "
			    "genuine, not-bounce or unknown",
			    option, names[i]);
	}
	if (ok && names[0] == NULL) {
		common_error("%s: name at least one verdict", option);
		ok = FALSE;
	}
	g_strfreev(names);
	return ok;
}
