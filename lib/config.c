/*
 * config.c - find the sent log, the rules and the config file, and read
 * the config file (see config.h, ndrcheck.conf(5)).
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "config.h"
#include "error.h"
#include "ndrlimits.h"

#define GROUP "ndrcheck"
/* A window longer than this is surely a typo (days). */
#define NDR_MAX_WINDOW_DAYS 3650
/* Retention (config keep) longer than this is surely a typo (days). */
#define NDR_MAX_KEEP_DAYS 36500
/* Parent folders of the running binary searched for the source tree. */
#define NDR_SOURCE_TREE_DEPTH 3

static const char *const known_keys[] = {
    "db",           "sent",      "relays",
    "addresses",    "window",    "sync_budget",
    "mailbox",      "hash_key",  "keep",
    "dkim_domains", "dkim_keys", "dkim_nameserver",
    "batv_key",     NULL};

/*
 * The home directory: HOME, else the password file (delivery agents may
 * pass no environment at all).  Read on every call rather than through
 * g_get_home_dir(), which caches the first answer for the process.
 */
static char *
home_dir(void)
{
	const char *home = g_getenv("HOME");
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (home != NULL && g_path_is_absolute(home))
		return g_strdup(home);
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) == 0 &&
	    found != NULL && g_path_is_absolute(found->pw_dir))
		return g_strdup(found->pw_dir);
	return g_strdup("/");
}

gboolean
ndr_config_holds_home(const char *dir)
{
	char *home = home_dir(), *h = g_canonicalize_filename(home, "/"),
	     *d = g_canonicalize_filename(dir, "/");
	size_t n = strlen(d);
	gboolean holds = strcmp(d, "/") == 0 || (strncmp(h, d, n) == 0 &&
	                                         (h[n] == '\0' || h[n] == '/'));

	g_free(d);
	g_free(h);
	g_free(home);
	return holds;
}

gboolean
ndr_config_make_dirs(const char *dir, int mode)
{
	char *parent;
	gboolean ok;

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (ndr_config_holds_home(dir)) {
		errno = ENOENT;
		return FALSE;
	}
	parent = g_path_get_dirname(dir);
	ok = ndr_config_make_dirs(parent, mode) &&
	     (g_mkdir(dir, mode) == 0 || errno == EEXIST);
	g_free(parent);
	return ok;
}

/* $var if set to an absolute path (XDG says ignore others), else ~/dflt. */
static char *
xdg_dir(const char *var, const char *dflt)
{
	const char *v = g_getenv(var);
	char *home, *dir;

	if (v != NULL && g_path_is_absolute(v))
		return g_strdup(v);
	home = home_dir();
	dir = g_build_filename(home, dflt, NULL);
	g_free(home);
	return dir;
}

char *
ndr_config_expand(const char *path)
{
	char *home, *full;

	if (strncmp(path, "~/", 2) != 0 && strcmp(path, "~") != 0)
		return g_strdup(path);
	home = home_dir();
	full = g_build_filename(home, path + 1, NULL);
	g_free(home);
	return full;
}

/*
 * The rules/ of the source tree when the binary runs from it (bin/ndrcheck,
 * the test programs under build/, the corpus scorer), so that a build
 * uses its own rules before `make install` put them under NDR_RULES_DIR,
 * and never an older installed set.  The tree is known by
 * lib/ndrcheck.h beside rules/, which an installation prefix never has.
 */
static char *
source_rules_dir(void)
{
	char *exe, *dir, *up, *rules, *marker;
	int i;

	exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe == NULL)
		return NULL;
	dir = g_path_get_dirname(exe);
	g_free(exe);
	for (i = 0; i < NDR_SOURCE_TREE_DEPTH; i++) {
		up = g_path_get_dirname(dir);
		g_free(dir);
		dir = up;
		rules = g_build_filename(dir, "rules", NULL);
		marker = g_build_filename(dir, "lib", "ndrcheck.h", NULL);
		if (g_file_test(rules, G_FILE_TEST_IS_DIR) &&
		    g_file_test(marker, G_FILE_TEST_IS_REGULAR)) {
			g_free(marker);
			g_free(dir);
			return rules;
		}
		g_free(rules);
		g_free(marker);
	}
	g_free(dir);
	return NULL;
}

/* --rules replaces both; else the built-in set, then the user's. */
static char **
rules_dirs(const ndrcheck_options *opts)
{
	GPtrArray *dirs = g_ptr_array_new();
	char *builtin, *config, *user;

	if (opts != NULL && opts->rules_dir != NULL) {
		g_ptr_array_add(dirs, ndr_config_expand(opts->rules_dir));
	} else {
		builtin = source_rules_dir();
		g_ptr_array_add(
		    dirs, builtin != NULL ? builtin : g_strdup(NDR_RULES_DIR));
		config = xdg_dir("XDG_CONFIG_HOME", ".config");
		user = g_build_filename(config, "ndrcheck", "rules.d", NULL);
		g_free(config);
		/* The user's folder is optional: most people have none. */
		if (g_file_test(user, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(dirs, user);
		else
			g_free(user);
	}
	g_ptr_array_add(dirs, NULL);
	return (char **)g_ptr_array_free(dirs, FALSE);
}

/* Does the text of the first n lines load?  (For finding a bad line.) */
static gboolean
prefix_loads(char **lines, guint n)
{
	GKeyFile *kf = g_key_file_new();
	char *saved = lines[n], *text;
	gboolean ok;

	lines[n] = NULL;
	text = g_strjoinv("\n", lines);
	lines[n] = saved;
	ok = g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE,
	                               NULL);
	g_free(text);
	g_key_file_free(kf);
	return ok;
}

/*
 * The line GKeyFile rejects, which its messages do not number: the
 * shortest prefix of the file that fails to load ends there (GKeyFile
 * parses line by line, so failing is monotonic in the prefix length).
 */
static guint
bad_line(const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	guint lo = 1, hi = g_strv_length(lines), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (prefix_loads(lines, mid))
			lo = mid + 1;
		else
			hi = mid;
	}
	g_strfreev(lines);
	return lo;
}

/* The line of "name =" (a key) or "[name]" (a group), or 0. */
static guint
line_of(const char *text, const char *name, gboolean group)
{
	char **lines = g_strsplit(text, "\n", -1);
	size_t n = strlen(name);
	const char *p;
	guint i, found = 0;

	for (i = 0; lines[i] != NULL && found == 0; i++) {
		p = lines[i];
		while (g_ascii_isspace(*p))
			p++;
		if (group && *p == '[' && strncmp(p + 1, name, n) == 0 &&
		    p[n + 1] == ']')
			found = i + 1;
		if (!group && strncmp(p, name, n) == 0) {
			p += n;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '=')
				found = i + 1;
		}
	}
	g_strfreev(lines);
	return found;
}

/* What the config file says, and where, while it is read. */
typedef struct conf_file {
	const char *path;
	const char *text;
	GKeyFile *kf;
} conf_file;

static void conf_error(const conf_file *cf, const char *key, GError **err,
                       const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void
conf_error(const conf_file *cf, const char *key, GError **err, const char *fmt,
           ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
	            "config file %s, line %u: %s (see ndrcheck.conf(5))",
	            cf->path, line_of(cf->text, key, FALSE), what);
	g_free(what);
}

/*
 * Only [ndrcheck] and its known keys, with UTF-8 values: a typo must not
 * go unnoticed, and neither must a value GKeyFile would not return (a
 * path in Latin-1), which would leave a folder unsynced.
 */
static gboolean
check_names(const conf_file *cf, GError **err)
{
	char **groups, **keys, *value;
	gboolean ok = TRUE;
	size_t i;

	groups = g_key_file_get_groups(cf->kf, NULL);
	for (i = 0; groups[i] != NULL && ok; i++) {
		if (strcmp(groups[i], GROUP) == 0)
			continue;
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_EUSAGE,
		    "config file %s, line %u: unknown group [%s], expected "
		    "[" GROUP "] (see ndrcheck.conf(5))",
		    cf->path, line_of(cf->text, groups[i], TRUE), groups[i]);
		ok = FALSE;
	}
	g_strfreev(groups);
	keys = g_key_file_get_keys(cf->kf, GROUP, NULL, NULL);
	for (i = 0; ok && keys != NULL && keys[i] != NULL; i++) {
		value = g_key_file_get_value(cf->kf, GROUP, keys[i], NULL);
		if (!g_strv_contains(known_keys, keys[i])) {
			conf_error(cf, keys[i], err, "unknown key \"%s\"",
			           keys[i]);
			ok = FALSE;
		} else if (value != NULL && !g_utf8_validate(value, -1, NULL)) {
			conf_error(
			    cf, keys[i], err,
			    "the value of \"%s\" is not UTF-8; write the "
			    "file in UTF-8 (a path that is not: through "
			    "a symbolic link with a UTF-8 name)",
			    keys[i]);
			ok = FALSE;
		}
		g_free(value);
	}
	g_strfreev(keys);
	return ok;
}

/* A ';'-separated list: paths expanded, other values lower-cased. */
static char **
get_list(const conf_file *cf, const char *key, gboolean paths)
{
	GPtrArray *out;
	char **vals;
	size_t i;

	vals = g_key_file_get_string_list(cf->kf, GROUP, key, NULL, NULL);
	if (vals == NULL)
		return NULL;
	out = g_ptr_array_new();
	for (i = 0; vals[i] != NULL; i++) {
		g_strstrip(vals[i]);
		if (vals[i][0] == '\0')
			continue;
		g_ptr_array_add(out, paths ? ndr_config_expand(vals[i])
		                           : g_ascii_strdown(vals[i], -1));
	}
	g_strfreev(vals);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/*
 * A whole number key from 1 to max, in unit; absent leaves *out as it
 * is.  GKeyFile would take "3 days" for 3: parse strictly.
 */
static gboolean
get_number(const conf_file *cf, const char *key, int max, const char *unit,
           int *out, GError **err)
{
	char *v = g_key_file_get_string(cf->kf, GROUP, key, NULL);
	gint64 n = 0;
	gboolean ok;

	if (v == NULL)
		return TRUE;
	ok = g_ascii_string_to_signed(g_strstrip(v), 10, 1, max, &n, NULL);
	g_free(v);
	if (!ok)
		conf_error(cf, key, err,
		           "%s must be a number of %s from 1 to %d", key, unit,
		           max);
	else
		*out = (int)n;
	return ok;
}

/* A value, stripped; NULL when absent or empty. */
static char *
get_text(const conf_file *cf, const char *key)
{
	char *v = g_key_file_get_string(cf->kf, GROUP, key, NULL);

	if (v != NULL && *g_strstrip(v) == '\0')
		g_clear_pointer(&v, g_free);
	return v;
}

/* A path key, "~" expanded; NULL when absent or empty. */
static char *
get_path(const conf_file *cf, const char *key)
{
	char *v = get_text(cf, key), *path = NULL;

	if (v != NULL)
		path = ndr_config_expand(v);
	g_free(v);
	return path;
}

/* The BATV secrets of the file batv_key names: one a line. */
static gboolean
get_batv(ndr_config *cfg, const conf_file *cf, GError **err)
{
	char *path = get_path(cf, "batv_key"), *text = NULL;
	GError *e = NULL;

	if (path == NULL)
		return TRUE;
	if (!g_file_get_contents(path, &text, NULL, &e)) {
		conf_error(cf, "batv_key", err,
		           "batv_key: %s; name the file of the BATV secret, "
		           "one key a line",
		           e->message);
		g_error_free(e);
	} else if (*g_strchomp(text) == '\0') {
		conf_error(cf, "batv_key", err, "batv_key %s is empty", path);
	} else {
		cfg->batv_keys = g_strsplit(text, "\n", 10);
	}
	g_free(text);
	g_free(path);
	return cfg->batv_keys != NULL;
}

/* dkim_domains, dkim_keys (dns, or a folder of key files), batv_key. */
static gboolean
get_dkim(ndr_config *cfg, const conf_file *cf, GError **err)
{
	cfg->dkim_domains = get_list(cf, "dkim_domains", FALSE);
	cfg->dkim_key_dir = get_path(cf, "dkim_keys");
	cfg->dkim_nameserver =
	    g_key_file_get_string(cf->kf, GROUP, "dkim_nameserver", NULL);
	if (cfg->dkim_nameserver != NULL)
		g_strstrip(cfg->dkim_nameserver);
	if (cfg->dkim_key_dir != NULL &&
	    g_ascii_strcasecmp(cfg->dkim_key_dir, "dns") == 0)
		g_clear_pointer(&cfg->dkim_key_dir, g_free);
	if (cfg->dkim_key_dir != NULL &&
	    !g_file_test(cfg->dkim_key_dir, G_FILE_TEST_IS_DIR)) {
		conf_error(cf, "dkim_keys", err,
		           "dkim_keys %s: no such folder; name a folder of "
		           "SELECTOR._domainkey.DOMAIN key files, or dns",
		           cfg->dkim_key_dir);
		return FALSE;
	}
	return get_batv(cfg, cf, err);
}

static gboolean
apply(ndr_config *cfg, const conf_file *cf, char **db, GError **err)
{
	if (!check_names(cf, err) ||
	    !get_number(cf, "window", NDR_MAX_WINDOW_DAYS, "days",
	                &cfg->window_days, err) ||
	    !get_number(cf, "keep", NDR_MAX_KEEP_DAYS, "days", &cfg->keep_days,
	                err) ||
	    !get_number(cf, "sync_budget", NDR_SYNC_BUDGET_MS, "milliseconds",
	                &cfg->sync_budget_ms, err))
		return FALSE;
	*db = get_path(cf, "db");
	cfg->mailbox = get_text(cf, "mailbox");
	cfg->hash_key = get_path(cf, "hash_key");
	cfg->sent_folders = get_list(cf, "sent", TRUE);
	cfg->relays = get_list(cf, "relays", FALSE);
	cfg->addresses = get_list(cf, "addresses", FALSE);
	return get_dkim(cfg, cf, err);
}

/* Read the config file; a missing one is fine unless it was named. */
static gboolean
read_file(ndr_config *cfg, const char *path, gboolean named, char **db,
          GError **err)
{
	conf_file cf = {.path = path};
	GError *e = NULL;
	char *text;
	gsize len;
	gboolean ok;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		ok = !named &&
		     g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		if (!ok)
			g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
			            "cannot read the config file: %s",
			            e->message);
		g_error_free(e);
		return ok;
	}
	cf.text = text;
	cf.kf = g_key_file_new();
	ok = g_key_file_load_from_data(cf.kf, text, len, G_KEY_FILE_NONE, &e);
	if (!ok) {
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_EUSAGE,
		    "config file %s, line %u: %s (see ndrcheck.conf(5))", path,
		    bad_line(text), e->message);
		g_error_free(e);
	} else {
		ok = apply(cfg, &cf, db, err);
	}
	g_key_file_free(cf.kf);
	g_free(text);
	return ok;
}

gboolean
ndr_config_load(ndr_config *cfg, const ndrcheck_options *opts, GError **err)
{
	const char *env_db = g_getenv("NDRCHECK_DB");
	char *config_path, *data, *conf_db = NULL;
	gboolean named = opts != NULL && opts->config_path != NULL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->window_days = NDR_DEFAULT_WINDOW_DAYS;
	cfg->sync_budget_ms = NDR_SYNC_BUDGET_MS;
	if (named) {
		config_path = ndr_config_expand(opts->config_path);
	} else {
		data = xdg_dir("XDG_CONFIG_HOME", ".config");
		config_path =
		    g_build_filename(data, "ndrcheck", "config", NULL);
		g_free(data);
	}
	if (!read_file(cfg, config_path, named, &conf_db, err)) {
		g_free(config_path);
		ndr_config_clear(cfg);
		return FALSE;
	}
	g_free(config_path);
	if (opts != NULL && opts->db_path != NULL) {
		cfg->db_path = ndr_config_expand(opts->db_path);
	} else if (env_db != NULL && env_db[0] != '\0') {
		cfg->db_path = ndr_config_expand(env_db);
	} else if (conf_db != NULL) {
		cfg->db_path = g_steal_pointer(&conf_db);
	} else {
		data = xdg_dir("XDG_DATA_HOME", ".local/share");
		cfg->db_path =
		    g_build_filename(data, "ndrcheck", "sent.db", NULL);
		g_free(data);
	}
	g_free(conf_db);
	cfg->rules_dirs = rules_dirs(opts);
	return TRUE;
}

char *
ndr_config_cache_path(const char *name)
{
	char *dir = xdg_dir("XDG_CACHE_HOME", ".cache");
	char *path = g_build_filename(dir, "ndrcheck", name, NULL);

	g_free(dir);
	return path;
}

gboolean
ndr_config_listed(char **list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (g_ascii_strcasecmp(*list, s) == 0)
			return TRUE;
	return FALSE;
}

void
ndr_config_clear(ndr_config *cfg)
{
	g_free(cfg->db_path);
	g_free(cfg->mailbox);
	g_free(cfg->hash_key);
	g_strfreev(cfg->rules_dirs);
	g_strfreev(cfg->sent_folders);
	g_strfreev(cfg->relays);
	g_strfreev(cfg->addresses);
	g_strfreev(cfg->dkim_domains);
	g_free(cfg->dkim_key_dir);
	g_free(cfg->dkim_nameserver);
	g_strfreev(cfg->batv_keys);
	memset(cfg, 0, sizeof(*cfg));
	cfg->window_days = NDR_DEFAULT_WINDOW_DAYS;
	cfg->sync_budget_ms = NDR_SYNC_BUDGET_MS;
}
