/*
 * dsn.c - read the delivery-status fields of RFC 3464 / RFC 6533 into
 * findings (see dsn.h).
 *
 * The body is a sequence of field lines ("Name: value", folded lines
 * continuing the previous field) in groups separated by empty lines:
 * first the per-message group, then one group per recipient.  Real MTAs
 * leave out empty lines, indent fields, and write names and types in any
 * case, so a group is also closed when a second recipient field of the
 * same kind begins, and an indented line is a field of its own when its
 * name is a known DSN field.
 */
#include <string.h>

#include "dsn.h"
#include "ndrlimits.h"
#include "smtpcode.h"

/* Where a field's value goes.  The per-recipient slots come first. */
enum slot {
	S_ORIGINAL,
	S_FINAL,
	S_ACTION,
	S_STATUS,
	S_REMOTE_MTA,
	S_DIAGNOSTIC,
	S_CATEGORY,
	N_RECIPIENT_SLOTS,
	S_REPORTING_MTA = N_RECIPIENT_SLOTS,
	S_ORIGINAL_MESSAGE_ID,
	S_IGNORED /* a known field we have no use for */
};

static const struct {
	const char *name;
	enum slot slot;
} known_fields[] = {
    {"Original-Recipient", S_ORIGINAL},
    {"Final-Recipient", S_FINAL},
    {"Action", S_ACTION},
    {"Status", S_STATUS},
    {"Remote-MTA", S_REMOTE_MTA},
    {"Diagnostic-Code", S_DIAGNOSTIC},
    /* PowerMTA's own verdict on the failure ("bad-mailbox"). */
    {"X-PowerMTA-BounceCategory", S_CATEGORY},
    {"Reporting-MTA", S_REPORTING_MTA},
    /* Gmail names the original in the per-message group. */
    {"X-Original-Message-ID", S_ORIGINAL_MESSAGE_ID},
    {"Arrival-Date", S_IGNORED},
    {"Last-Attempt-Date", S_IGNORED},
    {"Will-Retry-Until", S_IGNORED},
    {"Received-From-MTA", S_IGNORED},
    {"Original-Envelope-Id", S_IGNORED},
    {"DSN-Gateway", S_IGNORED},
    {"Final-Log-ID", S_IGNORED},
    {"X-Actual-Recipient", S_IGNORED},
};

/* One line of text at a time, whatever its line ending. */
typedef struct line_reader {
	const char *p, *end;
} line_reader;

static gboolean
next_line(line_reader *lr, const char **line, size_t *len)
{
	const char *s = lr->p;

	if (s >= lr->end)
		return FALSE;
	while (lr->p < lr->end && *lr->p != '\n' && *lr->p != '\r')
		lr->p++;
	*line = s;
	*len = lr->p - s;
	if (lr->p < lr->end && *lr->p == '\r') {
		lr->p++;
		if (lr->p < lr->end && *lr->p == '\n')
			lr->p++;
	} else if (lr->p < lr->end)
		lr->p++;
	return TRUE;
}

static gboolean
is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!g_ascii_isspace(s[i]))
			return FALSE;
	return TRUE;
}

/*
 * If the line is a field "Name: value", its name's length and the offset
 * of its value; an indented line only counts with a known name.  Returns
 * the known_fields index, G_N_ELEMENTS(known_fields) for an unknown
 * name, or -1 when the line is not a field.
 */
static int
parse_field(const char *s, size_t len, size_t *value_at)
{
	size_t i = 0, name, n;
	int k;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	name = i;
	while (i < len && (g_ascii_isalnum(s[i]) || s[i] == '-'))
		i++;
	n = i - name;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n == 0 || i >= len || s[i] != ':')
		return -1;
	*value_at = i + 1;
	for (k = 0; k < (int)G_N_ELEMENTS(known_fields); k++) {
		if (strlen(known_fields[k].name) == n &&
		    g_ascii_strncasecmp(known_fields[k].name, s + name, n) == 0)
			return k;
	}
	return name > 0 ? -1 : (int)G_N_ELEMENTS(known_fields);
}

/* "type; value" -> value, when what precedes ';' is one bare token. */
static const char *
skip_type(const char *v)
{
	const char *p = v, *token;

	while (g_ascii_isspace(*p))
		p++;
	token = p;
	while (g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '/' ||
	       *p == '.')
		p++;
	if (p == token)
		return v;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == ';' ? p + 1 : v;
}

/* The type skip_type() passes over, in lower case, or NULL. */
static char *
type_of(const char *v)
{
	const char *value = skip_type(v);
	char *type;

	if (value == v)
		return NULL;
	type = g_ascii_strdown(v, value - 1 - v);
	return g_strstrip(type);
}

/* Comments "(...)", nested, outside quoted strings, removed. */
static char *
strip_comments(const char *v)
{
	GString *out = g_string_sized_new(strlen(v));
	int depth = 0;
	gboolean quoted = FALSE;

	for (; *v != '\0'; v++) {
		if (*v == '\\' && v[1] != '\0' && (quoted || depth > 0)) {
			if (depth == 0)
				g_string_append_len(out, v, 2);
			v++;
			continue;
		}
		if (*v == '"' && depth == 0)
			quoted = !quoted;
		else if (*v == '(' && !quoted)
			depth++;
		else if (*v == ')' && !quoted && depth > 0) {
			depth--;
			continue;
		}
		if (depth == 0)
			g_string_append_c(out, *v);
	}
	return g_string_free(out, FALSE);
}

/* RFC 6533 utf-8-addr-xtext: "\x{HEX}" stands for one code point. */
static void
decode_unitext(GString *s)
{
	GString *out = g_string_sized_new(s->len);
	const char *p = s->str;

	while (*p != '\0') {
		const char *close = strchr(p, '}');
		char *endp;
		gunichar c;

		if (p[0] == '\\' && p[1] == 'x' && p[2] == '{' &&
		    close != NULL) {
			c = (gunichar)g_ascii_strtoull(p + 3, &endp, 16);
			if (endp == close && endp > p + 3 &&
			    g_unichar_validate(c) && c != 0) {
				g_string_append_unichar(out, c);
				p = close + 1;
				continue;
			}
		}
		g_string_append_c(out, *p++);
	}
	g_string_assign(s, out->str);
	g_string_free(out, TRUE);
}

/*
 * The word of s (split at blanks outside quotes) that holds an '@', else
 * its first word.  A quoted local part keeps its quotes: that is the
 * address; quotes around a whole address go.
 */
static char *
address_word(const char *s)
{
	GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
	const char *p = s, *start;
	char *pick = NULL, *w;
	gboolean quoted;
	guint i;

	while (*p != '\0') {
		while (g_ascii_isspace(*p))
			p++;
		for (start = p, quoted = FALSE;
		     *p != '\0' && (quoted || !g_ascii_isspace(*p)); p++)
			if (*p == '"')
				quoted = !quoted;
		if (p > start)
			g_ptr_array_add(words, g_strndup(start, p - start));
	}
	for (i = 0; i < words->len; i++) {
		w = g_ptr_array_index(words, i);
		if (pick == NULL || (strchr(w, '@') && !strchr(pick, '@')))
			pick = w;
	}
	pick = g_strdup(pick);
	g_ptr_array_unref(words);
	if (pick != NULL && pick[0] == '"' && strlen(pick) > 2 &&
	    g_str_has_suffix(pick, "\"") && strchr(pick + 1, '"')[1] == '\0') {
		memmove(pick, pick + 1, strlen(pick) - 2);
		pick[strlen(pick) - 2] = '\0';
	}
	return pick;
}

char *
ndr_dsn_address(const char *value)
{
	char *nocomment = strip_comments(value), *lt, *gt, *word;
	/* (the type written twice, "rfc822; rfc822;user@...", by some) */
	GString *a =
	    g_string_new(g_strstrip((char *)skip_type(skip_type(nocomment))));

	g_free(nocomment);
	if ((lt = strchr(a->str, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL) {
		g_string_truncate(a, gt - a->str);
		g_string_erase(a, 0, lt + 1 - a->str);
	}
	decode_unitext(a);
	word = address_word(a->str);
	g_string_free(a, TRUE);
	if (word == NULL)
		return NULL;
	g_strchomp(g_strdelimit(word, ",;", ' '));
	if (*word == '\0')
		g_clear_pointer(&word, g_free);
	return word;
}

gboolean
ndr_dsn_address_usable(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && addr[0] != '@' && at[1] != '\0';
}

/* RFC 5321 source route "@relay,@relay:user@domain" -> "user@domain". */
static void
strip_route(char *addr)
{
	char *colon;

	if (addr != NULL && addr[0] == '@' &&
	    (colon = strrchr(addr, ':')) != NULL)
		memmove(addr, colon + 1, strlen(colon));
}

char *
ndr_dsn_mta(const char *value)
{
	char *nocomment = strip_comments(value);
	const char *start = skip_type(nocomment);
	char *name;

	/* "mx.example.com [192.0.2.1]": the name, not the address beside. */
	while (g_ascii_isspace(*start))
		start++;
	name = g_strndup(start, strcspn(start, " \t"));
	g_free(nocomment);
	return name;
}

/* RFC 3464 actions; "expired" (SendGrid) means it gave up: failed. */
static char *
action_word(const char *value)
{
	char *w = g_ascii_strdown(value, -1);

	g_strchug(w);
	w[strcspn(w, " \t(;")] = '\0';
	if (strcmp(w, "expired") == 0) {
		g_free(w);
		return g_strdup("failed");
	}
	if (strcmp(w, "deliverable") == 0) {
		g_free(w);
		return g_strdup("delivered");
	}
	return w;
}

/*
 * The remote server's own enhanced code when the diagnostic quotes its
 * reply: the reporting MTA's Status often only sums it up (4.4.7 for
 * "450 4.7.1 Access denied").  Else the Status field, unless it is
 * missing or only says the class ("5.0.0") while the diagnostic names a
 * precise code of the same class.  Sisimai decides the same way.
 */
static char *
pick_status(const char *field, const char *diagnostic)
{
	const char *reply;
	char *s, *d;
	size_t at = 0;

	reply =
	    diagnostic != NULL ? ndr_smtp_last_reply(diagnostic, &at) : NULL;
	if (reply != NULL)
		return g_strndup(reply + at, ndr_smtp_status_len(reply + at));
	s = ndr_smtp_find_status(field);
	d = ndr_smtp_find_status(diagnostic);
	if (s == NULL ||
	    (d != NULL && d[0] == s[0] && g_str_has_suffix(s, ".0.0") &&
	     !g_str_has_suffix(d, ".0.0"))) {
		g_free(s);
		return d;
	}
	g_free(d);
	return s;
}

void
ndr_dsn_refine_status(ndr_recipient *r)
{
	char *s;

	if (r->status == NULL || r->diagnostic == NULL ||
	    !g_str_has_suffix(r->status, ".0.0"))
		return;
	s = pick_status(r->status, r->diagnostic);
	if (s != NULL && s[0] == r->status[0])
		ndr_set_field(&r->status, s, FALSE);
	g_free(s);
}

/*
 * Whether a and b name one mailbox: alike but for case and the quotes
 * of a quoted local part ("a..b"@example.org is a..b@example.org).
 */
static gboolean
same_mailbox(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (;; a++, b++) {
		while (*a == '"')
			a++;
		while (*b == '"')
			b++;
		if (g_ascii_tolower(*a) != g_ascii_tolower(*b))
			return FALSE;
		if (*a == '\0')
			return TRUE;
	}
}

ndr_recipient *
ndr_dsn_add_group(ndr_findings *f, const ndr_dsn_group *g)
{
	char *addr, *orig, *v;
	ndr_recipient *r;

	addr = g->final_recipient != NULL ? ndr_dsn_address(g->final_recipient)
	                                  : NULL;
	orig = g->original_recipient != NULL
	           ? ndr_dsn_address(g->original_recipient)
	           : NULL;
	/*
	 * The recipient is the address the user wrote, which the sent log
	 * holds: the Original-Recipient when it is an address, the
	 * Final-Recipient (where aliases and forwarding led; Sisimai's
	 * recipient) beside it when that is another.  When only case or
	 * quoting differ, the Final-Recipient's form is kept (it quotes
	 * what needs quotes); a Final-Recipient mangled by routing is no
	 * address to name beside the original.
	 */
	if (ndr_dsn_address_usable(orig) &&
	    !(ndr_dsn_address_usable(addr) && same_mailbox(orig, addr))) {
		r = ndr_findings_recipient(f, orig);
		if (r != NULL && ndr_dsn_address_usable(addr))
			ndr_set_field(&r->final_recipient, addr, TRUE);
	} else {
		strip_route(addr);
		r = ndr_findings_recipient(f, addr != NULL ? addr : orig);
	}
	if (r != NULL) {
		if (g->action != NULL) {
			v = action_word(g->action);
			ndr_set_field(&r->action, v, TRUE);
			g_free(v);
		}
		v = pick_status(g->status, g->diagnostic);
		ndr_set_field(&r->status, v, TRUE);
		g_free(v);
		if (g->diagnostic != NULL) {
			/* "x-unix": a local mailer's, not a server's reply */
			v = type_of(g->diagnostic);
			ndr_set_field(&r->diagnostic_type, v, TRUE);
			g_free(v);
			v = ndr_collapse_spaces(skip_type(g->diagnostic));
			ndr_set_field(&r->diagnostic, v, TRUE);
			g_free(v);
			v = ndr_smtp_find_reply_code(r->diagnostic);
			ndr_set_field(&r->reply_code, v, TRUE);
			g_free(v);
		}
		if (g->category != NULL) {
			v = g_ascii_strdown(g->category, -1);
			ndr_set_field(&r->category, v, TRUE);
			g_free(v);
		}
		if (g->remote_mta != NULL) {
			v = ndr_dsn_mta(g->remote_mta);
			ndr_set_field(&r->remote_mta, v, TRUE);
			g_free(v);
		}
	}
	g_free(addr);
	g_free(orig);
	return r;
}

/* A recipient group, complete: add it to the findings and empty it. */
static gboolean
flush_group(char **g, ndr_findings *f)
{
	ndr_dsn_group group = {
	    .original_recipient = g[S_ORIGINAL],
	    .final_recipient = g[S_FINAL],
	    .action = g[S_ACTION],
	    .status = g[S_STATUS],
	    .remote_mta = g[S_REMOTE_MTA],
	    .diagnostic = g[S_DIAGNOSTIC],
	    .category = g[S_CATEGORY],
	};
	gboolean added = ndr_dsn_add_group(f, &group) != NULL;
	int i;

	for (i = 0; i < N_RECIPIENT_SLOTS; i++)
		g_clear_pointer(&g[i], g_free);
	return added;
}

static gboolean
group_started(char **g)
{
	int i;

	for (i = 0; i < N_RECIPIENT_SLOTS; i++)
		if (g[i] != NULL)
			return TRUE;
	return FALSE;
}

/* A per-message field goes to the findings at once. */
static void
store_message_field(enum slot slot, const char *value, ndr_findings *f)
{
	char *v;

	if (slot == S_REPORTING_MTA) {
		v = ndr_dsn_mta(value);
		ndr_set_field(&f->reporting_mta, v, TRUE);
		g_free(v);
	} else if (slot == S_ORIGINAL_MESSAGE_ID) {
		v = ndr_dsn_address(value); /* "<id>" parses like an address */
		ndr_set_field(&ndr_findings_original(f)->message_id, v, TRUE);
		g_free(v);
	}
}

/* The reader's state: the group being filled and the field being read. */
typedef struct dsn_state {
	char *group[N_RECIPIENT_SLOTS];
	enum slot slot; /* of the pending field */
	GString *value; /* the pending field's unfolded value, or NULL */
	guint groups;
	ndr_findings *f;
} dsn_state;

static void
end_field(dsn_state *st)
{
	char **dst;

	if (st->value == NULL)
		return;
	if (st->slot < N_RECIPIENT_SLOTS) {
		dst = &st->group[st->slot];
		/* A second recipient without the empty line between. */
		if (*dst != NULL &&
		    (st->slot == S_FINAL || st->slot == S_ORIGINAL) &&
		    flush_group(st->group, st->f))
			st->groups++;
		if (*dst == NULL)
			*dst = g_strdup(st->value->str);
	} else
		store_message_field(st->slot, st->value->str, st->f);
	g_string_free(st->value, TRUE);
	st->value = NULL;
}

static void
end_group(dsn_state *st)
{
	end_field(st);
	if (group_started(st->group) && flush_group(st->group, st->f))
		st->groups++;
}

guint
ndr_dsn_read(const char *text, size_t len, ndr_findings *f)
{
	line_reader lr = {text, text + len};
	dsn_state st = {.f = f};
	const char *line;
	size_t n, at;
	int k;

	while (next_line(&lr, &line, &n)) {
		if (is_blank(line, n)) {
			end_group(&st);
			continue;
		}
		k = parse_field(line, n, &at);
		if (k < 0 && st.value != NULL &&
		    (g_ascii_isspace(*line) || st.slot == S_DIAGNOSTIC)) {
			/* Folded, or a multi-line reply left unindented. */
			g_string_append_c(st.value, ' ');
			g_string_append_len(st.value, line, n);
			continue;
		}
		end_field(&st);
		if (k < 0 || k == (int)G_N_ELEMENTS(known_fields) ||
		    known_fields[k].slot == S_IGNORED)
			continue;
		st.slot = known_fields[k].slot;
		st.value = g_string_new_len(line + at, n - at);
	}
	end_group(&st);
	return st.groups;
}

gboolean
ndr_dsn_looks_like(const char *text, size_t len)
{
	line_reader lr = {text, text + len};
	gboolean rcpt = FALSE, action = FALSE;
	const char *line;
	size_t n, at;
	int k;

	while (next_line(&lr, &line, &n) && !(rcpt && action)) {
		k = parse_field(line, n, &at);
		if (k < 0 || k == (int)G_N_ELEMENTS(known_fields))
			continue;
		if (known_fields[k].slot == S_FINAL ||
		    known_fields[k].slot == S_ORIGINAL)
			rcpt = TRUE;
		else if (known_fields[k].slot == S_ACTION ||
		         known_fields[k].slot == S_STATUS)
			action = TRUE;
	}
	return rcpt && action;
}
