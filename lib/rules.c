/*
 * rules.c - compile and match the PCRE2 patterns of the rules that
 * rulefile.c reads (see rules.h, and ndrcheck-rules(5)).
 *
 * Patterns are compiled for the interpreter, a few microseconds each:
 * a user's files at load, so that a mistake is a usage error before any
 * mail is read; the files that ship with ndrcheck class by class, when
 * a class is first used (ndr_rules_load_builtin()), so that ordinary
 * mail, which never gets past the header classes, does not pay for the
 * classes only bounces need.  JIT compilation pays off once a class
 * has matched enough: it costs about what interpreting the class costs
 * for a few messages (for the long phrase lists of the reason classes,
 * a few recipients), so a class is JIT-compiled once it has spent
 * NDR_RULES_JIT_US matching with the interpreter: one ordinary message
 * never pays for it, a scan of a mailbox pays once per busy class.
 *
 * Compiling every built-in class still costs a bounce a few
 * milliseconds, so their codes are kept in a file (rulecache.h) and
 * decoded, class by class on first use too, by the next processes: the
 * first process that has to compile a built-in class writes the file
 * with every built-in class.
 */
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "budget.h"
#include "error.h"
#include "ndrlimits.h"
#include "rulecache.h"
#include "rulefile.h"
#include "ruleliteral.h"
#include "rules.h"

/* Time a class spends matching before it is JIT-compiled, in us. */
#define NDR_RULES_JIT_US 1000
/*
 * Rules with literals a class needs before its texts are searched for
 * them first (ruleliteral.h): for a few rules, PCRE2's own search for a
 * pattern's first characters costs less than a pass over the whole text
 * (measured with callgrind over the bounces of set-of-emails: 8 beats
 * 3 by 3% of the instructions).
 */
#define NDR_RULES_PREFILTER_MIN 8
/* Rules of a class whose prefilter answers fit on the stack. */
#define NDR_RULES_STACK 256

/*
 * Mail text is decoded to UTF-8 before matching, but a damaged part may
 * still hold invalid sequences: MATCH_INVALID_UTF makes them simply
 * never match instead of failing the call.
 */
#define NDR_RULE_OPTIONS                                                       \
	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MULTILINE |            \
	 PCRE2_MATCH_INVALID_UTF)

/*
 * The rules of one or more classes as one alternation (ndr_rules_any()):
 * the text is scanned once, not once a rule.
 */
typedef struct rule_union {
	char *names;    /* the classes, as ndr_rules_any() was given them */
	char **classes; /* the same, one name each */
	struct rule_union *next;
	gint spent_us;    /* matching rule by rule, up to NDR_RULES_JIT_US */
	gsize built;      /* g_once flag: code tried */
	pcre2_code *code; /* JIT-compiled, published atomically; NULL until
	                     built, or when it would not mean the same */
} rule_union;

/* The file of compiled built-in rules, as one ndr_rules uses it. */
typedef struct cache_use {
	char *path;
	ndr_rulecache *file; /* NULL when missing or not to be trusted */
	gint decoded;        /* classes taken from it */
	gint stale;          /* a built-in class had to be compiled */
	gint written;        /* a new file was written, or tried */
} cache_use;

struct ndr_rules {
	GHashTable *classes; /* name -> rule_class * */
	rule_union *unions;  /* a list that only grows, read without a lock */
	GMutex unions_lock;  /* held to add to it */
	pcre2_match_context *mctx;
	cache_use *cache; /* NULL: no built-in rules (ndr_rules_load()) */
};

static void
union_free(rule_union *u)
{
	g_free(u->names);
	g_strfreev(u->classes);
	pcre2_code_free(u->code);
	g_free(u);
}

void
ndr_rules_free(ndr_rules *r)
{
	rule_union *u;

	if (r == NULL)
		return;
	g_hash_table_unref(r->classes);
	while ((u = r->unions) != NULL) {
		r->unions = u->next;
		union_free(u);
	}
	g_mutex_clear(&r->unions_lock);
	pcre2_match_context_free(r->mctx);
	if (r->cache != NULL) {
		ndr_rulecache_close(r->cache->file);
		g_free(r->cache->path);
		g_free(r->cache);
	}
	g_free(r);
}

/*
 * How patterns are compiled besides NDR_RULE_OPTIONS: lines end in LF
 * whatever PCRE2 was built to default to, as the texts matched are
 * made so (the facts of [reason] rely on it: ndrcheck-rules(5)).
 */
static pcre2_compile_context *
compile_context(void)
{
	static gsize done;
	static pcre2_compile_context *ctx;

	if (g_once_init_enter(&done)) {
		ctx = pcre2_compile_context_create(NULL);
		if (ctx != NULL)
			pcre2_set_newline(ctx, PCRE2_NEWLINE_LF);
		g_once_init_leave(&done, 1);
	}
	return ctx;
}

/* Compile a rule's pattern; its capturing groups must fit a match. */
static gboolean
compile_rule(rule *ru, GError **err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	uint32_t groups;
	int code;

	ru->code =
	    pcre2_compile((PCRE2_SPTR)ru->pattern, strlen(ru->pattern),
	                  NDR_RULE_OPTIONS, &code, &off, compile_context());
	if (ru->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return ndr_rulefile_fail(
		    err, ru->file, ru->line,
		    "rule \"%s\": %s at offset %zu of its pattern", ru->label,
		    (char *)msg, (size_t)off);
	}
	pcre2_pattern_info(ru->code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (groups + 1 > NDR_RULE_MAX_GROUPS) {
		pcre2_code_free(ru->code);
		ru->code = NULL;
		return ndr_rulefile_fail(
		    err, ru->file, ru->line,
		    "rule \"%s\" has %u capturing groups, at most %d "
		    "are allowed: use (?:...) for grouping",
		    ru->label, groups, NDR_RULE_MAX_GROUPS - 1);
	}
	return TRUE;
}

/*
 * Compile the rules read from a user's files now, so that a mistake in
 * one is a usage error naming its file and line before any mail is
 * read; the built-in ones wait for their class to be used.
 */
static gboolean
compile_eager(GHashTable *classes, GError **err)
{
	rule_class *c;
	rule *ru;
	guint i, k;

	for (i = 0; ndr_rule_classes[i] != NULL; i++) {
		c = g_hash_table_lookup(classes, ndr_rule_classes[i]);
		for (k = 0; c != NULL && k < c->rules->len; k++) {
			ru = g_ptr_array_index(c->rules, k);
			if (!ru->lazy && !compile_rule(ru, err))
				return FALSE;
		}
	}
	return TRUE;
}

static ndr_rules *
load(const char *const *dirs, gboolean builtin, GError **err)
{
	GHashTable *classes = ndr_rulefile_read(dirs, builtin, err);
	ndr_rules *r;

	if (classes == NULL)
		return NULL;
	if (!compile_eager(classes, err)) {
		g_hash_table_unref(classes);
		return NULL;
	}
	r = g_new0(ndr_rules, 1);
	r->classes = classes;
	g_mutex_init(&r->unions_lock);
	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, NDR_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, NDR_PCRE2_DEPTH_LIMIT);
	if (builtin) {
		r->cache = g_new0(cache_use, 1);
		r->cache->path = ndr_rulecache_path();
		r->cache->file =
		    ndr_rulecache_open(r->cache->path, NDR_RULE_OPTIONS);
	}
	return r;
}

ndr_rules *
ndr_rules_load(const char *const *dirs, GError **err)
{
	return load(dirs, FALSE, err);
}

ndr_rules *
ndr_rules_load_builtin(const char *const *dirs, GError **err)
{
	return load(dirs, TRUE, err);
}

guint
ndr_rules_count(const ndr_rules *r, const char *cls)
{
	rule_class *c = g_hash_table_lookup(r->classes, cls);

	return c == NULL ? 0 : c->rules->len;
}

/* A JIT-compiled copy of code, or NULL where there is no JIT. */
static pcre2_code *
jit_copy(const pcre2_code *code)
{
	pcre2_code *copy = pcre2_code_copy(code);

	if (copy != NULL && pcre2_jit_compile(copy, PCRE2_JIT_COMPLETE) != 0)
		g_clear_pointer(&copy, pcre2_code_free);
	return copy; /* NULL: no JIT here, interpret */
}

/*
 * Count the us just spent interpreting; TRUE once they add up to
 * NDR_RULES_JIT_US, for the one caller that is then to JIT-compile and
 * call g_once_init_leave(jitted, 1).
 */
static gboolean
jit_due(gint *spent_us, gsize *jitted, gint64 us)
{
	if (g_atomic_int_get(spent_us) < NDR_RULES_JIT_US) {
		g_atomic_int_add(spent_us,
		                 (gint)CLAMP(us, 0, NDR_RULES_JIT_US));
		return FALSE;
	}
	return g_once_init_enter(jitted);
}

/*
 * The prefilter of c's rules, or NULL when too few have literals.  A
 * rule that did not compile never matches: it gets none, and never runs.
 */
static ndr_litscan *
prefilter(const rule_class *c)
{
	ndr_litscan *s = ndr_litscan_new(c->rules->len);
	rule *ru;
	guint i;

	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (ru->code != NULL)
			ndr_litscan_add(s, i, ru->pattern);
	}
	if (ndr_litscan_rules(s) < NDR_RULES_PREFILTER_MIN)
		g_clear_pointer(&s, ndr_litscan_free);
	return s;
}

/*
 * Count the us a class just spent matching; JIT-compile copies of its
 * patterns and derive its prefilter once they add up to
 * NDR_RULES_JIT_US (deriving costs about what compiling does: one
 * message does not pay for it either).  Other threads keep matching the
 * interpreted originals meanwhile and pick up each copy and the
 * prefilter once published.
 */
static void
maybe_jit(rule_class *c, gint64 us)
{
	guint i;
	rule *ru;

	if (!jit_due(&c->spent_us, &c->jitted, us))
		return;
	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (ru->code == NULL)
			continue; /* left out: it did not compile */
		g_atomic_pointer_set(&ru->jit, jit_copy(ru->code));
	}
	g_atomic_pointer_set(&c->literals, prefilter(c));
	g_once_init_leave(&c->jitted, 1);
}

/*
 * Match one rule: PCRE2's answer, > 0 for a match (m filled in),
 * PCRE2_ERROR_NOMATCH, or another error (a limit reached), which callers
 * count as no match.
 */
static int
match_rule(const ndr_rules *r, rule *ru, pcre2_match_data *md,
           const char *subject, size_t len, size_t from, ndr_rule_match *m)
{
	pcre2_code *code = g_atomic_pointer_get(&ru->jit);
	PCRE2_SIZE *ov;
	int rc;
	guint i;

	if (ru->code == NULL)
		return PCRE2_ERROR_NOMATCH; /* left out: it did not compile */
	rc = pcre2_match(code != NULL ? code : ru->code, (PCRE2_SPTR)subject,
	                 len, from, 0, md, r->mctx);
	if (rc <= 0)
		return rc;
	ov = pcre2_get_ovector_pointer(md);
	m->label = ru->label;
	m->priv = ru;
	m->subject = subject;
	m->groups = MIN((guint)rc, NDR_RULE_MAX_GROUPS);
	for (i = 0; i < 2 * m->groups; i++)
		m->ovector[i] = ov[i];
	/* \K may put the start after the end: keep start <= end. */
	m->start = MIN(ov[0], ov[1]);
	m->end = ov[1];
	return rc;
}

/*
 * Fill cc with the built-in rules of c in order, their patterns and
 * codes, as the cache file holds them; view_free() frees its arrays.
 */
static void
view_class(const rule_class *c, ndr_cached_class *cc)
{
	const char **patterns = g_new(const char *, c->rules->len);
	rule *ru;
	guint i;

	cc->name = c->name;
	cc->n = 0;
	cc->codes = g_new(pcre2_code *, c->rules->len);
	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (!ru->lazy)
			continue; /* a user's, compiled at load */
		patterns[cc->n] = ru->pattern;
		cc->codes[cc->n++] = ru->code;
	}
	cc->patterns = patterns;
}

static void
view_free(ndr_cached_class *cc)
{
	g_free((gpointer)cc->patterns);
	g_free(cc->codes);
}

/* Give c's built-in rules the codes of the cache file, if it has them. */
static gboolean
decode_class(const cache_use *cu, rule_class *c)
{
	ndr_cached_class cc;
	gboolean ok;
	rule *ru;
	guint i, k;

	if (cu == NULL || cu->file == NULL)
		return FALSE;
	view_class(c, &cc);
	ok = ndr_rulecache_get(cu->file, &cc);
	for (i = 0, k = 0; ok && i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (ru->lazy)
			ru->code = cc.codes[k++];
	}
	view_free(&cc);
	return ok;
}

/*
 * Compile c's rules not compiled at load.  Only rules that ship with
 * ndrcheck are compiled this late, and the tests compile every one of
 * them, so one that fails comes from a damaged installation: it is left
 * out, with a warning.  TRUE when it compiled some, and all of them.
 */
static gboolean
compile_rules(rule_class *c)
{
	GError *err = NULL;
	guint i, compiled = 0, failed = 0;
	rule *ru;

	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (ru->code != NULL)
			continue;
		if (compile_rule(ru, &err)) {
			compiled++;
		} else {
			g_warning("%s", err->message);
			g_clear_error(&err);
			failed++;
		}
	}
	return compiled > 0 && failed == 0;
}

/*
 * Make a class not compiled at load ready, the first time it is used:
 * the first thread to come decodes or compiles it, the others wait for
 * it.  Having to compile built-in rules makes the cache file stale.
 */
static void
compile_class(const ndr_rules *r, rule_class *c)
{
	if (!g_once_init_enter(&c->compiled))
		return;
	if (decode_class(r->cache, c))
		g_atomic_int_inc(&r->cache->decoded);
	else if (compile_rules(c) && r->cache != NULL)
		g_atomic_int_set(&r->cache->stale, 1);
	g_once_init_leave(&c->compiled, 1);
}

/*
 * Which rules of c may match subject (len): may[i] for rule i; NULL when
 * every rule is to run.  may_clear() frees what the answer took.
 */
typedef struct may_set {
	guint8 stack[NDR_RULES_STACK];
	guint8 *v;
} may_set;

static const guint8 *
may_match(rule_class *c, const char *subject, size_t len, may_set *ms)
{
	ndr_litscan *s = g_atomic_pointer_get(&c->literals);

	ms->v = NULL;
	if (s == NULL)
		return NULL;
	ms->v = c->rules->len <= NDR_RULES_STACK ? ms->stack
	                                         : g_malloc(c->rules->len);
	ndr_litscan_run(s, subject, len, ms->v);
	return ms->v;
}

static void
may_clear(may_set *ms)
{
	if (ms->v != ms->stack)
		g_free(ms->v);
}

/*
 * Once the cache file is stale, write it anew with every built-in class,
 * making ready the classes not used yet: once per ndr_rules, by the
 * first thread to come (the others go on matching), and outside any
 * class's g_once, since it waits for each.  A class one of whose rules
 * did not compile is left out.
 */
static void
write_cache(const ndr_rules *r)
{
	cache_use *cu = r->cache;
	ndr_rulecache_writer *w;
	ndr_cached_class cc;
	rule_class *c;
	guint i, k;

	if (cu == NULL || !g_atomic_int_get(&cu->stale) ||
	    !g_atomic_int_compare_and_exchange(&cu->written, 0, 1))
		return;
	w = ndr_rulecache_begin(cu->path, NDR_RULE_OPTIONS);
	if (w == NULL)
		return; /* e.g. no home: compile in every process */
	for (i = 0; ndr_rule_classes[i] != NULL; i++) {
		c = g_hash_table_lookup(r->classes, ndr_rule_classes[i]);
		if (c == NULL)
			continue;
		compile_class(r, c);
		view_class(c, &cc);
		for (k = 0; k < cc.n && cc.codes[k] != NULL; k++)
			;
		if (cc.n > 0 && k == cc.n)
			ndr_rulecache_add(w, &cc);
		view_free(&cc);
	}
	ndr_rulecache_finish(w);
}

guint
ndr_rules_cached_classes(const ndr_rules *r)
{
	return r->cache == NULL ? 0
	                        : (guint)g_atomic_int_get(&r->cache->decoded);
}

static void
rule_file_free(gpointer p)
{
	ndr_rule_file *f = p;

	g_free(f->path);
	g_free(f);
}

static gint
rule_file_order(gconstpointer a, gconstpointer b)
{
	const ndr_rule_file *x = *(ndr_rule_file *const *)a,
	                    *y = *(ndr_rule_file *const *)b;

	if (x->builtin != y->builtin)
		return x->builtin ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Whether the cache file holds c's built-in rules as they are now. */
static gboolean
cache_holds(const ndr_rulecache *file, const rule_class *c)
{
	ndr_cached_class cc;
	gboolean ok;
	guint i;

	view_class(c, &cc);
	memset(cc.codes, 0, sizeof(*cc.codes) * c->rules->len);
	ok = ndr_rulecache_get(file, &cc);
	for (i = 0; ok && i < cc.n; i++)
		pcre2_code_free(cc.codes[i]);
	view_free(&cc);
	return ok;
}

void
ndr_rules_describe(const ndr_rules *r, ndr_rules_info *info)
{
	GHashTable *by_path = g_hash_table_new(g_str_hash, g_str_equal);
	ndr_rulecache *file = NULL;
	GHashTableIter it;
	gpointer value;
	rule_class *c;
	ndr_rule_file *f;
	rule *ru;
	guint i, lazy;

	memset(info, 0, sizeof(*info));
	info->files = g_ptr_array_new_with_free_func(rule_file_free);
	if (r->cache != NULL) {
		info->cache_path = g_strdup(r->cache->path);
		file = ndr_rulecache_open(r->cache->path, NDR_RULE_OPTIONS);
		info->cache_found = file != NULL;
	}
	g_hash_table_iter_init(&it, r->classes);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		c = value;
		for (i = 0, lazy = 0; i < c->rules->len; i++) {
			ru = g_ptr_array_index(c->rules, i);
			lazy += ru->lazy;
			f = g_hash_table_lookup(by_path, ru->file);
			if (f == NULL) {
				f = g_new0(ndr_rule_file, 1);
				f->path = g_strdup(ru->file);
				f->builtin = ru->lazy;
				g_hash_table_insert(by_path, f->path, f);
				g_ptr_array_add(info->files, f);
			}
			f->rules++;
		}
		if (lazy == 0)
			continue;
		info->classes++;
		info->cached += file != NULL && cache_holds(file, c);
	}
	g_ptr_array_sort(info->files, rule_file_order);
	g_hash_table_unref(by_path);
	ndr_rulecache_close(file);
}

void
ndr_rules_info_clear(ndr_rules_info *info)
{
	if (info->files != NULL)
		g_ptr_array_unref(info->files);
	g_free(info->cache_path);
	memset(info, 0, sizeof(*info));
}

/*
 * The class cls ready to match subject, or NULL when there is nothing to
 * match: no such class, no subject, or the message is over time (it is
 * then read on what was found so far).
 */
static rule_class *
class_for(const ndr_rules *r, const char *cls, const char *subject, size_t len,
          size_t from)
{
	rule_class *c = g_hash_table_lookup(r->classes, cls);

	if (c == NULL || subject == NULL || from > len || ndr_budget_expired())
		return NULL;
	compile_class(r, c);
	write_cache(r);
	return c;
}

/* The first rule of class cls (in order) that matches from from on. */
static gboolean
first_in_order(const ndr_rules *r, const char *cls, const char *subject,
               size_t len, size_t from, ndr_rule_match *m)
{
	rule_class *c = class_for(r, cls, subject, len, from);
	pcre2_match_data *md;
	gboolean found = FALSE;
	gint64 t0 = g_get_monotonic_time();
	const guint8 *may;
	may_set ms;
	guint i;

	if (c == NULL)
		return FALSE;
	may = may_match(c, subject, len, &ms);
	md = pcre2_match_data_create(NDR_RULE_MAX_GROUPS, NULL);
	for (i = 0; !found && i < c->rules->len; i++)
		found = (may == NULL || may[i]) &&
		        match_rule(r, g_ptr_array_index(c->rules, i), md,
		                   subject, len, from, m) > 0;
	pcre2_match_data_free(md);
	may_clear(&ms);
	maybe_jit(c, g_get_monotonic_time() - t0);
	return found;
}

/*
 * Where one rule of a finder stands: its leftmost match at or after
 * searched (if any), which PCRE2 began trying at tried (before m.start
 * when the rule has \K).
 */
typedef struct rule_ahead {
	enum { AHEAD_UNKNOWN, AHEAD_FOUND, AHEAD_NONE } state;
	size_t searched, tried;
	ndr_rule_match m;
} rule_ahead;

struct ndr_rule_finder {
	const ndr_rules *r;
	rule_class *c; /* NULL: nothing to find */
	const char *subject;
	size_t len;
	pcre2_match_data *md;
	const guint8 *may; /* the rules that may match, NULL: all */
	may_set ms;
	rule_ahead ahead[]; /* one per rule of c */
};

ndr_rule_finder *
ndr_rule_finder_new(const ndr_rules *r, const char *cls, const char *subject,
                    size_t len)
{
	rule_class *c = class_for(r, cls, subject, len, 0);
	guint n = c != NULL ? c->rules->len : 0;
	ndr_rule_finder *f = g_malloc0(sizeof(*f) + n * sizeof(rule_ahead));

	f->r = r;
	f->c = c;
	f->subject = subject;
	f->len = len;
	f->may = c != NULL ? may_match(c, subject, len, &f->ms) : NULL;
	return f;
}

void
ndr_rule_finder_free(ndr_rule_finder *f)
{
	if (f == NULL)
		return;
	if (f->md != NULL)
		pcre2_match_data_free(f->md);
	if (f->may != NULL)
		may_clear(&f->ms);
	g_free(f);
}

/*
 * Bring rule i's leftmost match up to from.  Whether a rule matches at a
 * position does not depend on where the search began (lookbehinds and ^
 * see the text before it; only \G does not), so a match found from an
 * earlier start stands while PCRE2 began it at or after from, and a rule
 * that matched nowhere after an earlier start matches nowhere after
 * this one.  A search cut short by a PCRE2 limit found nothing this
 * time, and is tried again next time (from later on, it may not be).
 */
static const rule_ahead *
ahead_of(ndr_rule_finder *f, guint i, size_t from)
{
	rule *ru = g_ptr_array_index(f->c->rules, i);
	rule_ahead *a = &f->ahead[i];
	int rc;

	if (f->may != NULL && !f->may[i]) {
		a->state = AHEAD_NONE; /* it matches nowhere in the text */
		return a;
	}
	if (a->state != AHEAD_UNKNOWN && !ru->at_offset &&
	    from >= a->searched && (a->state == AHEAD_NONE || a->tried >= from))
		return a;
	if (f->md == NULL)
		f->md = pcre2_match_data_create(NDR_RULE_MAX_GROUPS, NULL);
	a->searched = from;
	rc = match_rule(f->r, ru, f->md, f->subject, f->len, from, &a->m);
	a->state = rc > 0                      ? AHEAD_FOUND
	           : rc == PCRE2_ERROR_NOMATCH ? AHEAD_NONE
	                                       : AHEAD_UNKNOWN;
	if (a->state == AHEAD_FOUND)
		a->tried = pcre2_get_startchar(f->md);
	return a;
}

gboolean
ndr_rule_finder_next(ndr_rule_finder *f, size_t from, ndr_rule_match *m)
{
	const rule_ahead *a, *best = NULL;
	gint64 t0 = g_get_monotonic_time();
	guint i;

	if (f->c == NULL || from > f->len || ndr_budget_expired())
		return FALSE;
	for (i = 0; i < f->c->rules->len; i++) {
		a = ahead_of(f, i, from);
		if (a->state == AHEAD_FOUND &&
		    (best == NULL || a->m.start < best->m.start))
			best = a;
		if (best != NULL && best->m.start == from)
			break; /* nothing can come before it */
	}
	maybe_jit(f->c, g_get_monotonic_time() - t0);
	if (best != NULL)
		*m = best->m;
	return best != NULL;
}

static gboolean
has_label(const GPtrArray *labels, const char *label)
{
	guint i;

	for (i = 0; i < labels->len; i++)
		if (strcmp(g_ptr_array_index(labels, i), label) == 0)
			return TRUE;
	return FALSE;
}

void
ndr_rules_labels(const ndr_rules *r, const char *cls, const char *subject,
                 size_t len, GPtrArray *labels)
{
	rule_class *c = class_for(r, cls, subject, len, 0);
	pcre2_match_data *md;
	ndr_rule_match m;
	gint64 t0 = g_get_monotonic_time();
	const guint8 *may;
	may_set ms;
	rule *ru;
	guint i;

	if (c == NULL)
		return;
	may = may_match(c, subject, len, &ms);
	md = pcre2_match_data_create(NDR_RULE_MAX_GROUPS, NULL);
	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if ((may == NULL || may[i]) && !has_label(labels, ru->label) &&
		    ((may != NULL && may[i] == NDR_LITSCAN_MATCHES) ||
		     match_rule(r, ru, md, subject, len, 0, &m) > 0))
			g_ptr_array_add(labels, ru->label);
	}
	pcre2_match_data_free(md);
	may_clear(&ms);
	maybe_jit(c, g_get_monotonic_time() - t0);
}

/*
 * Whether the rules of c can join an alternation that means what they
 * mean one by one: only if none has a capturing group, so that none
 * refers to a group by number, and none recurses into the whole pattern
 * with (?R) or (?0); then add them to text.
 */
static gboolean
add_to_union(const rule_class *c, GString *text)
{
	uint32_t groups;
	rule *ru;
	guint i;

	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (ru->code == NULL)
			return FALSE; /* left out; the union would not be */
		pcre2_pattern_info(ru->code, PCRE2_INFO_CAPTURECOUNT, &groups);
		if (groups > 0 || strstr(ru->pattern, "(?R") != NULL ||
		    strstr(ru->pattern, "(?0") != NULL)
			return FALSE;
		g_string_append_printf(text, "%s(?:%s)",
		                       text->len > 0 ? "|" : "", ru->pattern);
	}
	return TRUE;
}

/*
 * The rules of the classes named in v (NULL-terminated) as one
 * JIT-compiled alternation, or NULL when that would not mean the same.
 */
static pcre2_code *
union_compile(const ndr_rules *r, char *const *v)
{
	GString *text = g_string_new(NULL);
	pcre2_code *code = NULL;
	gboolean safe = TRUE;
	rule_class *c;
	PCRE2_SIZE off;
	guint i;
	int err;

	for (i = 0; safe && v[i] != NULL; i++) {
		c = g_hash_table_lookup(r->classes, v[i]);
		if (c == NULL)
			continue; /* no such class: adds nothing */
		compile_class(r, c);
		safe = add_to_union(c, text);
	}
	if (safe && text->len > 0)
		code = pcre2_compile((PCRE2_SPTR)text->str, text->len,
		                     NDR_RULE_OPTIONS, &err, &off,
		                     compile_context());
	if (code != NULL)
		pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	g_string_free(text, TRUE);
	return code;
}

static rule_union *
union_find(rule_union *u, const char *names)
{
	for (; u != NULL; u = u->next)
		if (strcmp(u->names, names) == 0)
			return u;
	return NULL;
}

/*
 * The union of names, made on first use.  Worker threads of a scan ask
 * for it with every message: they read the list without a lock (a
 * union is complete before it is published, and never removed).
 */
static rule_union *
union_for(const ndr_rules *r, const char *names)
{
	ndr_rules *rw = (ndr_rules *)r; /* the unions are a cache */
	rule_union *u = union_find(g_atomic_pointer_get(&rw->unions), names);

	if (u != NULL)
		return u;
	g_mutex_lock(&rw->unions_lock);
	u = union_find(rw->unions, names);
	if (u == NULL) {
		u = g_new0(rule_union, 1);
		u->names = g_strdup(names);
		u->classes = g_strsplit(names, " ", -1);
		u->next = rw->unions;
		g_atomic_pointer_set(&rw->unions, u);
	}
	g_mutex_unlock(&rw->unions_lock);
	return u;
}

/* Rule by rule, class by class of v (NULL-terminated). */
static gboolean
any_of_each(const ndr_rules *r, char *const *v, const char *subject, size_t len)
{
	gboolean found = FALSE;
	ndr_rule_match m;
	guint i;

	for (i = 0; !found && v[i] != NULL; i++)
		found = first_in_order(r, v[i], subject, len, 0, &m);
	return found;
}

/*
 * The union is to the rules of a busy process what JIT compilation is
 * to one rule: it costs more to build (a compilation of every pattern
 * again) than a message or two costs to match rule by rule, so it is
 * built once matching rule by rule has taken NDR_RULES_JIT_US.
 */
gboolean
ndr_rules_any(const ndr_rules *r, const char *classes, const char *subject,
              size_t len)
{
	rule_union *u = union_for(r, classes);
	pcre2_code *code = g_atomic_pointer_get(&u->code);
	pcre2_match_data *md;
	gboolean found;
	gint64 t0;
	int rc;

	if (subject == NULL || ndr_budget_expired())
		return FALSE;
	if (code != NULL) {
		md = pcre2_match_data_create(1, NULL);
		rc = pcre2_match(code, (PCRE2_SPTR)subject, len, 0, 0, md,
		                 r->mctx);
		pcre2_match_data_free(md);
		/*
		 * The union searches the whole text as one pattern, so a
		 * long text can take it to PCRE2's limit where each rule
		 * alone would not: then it is asked rule by rule.
		 */
		if (rc != PCRE2_ERROR_MATCHLIMIT &&
		    rc != PCRE2_ERROR_DEPTHLIMIT)
			return rc > 0;
	}
	t0 = g_get_monotonic_time();
	found = any_of_each(r, u->classes, subject, len);
	if (jit_due(&u->spent_us, &u->built, g_get_monotonic_time() - t0)) {
		g_atomic_pointer_set(&u->code, union_compile(r, u->classes));
		g_once_init_leave(&u->built, 1);
	}
	return found;
}

gboolean
ndr_rules_match(const ndr_rules *r, const char *cls, const char *subject,
                size_t len, size_t from, ndr_rule_match *m)
{
	return first_in_order(r, cls, subject, len, from, m);
}

gboolean
ndr_rules_find(const ndr_rules *r, const char *cls, const char *subject,
               size_t len, size_t from, ndr_rule_match *m)
{
	ndr_rule_finder *f = ndr_rule_finder_new(r, cls, subject, len);
	gboolean found = ndr_rule_finder_next(f, from, m);

	ndr_rule_finder_free(f);
	return found;
}

char *
ndr_rule_group(const ndr_rule_match *m, const char *name)
{
	const rule *ru = m->priv;
	int n;

	n = pcre2_substring_number_from_name(ru->code, (PCRE2_SPTR)name);
	if (n < 0 || (unsigned int)n >= m->groups ||
	    m->ovector[2 * n] == PCRE2_UNSET)
		return NULL;
	return g_strndup(m->subject + m->ovector[2 * n],
	                 m->ovector[2 * n + 1] - m->ovector[2 * n]);
}
