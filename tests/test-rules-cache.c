/*
 * test-rules-cache.c - the file of compiled built-in rules
 * (rulecache.h): written by the first process that compiles, decoded by
 * the next ones class by class, ignored and rewritten when the rules
 * changed, and ignored without harm when damaged, not the user's own,
 * or impossible to write; found under ~/.cache without XDG_CACHE_HOME.
 * Every test has its own XDG_CACHE_HOME.
 */
#include <sys/stat.h>

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "rulefile.h"
#include "rules.h"
#include "tmptree.h"

/* Every class the library reads (rulefile.c). */
#define all_classes ndr_rule_classes

static guint
n_classes(void)
{
	return g_strv_length((char **)ndr_rule_classes);
}

/* The classes an ordinary message meets (ndr_detect_suspect()'s). */
static const char *const header_classes[] = {
    "bounce",       "bounce-subject", "auto-reply", "challenge",
    "virus-notice", "feedback",       "suspect",    NULL,
};

/* A real bounce whose prose the text classes read. */
#define BOUNCE                                                                 \
	NDR_SRCDIR "/testdata/set-of-emails/maildir/bsd/lhost-exim-01.eml"

/* The folder of a test: its cache goes below it. */
typedef struct fixture {
	char *dir;
	char *cache; /* the file, $XDG_CACHE_HOME/ndrcheck/rules.pcre2 */
} fixture;

static void
fixture_set_up(fixture *f, gconstpointer data)
{
	char *xdg;

	f->dir = tmptree_new();
	xdg = g_build_filename(f->dir, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", xdg, TRUE);
	f->cache = g_build_filename(xdg, "ndrcheck", "rules.pcre2", NULL);
	g_free(xdg);
}

static void
fixture_tear_down(fixture *f, gconstpointer data)
{
	tmptree_free(f->dir);
	g_free(f->cache);
}

/* Use (and so make ready) every class of list; how many there are. */
static guint
touch(const ndr_rules *r, const char *const *list)
{
	ndr_rule_match m;
	guint n = 0;

	for (; *list != NULL; list++) {
		ndr_rules_match(r, *list, "", 0, 0, &m);
		n += ndr_rules_count(r, *list) > 0;
	}
	return n;
}

static ndr_rules *
load_shipped(void)
{
	const char *dirs[] = {NDR_SRCDIR "/rules", NULL};
	GError *err = NULL;
	ndr_rules *r = ndr_rules_load_builtin(dirs, &err);

	g_assert_no_error(err);
	return r;
}

/*
 * What the text classes find in the real bounce, as one string: the
 * recipients with their addresses, the status and the reasons.
 */
static char *
findings(const ndr_rules *r)
{
	GString *out = g_string_new(NULL);
	GPtrArray *labels = g_ptr_array_new();
	ndr_rule_match m;
	char *text, *addr;
	size_t at = 0;
	gsize len;
	guint i;

	g_assert_true(g_file_get_contents(BOUNCE, &text, &len, NULL));
	while (ndr_rules_find(r, "recipient", text, len, at, &m)) {
		addr = ndr_rule_group(&m, "addr");
		g_string_append_printf(out, "%s %s %zu;", m.label, addr,
		                       m.start);
		g_free(addr);
		at = m.end;
	}
	if (ndr_rules_find(r, "status", text, len, 0, &m))
		g_string_append_printf(out, "status at %zu;", m.start);
	ndr_rules_labels(r, "reason-phrase", text, len, labels);
	for (i = 0; i < labels->len; i++)
		g_string_append_printf(out, "%s,",
		                       (char *)g_ptr_array_index(labels, i));
	g_ptr_array_free(labels, TRUE);
	g_free(text);
	return g_string_free(out, FALSE);
}

/*
 * The first process writes the file (mode 0600 in a folder of mode
 * 0700); the next decodes only the classes it uses, and the decoded
 * codes find what compiled ones find.
 */
static void
test_written_then_used(fixture *f, gconstpointer data)
{
	const char *dirs[] = {NDR_SRCDIR "/rules", NULL};
	ndr_rules *r = load_shipped(), *eager;
	char *compiled, *decoded, *dir;
	GStatBuf st;
	guint classes;

	g_assert_false(g_file_test(f->cache, G_FILE_TEST_EXISTS));
	touch(r, header_classes);
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 0);
	compiled = findings(r);
	ndr_rules_free(r);
	g_assert_cmpint(g_lstat(f->cache, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	dir = g_path_get_dirname(f->cache);
	g_assert_cmpint(g_stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_free(dir);

	r = load_shipped();
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 0);
	classes = touch(r, header_classes);
	g_assert_cmpuint(classes, ==, 7);
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, classes);
	classes = touch(r, all_classes);
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, classes);
	decoded = findings(r);
	g_assert_cmpstr(decoded, ==, compiled);
	g_assert_nonnull(strstr(decoded, "@"));
	ndr_rules_free(r);

	/* The same as a --rules folder, compiled at load, finds. */
	eager = ndr_rules_load(dirs, NULL);
	g_free(decoded);
	decoded = findings(eager);
	g_assert_cmpstr(decoded, ==, compiled);
	ndr_rules_free(eager);
	g_free(compiled);
	g_free(decoded);
}

/* Write a rules folder name holding name.rules with text. */
static char *
rules_dir(const fixture *f, const char *name, const char *text)
{
	char *dir = g_build_filename(f->dir, name, NULL);
	char *file = g_strconcat(name, ".rules", NULL);
	char *path = g_build_filename(dir, file, NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
	g_free(file);
	return dir;
}

static ndr_rules *
load_dirs(const char *builtin, const char *user)
{
	const char *dirs[] = {builtin, user, NULL};
	GError *err = NULL;
	ndr_rules *r = ndr_rules_load_builtin(dirs, &err);

	g_assert_no_error(err);
	return r;
}

/* Does a rule of class cls match s, and with which label? */
static const char *
label_of(const ndr_rules *r, const char *cls, const char *s)
{
	ndr_rule_match m;

	return ndr_rules_match(r, cls, s, strlen(s), 0, &m) ? m.label : NULL;
}

/*
 * One pattern changed: its class is compiled from the new text, the
 * other class still decoded, and the file rewritten for the next.
 */
static void
test_stale(fixture *f, gconstpointer data)
{
	char *dir = rules_dir(f, "rules",
	                      "[ndr-text]\nfirst alpha\n"
	                      "last gamma\n"
	                      "[separator]\nsep ^--$\n");
	ndr_rules *r = load_dirs(dir, NULL);

	touch(r, all_classes);
	ndr_rules_free(r);
	g_free(rules_dir(f, "rules",
	                 "[ndr-text]\nfirst alpha\n"
	                 "last delta\n"
	                 "[separator]\nsep ^--$\n"));
	r = load_dirs(dir, NULL);
	g_assert_cmpstr(label_of(r, "separator", "--"), ==, "sep");
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 1);
	g_assert_cmpstr(label_of(r, "ndr-text", "delta"), ==, "last");
	g_assert_null(label_of(r, "ndr-text", "gamma"));
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 1);
	ndr_rules_free(r);
	r = load_dirs(dir, NULL);
	g_assert_cmpuint(touch(r, all_classes), ==, 2);
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 2);
	g_assert_cmpstr(label_of(r, "ndr-text", "delta"), ==, "last");
	ndr_rules_free(r);
	g_free(dir);
}

/*
 * A user's rules are compiled at load and never cached; in a class
 * with built-in rules they keep their place after the decoded ones.
 */
static void
test_user_rules(fixture *f, gconstpointer data)
{
	char *builtin = rules_dir(f, "builtin", "[ndr-text]\nfirst alpha\n");
	char *user = rules_dir(f, "user",
	                       "[ndr-text]\nmine al\n"
	                       "[separator]\nsep ^--$\n");
	const char *dirs[] = {user, NULL};
	ndr_rules *r = ndr_rules_load(dirs, NULL);

	touch(r, all_classes);
	ndr_rules_free(r);
	g_assert_false(g_file_test(f->cache, G_FILE_TEST_EXISTS));
	r = load_dirs(builtin, user);
	touch(r, all_classes);
	ndr_rules_free(r);
	g_assert_true(g_file_test(f->cache, G_FILE_TEST_EXISTS));
	r = load_dirs(builtin, user);
	g_assert_cmpstr(label_of(r, "ndr-text", "alpha"), ==, "first");
	g_assert_cmpstr(label_of(r, "ndr-text", "al"), ==, "mine");
	g_assert_cmpstr(label_of(r, "separator", "--"), ==, "sep");
	g_assert_cmpuint(ndr_rules_cached_classes(r), ==, 1);
	ndr_rules_free(r);
	g_free(builtin);
	g_free(user);
}

/* Load the shipped rules, use them all; how many classes were decoded. */
static guint
decoded_classes(void)
{
	ndr_rules *r = load_shipped();
	char *found;
	guint n;

	touch(r, all_classes);
	found = findings(r);
	g_assert_nonnull(strstr(found, "@"));
	g_free(found);
	n = ndr_rules_cached_classes(r);
	ndr_rules_free(r);
	return n;
}

/* Replace the file by bytes (mode 0600), as a damage would leave it. */
static void
damage(const fixture *f, const char *bytes, gsize len)
{
	g_unlink(f->cache);
	g_assert_true(g_file_set_contents(f->cache, bytes, len, NULL));
	g_assert_cmpint(g_chmod(f->cache, 0600), ==, 0);
}

/*
 * A damaged file is ignored (nothing decoded, every class compiled)
 * and written anew; one damaged class alone is compiled, the others
 * still decoded.
 */
static void
test_damaged(fixture *f, gconstpointer data)
{
	static const guint32 pcre2_magic = 0x50523253u; /* "PR2S" */
	guint32 all = decoded_classes(), huge = G_MAXUINT32;
	char *good, *bad;
	guchar *blob;
	gsize len;

	g_assert_cmpuint(all, ==, 0);
	all = decoded_classes();
	g_assert_cmpuint(all, ==, n_classes());
	g_assert_true(g_file_get_contents(f->cache, &good, &len, NULL));
	bad = g_memdup2(good, len);

	damage(f, good, len / 2); /* truncated */
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, all);
	damage(f, good, len - 1);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	damage(f, "", 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	bad[0] ^= 1; /* the magic */
	damage(f, bad, len);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	memcpy(bad, good, len);
	bad[12] ^= 1; /* the compile options */
	damage(f, bad, len);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	memcpy(bad, good, len);
	/* The number of classes, after the version string. */
	memcpy(bad + 16 + (guchar)good[16] + 4, &huge, sizeof(huge));
	damage(f, bad, len);
	g_assert_cmpuint(decoded_classes(), ==, 0);

	/* The PCRE2 version in the first class's serialized codes. */
	memcpy(bad, good, len);
	blob = memmem(bad, len, &pcre2_magic, sizeof(pcre2_magic));
	g_assert_nonnull(blob);
	blob[4] ^= 0x7f;
	damage(f, bad, len);
	g_assert_cmpuint(decoded_classes(), ==, all - 1);
	g_assert_cmpuint(decoded_classes(), ==, all);
	g_free(good);
	g_free(bad);
}

/*
 * A file that is not the user's own is not read: a symbolic link, one
 * others may write, one of another user, a FIFO (which must not hang
 * the process).  It is replaced by a file of the user's.
 */
static void
test_untrusted(fixture *f, gconstpointer data)
{
	char *real = g_build_filename(f->dir, "real.pcre2", NULL);
	GStatBuf st;

	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpint(g_rename(f->cache, real), ==, 0);
	g_assert_cmpint(symlink(real, f->cache), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpint(g_lstat(f->cache, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpuint(decoded_classes(), ==, n_classes());

	g_assert_cmpint(g_chmod(f->cache, 0620), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, n_classes());

	g_unlink(f->cache);
	g_assert_cmpint(mkfifo(f->cache, 0600), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, n_classes());

	if (geteuid() == 0) {
		g_assert_cmpint(chown(f->cache, 65534, 65534), ==, 0);
		g_assert_cmpuint(decoded_classes(), ==, 0);
		g_assert_cmpuint(decoded_classes(), ==, n_classes());
	} else {
		g_test_message("not root: a file of another user not tried");
	}
	g_free(real);
}

/*
 * No cache can be written (the folder would be below a regular file,
 * or is another user's): the rules work all the same, compiled.
 */
static void
test_unwritable(fixture *f, gconstpointer data)
{
	char *file = g_build_filename(f->dir, "file", NULL);
	char *below = g_build_filename(file, "cache", NULL);
	char *dir = g_build_filename(f->dir, "ndrcheck", NULL);

	g_assert_true(g_file_set_contents(file, "", 0, NULL));
	g_setenv("XDG_CACHE_HOME", below, TRUE);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);

	g_setenv("XDG_CACHE_HOME", f->dir, TRUE);
	g_assert_cmpint(g_chmod(f->dir, 0770), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_free(file);
	g_free(below);
	g_free(dir);
}

/*
 * Without XDG_CACHE_HOME (or with a relative one, which the XDG
 * specification says to ignore) the file is under ~/.cache, HOME
 * naming the home directory.
 */
static void
test_home(fixture *f, gconstpointer data)
{
	char *home = g_build_filename(f->dir, "home", NULL);
	char *file =
	    g_build_filename(home, ".cache", "ndrcheck", "rules.pcre2", NULL);
	char *old = g_strdup(g_getenv("HOME"));

	g_assert_cmpint(g_mkdir(home, 0700), ==, 0);
	g_setenv("HOME", home, TRUE);
	g_unsetenv("XDG_CACHE_HOME");
	g_assert_cmpuint(decoded_classes(), ==, 0);
	g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	g_setenv("XDG_CACHE_HOME", "relative/cache", TRUE);
	g_assert_cmpuint(decoded_classes(), ==, n_classes());
	g_assert_false(g_file_test(f->cache, G_FILE_TEST_EXISTS));
	if (old != NULL)
		g_setenv("HOME", old, TRUE);
	else
		g_unsetenv("HOME");
	g_free(old);
	g_free(file);
	g_free(home);
}

typedef struct job {
	const ndr_rules *rules;
	guint first; /* the class it starts with */
	char *found;
} job;

/* Use every class, from the first-th on, then read the bounce. */
static gpointer
use_all(gpointer p)
{
	job *j = p;
	guint n = g_strv_length((char **)all_classes), i;
	ndr_rule_match m;

	for (i = 0; i < n; i++)
		ndr_rules_match(j->rules, all_classes[(j->first + i) % n], "",
		                0, 0, &m);
	j->found = findings(j->rules);
	return NULL;
}

/*
 * Threads using the classes in different orders while one of them
 * writes the file (then while they decode it) all find the same.
 */
static void
test_threads(fixture *f, gconstpointer data)
{
	GThread *t[4];
	job jobs[4];
	ndr_rules *r;
	int round, i;

	for (round = 0; round < 2; round++) {
		r = load_shipped();
		for (i = 0; i < 4; i++) {
			jobs[i] = (job){r, 5 * i, NULL};
			t[i] = g_thread_new("use", use_all, &jobs[i]);
		}
		for (i = 0; i < 4; i++)
			g_thread_join(t[i]);
		for (i = 1; i < 4; i++)
			g_assert_cmpstr(jobs[i].found, ==, jobs[0].found);
		for (i = 0; i < 4; i++)
			g_free(jobs[i].found);
		g_assert_cmpuint(ndr_rules_cached_classes(r), ==,
		                 round == 0 ? 0 : n_classes());
		ndr_rules_free(r);
		g_assert_true(g_file_test(f->cache, G_FILE_TEST_IS_REGULAR));
	}
}

#define ADD(name, fn)                                                          \
	g_test_add(name, fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/rules-cache/written-then-used", test_written_then_used);
	ADD("/rules-cache/stale", test_stale);
	ADD("/rules-cache/user-rules", test_user_rules);
	ADD("/rules-cache/damaged", test_damaged);
	ADD("/rules-cache/untrusted", test_untrusted);
	ADD("/rules-cache/unwritable", test_unwritable);
	ADD("/rules-cache/home", test_home);
	ADD("/rules-cache/threads", test_threads);
	return g_test_run();
}
