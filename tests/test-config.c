/*
 * test-config.c - ndrcheck(1) FILES: where the sent log, the config and the
 * rules are, in a full and in a delivery agent's bare environment, and
 * the config file's keys and errors.
 */
#include <sys/types.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "tmptree.h"

typedef struct fixture {
	char *home;
	ndr_config cfg;
} fixture;

/* A bare environment: HOME only, as procmail or Dovecot give it. */
static void
setup(fixture *fx)
{
	fx->home = tmptree_new();
	g_setenv("HOME", fx->home, TRUE);
	g_unsetenv("XDG_DATA_HOME");
	g_unsetenv("XDG_CONFIG_HOME");
	g_unsetenv("NDRCHECK_DB");
	memset(&fx->cfg, 0, sizeof(fx->cfg));
}

static void
teardown(fixture *fx)
{
	ndr_config_clear(&fx->cfg);
	tmptree_free(fx->home);
}

static void
load(fixture *fx, const ndrcheck_options *opts)
{
	GError *err = NULL;

	ndr_config_clear(&fx->cfg);
	g_assert_true(ndr_config_load(&fx->cfg, opts, &err));
	g_assert_no_error(err);
}

/* Load must fail as a usage error whose message names want. */
static void
load_fails(fixture *fx, const ndrcheck_options *opts, const char *want)
{
	GError *err = NULL;

	ndr_config_clear(&fx->cfg);
	g_assert_false(ndr_config_load(&fx->cfg, opts, &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_EUSAGE);
	if (strstr(err->message, want) == NULL)
		g_error("\"%s\" does not say \"%s\"", err->message, want);
	g_error_free(err);
}

static char *
write_config(fixture *fx, const char *text)
{
	char *dir = g_build_filename(fx->home, ".config", "ndrcheck", NULL);
	char *path = g_build_filename(dir, "config", NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(dir);
	return path;
}

static void
assert_path(const char *got, const char *home, const char *rel)
{
	char *want = g_build_filename(home, rel, NULL);

	g_assert_cmpstr(got, ==, want);
	g_free(want);
}

static void
test_defaults(void)
{
	fixture fx;
	char *rules = realpath(NDR_SRCDIR "/rules", NULL);

	setup(&fx);
	load(&fx, NULL);
	assert_path(fx.cfg.db_path, fx.home, ".local/share/ndrcheck/sent.db");
	g_assert_cmpint(fx.cfg.window_days, ==, 30);
	g_assert_null(fx.cfg.sent_folders);
	g_assert_null(fx.cfg.relays);
	/* Run from the build tree: the source tree's rules, no user ones. */
	g_assert_nonnull(rules);
	g_assert_cmpstr(fx.cfg.rules_dirs[0], ==, rules);
	g_assert_null(fx.cfg.rules_dirs[1]);
	free(rules);

	/* XDG_DATA_HOME when absolute; a relative one is ignored. */
	g_setenv("XDG_DATA_HOME", "/srv/data", TRUE);
	load(&fx, NULL);
	g_assert_cmpstr(fx.cfg.db_path, ==, "/srv/data/ndrcheck/sent.db");
	g_setenv("XDG_DATA_HOME", "data", TRUE);
	load(&fx, NULL);
	assert_path(fx.cfg.db_path, fx.home, ".local/share/ndrcheck/sent.db");
	teardown(&fx);
}

/* No HOME at all: the password file's home directory. */
static void
test_no_home(void)
{
	struct passwd *pw = getpwuid(getuid());
	fixture fx;

	setup(&fx);
	g_unsetenv("HOME");
	g_assert_nonnull(pw);
	load(&fx, NULL);
	assert_path(fx.cfg.db_path, pw->pw_dir,
	            ".local/share/ndrcheck/sent.db");
	teardown(&fx);
}

/* --db, else $NDRCHECK_DB, else config db, else the default. */
static void
test_db_order(void)
{
	ndrcheck_options opts = {0};
	fixture fx;

	setup(&fx);
	g_free(write_config(&fx, "[ndrcheck]\ndb = ~/mail/sent.db\n"));
	load(&fx, &opts);
	assert_path(fx.cfg.db_path, fx.home, "mail/sent.db");
	g_setenv("NDRCHECK_DB", "/var/lib/env.db", TRUE);
	load(&fx, &opts);
	g_assert_cmpstr(fx.cfg.db_path, ==, "/var/lib/env.db");
	opts.db_path = "/tmp/option.db";
	load(&fx, &opts);
	g_assert_cmpstr(fx.cfg.db_path, ==, "/tmp/option.db");
	teardown(&fx);
}

static void
test_keys(void)
{
	ndrcheck_options opts = {0};
	fixture fx;
	char *path;

	setup(&fx);
	path = write_config(
	    &fx, "# my ndrcheck\n[ndrcheck]\n"
	         "sent = ~/Maildir/.Sent;/var/mail/jan-sent;\n"
	         "relays = Smtp.Example.org; 192.0.2.25\n"
	         "addresses = Jan@Example.org;jan.de.vries@example.org\n"
	         "window = 14\n");
	load(&fx, NULL);
	g_assert_cmpuint(g_strv_length(fx.cfg.sent_folders), ==, 2);
	assert_path(fx.cfg.sent_folders[0], fx.home, "Maildir/.Sent");
	g_assert_cmpstr(fx.cfg.sent_folders[1], ==, "/var/mail/jan-sent");
	g_assert_cmpstr(fx.cfg.relays[0], ==, "smtp.example.org");
	g_assert_cmpstr(fx.cfg.relays[1], ==, "192.0.2.25");
	g_assert_cmpstr(fx.cfg.addresses[0], ==, "jan@example.org");
	g_assert_cmpint(fx.cfg.window_days, ==, 14);

	/* The same file named by --config, from elsewhere. */
	opts.config_path = path;
	g_setenv("XDG_CONFIG_HOME", "/nonexistent", TRUE);
	load(&fx, &opts);
	g_assert_cmpint(fx.cfg.window_days, ==, 14);
	/* Without --config, a missing default file is fine. */
	load(&fx, NULL);
	g_assert_cmpint(fx.cfg.window_days, ==, 30);
	g_free(path);
	teardown(&fx);
}

/* Errors say the file and the line. */
static void
test_errors(void)
{
	ndrcheck_options opts = {.config_path = "/nonexistent/ndrcheck.conf"};
	fixture fx;
	char *path;

	setup(&fx);
	load_fails(&fx, &opts, "/nonexistent/ndrcheck.conf");
	path = write_config(&fx, "[ndrcheck]\ndb = x.db\nthis is no key\n");
	load_fails(&fx, NULL, "line 3");
	g_free(path);
	path = write_config(&fx, "[ndrcheck]\n\n  windw = 3\n");
	load_fails(&fx, NULL, ", line 3: unknown key \"windw\"");
	g_free(path);
	path = write_config(&fx, "[ndrcheck]\nwindow = 3 days\n");
	load_fails(&fx, NULL, ", line 2: window must be");
	g_free(path);
	path = write_config(&fx, "[ndrcheck]\nwindow = 0\n");
	load_fails(&fx, NULL, "line 2");
	g_free(path);
	path = write_config(&fx, "[ndrcheck]\nwindow=3\n[rules]\nx=1\n");
	load_fails(&fx, NULL, ", line 3: unknown group [rules]");
	g_assert_true(g_str_has_prefix(path, fx.home));
	g_free(path);
	teardown(&fx);
}

/*
 * A value that is not UTF-8 (a Latin-1 path) is an error naming the file
 * and the line, not a key silently left out; UTF-8 paths are read.
 */
static void
test_not_utf8(void)
{
	fixture fx;
	char *path, *want;

	setup(&fx);
	path = write_config(&fx, "[ndrcheck]\nwindow = 7\n"
	                         "sent = ~/Mail/caf\xe9/Sent\n");
	load_fails(&fx, NULL, ", line 3: the value of \"sent\" is not UTF-8");
	load_fails(&fx, NULL, path);
	g_free(path);
	path =
	    write_config(&fx, "[ndrcheck]\naddresses = jos\xe9@example.org\n");
	load_fails(&fx, NULL, ", line 2: the value of \"addresses\"");
	g_free(path);
	path =
	    write_config(&fx, "[ndrcheck]\nsent = ~/Mail/caf\xc3\xa9/Sent\n");
	load(&fx, NULL);
	want = g_build_filename(fx.home, "Mail/caf\xc3\xa9/Sent", NULL);
	g_assert_cmpstr(fx.cfg.sent_folders[0], ==, want);
	g_free(want);
	g_free(path);
	teardown(&fx);
}

/* --rules replaces both; else the user's rules.d follows the built-in. */
static void
test_rules(void)
{
	ndrcheck_options opts = {.rules_dir = "/opt/rules"};
	fixture fx;
	char *user;

	setup(&fx);
	user = g_build_filename(fx.home, ".config/ndrcheck/rules.d", NULL);
	g_assert_cmpint(g_mkdir_with_parents(user, 0700), ==, 0);
	load(&fx, NULL);
	g_assert_cmpuint(g_strv_length(fx.cfg.rules_dirs), ==, 2);
	g_assert_cmpstr(fx.cfg.rules_dirs[1], ==, user);
	load(&fx, &opts);
	g_assert_cmpuint(g_strv_length(fx.cfg.rules_dirs), ==, 1);
	g_assert_cmpstr(fx.cfg.rules_dirs[0], ==, "/opt/rules");
	g_free(user);
	teardown(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/no-home", test_no_home);
	g_test_add_func("/config/db-order", test_db_order);
	g_test_add_func("/config/keys", test_keys);
	g_test_add_func("/config/errors", test_errors);
	g_test_add_func("/config/rules", test_rules);
	g_test_add_func("/config/not-utf8", test_not_utf8);
	return g_test_run();
}
