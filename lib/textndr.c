/*
 * textndr.c - read a human-readable non-delivery report with the rules
 * (see textndr.h and the classes "recipient", "separator" and
 * "reporting-mta" in ndrcheck-rules(5)).
 *
 * One generic walk serves every mailer: the report is the text before
 * the first separator (or, for a bounce forwarded inline, the body of
 * the forwarded message); each "recipient" match names a failed address,
 * with its diagnostic either captured by the rule or taken from the
 * lines that follow it, and the SMTP command its part of the text names;
 * the original is whatever follows the separator.  Text is read with LF
 * line ends.  Whether the text really is a report is not decided here but by
 * ndr_detect_kind(), from the headers and the "ndr-text" phrases: what
 * is read from ordinary mail is thrown away with its kind "none".
 */
#include <string.h>

#include "dsn.h"
#include "ndrlimits.h"
#include "original.h"
#include "textndr.h"

/* A rule's group "name" into *field, unless the field is already set. */
static void
take(const ndr_rule_match *m, const char *name, char **field)
{
	char *v = ndr_rule_group(m, name);

	ndr_set_field(field, v, TRUE);
	g_free(v);
}

/* The offset just past the line holding offset at. */
static size_t
line_end(const char *text, size_t len, size_t at)
{
	const char *nl = at < len ? memchr(text + at, '\n', len - at) : NULL;

	return nl != NULL ? (size_t)(nl - text) + 1 : len;
}

/* Whether the line at offset at holds only white space. */
static gboolean
blank_line(const char *text, size_t to, size_t at)
{
	for (; at < to && text[at] != '\n'; at++)
		if (!g_ascii_isspace(text[at]))
			return FALSE;
	return TRUE;
}

/*
 * The diagnostic a recipient rule did not capture: the rest of the
 * match's line and the lines after it, up to the next recipient or the
 * end of the report, at most NDR_MAX_FIELD_BYTES of them.  Blank lines
 * do not end it: mailers put the reply paragraphs apart ("Technical
 * details ...", then "The error that the other server returned was:",
 * then the reply), and split multi-line replies with them.
 */
static char *
following_lines(const char *text, size_t from, size_t to)
{
	size_t at = from, end;

	while (at < to && blank_line(text, to, at))
		at = line_end(text, to, at);
	end = MIN(to, at + NDR_MAX_FIELD_BYTES);
	return end > at ? g_strndup(text + at, end - at) : NULL;
}

/*
 * The DSN's recipient the text at m is about: the one with its address,
 * or one whose "address" is a file or program the match quotes (Exim's
 * "save to /var/mail/..." and "pipe to |...", written in Final-Recipient
 * where an address belongs; report.c puts the address there later).
 */
static ndr_recipient *
named_recipient(ndr_findings *f, const ndr_rule_match *m, const char *addr)
{
	char *quoted = g_strndup(m->subject + m->start, m->end - m->start);
	ndr_recipient *r = NULL, *c;
	guint i;

	for (i = 0; i < f->recipients->len && r == NULL; i++) {
		c = g_ptr_array_index(f->recipients, i);
		if (g_ascii_strcasecmp(c->address, addr) == 0 ||
		    (c->final_recipient != NULL &&
		     g_ascii_strcasecmp(c->final_recipient, addr) == 0))
			r = c;
	}
	for (i = 0; i < f->recipients->len && r == NULL; i++) {
		c = g_ptr_array_index(f->recipients, i);
		if (!ndr_dsn_address_usable(c->address) &&
		    strstr(quoted, c->address) != NULL)
			r = c;
	}
	g_free(quoted);
	return r;
}

/*
 * The DSN's recipient at the internal address a match's group "final"
 * names, given the address addr instead (the internal one, if the DSN
 * named it beside, goes: it is a delivery channel, no mailbox).
 */
static ndr_recipient *
replaced_recipient(ndr_findings *f, const ndr_rule_match *m, const char *addr)
{
	char *final = ndr_rule_group(m, "final");
	ndr_recipient *r = NULL;

	if (final != NULL && strchr(addr, '@') != NULL)
		r = named_recipient(f, m, g_strstrip(final));
	g_free(final);
	if (r == NULL)
		return NULL;
	g_clear_pointer(&r->final_recipient, g_free);
	g_free(r->address);
	r->address = g_strdup(addr);
	return r;
}

/*
 * Recipient r is the alias orig the user wrote, which led to final:
 * orig becomes its address and final stands beside it, unless the DSN
 * named another address the user wrote (its Original-Recipient).
 */
static void
name_alias(ndr_recipient *r, const char *orig, const char *final)
{
	if (g_ascii_strcasecmp(r->address, orig) == 0) {
		if (g_ascii_strcasecmp(final, orig) != 0)
			ndr_set_field(&r->final_recipient, final, TRUE);
	} else if (g_ascii_strcasecmp(r->address, final) == 0) {
		g_free(r->final_recipient);
		r->final_recipient = r->address;
		r->address = g_strdup(orig);
	}
}

/*
 * The recipient a match names.  When the report already had recipients
 * (from a DSN part) the text only completes them: an address the DSN
 * did not name is the prose's quoting, not another failure.  A match
 * with a group "orig" names beside "addr" the alias the user wrote
 * (Postfix's "(expanded from <...>)"); one with a group "final" names
 * in it the internal address a DSN part may have given for "addr"
 * (PMDF's delivery channel), which "addr" then replaces; group "local"
 * instead of "addr" is a local part of the reporting domain (report.c
 * completes it).
 */
static ndr_recipient *
recipient_for(ndr_findings *f, const ndr_rule_match *m, gboolean complete)
{
	ndr_recipient *r = NULL;
	char *addr = ndr_rule_group(m, "addr"), *orig, *local;

	if (addr == NULL && (local = ndr_rule_group(m, "local")) != NULL) {
		/* "name@": no address until report.c gives it its domain */
		addr = g_strconcat(g_strstrip(local), "@", NULL);
		g_free(local);
	}
	if (addr == NULL)
		return NULL;
	g_strstrip(addr);
	orig = ndr_rule_group(m, "orig");
	if (complete) {
		r = replaced_recipient(f, m, addr);
		if (r == NULL)
			r = named_recipient(f, m, addr);
		if (r == NULL && orig != NULL)
			r = named_recipient(f, m, g_strstrip(orig));
	} else if (strchr(addr, '@') != NULL)
		r = ndr_findings_recipient(f, orig != NULL ? g_strstrip(orig)
		                                           : addr);
	if (r != NULL && orig != NULL)
		name_alias(r, g_strstrip(orig), addr);
	g_free(orig);
	g_free(addr);
	return r;
}

/*
 * The next recipient match after m that names another address: a
 * mailer that names the address again in its diagnostic ("... after
 * RCPT TO:\n<user@example.org>:") is still telling about the first.
 */
static gboolean
next_other(ndr_rule_finder *finder, const ndr_rule_match *m,
           ndr_rule_match *next)
{
	char *addr = ndr_rule_group(m, "addr"), *other;
	size_t at = MAX(m->end, m->start + 1);
	gboolean found, same;

	do {
		found = ndr_rule_finder_next(finder, at, next);
		if (!found)
			break;
		other = ndr_rule_group(next, "addr");
		same = addr != NULL && other != NULL &&
		       g_ascii_strcasecmp(g_strstrip(addr),
		                          g_strstrip(other)) == 0;
		g_free(other);
		at = MAX(next->end, next->start + 1);
	} while (same);
	g_free(addr);
	return found;
}

/*
 * The SMTP command a recipient's reply answered, as its part of the
 * text (from..to) says: Postfix writes "(in reply to RCPT TO command)"
 * only in its prose, not in the Diagnostic-Code of its DSN part.  The
 * class "smtp-command" names it by its label.
 */
static void
read_command(const ndr_rules *rules, const char *text, size_t from, size_t to,
             ndr_recipient *r)
{
	ndr_rule_match m;
	char *cmd;

	if (r->command != NULL ||
	    !ndr_rules_find(rules, "smtp-command", text, to, from, &m))
		return;
	cmd = g_ascii_strup(m.label, -1);
	ndr_set_field(&r->command, cmd, TRUE);
	g_free(cmd);
}

static void
read_recipients(const ndr_rules *rules, const char *text, size_t len,
                ndr_findings *f)
{
	ndr_rule_finder *finder =
	    ndr_rule_finder_new(rules, "recipient", text, len);
	gboolean complete = f->recipients->len > 0;
	ndr_rule_match m, next;
	ndr_recipient *r;
	gboolean more;
	size_t stop;
	char *diag;

	more = ndr_rule_finder_next(finder, 0, &m);
	while (more) {
		more = next_other(finder, &m, &next);
		stop = more ? next.start : len;
		r = recipient_for(f, &m, complete);
		if (r != NULL) {
			take(&m, "code", &r->reply_code);
			take(&m, "status", &r->status);
			diag = ndr_rule_group(&m, "diag");
			if (diag == NULL)
				diag = following_lines(text, m.end, stop);
			ndr_set_field(&r->diagnostic, diag, TRUE);
			g_free(diag);
			read_command(rules, text, m.start, stop, r);
			if (r->action == NULL)
				ndr_set_field(&r->action, "failed", FALSE);
		}
		m = next;
	}
	ndr_rule_finder_free(finder);
}

/*
 * Where the quoted original starts: at the separator when its rule
 * has a group "original" (the separator is the first header line),
 * else after the separator's line and any blank lines.
 */
static size_t
quoted_start(const char *text, size_t len, const ndr_rule_match *m)
{
	char *at = ndr_rule_group(m, "original");
	size_t quoted;

	if (at != NULL) {
		g_free(at);
		return m->start;
	}
	quoted = line_end(text, len, m->end);
	while (quoted < len && (text[quoted] == '\n' || text[quoted] == '\r'))
		quoted++;
	return quoted;
}

/*
 * A copy of text with each CRLF made LF, or NULL when it holds no CR:
 * the rules end lines at LF ("[ \t]*$"), and mail written on DOS keeps
 * CRLF inside its parts.
 */
static char *
lf_lines(const char *text, size_t len, size_t *out)
{
	char *copy;
	size_t i, n = 0;

	if (memchr(text, '\r', len) == NULL)
		return NULL;
	copy = g_malloc(len + 1);
	for (i = 0; i < len; i++)
		if (text[i] != '\r' || i + 1 == len || text[i + 1] != '\n')
			copy[n++] = text[i];
	copy[n] = '\0';
	*out = n;
	return copy;
}

/*
 * The body of a message forwarded inline from offset from on: each
 * line's quoting ("> ") taken off, and its header block (the forwarded
 * message's own From:, Subject:, Message-Id:) left out, since those
 * name the forwarded report, not the original it returns.
 */
static GString *
forwarded_body(const char *text, size_t len, size_t from)
{
	enum { BEFORE, HEADER, BODY } part = BEFORE;
	GString *body = g_string_new(NULL);
	size_t at = from, end, n;
	const char *l;

	for (; at < len; at = end) {
		end = line_end(text, len, at);
		l = text + at;
		n = end - at;
		if (n > 0 && l[0] == '>') {
			l++;
			n--;
			if (n > 0 && l[0] == ' ') {
				l++;
				n--;
			}
		}
		if (part == BEFORE && !blank_line(l, n, 0))
			part = ndr_original_field_line(l, n) ? HEADER : BODY;
		else if (part == HEADER && blank_line(l, n, 0))
			part = BODY;
		else if (part == BODY)
			g_string_append_len(body, l, n);
	}
	return body;
}

/*
 * Read one report: its original after the first separator, its
 * reporting MTA and recipients before it.  depth is 1 inside a
 * forwarded message, whose own forwarded messages are not unwrapped.
 */
static void
read_report(const ndr_rules *rules, const char *text, size_t len,
            ndr_findings *f, int depth)
{
	ndr_rule_match m;
	size_t report = MIN(len, (size_t)NDR_MAX_TEXT_BYTES), quoted;
	GString *fwd;
	char *mta, *group;

	if (ndr_rules_find(rules, "separator", text, report, 0, &m)) {
		report = m.start;
		quoted = quoted_start(text, len, &m);
		group = ndr_rule_group(&m, "forwarded");
		if (group != NULL && depth == 0) {
			/* The report is the forwarded message's body. */
			fwd = forwarded_body(text, len, quoted);
			read_report(rules, fwd->str, fwd->len, f, depth + 1);
			g_string_free(fwd, TRUE);
		} else if (group == NULL && (f->original == NULL ||
		                             f->original->message_id == NULL))
			ndr_original_from_text(f, text + quoted, len - quoted);
		g_free(group);
	}
	if (f->reporting_mta == NULL &&
	    ndr_rules_find(rules, "reporting-mta", text, report, 0, &m)) {
		mta = ndr_rule_group(&m, "mta");
		ndr_set_field(&f->reporting_mta, mta, TRUE);
		g_free(mta);
	}
	read_recipients(rules, text, report, f);
}

void
ndr_textndr_read(const ndr_rules *rules, const char *text, size_t len,
                 ndr_findings *f)
{
	size_t n = len;
	char *lf;

	if (text == NULL)
		return;
	lf = lf_lines(text, len, &n);
	read_report(rules, lf != NULL ? lf : text, n, f, 0);
	g_free(lf);
}
