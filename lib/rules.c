/*
 * rules.c - load rule files and match their PCRE2 patterns (see rules.h
 * and ndrcheck-rules(5) for the file format).
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
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "budget.h"
#include "error.h"
#include "ndrlimits.h"
#include "reason.h"
#include "rulecache.h"
#include "rules.h"

/* Time a class spends matching before it is JIT-compiled, in us. */
#define NDR_RULES_JIT_US 1000

/*
 * Mail text is decoded to UTF-8 before matching, but a damaged part may
 * still hold invalid sequences: MATCH_INVALID_UTF makes them simply
 * never match instead of failing the call.
 */
#define NDR_RULE_OPTIONS                                                       \
	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MULTILINE |            \
	 PCRE2_MATCH_INVALID_UTF)

/*
 * Every class the library reads, and what its subjects are; a class
 * named in a file but missing here is a typo that would silently do
 * nothing, so it is an error.
 */
static const char *const known_classes[] = {
    "suspect",        /* header lines: worth a full parse */
    "bounce",         /* header lines: a delivery failure report */
    "bounce-subject", /* header lines: a subject of such a report */
    "auto-reply",     /* header lines: an automatic reply */
    "challenge",      /* header lines: challenge-response */
    "challenge-text", /* text: challenge-response */
    "virus-notice",   /* header lines: the sender's message was infected */
    "virus-text",     /* text: the sender's message was infected */
    "feedback",       /* header lines: an abuse or unsubscribe report */
    "ordinary",       /* header lines: automated but ordinary mail */
    "ndr-text",       /* text: the prose of a non-delivery report */
    "recipient",      /* text: a failed recipient (addr, code, ...) */
    "separator",      /* text: the original follows */
    "reporting-mta",  /* text: the reporting MTA (mta) */
    "status",         /* text: an enhanced status code (status) */
    "reply-code",     /* text: an SMTP reply code (code) */
    "reason-phrase",  /* diagnostic text: label is a reason it speaks of */
    "reason",         /* a recipient's facts: label is its reason */
    "smtp-command",   /* diagnostic text: label is the command answered */
    NULL,
};

typedef struct rule {
	char *label;
	char *file; /* for messages: where the rule was written */
	guint line;
	char *pattern;    /* macros expanded (the cache compares them) */
	gboolean lazy;    /* ships with ndrcheck: compiled on first use */
	pcre2_code *code; /* NULL until compiled, or when it does not */
	pcre2_code *jit;  /* JIT-compiled copy, published atomically */
} rule;

typedef struct rule_class {
	char *name;       /* also the key in ndr_rules.classes */
	GPtrArray *rules; /* of rule *, in file and line order */
	gsize compiled;   /* g_once flag: every rule tried */
	gint spent_us;    /* interpreted matching, up to the JIT threshold */
	gsize jitted;     /* g_once flag */
} rule_class;

/*
 * The rules of one or more classes as one alternation (ndr_rules_any()):
 * the text is scanned once, not once a rule.
 */
typedef struct rule_union {
	char *names; /* the classes, as ndr_rules_any() was given them */
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
rule_free(gpointer p)
{
	rule *ru = p;

	g_free(ru->label);
	g_free(ru->file);
	g_free(ru->pattern);
	pcre2_code_free(ru->code);
	pcre2_code_free(ru->jit);
	g_free(ru);
}

static void
class_free(gpointer p)
{
	rule_class *c = p;

	g_free(c->name);
	g_ptr_array_unref(c->rules);
	g_free(c);
}

static void
union_free(rule_union *u)
{
	g_free(u->names);
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

/* The state of reading one file. */
typedef struct reader {
	ndr_rules *rules;
	const char *path;
	guint line;
	rule_class *cls; /* current [class], or NULL before the first */
	char *label;     /* the rule being collected, or NULL */
	guint label_line;
	GString *pattern;
	GHashTable *macros; /* "%define" name -> pattern, this file only */
	gboolean lazy;      /* compile its rules when their class is used */
} reader;

static gboolean fail_at(GError **err, const char *path, guint line,
                        const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* A usage error naming the file and line where the mistake is. */
static gboolean
fail_at(GError **err, const char *path, guint line, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
	            "%s:%u: %s (see ndrcheck-rules(5))", path, line, what);
	g_free(what);
	return FALSE;
}

static gboolean
known_class(const char *name)
{
	guint i;

	for (i = 0; known_classes[i] != NULL; i++)
		if (strcmp(known_classes[i], name) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
valid_label(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && strchr("._-", *s) == NULL)
			return FALSE;
	return TRUE;
}

/*
 * Replace each %{NAME} in text by the pattern "%define NAME" gave earlier
 * in the file, so that a shape used by many rules (an address, say) is
 * written once; line is where text was written, for the error.
 */
static gboolean
expand_macros(reader *rd, GString *text, guint line, GError **err)
{
	GString *out = g_string_sized_new(text->len);
	const char *p = text->str, *open, *close, *value;
	char *name;

	while ((open = strstr(p, "%{")) != NULL) {
		close = strchr(open, '}');
		if (close == NULL)
			break;
		name = g_strndup(open + 2, close - open - 2);
		value = g_hash_table_lookup(rd->macros, name);
		if (value == NULL) {
			fail_at(err, rd->path, line,
			        "%%{%s} is used, but no %%define line before "
			        "it names it",
			        name);
			g_free(name);
			g_string_free(out, TRUE);
			return FALSE;
		}
		g_free(name);
		g_string_append_len(out, p, open - p);
		g_string_append(out, value);
		p = close + 1;
	}
	g_string_append(out, p);
	g_string_assign(text, out->str);
	g_string_free(out, TRUE);
	return TRUE;
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
		return fail_at(err, ru->file, ru->line,
		               "rule \"%s\": %s at offset %zu of its pattern",
		               ru->label, (char *)msg, (size_t)off);
	}
	pcre2_pattern_info(ru->code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (groups + 1 > NDR_RULE_MAX_GROUPS) {
		pcre2_code_free(ru->code);
		ru->code = NULL;
		return fail_at(
		    err, ru->file, ru->line,
		    "rule \"%s\" has %u capturing groups, at most %d "
		    "are allowed: use (?:...) for grouping",
		    ru->label, groups, NDR_RULE_MAX_GROUPS - 1);
	}
	return TRUE;
}

/* Append the collected rule to its class, compiled unless lazy. */
static gboolean
finish_rule(reader *rd, GError **err)
{
	rule *ru;

	if (rd->label == NULL)
		return TRUE;
	if (!expand_macros(rd, rd->pattern, rd->label_line, err))
		return FALSE;
	ru = g_new0(rule, 1);
	ru->label = rd->label;
	ru->file = g_strdup(rd->path);
	ru->line = rd->label_line;
	ru->pattern = g_strdup(rd->pattern->str);
	ru->lazy = rd->lazy;
	rd->label = NULL;
	if (!rd->lazy && !compile_rule(ru, err)) {
		rule_free(ru);
		return FALSE;
	}
	g_ptr_array_add(rd->cls->rules, ru);
	return TRUE;
}

static gboolean
start_class(reader *rd, const char *line, GError **err)
{
	const char *end = strchr(line, ']');
	char *name;

	if (end == NULL || end[1] != '\0')
		return fail_at(err, rd->path, rd->line,
		               "a section line must be "
		               "\"[class]\" alone");
	name = g_strndup(line + 1, end - line - 1);
	if (!known_class(name)) {
		fail_at(err, rd->path, rd->line, "unknown class \"%s\"", name);
		g_free(name);
		return FALSE;
	}
	rd->cls = g_hash_table_lookup(rd->rules->classes, name);
	if (rd->cls == NULL) {
		rd->cls = g_new0(rule_class, 1);
		rd->cls->name = name;
		rd->cls->rules = g_ptr_array_new_with_free_func(rule_free);
		g_hash_table_insert(rd->rules->classes, name, rd->cls);
	} else {
		g_free(name);
	}
	return TRUE;
}

/* "LABEL PATTERN": the label is the first word, the pattern the rest. */
static gboolean
start_rule(reader *rd, const char *line, GError **err)
{
	const char *sp = line;

	while (*sp != '\0' && *sp != ' ' && *sp != '\t')
		sp++;
	rd->label = g_strndup(line, sp - line);
	rd->label_line = rd->line;
	while (*sp == ' ' || *sp == '\t')
		sp++;
	if (!valid_label(rd->label))
		return fail_at(err, rd->path, rd->line,
		               "label \"%s\" must be letters, "
		               "digits, '.', '_' or '-'",
		               rd->label);
	if (*sp == '\0')
		return fail_at(err, rd->path, rd->line,
		               "rule \"%s\" has no pattern", rd->label);
	if (rd->cls == NULL)
		return fail_at(err, rd->path, rd->line,
		               "rule \"%s\" before the first "
		               "[class] line",
		               rd->label);
	if (g_str_has_prefix(rd->cls->name, "reason") &&
	    !ndr_reason_known(rd->label))
		return fail_at(err, rd->path, rd->line,
		               "\"%s\" is not a reason of "
		               "ndrcheck(1)'s vocabulary",
		               rd->label);
	g_string_assign(rd->pattern, sp);
	return TRUE;
}

/* "%define NAME PATTERN": NAME is capitals, digits and '_'. */
static gboolean
define_macro(reader *rd, const char *line, GError **err)
{
	const char *name = line, *end;
	GString *value;

	while (*name == ' ' || *name == '\t')
		name++;
	for (end = name;
	     g_ascii_isupper(*end) || g_ascii_isdigit(*end) || *end == '_';
	     end++)
		;
	if (end == name || name == line ||
	    (*end != '\0' && *end != ' ' && *end != '\t'))
		return fail_at(
		    err, rd->path, rd->line,
		    "a macro line must be "
		    "\"%%define NAME PATTERN\" with NAME in capitals");
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end == '\0')
		return fail_at(err, rd->path, rd->line,
		               "macro line without a pattern");
	/* A macro may use the macros defined before it. */
	value = g_string_new(end);
	if (!expand_macros(rd, value, rd->line, err)) {
		g_string_free(value, TRUE);
		return FALSE;
	}
	g_hash_table_insert(rd->macros, g_strndup(name, strcspn(name, " \t")),
	                    g_string_free(value, FALSE));
	return TRUE;
}

static gboolean
read_line(reader *rd, char *line, GError **err)
{
	g_strchomp(line);
	if (*line == ' ' || *line == '\t') {
		if (rd->label == NULL)
			return g_strchug(line)[0] == '\0' ||
			       fail_at(err, rd->path, rd->line,
			               "continuation line "
			               "without a rule before it");
		g_string_append(rd->pattern, g_strchug(line));
		return TRUE;
	}
	if (!finish_rule(rd, err))
		return FALSE;
	if (*line == '\0' || *line == '#')
		return TRUE;
	if (*line == '[')
		return start_class(rd, line, err);
	if (g_str_has_prefix(line, "%define"))
		return define_macro(rd, line + strlen("%define"), err);
	return start_rule(rd, line, err);
}

static gboolean
load_file(ndr_rules *r, const char *path, gboolean lazy, GError **err)
{
	GError *e = NULL;
	char *text, *line, *end;
	reader rd = {.rules = r, .path = path, .lazy = lazy};
	gboolean ok = TRUE;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "cannot read rule file: %s", e->message);
		g_error_free(e);
		return FALSE;
	}
	if (len > NDR_MAX_RULE_FILE_BYTES || strlen(text) != len ||
	    !g_utf8_validate(text, len, NULL)) {
		g_free(text);
		return fail_at(err, rd.path, 0,
		               "not a rule file: larger than %u "
		               "bytes, or not UTF-8 text",
		               NDR_MAX_RULE_FILE_BYTES);
	}
	rd.pattern = g_string_new(NULL);
	rd.macros =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Lines are cut in place: CR-only and CRLF files too. */
	for (line = text, rd.line = 1; ok && line < text + len; rd.line++) {
		end = line + strcspn(line, "\r\n");
		if (*end == '\r' && end[1] == '\n')
			*end++ = '\0';
		*end = '\0';
		ok = read_line(&rd, line, err);
		line = end + 1;
	}
	if (ok)
		ok = finish_rule(&rd, err);
	g_free(rd.label);
	g_string_free(rd.pattern, TRUE);
	g_hash_table_unref(rd.macros);
	g_free(text);
	return ok;
}

/* A rule file to read, and whether it ships with ndrcheck. */
typedef struct rule_file {
	char *path;
	gboolean builtin;
} rule_file;

static void
rule_file_free(gpointer p)
{
	rule_file *f = p;

	g_free(f->path);
	g_free(f);
}

/*
 * name -> rule_file of every "*.rules" file, later directories winning;
 * with builtin, those of the first directory ship with ndrcheck.
 */
static GHashTable *
collect_files(const char *const *dirs, gboolean builtin)
{
	GHashTable *files = g_hash_table_new_full(g_str_hash, g_str_equal,
	                                          g_free, rule_file_free);
	const char *name;
	rule_file *f;
	guint i;
	GDir *d;

	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		d = g_dir_open(dirs[i], 0, NULL);
		if (d == NULL)
			continue; /* e.g. no user rules.d: nothing to add */
		while ((name = g_dir_read_name(d)) != NULL) {
			if (!g_str_has_suffix(name, ".rules") || name[0] == '.')
				continue;
			f = g_new0(rule_file, 1);
			f->path = g_build_filename(dirs[i], name, NULL);
			f->builtin = builtin && i == 0;
			g_hash_table_insert(files, g_strdup(name), f);
		}
		g_dir_close(d);
	}
	return files;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static ndr_rules *
load(const char *const *dirs, gboolean builtin, GError **err)
{
	ndr_rules *r = g_new0(ndr_rules, 1);
	GHashTable *files = collect_files(dirs, builtin);
	guint i, n;
	gpointer *names = g_hash_table_get_keys_as_array(files, &n);
	gboolean ok = TRUE;
	rule_file *f;

	r->classes =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, class_free);
	g_mutex_init(&r->unions_lock);
	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, NDR_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, NDR_PCRE2_DEPTH_LIMIT);
	qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; ok && i < n; i++) {
		f = g_hash_table_lookup(files, names[i]);
		ok = load_file(r, f->path, f->builtin, err);
	}
	g_free(names);
	g_hash_table_unref(files);
	if (!ok) {
		ndr_rules_free(r);
		return NULL;
	}
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
 * Count the us a class just spent matching; JIT-compile copies of its
 * patterns once they add up to NDR_RULES_JIT_US.  Other threads keep
 * matching the interpreted originals meanwhile and pick up each copy
 * once it is published.
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
	g_once_init_leave(&c->jitted, 1);
}

/* Match one rule; a PCRE2 limit or error counts as no match. */
static gboolean
match_rule(const ndr_rules *r, rule *ru, pcre2_match_data *md,
           const char *subject, size_t len, size_t from, ndr_rule_match *m)
{
	pcre2_code *code = g_atomic_pointer_get(&ru->jit);
	PCRE2_SIZE *ov;
	int rc;
	guint i;

	if (ru->code == NULL)
		return FALSE; /* left out: it did not compile */
	rc = pcre2_match(code != NULL ? code : ru->code, (PCRE2_SPTR)subject,
	                 len, from, 0, md, r->mctx);
	if (rc <= 0)
		return FALSE;
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
	return TRUE;
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
	for (i = 0; known_classes[i] != NULL; i++) {
		c = g_hash_table_lookup(r->classes, known_classes[i]);
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

static gboolean
search(const ndr_rules *r, const char *cls, const char *subject, size_t len,
       size_t from, gboolean leftmost, ndr_rule_match *m)
{
	rule_class *c = class_for(r, cls, subject, len, from);
	pcre2_match_data *md;
	ndr_rule_match try;
	gboolean found = FALSE;
	gint64 t0 = g_get_monotonic_time();
	guint i;

	if (c == NULL)
		return FALSE;
	md = pcre2_match_data_create(NDR_RULE_MAX_GROUPS, NULL);
	for (i = 0; i < c->rules->len; i++) {
		if (!match_rule(r, g_ptr_array_index(c->rules, i), md, subject,
		                len, from, &try))
			continue;
		if (!found || try.start < m->start)
			*m = try;
		found = TRUE;
		if (!leftmost || m->start == from)
			break; /* nothing can come before it */
	}
	pcre2_match_data_free(md);
	maybe_jit(c, g_get_monotonic_time() - t0);
	return found;
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
	rule *ru;
	guint i;

	if (c == NULL)
		return;
	md = pcre2_match_data_create(NDR_RULE_MAX_GROUPS, NULL);
	for (i = 0; i < c->rules->len; i++) {
		ru = g_ptr_array_index(c->rules, i);
		if (!has_label(labels, ru->label) &&
		    match_rule(r, ru, md, subject, len, 0, &m))
			g_ptr_array_add(labels, ru->label);
	}
	pcre2_match_data_free(md);
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
 * The rules of the classes named in names as one JIT-compiled
 * alternation, or NULL when that would not mean the same.
 */
static pcre2_code *
union_compile(const ndr_rules *r, const char *names)
{
	char **v = g_strsplit(names, " ", -1);
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
	g_strfreev(v);
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
		u->next = rw->unions;
		g_atomic_pointer_set(&rw->unions, u);
	}
	g_mutex_unlock(&rw->unions_lock);
	return u;
}

/* Rule by rule, class by class. */
static gboolean
any_of_each(const ndr_rules *r, const char *names, const char *subject,
            size_t len)
{
	char **v = g_strsplit(names, " ", -1);
	gboolean found = FALSE;
	ndr_rule_match m;
	guint i;

	for (i = 0; !found && v[i] != NULL; i++)
		found = search(r, v[i], subject, len, 0, FALSE, &m);
	g_strfreev(v);
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
		return rc > 0;
	}
	t0 = g_get_monotonic_time();
	found = any_of_each(r, classes, subject, len);
	if (jit_due(&u->spent_us, &u->built, g_get_monotonic_time() - t0)) {
		g_atomic_pointer_set(&u->code, union_compile(r, classes));
		g_once_init_leave(&u->built, 1);
	}
	return found;
}

gboolean
ndr_rules_match(const ndr_rules *r, const char *cls, const char *subject,
                size_t len, size_t from, ndr_rule_match *m)
{
	return search(r, cls, subject, len, from, FALSE, m);
}

gboolean
ndr_rules_find(const ndr_rules *r, const char *cls, const char *subject,
               size_t len, size_t from, ndr_rule_match *m)
{
	return search(r, cls, subject, len, from, TRUE, m);
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
