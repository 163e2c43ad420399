/*
 * rulecalls.c - record every question the library asks the rule engine
 * while it classifies messages, and the answers; replay them against the
 * engine as it is now.  A change meant only to make matching faster
 * (a prefilter, a cache, fewer allocations) must give every recorded
 * question the recorded answer: tools/rulecalls builds this program and
 * runs it.
 *
 * The engine's entry points are wrapped at link time (ld --wrap), so
 * the library is recorded as built, without a hook of its own.  A
 * recording is a sequence of calls; each call and its answer are written
 * as length-prefixed fields (field()), subjects whole.
 *
 * Usage: rulecalls record OUT   classify each file named on a line of
 *                               standard input, recording
 *        rulecalls replay IN RULES-DIR  ask the rules of RULES-DIR (as
 *                                       built-in rules) every call of IN
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ndrcheck.h"
#include "rules.h"

gboolean __real_ndr_rules_any(const ndr_rules *r, const char *classes,
                              const char *subject, size_t len);
gboolean __real_ndr_rules_match(const ndr_rules *r, const char *cls,
                                const char *subject, size_t len, size_t from,
                                ndr_rule_match *m);
gboolean __real_ndr_rules_find(const ndr_rules *r, const char *cls,
                               const char *subject, size_t len, size_t from,
                               ndr_rule_match *m);
ndr_rule_finder *__real_ndr_rule_finder_new(const ndr_rules *r, const char *cls,
                                            const char *subject, size_t len);
gboolean __real_ndr_rule_finder_next(ndr_rule_finder *f, size_t from,
                                     ndr_rule_match *m);
void __real_ndr_rules_labels(const ndr_rules *r, const char *cls,
                             const char *subject, size_t len,
                             GPtrArray *labels);

gboolean __wrap_ndr_rules_any(const ndr_rules *r, const char *classes,
                              const char *subject, size_t len);
gboolean __wrap_ndr_rules_match(const ndr_rules *r, const char *cls,
                                const char *subject, size_t len, size_t from,
                                ndr_rule_match *m);
gboolean __wrap_ndr_rules_find(const ndr_rules *r, const char *cls,
                               const char *subject, size_t len, size_t from,
                               ndr_rule_match *m);
ndr_rule_finder *__wrap_ndr_rule_finder_new(const ndr_rules *r, const char *cls,
                                            const char *subject, size_t len);
gboolean __wrap_ndr_rule_finder_next(ndr_rule_finder *f, size_t from,
                                     ndr_rule_match *m);
void __wrap_ndr_rules_labels(const ndr_rules *r, const char *cls,
                             const char *subject, size_t len,
                             GPtrArray *labels);

/* The calls; a finder's are tied to its ndr_rule_finder_new() by number. */
enum {
	CALL_ANY = 1,
	CALL_MATCH,
	CALL_FIND,
	CALL_FINDER,
	CALL_NEXT,
	CALL_LABELS
};

static FILE *out; /* recording; NULL: not now */

/* The finders alive while recording, by number (index). */
static GPtrArray *finders;

static void
put(const void *p, size_t len)
{
	guint64 n = len;

	fwrite(&n, sizeof(n), 1, out);
	fwrite(p, 1, len, out);
}

static void
put_n(guint64 v)
{
	put(&v, sizeof(v));
}

static void
put_s(const char *s)
{
	put(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* A match as compared: whether found, then label and offsets. */
static void
put_match(gboolean found, const ndr_rule_match *m)
{
	put_n(found);
	if (!found)
		return;
	put_s(m->label);
	put_n(m->start);
	put_n(m->end);
	put(m->ovector, 2 * m->groups * sizeof(m->ovector[0]));
}

static void
put_call(int call, const char *cls, const char *subject, size_t len,
         size_t from)
{
	put_n(call);
	put_s(cls);
	put(subject != NULL ? subject : "", subject != NULL ? len : 0);
	put_n(subject != NULL);
	put_n(from);
}

gboolean
__wrap_ndr_rules_any(const ndr_rules *r, const char *classes,
                     const char *subject, size_t len)
{
	gboolean found = __real_ndr_rules_any(r, classes, subject, len);

	put_call(CALL_ANY, classes, subject, len, 0);
	put_n(found);
	return found;
}

gboolean
__wrap_ndr_rules_match(const ndr_rules *r, const char *cls, const char *subject,
                       size_t len, size_t from, ndr_rule_match *m)
{
	gboolean found = __real_ndr_rules_match(r, cls, subject, len, from, m);

	put_call(CALL_MATCH, cls, subject, len, from);
	put_match(found, m);
	return found;
}

gboolean
__wrap_ndr_rules_find(const ndr_rules *r, const char *cls, const char *subject,
                      size_t len, size_t from, ndr_rule_match *m)
{
	gboolean found = __real_ndr_rules_find(r, cls, subject, len, from, m);

	put_call(CALL_FIND, cls, subject, len, from);
	put_match(found, m);
	return found;
}

ndr_rule_finder *
__wrap_ndr_rule_finder_new(const ndr_rules *r, const char *cls,
                           const char *subject, size_t len)
{
	ndr_rule_finder *f = __real_ndr_rule_finder_new(r, cls, subject, len);

	put_call(CALL_FINDER, cls, subject, len, finders->len);
	g_ptr_array_add(finders, f);
	return f;
}

gboolean
__wrap_ndr_rule_finder_next(ndr_rule_finder *f, size_t from, ndr_rule_match *m)
{
	gboolean found = __real_ndr_rule_finder_next(f, from, m);
	guint i;

	/* Finders are freed and their memory reused: the last one wins. */
	for (i = finders->len; i > 0 && finders->pdata[i - 1] != f; i--)
		;
	g_assert(i > 0);
	put_call(CALL_NEXT, NULL, NULL, 0, from);
	put_n(i - 1);
	put_match(found, m);
	return found;
}

void
__wrap_ndr_rules_labels(const ndr_rules *r, const char *cls,
                        const char *subject, size_t len, GPtrArray *labels)
{
	guint before = labels->len, i;

	put_call(CALL_LABELS, cls, subject, len, 0);
	put_n(before);
	for (i = 0; i < before; i++)
		put_s(labels->pdata[i]);
	__real_ndr_rules_labels(r, cls, subject, len, labels);
	put_n(labels->len - before);
	for (i = before; i < labels->len; i++)
		put_s(labels->pdata[i]);
}

static int
record(const char *path)
{
	ndrcheck_options opts = {0};
	char *dir = g_dir_make_tmp("rulecalls-XXXXXX", NULL);
	char *db = g_build_filename(dir, "sent.db", NULL);
	ndrcheck_result *res;
	ndrcheck *h;
	char line[4096];
	int n = 0;

	opts.db_path = db;
	opts.no_sync = 1;
	finders = g_ptr_array_new();
	out = fopen(path, "wb");
	if (out == NULL || ndrcheck_open(&h, &opts) != NDRCHECK_OK) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (ndrcheck_classify_file(h, line, &res) == NDRCHECK_OK)
			ndrcheck_result_free(res);
		n++;
	}
	ndrcheck_close(h);
	fclose(out);
	g_remove(db);
	g_rmdir(dir);
	g_free(db);
	g_free(dir);
	printf("%d messages, %u finders\n", n, finders->len);
	return 0;
}

/* Reading a recording back: each field as a new string (NUL-terminated). */
typedef struct field {
	char *p;
	size_t len;
} field;

static gboolean
get(FILE *in, field *fl)
{
	guint64 n;

	if (fread(&n, sizeof(n), 1, in) != 1)
		return FALSE;
	fl->p = g_malloc(n + 1);
	fl->len = n;
	if (fread(fl->p, 1, n, in) != n)
		g_error("recording cut short");
	fl->p[n] = '\0';
	return TRUE;
}

static guint64
get_n(FILE *in)
{
	field fl;
	guint64 v;

	if (!get(in, &fl) || fl.len != sizeof(v))
		g_error("recording damaged");
	memcpy(&v, fl.p, sizeof(v));
	g_free(fl.p);
	return v;
}

/* Whether the next recorded field is the same bytes as p (len). */
static gboolean
same(FILE *in, const void *p, size_t len)
{
	field fl;
	gboolean eq;

	if (!get(in, &fl))
		g_error("recording cut short");
	eq = fl.len == len && memcmp(fl.p, p, len) == 0;
	g_free(fl.p);
	return eq;
}

static gboolean
same_n(FILE *in, guint64 v)
{
	return same(in, &v, sizeof(v));
}

static gboolean
same_s(FILE *in, const char *s)
{
	return same(in, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* Skip the n fields ahead. */
static void
skip(FILE *in, int n)
{
	field fl;

	while (n-- > 0 && get(in, &fl))
		g_free(fl.p);
}

/* Compare every field put_match() wrote, so that the stream stays aligned. */
static gboolean
same_match(FILE *in, gboolean found, const ndr_rule_match *m)
{
	gboolean was = get_n(in), eq;

	if (!was || !found) {
		if (was)
			skip(in, 4); /* label, start, end, groups */
		return was == found;
	}
	eq = same_s(in, m->label);
	eq = same_n(in, m->start) && eq;
	eq = same_n(in, m->end) && eq;
	eq = same(in, m->ovector, 2 * m->groups * sizeof(m->ovector[0])) && eq;
	return eq;
}

static gboolean
same_labels(FILE *in, const ndr_rules *r, const char *cls, const field *subj)
{
	GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *got;
	guint i, k, n = get_n(in);
	gboolean eq;
	field fl;

	for (i = 0; i < n; i++) {
		get(in, &fl);
		g_ptr_array_add(labels, fl.p);
	}
	got = g_ptr_array_new();
	for (i = 0; i < n; i++)
		g_ptr_array_add(got, labels->pdata[i]);
	__real_ndr_rules_labels(r, cls, subj->p, subj->len, got);
	k = get_n(in);
	eq = k == got->len - n;
	for (i = 0; i < k; i++) {
		if (eq)
			eq = same_s(in, got->pdata[n + i]);
		else
			skip(in, 1);
	}
	g_ptr_array_unref(got);
	g_ptr_array_unref(labels);
	return eq;
}

/* Ask r one recorded call; FALSE at the end of the recording. */
static gboolean
replay_one(FILE *in, const ndr_rules *r, GPtrArray *fs, guint64 *bad)
{
	field cls, subj;
	guint64 call, has, from;
	ndr_rule_match m;
	gboolean eq = TRUE, found;
	const char *s;

	if (!get(in, &cls))
		return FALSE;
	memcpy(&call, cls.p, sizeof(call));
	g_free(cls.p);
	get(in, &cls);
	get(in, &subj);
	has = get_n(in);
	from = get_n(in);
	s = has ? subj.p : NULL;
	switch (call) {
	case CALL_ANY:
		eq = same_n(in, __real_ndr_rules_any(r, cls.p, s, subj.len));
		break;
	case CALL_MATCH:
		found = __real_ndr_rules_match(r, cls.p, s, subj.len, from, &m);
		eq = same_match(in, found, &m);
		break;
	case CALL_FIND:
		found = __real_ndr_rules_find(r, cls.p, s, subj.len, from, &m);
		eq = same_match(in, found, &m);
		break;
	case CALL_FINDER:
		g_assert(from == fs->len / 2);
		g_ptr_array_add(
		    fs, __real_ndr_rule_finder_new(r, cls.p, s, subj.len));
		g_ptr_array_add(fs, g_steal_pointer(&subj.p)); /* its text */
		break;
	case CALL_NEXT:
		found = __real_ndr_rule_finder_next(fs->pdata[2 * get_n(in)],
		                                    from, &m);
		eq = same_match(in, found, &m);
		break;
	case CALL_LABELS:
		eq = same_labels(in, r, cls.p, &subj);
		break;
	default:
		g_error("recording damaged: call %" G_GUINT64_FORMAT, call);
	}
	if (!eq && (*bad)++ < 20)
		fprintf(stderr, "differs: call %d class %s, %zu bytes: %.60s\n",
		        (int)call, cls.p, subj.len,
		        subj.p != NULL ? subj.p : "");
	g_free(cls.p);
	g_free(subj.p);
	return TRUE;
}

static int
replay(const char *path, const char *rules_dir)
{
	const char *dirs[] = {rules_dir, NULL};
	FILE *in = fopen(path, "rb");
	GError *err = NULL;
	ndr_rules *r = ndr_rules_load_builtin(dirs, &err);
	GPtrArray *fs = g_ptr_array_new();
	guint64 calls = 0, bad = 0;

	if (in == NULL || r == NULL) {
		fprintf(stderr, "rulecalls: %s\n",
		        r == NULL ? err->message : path);
		return 1;
	}
	while (replay_one(in, r, fs, &bad))
		calls++;
	printf("%" G_GUINT64_FORMAT " calls, %" G_GUINT64_FORMAT
	       " answered differently\n",
	       calls, bad);
	/* The finders and their texts are left to the end of the process. */
	ndr_rules_free(r);
	fclose(in);
	return bad > 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "record") == 0)
		return record(argv[2]);
	if (argc == 4 && strcmp(argv[1], "replay") == 0)
		return replay(argv[2], argv[3]);
	fprintf(stderr, "usage: rulecalls record OUT < FILES\n"
	                "       rulecalls replay IN RULES-DIR\n");
	return 64;
}
