/*
 * ndrcheck.c - main(): the process set-up every command needs, and the
 * choice of sub-command by its name (commands.h).
 *
 * The first word, after any of the options every command has (--db,
 * --config, --rules), selects the sub-command it names; anything else is
 * the classify command's (so a message file called "record" is given as
 * ./record).
 */
#include <signal.h>
#include <string.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
    {"record", cmd_record},
    {"import", cmd_import},
    {"scan", cmd_scan},
    {"init-db", cmd_init_db},
    {"prune", cmd_prune},
    {"status", cmd_status},
};

/*
 * Stderr is one line at most (it lands in the MTA's log): GLib's and
 * GMime's own warnings about odd mail stay quiet unless asked for with
 * G_MESSAGES_DEBUG.
 */
static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
             gpointer data)
{
	if (g_getenv("G_MESSAGES_DEBUG") != NULL)
		return g_log_writer_default(level, fields, n, data);
	return G_LOG_WRITER_HANDLED;
}

int
main(int argc, char **argv)
{
	char *name;
	size_t i;

	/* A reader that went away is EPIPE from write(2), handled there. */
	signal(SIGPIPE, SIG_IGN);
	g_log_set_writer_func(quiet_writer, NULL, NULL);
	common_take_leading(&argc, &argv);
	for (i = 0; argc > 1 && i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* "Usage: ndrcheck record ..." in --help and errors. */
		name = g_strconcat("ndrcheck ", commands[i].name, NULL);
		g_set_prgname(name);
		g_free(name);
		return commands[i].run(argc - 1, argv + 1);
	}
	g_set_prgname("ndrcheck");
	return cmd_classify(argc, argv);
}
