/*
 * commands.h - the sub-commands of ndrcheck(1), one file each.
 *
 * main() (ndrcheck.c) picks the sub-command from argv[1]; each returns
 * the process exit status.  Options common to all of them, and opening
 * the library handle, are in common.c.
 */
#ifndef NDR_COMMANDS_H
#define NDR_COMMANDS_H

#include <glib.h>

#include "ndrcheck.h"

int cmd_classify(int argc, char **argv); /* classify.c */
int cmd_record(int argc, char **argv);	  /* record.c */
int cmd_import(int argc, char **argv);	  /* record.c */
int cmd_scan(int argc, char **argv);	  /* scan.c */
int cmd_init_db(int argc, char **argv);	  /* db.c */
int cmd_prune(int argc, char **argv);	  /* db.c */
int cmd_status(int argc, char **argv);	  /* db.c */

/* What record's options ask of the corrections of wrong verdicts. */
typedef struct correction_args {
	gboolean original; /* --original: correct these bounces */
	gboolean listing;  /* --corrections: list them */
	char *undo;        /* --undo MESSAGE-ID */
	gboolean copy;     /* -p, which goes with none of them */
} correction_args;

/* Whether any was asked for (correct.c). */
gboolean correction_asked(const correction_args *a);
/* Do what was asked, for FILE... argv[1..]; the exit status. */
int record_correction(const ndrcheck_options *opts, const correction_args *a,
                      int argc, char **argv);

/* --db, --config, --rules, filled into opts (common.c). */
GOptionGroup *common_option_group(ndrcheck_options *opts);
/*
 * Open the handle; on failure print one line to stderr and return the
 * exit status (64 or 75), else NDRCHECK_OK.
 */
int common_open(ndrcheck **h, const ndrcheck_options *opts);
/*
 * Take the common options that come before the first word of argv (the
 * sub-command's name: `ndrcheck --db F record msg`) out of it; the
 * command's own parse then finds their values.  Other options stay for
 * the command, and so does the whole of argv when these are wrong, so
 * that the command's parse says why.
 */
void common_take_leading(int *argc, char ***argv);
/* Parse argv with ctx, printing a usage error; FALSE means exit 64. */
gboolean common_parse(GOptionContext *ctx, int *argc, char ***argv);
/* Print "ndrcheck: MESSAGE" as one line on stderr. */
void common_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/*
 * Write text to stdout and flush it; on failure say so in one line and
 * return NDRCHECK_ETEMP, else NDRCHECK_OK.
 */
int common_print(const char *text);
/*
 * Read stdin to its end unless it is a terminal: after a usage error,
 * so that the delivery agent feeding the message sees it taken.
 */
void common_drain_stdin(void);
/*
 * A comma-separated list of verdict names (--is, --only) as a set of
 * bits 1 << verdict, added to *set; FALSE after saying which name of
 * the option is wrong.
 */
gboolean common_parse_verdicts(const char *option, const char *list,
                               guint *set);

#endif /* NDR_COMMANDS_H */
