/*
 * test-rules.c - the rule engine: the file format and its errors,
 * overriding by file name, both match orders, named groups, the PCRE2
 * limits, and matching from many threads while a class is JIT-compiled.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "error.h"
#include "rules.h"
#include "tmptree.h"

typedef struct tmpdirs {
	char *a, *b;
} tmpdirs;

static char *
write_rules(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static ndr_rules *
load_text(const char *text, GError **err)
{
	char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char *path = write_rules(dir, "t.rules", text);
	const char *dirs[] = {dir, NULL};
	ndr_rules *r = ndr_rules_load(dirs, err);

	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	return r;
}

/* A broken file is a usage error whose message names file and line. */
static void
expect_error(const char *text, const char *where, const char *what)
{
	GError *err = NULL;
	ndr_rules *r = load_text(text, &err);

	g_assert_null(r);
	g_assert_error(err, NDR_ERROR, NDRCHECK_EUSAGE);
	g_assert_nonnull(strstr(err->message, where));
	g_assert_nonnull(strstr(err->message, what));
	g_error_free(err);
}

static void
test_errors(void)
{
	expect_error("[nosuchclass]\n", "t.rules:1", "unknown class");
	expect_error("# c\n\nlabel foo\n", "t.rules:3", "before the first");
	expect_error("[reason]\nuserunknown (unclosed\n", "t.rules:2",
	             "missing closing parenthesis");
	expect_error("[reason]\nnotareason foo\n", "t.rules:2", "not a reason");
	expect_error("[ndr-text]\nlabel\n", "t.rules:2", "no pattern");
	expect_error("[ndr-text]\n\tfoo\n", "t.rules:2", "continuation");
	expect_error("[ndr-text]\nbad/label foo\n", "t.rules:2", "label");
	expect_error("[ndr-text]\nmany (a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\n",
	             "t.rules:2", "capturing groups");
	expect_error("[ndr-text]\n%define lower x\n", "t.rules:2", "capitals");
	expect_error("[ndr-text]\n%define NAME\n", "t.rules:2",
	             "without a pattern");
	expect_error("[ndr-text]\nr %{NOSUCH}\n", "t.rules:2", "%{NOSUCH}");
	expect_error("[ndr-text]\n%define A %{B}\n", "t.rules:2", "%{B}");
	expect_error("[reason-phrase]\nnotareason foo\n", "t.rules:2",
	             "not a reason");
	/* A misspelled MTA-log event would read its lines as saying nothing. */
	expect_error("[mta-log]\npostfix.snet (?-i)x\n", "t.rules:2",
	             "names no event");
	expect_error("[mta-log]\nexim.other (?-i)x\nexim.Sent (?-i)y\n",
	             "t.rules:3", "names no event");
	/* The error of a continued rule names its first line. */
	expect_error("[ndr-text]\n\nok one\nbad (a|\n\tb\n", "t.rules:4",
	             "missing closing parenthesis");
}

static void
test_format(void)
{
	GError *err = NULL;
	ndr_rules *r = load_text("# comment\n[ndr-text]\r\n"
	                         "long   first|\n"
	                         "\tsecond|\n"
	                         "    third\n"
	                         "[separator]\n"
	                         "sep\t^--- cut ---$\n"
	                         "[ndr-text]\n"
	                         "%define WORD f[aeiou]+rth\n"
	                         "again  %{WORD}|%{WORD}s\n",
	                         &err);
	ndr_rule_match m;
	const char *s = "a line with THIRD in it";

	g_assert_no_error(err);
	g_assert_cmpuint(ndr_rules_count(r, "ndr-text"), ==, 2);
	g_assert_cmpuint(ndr_rules_count(r, "separator"), ==, 1);
	g_assert_cmpuint(ndr_rules_count(r, "reason"), ==, 0);
	/* Continuations join with nothing between; matching ignores case. */
	g_assert_true(ndr_rules_match(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "long");
	g_assert_cmpuint(m.start, ==, 12);
	g_assert_cmpuint(m.end, ==, 17);
	g_assert_false(ndr_rules_match(r, "ndr-text", s, strlen(s), 13, &m));
	/* ^ and $ match at every line. */
	s = "x\n--- cut ---\ny";
	g_assert_true(ndr_rules_find(r, "separator", s, strlen(s), 0, &m));
	g_assert_cmpuint(m.start, ==, 2);
	g_assert_false(ndr_rules_find(r, "nosuch", s, strlen(s), 0, &m));
	/* Macros expand where they are used. */
	s = "the fourths";
	g_assert_true(ndr_rules_match(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "again");
	g_assert_cmpuint(m.start, ==, 4);
	ndr_rules_free(r);
}

/* match: the first rule in order; find: the leftmost match. */
static void
test_order_and_groups(void)
{
	ndr_rules *r =
	    load_text("[reason]\n"
	              "mailboxfull (?<what>mailbox)\\s+full\n"
	              "userunknown user\\s+(?<what>unknown)(?<no>X)?\n",
	              NULL);
	const char *s = "550 user unknown, mailbox full";
	ndr_rule_match m;
	char *g;

	g_assert_nonnull(r);
	g_assert_true(ndr_rules_match(r, "reason", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "mailboxfull");
	g = ndr_rule_group(&m, "what");
	g_assert_cmpstr(g, ==, "mailbox");
	g_free(g);
	g_assert_true(ndr_rules_find(r, "reason", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "userunknown");
	g = ndr_rule_group(&m, "what");
	g_assert_cmpstr(g, ==, "unknown");
	g_free(g);
	g_assert_null(ndr_rule_group(&m, "no"));
	g_assert_null(ndr_rule_group(&m, "nosuchgroup"));
	ndr_rules_free(r);
}

/* labels: every matching rule's label, once each, in rule order. */
static void
test_labels(void)
{
	ndr_rules *r = load_text("[reason-phrase]\n"
	                         "%define USER user\\s+\n"
	                         "%define UNKNOWN %{USER}unknown\n"
	                         "mailboxfull mailbox\\s+full\n"
	                         "userunknown %{UNKNOWN}\n"
	                         "blocked blocked\n"
	                         "userunknown no\\s+such\\s+user\n",
	                         NULL);
	const char *s = "550 no such user; user unknown; mailbox full";
	GPtrArray *labels = g_ptr_array_new();

	g_assert_nonnull(r);
	ndr_rules_labels(r, "reason-phrase", s, strlen(s), labels);
	g_assert_cmpuint(labels->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(labels, 0), ==, "mailboxfull");
	/* A macro used a macro defined before it. */
	g_assert_cmpstr(g_ptr_array_index(labels, 1), ==, "userunknown");
	g_ptr_array_set_size(labels, 0);
	ndr_rules_labels(r, "nosuchclass", s, strlen(s), labels);
	g_assert_cmpuint(labels->len, ==, 0);
	g_ptr_array_free(labels, TRUE);
	ndr_rules_free(r);
}

/* UTF-8 with Unicode properties: \w and case folding beyond ASCII. */
static void
test_utf8(void)
{
	ndr_rules *r = load_text("[ndr-text]\n"
	                         "ru недоставлен\\w*\n"
	                         "word ^\\w+$\n",
	                         NULL);
	const char *s = "ВАШЕ СООБЩЕНИЕ НЕДОСТАВЛЕНО";
	const char *bad = "abc \xff\xfe недоставлено";
	ndr_rule_match m;

	g_assert_true(ndr_rules_match(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpuint(m.end, ==, strlen(s));
	s = "Größe";
	g_assert_true(ndr_rules_find(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "word");
	/* Invalid UTF-8 never matches across, but the rest still does. */
	g_assert_true(ndr_rules_match(r, "ndr-text", bad, strlen(bad), 0, &m));
	g_assert_cmpstr(m.label, ==, "ru");
	ndr_rules_free(r);
}

/* A catastrophic pattern hits the match limit instead of hanging. */
static void
test_limits(void)
{
	ndr_rules *r = load_text("[ndr-text]\nslow ^(a+)+$\n", NULL);
	GString *s = g_string_new(NULL);
	ndr_rule_match m;
	int i;

	for (i = 0; i < 40; i++)
		g_string_append_c(s, 'a');
	g_string_append_c(s, 'b');
	g_assert_false(ndr_rules_match(r, "ndr-text", s->str, s->len, 0, &m));
	g_string_free(s, TRUE);
	ndr_rules_free(r);
}

/* Later directories override files of the same name; others add. */
static void
test_override(void)
{
	char *d1 = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char *d2 = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char *p[4];
	const char *dirs[] = {d1, "/nonexistent/rules.d", d2, NULL};
	const char *s = "alpha beta gamma";
	ndr_rule_match m;
	ndr_rules *r;
	int i;

	p[0] = write_rules(d1, "a.rules", "[ndr-text]\nbuiltin alpha\n");
	p[1] = write_rules(d1, "b.rules", "[ndr-text]\nkept gamma\n");
	p[2] = write_rules(d2, "a.rules", "[ndr-text]\nuser beta\n");
	p[3] = write_rules(d2, "ignored.txt", "[nosuchclass]\n");
	r = ndr_rules_load(dirs, NULL);
	g_assert_nonnull(r);
	g_assert_cmpuint(ndr_rules_count(r, "ndr-text"), ==, 2);
	g_assert_true(ndr_rules_match(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "user");
	ndr_rules_free(r);
	for (i = 0; i < 4; i++) {
		g_unlink(p[i]);
		g_free(p[i]);
	}
	g_rmdir(d1);
	g_rmdir(d2);
	g_free(d1);
	g_free(d2);
}

/*
 * ndr_rules_load_builtin(): the first directory's files, the built-in
 * ones, loaded from builtin_text, compile class by class on first use;
 * the second's, from user_text, at load.
 */
static ndr_rules *
load_builtin(const char *builtin_text, const char *user_text, GError **err)
{
	char *d1 = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char *d2 = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char *p1 = write_rules(d1, "builtin.rules", builtin_text);
	char *p2 = write_rules(d2, "user.rules", user_text);
	const char *dirs[] = {d1, d2, NULL};
	ndr_rules *r = ndr_rules_load_builtin(dirs, err);

	g_unlink(p1);
	g_unlink(p2);
	g_rmdir(d1);
	g_rmdir(d2);
	g_free(p1);
	g_free(p2);
	g_free(d1);
	g_free(d2);
	return r;
}

/*
 * A mistake in a user's file is a usage error at load even when the
 * built-in files compile on first use; one in a built-in file (only a
 * damaged installation has one) leaves that rule out with a warning when
 * its class is first used, and the rest of the class works.
 */
static void
test_lazy(void)
{
	const char *builtin = "[ndr-text]\nfirst alpha\nbroken (\n"
	                      "last gamma\n";
	const char *s = "alpha beta gamma";
	GError *err = NULL;
	ndr_rule_match m;
	ndr_rules *r;

	r = load_builtin(builtin, "[separator]\nmine ^-- (unclosed\n", &err);
	g_assert_null(r);
	g_assert_error(err, NDR_ERROR, NDRCHECK_EUSAGE);
	g_assert_nonnull(strstr(err->message, "user.rules:2"));
	g_clear_error(&err);
	r = load_builtin(builtin, "[separator]\nmine ^--$\n", &err);
	g_assert_no_error(err);
	g_assert_cmpuint(ndr_rules_count(r, "ndr-text"), ==, 3);
	g_test_expect_message(
	    NULL, G_LOG_LEVEL_WARNING,
	    "*builtin.rules:3: rule \"broken\": missing closing parenthesis*");
	g_assert_true(ndr_rules_find(r, "ndr-text", s, strlen(s), 6, &m));
	g_test_assert_expected_messages();
	g_assert_cmpstr(m.label, ==, "last");
	/* Compiled once: no second warning. */
	g_assert_true(ndr_rules_match(r, "ndr-text", s, strlen(s), 0, &m));
	g_assert_cmpstr(m.label, ==, "first");
	ndr_rules_free(r);
}

/* The built-in rules load, and their reason labels are all valid. */
static void
test_builtin(void)
{
	const char *dirs[] = {NDR_SRCDIR "/rules", NULL};
	GError *err = NULL;
	ndr_rules *r = ndr_rules_load(dirs, &err);

	g_assert_no_error(err);
	g_assert_cmpuint(ndr_rules_count(r, "reason"), >, 0);
	g_assert_cmpuint(ndr_rules_count(r, "recipient"), >, 0);
	g_assert_cmpuint(ndr_rules_count(r, "bounce"), >, 0);
	ndr_rules_free(r);
}

typedef struct job {
	const ndr_rules *rules;
	const GString *text;
	guint found;
} job;

static gpointer
match_many(gpointer p)
{
	job *j = p;
	ndr_rule_match m;
	size_t at = 0;
	char *g;

	while (ndr_rules_find(j->rules, "recipient", j->text->str, j->text->len,
	                      at, &m)) {
		g = ndr_rule_group(&m, "addr");
		if (g != NULL && g_str_has_prefix(g, "user") &&
		    g_str_has_suffix(g, "@example.org"))
			j->found++;
		g_free(g);
		at = m.end;
	}
	return NULL;
}

/*
 * Many threads on one ndr_rules, compiling its class on first use all
 * at once, then on enough text to cross the JIT threshold midway: every
 * thread sees every match.
 */
static void
test_threads(void)
{
	ndr_rules *r = load_builtin("[recipient]\n"
	                            "angle ^<(?<addr>[^>]+)>:$\n",
	                            "", NULL);
	GString *text = g_string_new(NULL);
	GThread *t[8];
	job jobs[8];
	int i, round;

	for (i = 0; i < 2000; i++)
		g_string_append_printf(text,
		                       "<user%d@example.org>:\n"
		                       "some diagnostic text\n\n",
		                       i);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++) {
			jobs[i] = (job){r, text, 0};
			t[i] = g_thread_new("match", match_many, &jobs[i]);
		}
		for (i = 0; i < 8; i++) {
			g_thread_join(t[i]);
			g_assert_cmpuint(jobs[i].found, ==, 2000);
		}
	}
	g_string_free(text, TRUE);
	ndr_rules_free(r);
}

static void
assert_any(const ndr_rules *r, const char *classes, const char *text,
           gboolean expected)
{
	if (ndr_rules_any(r, classes, text, strlen(text)) != expected)
		g_error("classes \"%s\" on \"%s\": expected %d", classes, text,
		        expected);
}

/* The answers of test_any(), whichever way they are found. */
static void
check_any(const ndr_rules *r)
{
	const char *daemon = "To: x\nFrom: MAILER-DAEMON@example.org\n";
	const char *null = "Return-Path: <>\nSubject: hi\n";
	const char *plain = "From: jan@example.org\nSubject: lunch\n";
	const char *twice = "to to\n", *once = "to too\n";
	const char *arf = "Feedback-Type: abuse\n";

	assert_any(r, "bounce", daemon, TRUE);
	assert_any(r, "bounce", null, FALSE);
	assert_any(r, "bounce suspect", null, TRUE);
	assert_any(r, "bounce suspect", plain, FALSE);
	/* a user's class joins the built-in ones; unknown names add nothing */
	assert_any(r, "bounce nosuch feedback", arf, TRUE);
	assert_any(r, "nosuch", arf, FALSE);
	/* a back reference: rule by rule, alone or among others */
	assert_any(r, "recipient", twice, TRUE);
	assert_any(r, "recipient", once, FALSE);
	assert_any(r, "bounce recipient", twice, TRUE);
	assert_any(r, "bounce recipient", daemon, TRUE);
	assert_any(r, "bounce recipient", once, FALSE);
}

/*
 * any: whether a rule of any of the classes named matches, the same
 * rule by rule as a first message is matched, and once a busy process
 * has matched the classes as one alternation (no capturing groups) or
 * still rule by rule (groups, which an alternation would renumber).
 */
static void
test_any(void)
{
	ndr_rules *r = load_builtin("[bounce]\n"
	                            "daemon ^From:.*mailer-daemon\n"
	                            "failed ^X-Failed-Recipients:\n"
	                            "[suspect]\n"
	                            "null ^Return-Path:\\s*<>$\n"
	                            "[recipient]\n"
	                            "twice ^(\\w+) \\1$\n",
	                            "[feedback]\n"
	                            "user ^Feedback-Type:\n",
	                            NULL);
	const char *sets[] = {"bounce", "bounce suspect",
	                      "bounce nosuch feedback", "recipient",
	                      "bounce recipient"};
	GString *big = g_string_new(NULL);
	guint i, k;

	g_assert_nonnull(r);
	check_any(r);
	/* a megabyte matched rule by rule takes longer than the threshold */
	while (big->len < 1024 * 1024)
		g_string_append(big, "Received: from a.example by b.example\n");
	for (i = 0; i < G_N_ELEMENTS(sets); i++)
		for (k = 0; k < 3; k++)
			g_assert_false(
			    ndr_rules_any(r, sets[i], big->str, big->len));
	check_any(r);
	g_string_free(big, TRUE);
	ndr_rules_free(r);
}

static const char *const finder_rules[] = {
    "keep <\\w+\\K@\\w+>",     "start \\G\\w+",
    "behind (?<=: )\\w+",      "line ^\\w+:",
    "tie1 \\bb\\w*",           "tie2 \\bbo\\w*",
    "never zzz-no-such-thing",
};

/*
 * The leftmost match from from on, trying each rule alone (one[i] holds
 * finder_rules[i] only), ties to the earlier: what a finder is to find.
 */
static gboolean
leftmost(ndr_rules *const *one, const char *text, size_t from,
         ndr_rule_match *m)
{
	ndr_rule_match each;
	gboolean found = FALSE;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(finder_rules); i++)
		if (ndr_rules_find(one[i], "recipient", text, strlen(text),
		                   from, &each) &&
		    (!found || each.start < m->start)) {
			*m = each;
			found = TRUE;
		}
	return found;
}

static void
assert_finds(ndr_rule_finder *f, ndr_rules *const *one, const char *text,
             size_t from)
{
	ndr_rule_match got = {0}, want = {0};
	gboolean found = ndr_rule_finder_next(f, from, &got);

	if (found != leftmost(one, text, from, &want) ||
	    (found && (got.start != want.start || got.end != want.end ||
	               strcmp(got.label, want.label) != 0)))
		g_error("from %zu: finder %d %s %zu..%zu, one by one %s", from,
		        found, found ? got.label : "-", got.start, got.end,
		        want.label != NULL ? want.label : "-");
}

/*
 * A finder answers at every start, forwards, backwards and jumping, as
 * the rules tried one at a time from that start do: with \K (a match
 * reported after where it began), \G (matches only at the start), a
 * lookbehind, ^, and ties (the earlier rule).
 */
static void
test_finder(void)
{
	const char *text = "to: <a@x> bob\nb: <bo@y> boa: c\n";
	ndr_rules *one[G_N_ELEMENTS(finder_rules)], *r;
	GString *all = g_string_new("[recipient]\n");
	size_t len = strlen(text), from;
	ndr_rule_finder *f;
	char *file;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(finder_rules); i++) {
		g_string_append_printf(all, "%s\n", finder_rules[i]);
		file = g_strdup_printf("[recipient]\n%s\n", finder_rules[i]);
		one[i] = load_text(file, NULL);
		g_assert_nonnull(one[i]);
		g_free(file);
	}
	r = load_text(all->str, NULL);
	g_assert_nonnull(r);
	f = ndr_rule_finder_new(r, "recipient", text, len);
	for (from = 0; from <= len + 1; from++)
		assert_finds(f, one, text, from);
	for (from = len + 1; from-- > 0;)
		assert_finds(f, one, text, from);
	for (from = 0; from <= len; from += 7)
		assert_finds(f, one, text, (from * 13) % (len + 1));
	ndr_rule_finder_free(f);
	f = ndr_rule_finder_new(r, "challenge-text", text, len);
	g_assert_false(ndr_rule_finder_next(f, 0, &(ndr_rule_match){0}));
	ndr_rule_finder_free(f);
	for (i = 0; i < G_N_ELEMENTS(finder_rules); i++)
		ndr_rules_free(one[i]);
	g_string_free(all, TRUE);
	ndr_rules_free(r);
}

/*
 * A search that stopped at PCRE2's match limit found nothing, but from
 * further on the same rule may find something: the finder asks again.
 */
static void
test_finder_limit(void)
{
	const char *text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa! ab";
	ndr_rules *r = load_text("[recipient]\ntrap (?:a+)+b\n", NULL);
	size_t len = strlen(text);
	ndr_rule_finder *f;
	ndr_rule_match m;

	g_assert_nonnull(r);
	g_assert_false(ndr_rules_find(r, "recipient", text, len, 0, &m));
	f = ndr_rule_finder_new(r, "recipient", text, len);
	g_assert_false(ndr_rule_finder_next(f, 0, &m)); /* the limit */
	g_assert_true(ndr_rule_finder_next(f, len - 3, &m));
	g_assert_cmpuint(m.start, ==, len - 2);
	ndr_rule_finder_free(f);
	ndr_rules_free(r);
}

/*
 * Once a busy process matches a class as one alternation, a text that
 * takes the alternation to PCRE2's limit is asked rule by rule: the
 * answer never depends on how long the process has been running.
 */
static void
test_any_limit(void)
{
	const char *text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\nFrom: ab\n";
	ndr_rules *r =
	    load_text("[bounce]\ntrap (?:a+)+b\nfrom ^From:\n", NULL);
	guint i;

	g_assert_nonnull(r);
	/* Enough matching for the union to be built, and used. */
	for (i = 0; i < 200; i++)
		g_assert_true(ndr_rules_any(r, "bounce", text, strlen(text)));
	ndr_rules_free(r);
}

int
main(int argc, char **argv)
{
	/* The built-in rules' compiled codes go there, not to ~/.cache. */
	char *cache = tmptree_new();
	int status;

	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rules/errors", test_errors);
	g_test_add_func("/rules/format", test_format);
	g_test_add_func("/rules/order-and-groups", test_order_and_groups);
	g_test_add_func("/rules/labels", test_labels);
	g_test_add_func("/rules/utf8", test_utf8);
	g_test_add_func("/rules/limits", test_limits);
	g_test_add_func("/rules/override", test_override);
	g_test_add_func("/rules/lazy", test_lazy);
	g_test_add_func("/rules/builtin", test_builtin);
	g_test_add_func("/rules/threads", test_threads);
	g_test_add_func("/rules/any", test_any);
	g_test_add_func("/rules/finder", test_finder);
	g_test_add_func("/rules/finder-limit", test_finder_limit);
	g_test_add_func("/rules/any-limit", test_any_limit);
	status = g_test_run();
	tmptree_free(cache);
	return status;
}
