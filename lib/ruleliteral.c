/*
 * ruleliteral.c - the literals a rule's matches must contain, and a
 * one-pass search for those of a whole class (see ruleliteral.h).
 *
 * The reader follows the part of PCRE2's syntax the rules use and gives
 * up on the rest.  For each alternative of a pattern it keeps the most
 * telling requirement of its sequence: a run of literal characters that
 * every match holds, or a group's requirement when the group must match;
 * an alternation requires one of its alternatives' requirements.  What
 * a positive lookaround requires must be in the subject too, and the
 * search covers the whole subject, so lookarounds count; a negative one
 * requires nothing.  An optional item (a quantifier of minimum 0) cuts
 * the run before it.
 *
 * The search: the literals of a class in one hash table keyed by their
 * first NDR_LITERAL_MIN bytes, probed once at each byte of the folded
 * text.
 */
#include <string.h>

#include "ruleliteral.h"

/* Texts up to this long are folded on the stack. */
#define NDR_LITSCAN_STACK 4096

typedef GPtrArray req;  /* of char *: one of them must be there */
typedef GPtrArray conj; /* of req *: each must be met; empty: none */

typedef struct reader {
	const char *p;
	gboolean fail; /* a syntax not followed: no literals at all */
} reader;

static conj *alternation(reader *rd);

static guint
shortest(const req *r)
{
	guint i, n = G_MAXUINT;

	for (i = 0; i < r->len; i++)
		n = MIN(n, strlen(g_ptr_array_index(r, i)));
	return n;
}

/* The most telling requirement of c (the longest shortest literal). */
static req *
best_of(const conj *c)
{
	req *best = NULL, *r;
	guint i, a, b;

	for (i = 0; i < c->len; i++) {
		r = g_ptr_array_index(c, i);
		a = best != NULL ? shortest(best) : 0;
		b = shortest(r);
		if (best == NULL || b > a || (b == a && r->len < best->len))
			best = r;
	}
	return best;
}

static conj *
conj_new(void)
{
	return g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_ptr_array_unref);
}

/* Add what from requires to c; from is freed. */
static void
add_all(conj *c, conj *from)
{
	guint i;

	if (from == NULL)
		return;
	for (i = 0; i < from->len; i++)
		g_ptr_array_add(c, g_ptr_array_steal_index(from, i--));
	g_ptr_array_unref(from);
}

static req *
single(const char *lit, size_t len)
{
	req *r = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(r, g_strndup(lit, len));
	return r;
}

/* A run of literals ends: it is a requirement if long enough. */
static void
end_run(GString *run, conj *c)
{
	if (run->len >= NDR_LITERAL_MIN)
		g_ptr_array_add(c, single(run->str, run->len));
	g_string_truncate(run, 0);
}

/* A quantifier at p: its length and minimum, or 0 when there is none. */
static size_t
quantifier(const char *p, guint *min)
{
	const char *q = p + 1;

	*min = 0;
	if (*p == '*' || *p == '?')
		return 1;
	if (*p == '+') {
		*min = 1;
		return 1;
	}
	if (*p != '{' || !g_ascii_isdigit(*q))
		return 0;
	for (; g_ascii_isdigit(*q); q++)
		*min = MIN(*min * 10 + (guint)(*q - '0'), 1000u);
	if (*q == ',')
		for (q++; g_ascii_isdigit(*q); q++)
			;
	return *q == '}' ? (size_t)(q + 1 - p) : 0;
}

/* Skip a character class at rd->p ('['); POSIX classes are not followed. */
static void
skip_class(reader *rd)
{
	const char *p = rd->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != ']'; p++) {
		if (*p == '\\' && p[1] != 'Q' && p[1] != '\0') {
			p++;
		} else if (*p == '\0' || *p == '\\' ||
		           (p[0] == '[' && p[1] == ':')) {
			rd->fail = TRUE;
			return;
		}
	}
	rd->p = p + 1;
}

/*
 * The escape at rd->p ('\'), consumed: the ASCII character it stands for
 * (>= 0), -1 for anything else (a type, an assertion), -2 for \E.
 */
static int
escape(reader *rd)
{
	const char *p = rd->p + 1;
	guint v = 0;
	int n;

	rd->p += 2;
	if (*p != '\0' && (guchar)*p < 0x80 && !g_ascii_isalnum(*p))
		return *p;
	switch (*p) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	case 'e':
		return 0x1b;
	case 'a':
		return 0x07;
	case 'E':
		return -2;
	case 'd':
	case 'D':
	case 's':
	case 'S':
	case 'w':
	case 'W':
	case 'b':
	case 'B':
	case 'A':
	case 'z':
	case 'Z':
	case 'G':
	case 'h':
	case 'H':
	case 'v':
	case 'V':
	case 'R':
	case 'X':
	case 'K':
	case 'C':
		return -1;
	case 'N':
		if (p[1] == '{')
			break;
		return -1;
	case 'p':
	case 'P':
		if (p[1] != '{') {
			rd->p += p[1] != '\0';
			return -1;
		}
		p = strchr(p, '}');
		if (p == NULL)
			break;
		rd->p = p + 1;
		return -1;
	case 'x':
		if (p[1] == '{') {
			for (p += 2; g_ascii_isxdigit(*p); p++)
				v = MIN(v * 16 + g_ascii_xdigit_value(*p),
				        0x110000u);
			if (*p != '}')
				break;
			rd->p = p + 1;
		} else {
			for (n = 0, p++; n < 2 && g_ascii_isxdigit(*p);
			     n++, p++)
				v = v * 16 + g_ascii_xdigit_value(*p);
			rd->p = p;
		}
		return v < 0x80 ? (int)v : -1;
	}
	rd->fail = TRUE; /* backreferences, octal, \c, \Q inside ... */
	return -1;
}

/* The group at rd->p ('('), consumed: what it requires, or NULL. */
static conj *
group(reader *rd)
{
	const char *p = rd->p + 1;
	gboolean counts = TRUE;
	conj *inner;

	if (*p == '*') {
		rd->fail = TRUE; /* a verb */
		return NULL;
	}
	if (*p == '?') {
		p++;
		if (*p == ':' || *p == '>' || *p == '|' || *p == '=') {
			p++;
		} else if (strncmp(p, "<=", 2) == 0) {
			p += 2;
		} else if (*p == '!' || strncmp(p, "<!", 2) == 0) {
			p += *p == '!' ? 1 : 2;
			counts = FALSE;
		} else if (*p == '<' || *p == '\'' ||
		           strncmp(p, "P<", 2) == 0) {
			p = strpbrk(p + 1, ">'");
			if (p == NULL)
				goto fail;
			p++;
		} else {
			/* options: (?i) or (?i:...); x would change what
			   a literal is */
			for (; *p != '\0' && strchr("imnsUJ-^", *p) != NULL;
			     p++)
				;
			if (*p == ')') {
				rd->p = p + 1;
				return NULL;
			}
			if (*p != ':')
				goto fail;
			p++;
		}
	}
	rd->p = p;
	inner = alternation(rd);
	if (rd->fail || *rd->p != ')') {
		if (inner != NULL)
			g_ptr_array_unref(inner);
		goto fail;
	}
	rd->p++;
	if (!counts)
		g_clear_pointer(&inner, g_ptr_array_unref);
	return inner;
fail:
	rd->fail = TRUE;
	return NULL;
}

/* What one alternative (up to '|', ')' or the end) requires. */
static conj *
sequence(reader *rd)
{
	GString *run = g_string_new(NULL);
	enum { NONE, CHAR, GROUP, OTHER } last = NONE;
	conj *need = conj_new(), *pending = NULL;
	gboolean quoted = FALSE;
	size_t n, before = 0;
	guint min;
	int c;

	while (!rd->fail && *rd->p != '\0') {
		if (quoted && strncmp(rd->p, "\\E", 2) == 0) {
			rd->p += 2;
			quoted = FALSE;
			continue;
		}
		n = quoted ? 0 : quantifier(rd->p, &min);
		if (n > 0) {
			rd->p += n;
			if (*rd->p == '?' || *rd->p == '+')
				rd->p++; /* lazy, possessive */
			if (last == NONE)
				rd->fail = TRUE;
			if (last == CHAR) {
				c = run->str[before];
				g_string_truncate(run, min == 0 ? before
				                                : before + 1);
				end_run(run, need);
				if (min > 0)
					g_string_append_c(run, (char)c);
			}
			if (min > 0)
				add_all(need, pending);
			else if (pending != NULL)
				g_ptr_array_unref(pending);
			pending = NULL;
			last = NONE;
			continue;
		}
		add_all(need, pending);
		pending = NULL;
		c = (guchar)*rd->p;
		if (quoted) {
			rd->p++;
		} else if (c == '|' || c == ')') {
			break;
		} else if (c == '\\' && rd->p[1] == 'Q') {
			rd->p += 2;
			quoted = TRUE;
			continue;
		} else if (c == '\\') {
			c = escape(rd);
			if (c == -2)
				continue; /* a stray \E */
		} else if (c == '(') {
			end_run(run, need);
			pending = group(rd);
			last = GROUP;
			continue;
		} else if (c == '[') {
			skip_class(rd);
			c = -1;
		} else if (c == '{') {
			rd->fail =
			    TRUE; /* a literal brace: not worth knowing */
		} else if (c == '.' || c == '^' || c == '$' || c >= 0x80) {
			rd->p++;
			c = -1;
		} else {
			rd->p++;
		}
		if (c < 0 || c >= 0x80) {
			end_run(run, need);
			last = OTHER;
			continue;
		}
		before = run->len;
		g_string_append_c(run, g_ascii_tolower((char)c));
		last = CHAR;
	}
	add_all(need, pending);
	end_run(run, need);
	g_string_free(run, TRUE);
	return need;
}

/*
 * What an alternation requires: of one alternative, all it does; of
 * several, one of the most telling requirement of each.
 */
static conj *
alternation(reader *rd)
{
	GPtrArray *branches =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	conj *c;
	req *all, *one;
	guint i, k;

	for (;;) {
		g_ptr_array_add(branches, sequence(rd));
		if (rd->fail || *rd->p != '|')
			break;
		rd->p++;
	}
	if (branches->len == 1)
		return g_ptr_array_steal_index(branches, 0);
	c = conj_new();
	all = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; all != NULL && i < branches->len; i++) {
		one = best_of(g_ptr_array_index(branches, i));
		for (k = 0; one != NULL && k < one->len; k++)
			g_ptr_array_add(all, g_strdup(one->pdata[k]));
		if (one == NULL)
			g_clear_pointer(&all, g_ptr_array_unref);
	}
	if (all != NULL)
		g_ptr_array_add(c, all);
	g_ptr_array_unref(branches);
	return c;
}

GPtrArray *
ndr_required_literals(const char *pattern)
{
	reader rd = {pattern, FALSE};
	conj *c = alternation(&rd);

	if (rd.fail || *rd.p != '\0' || c->len == 0)
		g_clear_pointer(&c, g_ptr_array_unref);
	return c;
}

/* ---- the search */

/* Requirements of one rule the search follows; the rest are left out. */
#define NDR_LITSCAN_MAX_REQS 32
/* Bits of the filter of keys: most bytes of a text start no literal. */
#define NDR_LITSCAN_FILTER_BITS 16

typedef struct entry {
	const char *lit; /* folded */
	guint len, rule;
	guint32 bit; /* of the requirement it meets */
	gint next;   /* of the same key, or -1 */
} entry;

struct ndr_litscan {
	guint n;
	guint32 *need; /* per rule, the requirements to meet; 0: always runs */
	guint8 *exact; /* per rule: it matches wherever its literals are */
	guint with;    /* rules with literals */
	GPtrArray *lits; /* the strings, owned */
	GArray *entries; /* of entry */
	guint32 *keys;   /* of the slots */
	gint *heads;     /* first entry of a slot's key, -1: empty */
	guint bits;      /* the table has 1 << bits slots */
	guint64 filter[(1u << NDR_LITSCAN_FILTER_BITS) / 64]; /* keys there */
};

static guint32
key_of(const char *p)
{
	guint32 k;

	memcpy(&k, p, sizeof(k));
	return k;
}

static guint
slot_of(const ndr_litscan *s, guint32 key)
{
	return (key * 0x9E3779B1u) >> (32 - s->bits);
}

static guint
filter_bit(guint32 key)
{
	return (key * 0x85EBCA77u) >> (32 - NDR_LITSCAN_FILTER_BITS);
}

static void
insert(ndr_litscan *s, gint e)
{
	entry *en = &g_array_index(s->entries, entry, e);
	guint32 key = key_of(en->lit);
	guint mask = (1u << s->bits) - 1, h = slot_of(s, key);

	while (s->heads[h] >= 0 && s->keys[h] != key)
		h = (h + 1) & mask;
	s->filter[filter_bit(key) / 64] |= G_GUINT64_CONSTANT(1)
	                                   << (filter_bit(key) % 64);
	en->next = s->heads[h];
	s->keys[h] = key;
	s->heads[h] = e;
}

/*
 * Put the entries from first on in the table, first made at least twice
 * as large as all the entries (at most half full: probes stay short).
 */
static void
rehash(ndr_litscan *s, guint first)
{
	guint i, slots;

	if (s->keys != NULL && (1u << s->bits) >= 2 * s->entries->len) {
		for (i = first; i < s->entries->len; i++)
			insert(s, (gint)i);
		return;
	}
	for (s->bits = 4; (1u << s->bits) < 4 * s->entries->len; s->bits++)
		;
	slots = 1u << s->bits;
	g_free(s->keys);
	g_free(s->heads);
	s->keys = g_new(guint32, slots);
	s->heads = g_new(gint, slots);
	for (i = 0; i < slots; i++)
		s->heads[i] = -1;
	for (i = 0; i < s->entries->len; i++)
		insert(s, (gint)i);
}

ndr_litscan *
ndr_litscan_new(guint n)
{
	ndr_litscan *s = g_new0(ndr_litscan, 1);

	s->n = n;
	s->need = g_new0(guint32, n);
	s->exact = g_new0(guint8, n);
	s->lits = g_ptr_array_new_with_free_func(g_free);
	s->entries = g_array_new(FALSE, FALSE, sizeof(entry));
	rehash(s, 0);
	return s;
}

/*
 * Whether pattern is nothing but literals, one or more of them
 * separated by '|': then it matches exactly where one of them is.
 */
static gboolean
only_literals(const char *pattern)
{
	reader rd = {pattern, FALSE};
	int c;

	while (*rd.p != '\0') {
		if (*rd.p == '\\') {
			c = escape(&rd);
			if (rd.fail || c <= 0)
				return FALSE; /* a type, \E, or NUL */
		} else if ((guchar)*rd.p >= 0x80 ||
		           strchr(".^$[](){}?*+", *rd.p) != NULL) {
			return FALSE;
		} else {
			rd.p++;
		}
	}
	return TRUE;
}

gboolean
ndr_litscan_add(ndr_litscan *s, guint i, const char *pattern)
{
	GPtrArray *reqs = ndr_required_literals(pattern);
	GPtrArray *r;
	guint b, k, first = s->entries->len;
	entry e;

	if (reqs == NULL)
		return FALSE;
	for (b = 0; b < reqs->len && b < NDR_LITSCAN_MAX_REQS; b++) {
		r = g_ptr_array_index(reqs, b);
		for (k = 0; k < r->len; k++) {
			e.lit = r->pdata[k];
			e.len = strlen(e.lit);
			e.rule = i;
			e.bit = 1u << b;
			g_ptr_array_add(s->lits, g_steal_pointer(&r->pdata[k]));
			g_array_append_val(s->entries, e);
		}
		s->need[i] |= 1u << b;
	}
	/* one requirement, each alternative's whole run (they are >= 4) */
	s->exact[i] = reqs->len == 1 && only_literals(pattern);
	g_ptr_array_unref(reqs);
	s->with++;
	rehash(s, first);
	return TRUE;
}

guint
ndr_litscan_rules(const ndr_litscan *s)
{
	return s->with;
}

void
ndr_litscan_free(ndr_litscan *s)
{
	if (s == NULL)
		return;
	g_free(s->need);
	g_free(s->exact);
	g_ptr_array_unref(s->lits);
	g_array_unref(s->entries);
	g_free(s->keys);
	g_free(s->heads);
	g_free(s);
}

/* Fold text as literals are (ruleliteral.h) into out; its length. */
static size_t
fold(const char *text, size_t len, char *out)
{
	const guchar *p = (const guchar *)text, *end = p + len;
	size_t n = 0;
	guchar c;

	while (p < end) {
		c = *p++;
		if (G_LIKELY(c < 0xC5)) { /* ASCII upper case made lower */
			out[n++] = (char)(c + ((guint)(c - 'A') < 26u) * 32);
		} else if (c == 0xE2 && end - p >= 2 && p[0] == 0x84 &&
		           p[1] == 0xAA) {
			out[n++] = 'k'; /* KELVIN SIGN */
			p += 2;
		} else if (c == 0xC5 && p < end && p[0] == 0xBF) {
			out[n++] = 's'; /* LATIN SMALL LETTER LONG S */
			p++;
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

/* Mark in met[] what each literal found in f (n bytes) meets. */
static void
search(const ndr_litscan *s, const char *f, size_t n, guint32 *met)
{
	guint mask = (1u << s->bits) - 1, h;
	const entry *e;
	guint32 key;
	size_t i;
	gint k;

	for (i = 0; i + NDR_LITERAL_MIN <= n; i++) {
		key = key_of(f + i);
		if (!(s->filter[filter_bit(key) / 64] >>
		          (filter_bit(key) % 64) &
		      1))
			continue;
		for (h = slot_of(s, key);
		     s->heads[h] >= 0 && s->keys[h] != key;)
			h = (h + 1) & mask;
		for (k = s->heads[h]; k >= 0; k = e->next) {
			e = &g_array_index(s->entries, entry, k);
			if (!(met[e->rule] & e->bit) && e->len <= n - i &&
			    memcmp(f + i + NDR_LITERAL_MIN,
			           e->lit + NDR_LITERAL_MIN,
			           e->len - NDR_LITERAL_MIN) == 0)
				met[e->rule] |= e->bit;
		}
	}
}

void
ndr_litscan_run(const ndr_litscan *s, const char *text, size_t len, guint8 *may)
{
	char fstack[NDR_LITSCAN_STACK];
	guint32 mstack[NDR_LITSCAN_STACK / sizeof(guint32)];
	char *f = len <= sizeof(fstack) ? fstack : g_malloc(len);
	guint32 *met =
	    s->n <= G_N_ELEMENTS(mstack) ? mstack : g_new(guint32, s->n);
	guint i;

	memset(met, 0, s->n * sizeof(*met));
	search(s, f, fold(text, len, f), met);
	for (i = 0; i < s->n; i++) {
		may[i] = (met[i] & s->need[i]) == s->need[i];
		if (may[i] && s->exact[i])
			may[i] = NDR_LITSCAN_MATCHES;
	}
	if (f != fstack)
		g_free(f);
	if (met != mstack)
		g_free(met);
}
