/*
 * config.h - where things are, and the user's configuration.
 *
 * Paths follow ndrcheck(1), FILES: options, then environment, then the
 * GKeyFile config, then XDG defaults, with HOME (else the password file)
 * standing in for XDG_* in the bare environment of delivery agents.
 * The config file (ndrcheck.conf(5)) has one group, [ndrcheck], with the
 * keys db, sent, relays, addresses, window, sync_budget, mailbox,
 * hash_key, keep, dkim_domains, dkim_keys, dkim_nameserver and batv_key.
 */
#ifndef NDR_CONFIG_H
#define NDR_CONFIG_H

#include <glib.h>

#include "ndrcheck.h"

typedef struct ndr_config {
	char *db_path;
	char **rules_dirs;   /* NULL-terminated, later overrides earlier */
	char **sent_folders; /* config "sent", NULL-terminated or NULL */
	char **relays;       /* config "relays": our own MTAs */
	char **addresses;    /* config "addresses": our own addresses */
	int window_days;     /* config "window", NDR_DEFAULT_WINDOW_DAYS */
	int sync_budget_ms;  /* config "sync_budget", NDR_SYNC_BUDGET_MS */
	char *mailbox;       /* config "mailbox", or NULL: the login name */
	char *hash_key;      /* config "hash_key": the secret's file, or NULL */
	int keep_days;       /* config "keep", or 0: records kept for ever */
	char **dkim_domains; /* config "dkim_domains": domains we sign */
	char *dkim_key_dir;  /* config "dkim_keys" folder; NULL: DNS */
	char *dkim_nameserver; /* config "dkim_nameserver", or NULL */
	char **batv_keys;      /* config "batv_key" file: the BATV secret of
	                          key number 0, 1, ... a line; or NULL */
} ndr_config;

/*
 * Fill cfg from opts (which may be NULL), the environment and the config
 * file.  A missing explicit --config, a malformed file or a bad value is
 * NDRCHECK_EUSAGE naming the file and line.  cfg is left cleared on
 * failure.
 */
gboolean ndr_config_load(ndr_config *cfg, const ndrcheck_options *opts,
                         GError **err);
void ndr_config_clear(ndr_config *cfg);

/*
 * NAME in the user's cache folder: $XDG_CACHE_HOME/ndrcheck/NAME, else
 * below the home directory, ~/.cache/ndrcheck/NAME.
 */
char *ndr_config_cache_path(const char *name);

/* Whether a config list (NULL for none) holds s, compared without case. */
gboolean ndr_config_listed(char **list, const char *s);

/* "~/x" as a path below the home directory; other paths as they are. */
char *ndr_config_expand(const char *path);

/*
 * Is dir the home directory or a folder above it?  Those are never made:
 * a missing home (HOME=/nonexistent, as daemons run) is not ours to make.
 */
gboolean ndr_config_holds_home(const char *dir);
/*
 * Make dir and its missing parents with mode, but never the home
 * directory or a folder above it (FALSE, errno ENOENT, when one of those
 * is missing).  FALSE with errno set on failure.
 */
gboolean ndr_config_make_dirs(const char *dir, int mode);

#endif /* NDR_CONFIG_H */
