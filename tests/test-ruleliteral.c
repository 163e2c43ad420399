/*
 * test-ruleliteral.c - the prefilter of the rule engine (ruleliteral.h):
 * what it derives from patterns, where it gives up, and that it never
 * says "cannot match" where PCRE2 matches: over every built-in rule and
 * real messages of testdata/, and over the characters PCRE2's caseless
 * matching takes for ASCII letters.
 */
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rulefile.h"
#include "ruleliteral.h"

#define SOE NDR_SRCDIR "/testdata/set-of-emails/maildir/"

/* The requirements of pattern as text: "{a|b} {c}", or "none". */
static char *
show(const char *pattern)
{
	GPtrArray *reqs = ndr_required_literals(pattern);
	GString *s = g_string_new(NULL);
	GPtrArray *r;
	guint i, k;

	for (i = 0; reqs != NULL && i < reqs->len; i++) {
		r = g_ptr_array_index(reqs, i);
		g_string_append(s, i > 0 ? " {" : "{");
		for (k = 0; k < r->len; k++)
			g_string_append_printf(s, "%s%s", k > 0 ? "|" : "",
			                       (char *)r->pdata[k]);
		g_string_append_c(s, '}');
	}
	if (reqs == NULL)
		g_string_append(s, "none");
	else
		g_ptr_array_unref(reqs);
	return g_string_free(s, FALSE);
}

static void
check(const char *pattern, const char *want)
{
	char *got = show(pattern);

	g_assert_cmpstr(got, ==, want);
	g_free(got);
}

static void
test_derived(void)
{
	check("Mailbox Full", "{mailbox full}");
	check("mailbox\\s+full", "{mailbox} {full}");
	check("over quota|mailbox full", "{over quota|mailbox full}");
	/* an alternative with nothing long enough: nothing is required */
	check("mailbox full|ful", "none");
	check("(?:quota|disk) exceeded", "{quota|disk} { exceeded}");
	/* optional parts cut the run */
	check("mailboxes? full", "{mailboxe} { full}");
	check("abcd(?:efgh)?ijkl", "{abcd} {ijkl}");
	check("abcd(?:efgh)*ijkl", "{abcd} {ijkl}");
	check("abcde{0,3}fghi", "{abcd} {fghi}");
	check("abcde{2}fghi", "{abcde} {efghi}");
	check("abcde+fghi", "{abcde} {efghi}");
	/* escapes */
	check("\\Qa.b*c\\E", "{a.b*c}");
	check("\\x41\\x{62}cde", "{abcde}");
	check("a\\.b\\.c\\.d", "{a.b.c.d}");
	check("remote-mta:\\N*\\.qq\\.com\\n", "{remote-mta:} {.qq.com\n}");
	check("\\bword\\b", "{word}");
	check("[a-z]+@example\\.org", "{@example.org}");
	/* lookarounds: positive ones count, negative ones do not */
	check("\\A(?=\\N*abcd)(?!\\N*efgh)", "{abcd}");
	/* option settings do not change the literals (all caseless) */
	check("(?i)ABCD(?-i:efgh)", "{abcd} {efgh}");
	/* named groups */
	check("(?<addr>user@host)", "{user@host}");
	/* what is not followed: the whole rule gives up */
	check("(abcd)\\1", "none");
	check("(?x) a b c d", "none");
	check("(?#comment)abcd", "none");
	check("(?(1)abcd|efgh)", "none");
	check("(*UTF)abcd", "none");
	check("abcd{,3}", "none");
	check("[[:alpha:]]abcd", "none");
	check("(?R)abcd", "none");
	/* non-ASCII characters cut the run (their case is not folded) */
	check("ab\xc3\xa9\x63\x64\x65\x66", "{cdef}");
}

/* What the prefilter says of the rule of pattern on text (0, 1, 2). */
static guint8
says(const char *pattern, const char *text)
{
	ndr_litscan *s = ndr_litscan_new(1);
	guint8 v = 0;

	ndr_litscan_add(s, 0, pattern);
	ndr_litscan_run(s, text, strlen(text), &v);
	ndr_litscan_free(s);
	return v;
}

/* Whether the prefilter lets the rule of pattern run on text. */
static gboolean
may(const char *pattern, const char *text)
{
	return says(pattern, text) != 0;
}

/* A rule of literals alone matches where they are: no need of PCRE2. */
static void
test_exact(void)
{
	g_assert_cmpuint(says("over quota|mailbox full", "Mailbox FULL"), ==,
	                 NDR_LITSCAN_MATCHES);
	g_assert_cmpuint(says("user\\(s\\) unknown", "USER(S) UNKNOWN"), ==,
	                 NDR_LITSCAN_MATCHES);
	g_assert_cmpuint(says("over quota|mailbox full", "mailbox is full"), ==,
	                 0);
	/* anything else: PCRE2 decides */
	g_assert_cmpuint(says("mailbox\\s+full", "mailbox full"), ==, 1);
	g_assert_cmpuint(says("\\bquota exceeded", "quota exceeded"), ==, 1);
	g_assert_cmpuint(says("mailbox full.", "mailbox full."), ==, 1);
	/* a NUL ends the literal kept: "abcd" is only needed */
	g_assert_cmpuint(says("abcd\\x00efgh", "abcd"), ==, 1);
}

static void
test_folding(void)
{
	g_assert_true(may("mailbox full", "MAILBOX FULL"));
	g_assert_false(may("mailbox full", "mailbox is full"));
	/* PCRE2 matches k and s caselessly with these */
	g_assert_true(may("kelvin", "\xe2\x84\xaa"
	                            "ELVIN"));
	g_assert_true(may("disk", "di\xc5\xbfk"));
	/* a text shorter than a literal, and text cut in a sequence */
	g_assert_false(may("abcd", "abc"));
	g_assert_false(may("abcd", "\xe2\x84"));
}

/* Whether PCRE2 matches pattern caselessly with the whole of text. */
static gboolean
caseless(const char *pattern, const char *text, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_code *code;
	PCRE2_SIZE off;
	int err, rc;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                     PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off,
	                     NULL);
	g_assert_nonnull(code);
	rc = pcre2_match(code, (PCRE2_SPTR)text, len, 0,
	                 PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
	pcre2_code_free(code);
	pcre2_match_data_free(md);
	return rc > 0;
}

/*
 * Every non-ASCII character of the Basic Multilingual Plane that PCRE2
 * matches caselessly with an ASCII letter is folded to it: a PCRE2 with
 * new pairs fails here.
 */
static void
test_caseless_pairs(void)
{
	char text[8], lit[8], pattern[16], four[32];
	guint pairs = 0;
	gunichar u;
	int n, c, k;

	for (u = 0x80; u < 0x10000; u++) {
		if (u >= 0xD800 && u < 0xE000)
			continue;
		n = g_unichar_to_utf8(u, text);
		if (!caseless("[a-z]", text, n))
			continue;
		for (c = 'a'; c <= 'z'; c++) {
			g_snprintf(pattern, sizeof(pattern), "%c", c);
			if (!caseless(pattern, text, n))
				continue;
			memset(lit, c, 4);
			lit[4] = '\0';
			for (k = 0; k < 4; k++)
				memcpy(four + k * n, text, n);
			four[4 * n] = '\0';
			g_assert_true(may(lit, four));
			pairs++;
		}
	}
	g_assert_cmpuint(pairs, ==, 2); /* KELVIN SIGN and LONG S */
}

/* A file's bytes. */
static char *
slurp(const char *path, gsize *len)
{
	char *text;

	g_assert_true(g_file_get_contents(path, &text, len, NULL));
	return text;
}

/*
 * Over every built-in rule and real messages: where PCRE2 matches the
 * rule, the prefilter let it run; where the prefilter says it matches,
 * PCRE2 does.
 */
static void
test_never_wrong(void)
{
	const char *dirs[] = {NDR_SRCDIR "/rules", NULL};
	static const char *const files[] = {
	    SOE "bsd/lhost-postfix-01.eml",
	    SOE "bsd/lhost-exim-01.eml",
	    SOE "bsd/lhost-sendmail-01.eml",
	    SOE "bsd/lhost-qmail-01.eml",
	    SOE "bsd/lhost-exchange2007-01.eml",
	    SOE "bsd/rhost-google-01.eml",
	    SOE "not/is-not-bounce-01.eml",
	    SOE "bsd/lhost-gmail-01.eml",
	    SOE "bsd/lhost-gmx-01.eml",
	    SOE "bsd/lhost-amazonses-03.eml",
	};
	pcre2_match_data *md = pcre2_match_data_create(10, NULL);
	GHashTable *classes = ndr_rulefile_read(dirs, FALSE, NULL);
	GHashTableIter it;
	gpointer value;
	guint checked = 0, matched = 0, exact = 0, i, f;
	gboolean hit;
	PCRE2_SIZE off;
	int err;

	g_assert_nonnull(classes);
	for (f = 0; f < G_N_ELEMENTS(files); f++) {
		gsize len;
		char *text = slurp(files[f], &len);

		g_hash_table_iter_init(&it, classes);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			rule_class *c = value;
			ndr_litscan *s = ndr_litscan_new(c->rules->len);
			guint8 *v = g_malloc(c->rules->len);

			for (i = 0; i < c->rules->len; i++)
				ndr_litscan_add(
				    s, i,
				    ((rule *)c->rules->pdata[i])->pattern);
			ndr_litscan_run(s, text, len, v);
			for (i = 0; i < c->rules->len; i++) {
				rule *ru = c->rules->pdata[i];
				pcre2_code *code = pcre2_compile(
				    (PCRE2_SPTR)ru->pattern,
				    PCRE2_ZERO_TERMINATED,
				    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS |
				        PCRE2_MULTILINE |
				        PCRE2_MATCH_INVALID_UTF,
				    &err, &off, NULL);

				g_assert_nonnull(code);
				hit = pcre2_match(code, (PCRE2_SPTR)text, len,
				                  0, 0, md, NULL) > 0;
				matched += hit;
				if (hit && !v[i])
					g_error("%s: rule %s of [%s] matches, "
					        "prefilter says no",
					        files[f], ru->label, c->name);
				if (!hit && v[i] == NDR_LITSCAN_MATCHES)
					g_error("%s: rule %s of [%s] does not "
					        "match, prefilter says it does",
					        files[f], ru->label, c->name);
				exact += v[i] == NDR_LITSCAN_MATCHES;
				checked += !v[i];
				pcre2_code_free(code);
			}
			g_free(v);
			ndr_litscan_free(s);
		}
		g_free(text);
	}
	/* the test saw both answers */
	g_assert_cmpuint(matched, >, 10);
	g_assert_cmpuint(checked, >, 100);
	g_assert_cmpuint(exact, >, 0);
	g_hash_table_unref(classes);
	pcre2_match_data_free(md);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ruleliteral/derived", test_derived);
	g_test_add_func("/ruleliteral/folding", test_folding);
	g_test_add_func("/ruleliteral/exact", test_exact);
	g_test_add_func("/ruleliteral/caseless-pairs", test_caseless_pairs);
	g_test_add_func("/ruleliteral/never-wrong", test_never_wrong);
	return g_test_run();
}
