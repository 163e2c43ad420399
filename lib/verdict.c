/*
 * verdict.c - decide genuine, backscatter or unknown from the findings
 * and the sent log, and say why in short sentences (ndrcheck(1), HOW IT
 * DECIDES).
 */
#include <string.h>

#include "dkim.h"
#include "envelope.h"
#include "error.h"
#include "import.h"
#include "verdict.h"

/* A report may be dated a little before what it reports (clock skew). */
#define CLOCK_SKEW (24 * 3600)
#define DAY        86400
/* Addresses named in one evidence sentence before "and N more". */
#define MAX_LISTED 3

/* What the rules are deciding about. */
typedef struct decision {
	ndr_sentlog *log;
	const ndr_config *cfg;
	const ndr_findings *f;
	gint64 earliest; /* where what the log covers starts; 0: empty */
	char *cut;       /* a "sent" source whose sync was cut short, or NULL */
	ndr_sync_state sync; /* how far that sync got */
	ndrcheck_verdict verdict;
	GPtrArray *evidence;
	guint first; /* index of this decision's first sentence */
} decision;

static void say(decision *d, ndrcheck_verdict v, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
say(decision *d, ndrcheck_verdict v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(d->evidence, g_strdup_vprintf(fmt, ap));
	va_end(ap);
	d->verdict = v;
}

/* "2026-11-20" (UTC). */
static char *
day(gint64 t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%d")
	                     : g_strdup("an unknown day");

	if (dt != NULL)
		g_date_time_unref(dt);
	return s;
}

/* "<a>, <b> and 2 more" or "a, b": at most MAX_LISTED items. */
static char *
listing(GPtrArray *items, const char *open, const char *close)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < items->len && i < MAX_LISTED; i++)
		g_string_append_printf(s, "%s%s%s%s", i > 0 ? ", " : "", open,
		                       (const char *)items->pdata[i], close);
	if (items->len > MAX_LISTED)
		g_string_append_printf(s, " and %u more",
		                       items->len - MAX_LISTED);
	return g_string_free(s, FALSE);
}

static gboolean
is_reply_like(ndrcheck_kind k)
{
	return k == NDRCHECK_KIND_AUTO_REPLY || k == NDRCHECK_KIND_CHALLENGE ||
	       k == NDRCHECK_KIND_MDN;
}

/* Add s to the array unless an equal string (without case) is there. */
static void
add_unique(GPtrArray *a, const char *s)
{
	guint i;

	if (s == NULL || *s == '\0')
		return;
	for (i = 0; i < a->len; i++)
		if (g_ascii_strcasecmp(a->pdata[i], s) == 0)
			return;
	g_ptr_array_add(a, (gpointer)s);
}

/* The original's Message-ID, and for replies the ids they answer. */
static GPtrArray *
message_ids(const ndr_findings *f)
{
	GPtrArray *ids = g_ptr_array_new();
	guint i;

	if (f->original != NULL)
		add_unique(ids, f->original->message_id);
	for (i = 0; is_reply_like(f->kind) && f->reply_ids != NULL &&
	            i < f->reply_ids->len;
	     i++)
		add_unique(ids, f->reply_ids->pdata[i]);
	return ids;
}

/* The failed recipients, else the returned message's To. */
static GPtrArray *
recipients(const ndr_findings *f)
{
	GPtrArray *to = g_ptr_array_new();
	ndr_recipient *r;
	guint i;

	for (i = 0; f->recipients != NULL && i < f->recipients->len; i++) {
		r = f->recipients->pdata[i];
		add_unique(to, r->address);
		add_unique(to, r->final_recipient);
	}
	for (i = 0; to->len == 0 && f->original != NULL &&
	            f->original->to != NULL && i < f->original->to->len;
	     i++)
		add_unique(to, f->original->to->pdata[i]);
	return to;
}

static void
sent_sentence(decision *d, const char *id, const ndr_sent_info *info)
{
	char *when = day(info->date);

	if (info->first_to == NULL)
		say(d, NDRCHECK_GENUINE,
		    "Message-ID <%s> is in the sent log (sent %s)", id, when);
	else if (info->n_to > 1)
		say(d, NDRCHECK_GENUINE,
		    "Message-ID <%s> is in the sent log (sent %s to %s and %u "
		    "others)",
		    id, when, info->first_to, info->n_to - 1);
	else
		say(d, NDRCHECK_GENUINE,
		    "Message-ID <%s> is in the sent log (sent %s to %s)", id,
		    when, info->first_to);
	g_free(when);
}

/*
 * What the log covers, for a sentence: "the sent log (from DAY)", or
 * the part of a cut-short sync that limits it.
 */
static char *
reach(const decision *d)
{
	char *start, *s;

	if (d->cut != NULL && d->sync.reached == G_MAXINT64)
		return g_strdup_printf(
		    "what the sent log holds while the sync of %s has not "
		    "finished (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		    " messages read, none of its new mail yet)",
		    d->cut, d->sync.done, d->sync.total);
	start = day(d->earliest);
	if (d->cut != NULL)
		s = g_strdup_printf("what the unfinished sync of %s has read "
		                    "(%" G_GUINT64_FORMAT
		                    " of %" G_GUINT64_FORMAT
		                    " messages, from %s on)",
		                    d->cut, d->sync.done, d->sync.total, start);
	else
		s = g_strdup_printf("the sent log (from %s)", start);
	g_free(start);
	return s;
}

/* Was the original (or, failing its date, the report) before the log? */
static gboolean
predates(decision *d)
{
	const ndr_original *o = d->f->original;
	char *when, *covered = reach(d);
	gboolean before = FALSE;

	if (o != NULL && o->date_unix != 0) {
		before = o->date_unix < d->earliest;
		when = day(o->date_unix);
		if (before)
			say(d, NDRCHECK_UNKNOWN,
			    "the original (dated %s) predates %s", when,
			    covered);
		g_free(when);
	} else if (d->f->date_unix != 0 && d->f->date_unix < d->earliest) {
		before = TRUE;
		when = day(d->f->date_unix);
		say(d, NDRCHECK_UNKNOWN, "the report (dated %s) predates %s",
		    when, covered);
		g_free(when);
	} else if (d->cut != NULL && d->f->date_unix == 0 &&
	           (o == NULL || o->date_unix == 0)) {
		/* undated: the unread part of the sync may hold it */
		before = TRUE;
		say(d, NDRCHECK_UNKNOWN,
		    "neither it nor the original is dated, and %s: cannot tell",
		    covered);
	}
	g_free(covered);
	return before;
}

/* The window of rule 3: from window_days before the report to just after. */
static void
window(const decision *d, gint64 *from, gint64 *to)
{
	gint64 ref = d->f->date_unix != 0 ? d->f->date_unix
	                                  : g_get_real_time() / G_USEC_PER_SEC;

	*from = ref - (gint64)d->cfg->window_days * DAY;
	*to = ref + CLOCK_SKEW;
}

/*
 * Rule 2 holds only if we know the Message-IDs of what we sent.  Mail
 * submitted without one gets it from the MTA, so the copy in the Sent
 * folder (and the sent log) lacks the id the bounce quotes: when a
 * failed recipient was mailed in such a message within the window, the
 * missing id proves nothing and the recipient decides (genuine).
 */
static gboolean
mailed_without_id(decision *d, GPtrArray *ids, gboolean *found, GError **err)
{
	GPtrArray *to = recipients(d->f);
	gint64 from, until, when = 0;
	gboolean ok = TRUE;
	char *date, *list;
	guint i;

	window(d, &from, &until);
	for (i = 0; ok && when == 0 && i < to->len; i++)
		ok = ndr_sentlog_find_recipient(d->log, to->pdata[i], from,
		                                until, TRUE, &when, err);
	if (ok && when != 0) {
		date = day(when);
		list = listing(ids, "<", ">");
		say(d, NDRCHECK_GENUINE,
		    "%s was mailed by us on %s in a message recorded without "
		    "its Message-ID, so %s may well be ours",
		    (const char *)to->pdata[i - 1], date, list);
		g_free(list);
		g_free(date);
	}
	*found = when != 0;
	g_ptr_array_unref(to);
	return ok;
}

/* Rules 1 and 2: FALSE with *decided FALSE when there is no id. */
static gboolean
by_message_id(decision *d, gboolean *decided, GError **err)
{
	GPtrArray *ids = message_ids(d->f);
	ndr_sent_info info;
	gboolean found = FALSE, ok = TRUE;
	char *list;
	guint i;

	*decided = ids->len > 0;
	for (i = 0; ok && !found && i < ids->len; i++) {
		ok = ndr_sentlog_find_id(d->log, ids->pdata[i], &found, &info,
		                         err);
		if (ok && found) {
			sent_sentence(d, ids->pdata[i], &info);
			g_free(info.first_to);
		}
	}
	if (ok && *decided && !found && !predates(d) &&
	    (ok = mailed_without_id(d, ids, &found, err)) && !found) {
		list = listing(ids, "<", ">");
		if (ids->len == 1)
			say(d, NDRCHECK_BACKSCATTER,
			    "Message-ID %s is not in the sent log", list);
		else
			say(d, NDRCHECK_BACKSCATTER,
			    "none of the Message-IDs %s is in the sent log",
			    list);
		g_free(list);
	}
	g_ptr_array_unref(ids);
	return ok;
}

/* Rule 3, no recipient mailed since from: does the log go back so far? */
static void
none_mailed(decision *d, GPtrArray *to, gint64 from)
{
	char *list = listing(to, "", ""), *covered, *start;
	const char *none = to->len == 1 ? "" : "none of ";
	const char *was = to->len == 1 ? "was not" : "was";

	if (d->earliest <= from) {
		say(d, NDRCHECK_BACKSCATTER,
		    "%s%s %s mailed by us in the %d days before the report",
		    none, list, was, d->cfg->window_days);
	} else {
		covered = d->cut == NULL
		              ? g_strconcat("since the sent log starts on ",
		                            start = day(d->earliest), NULL)
		              : g_strconcat("in ", start = reach(d), NULL);
		g_free(start);
		say(d, NDRCHECK_UNKNOWN,
		    "%s%s %s mailed by us %s, within the %d days before "
		    "the report: cannot tell",
		    none, list, was, covered, d->cfg->window_days);
		g_free(covered);
	}
	g_free(list);
}

/* Rule 3: the recipients within the window before the report. */
static gboolean
by_recipient(decision *d, GError **err)
{
	GPtrArray *to = recipients(d->f);
	gint64 from, until, when = 0;
	gboolean ok = TRUE;
	char *date;
	guint i;

	window(d, &from, &until);
	for (i = 0; ok && when == 0 && i < to->len; i++) {
		ok = ndr_sentlog_find_recipient(d->log, to->pdata[i], from,
		                                until, FALSE, &when, err);
		if (ok && when != 0) {
			date = day(when);
			say(d, NDRCHECK_GENUINE,
			    "%s was mailed by us on %s, within %d days before "
			    "the report",
			    (const char *)to->pdata[i], date,
			    d->cfg->window_days);
			g_free(date);
		}
	}
	if (ok && to->len == 0)
		say(d, NDRCHECK_UNKNOWN,
		    "nothing in it identifies the original message");
	else if (ok && when == 0)
		none_mailed(d, to, from);
	g_ptr_array_unref(to);
	return ok;
}

/* Does text name host as a whole word (not "mx1.example.org.evil")? */
static gboolean
names_host(const char *text, const char *host)
{
	size_t n = strlen(host);
	const char *p = text;

	while (n > 0 && (p = strcasestr(p, host)) != NULL) {
		if ((p == text || (!g_ascii_isalnum(p[-1]) && p[-1] != '.' &&
		                   p[-1] != '-')) &&
		    !g_ascii_isalnum(p[n]) && p[n] != '-' &&
		    !(p[n] == '.' && g_ascii_isalnum(p[n + 1])))
			return TRUE;
		p++;
	}
	return FALSE;
}

/* The first of our relays that the returned Received chain names. */
static const char *
our_relay(const ndr_original *o, char **relays)
{
	guint i;

	for (; *relays != NULL; relays++)
		for (i = 0; i < o->received->len; i++)
			if (names_host(o->received->pdata[i], *relays))
				return *relays;
	return NULL;
}

/*
 * A sentence of rule 4: first of all when it decides an otherwise
 * unknown verdict, else after the others.
 */
static void
rule4(decision *d, gboolean decide, ndrcheck_verdict v, char *sentence)
{
	if (decide && d->verdict == NDRCHECK_UNKNOWN) {
		g_ptr_array_insert(d->evidence, (gint)d->first, sentence);
		d->verdict = v;
	} else {
		g_ptr_array_add(d->evidence, sentence);
	}
}

/*
 * Rule 4, when the config names our relays or addresses.  A returned
 * From that is ours proves nothing (backscatter carries our address:
 * that is why it came to us); one that is not ours shows the message
 * was not ours.
 */
static void
by_config(decision *d, gboolean decide)
{
	const ndr_original *o = d->f->original;
	const char *relay;

	if (o == NULL)
		return;
	if (d->cfg->relays != NULL && *d->cfg->relays != NULL &&
	    o->received != NULL && o->received->len > 0) {
		relay = our_relay(o, d->cfg->relays);
		if (relay != NULL)
			rule4(d, decide, NDRCHECK_GENUINE,
			      g_strdup_printf("the returned message passed our "
			                      "relay %s",
			                      relay));
		else
			rule4(d, decide, NDRCHECK_BACKSCATTER,
			      g_strdup("the returned message's Received fields "
			               "name none of our relays"));
	}
	if (d->cfg->addresses != NULL && *d->cfg->addresses != NULL &&
	    o->from != NULL) {
		if (ndr_config_listed(d->cfg->addresses, o->from))
			rule4(d, FALSE, d->verdict,
			      g_strdup_printf("the returned From %s is one of "
			                      "our addresses",
			                      o->from));
		else
			rule4(d, decide, NDRCHECK_BACKSCATTER,
			      g_strdup_printf("the returned From %s is not one "
			                      "of our addresses",
			                      o->from));
	}
}

/* Each signature of ours that proves nothing, and why, after the rest. */
static void
unproven_signatures(decision *d)
{
	const ndr_original *o = d->f->original;
	guint i;

	for (i = 0; o != NULL && i < o->signatures->len; i++) {
		const ndr_signature *s = o->signatures->pdata[i];

		if (s->state == NDR_SIG_VALID)
			continue;
		if (s->domain == NULL)
			say(d, d->verdict, "%s", s->why);
		else
			say(d, d->verdict,
			    "the returned DKIM signature of %s (selector %s) "
			    "%s: %s",
			    s->domain, s->selector != NULL ? s->selector : "?",
			    s->state == NDR_SIG_FAILED ? "does not verify"
			                               : "cannot be checked",
			    s->why);
	}
}

/* Whether the returned message carries any signature that may be ours. */
static gboolean
signed_at_all(const ndr_original *o, const char *domain)
{
	guint i;

	for (i = 0; i < o->signatures->len; i++) {
		const ndr_signature *s = o->signatures->pdata[i];

		if (s->domain == NULL ||
		    g_ascii_strcasecmp(s->domain, domain) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * A complete returned header block From one of our addresses at a
 * domain that signs all our mail, without any signature of it: we did
 * not send it.  Decides an unknown verdict (an empty log too) and a
 * log's backscatter; never the log's genuine (mail sent by a path that
 * does not sign), nor when a signature of ours is there and fails (a
 * bouncer may have rewritten a field): those say only "cannot tell".
 */
static void
by_absence(decision *d)
{
	const ndr_original *o = d->f->original;
	const char *domain;
	char *cut;

	if (o == NULL || o->from == NULL ||
	    !ndr_config_listed(d->cfg->addresses, o->from) ||
	    !ndr_dkim_signed_domain(d->cfg, o->from))
		return;
	domain = strrchr(o->from, '@') + 1;
	if (signed_at_all(o, domain))
		return;
	cut = ndr_dkim_block_cut(d->f, domain);
	if (cut != NULL)
		say(d, d->verdict,
		    "%s: a missing DKIM signature of %s proves "
		    "nothing",
		    cut, domain);
	else if (d->verdict == NDRCHECK_GENUINE)
		say(d, d->verdict,
		    "the returned message carries no DKIM "
		    "signature of %s, but the sent log's record "
		    "stands",
		    domain);
	else
		rule4(d, TRUE, NDRCHECK_BACKSCATTER,
		      g_strdup_printf("the returned message From %s carries no "
		                      "DKIM signature of %s, which signs all "
		                      "our mail, and its header block is "
		                      "complete",
		                      o->from, domain));
	g_free(cut);
}

/*
 * Our own signature on the returned header block proves the original
 * went through our signer, whatever the log says: it decides, first.
 * Without one, its absence may decide (by_absence()).
 */
static void
by_signature(decision *d)
{
	const ndr_signature *s = ndr_dkim_proof(d->f->original);
	const char *body;

	unproven_signatures(d);
	if (s == NULL) {
		by_absence(d);
		return;
	}
	body = s->body_verified       ? "body verified"
	       : d->f->original->body ? "body cut or changed: the header "
	                                "fields verified alone"
	                              : "body not returned";
	g_ptr_array_insert(
	    d->evidence, (gint)d->first,
	    g_strdup_printf("the returned message carries a valid DKIM "
	                    "signature of %s (selector %s; %s)",
	                    s->domain, s->selector, body));
	d->verdict = NDRCHECK_GENUINE;
}

/*
 * The address the bounce was delivered to.  A BATV tag of ours proves
 * the original was ours, whatever else says; one we did not make, or a
 * delivery to an address of our domains that we never send from, is
 * evidence like rule 4's.
 */
static void
by_envelope(decision *d)
{
	const ndr_findings *f = d->f;

	if (f->envelope_to == NULL)
		return;
	if (f->batv == NDR_BATV_VALID) {
		g_ptr_array_insert(
		    d->evidence, (gint)d->first,
		    g_strdup_printf("the bounce came to %s, a BATV address "
		                    "our server made for %s",
		                    f->envelope_to, f->batv_address));
		d->verdict = NDRCHECK_GENUINE;
	} else if (f->batv == NDR_BATV_INVALID) {
		rule4(d, TRUE, NDRCHECK_BACKSCATTER,
		      g_strdup_printf("the bounce came to %s, whose BATV tag "
		                      "is not one we made",
		                      f->envelope_to));
	} else if (f->batv == NDR_BATV_EXPIRED) {
		say(d, d->verdict,
		    "the BATV tag of %s has expired: it proves nothing",
		    f->envelope_to);
	} else if (!ndr_envelope_is_sender(d->cfg, f->envelope_to) &&
	           ndr_envelope_our_domain(d->cfg, f->envelope_to)) {
		rule4(d, TRUE, NDRCHECK_BACKSCATTER,
		      g_strdup_printf("the bounce was delivered to %s (%s), "
		                      "an address we never send from",
		                      f->envelope_to, f->envelope_source));
	}
}

/*
 * A message whose own Message-ID is in the sent log is one we sent (a
 * copy of our own mail, say, that quotes a bounce): *own, and its
 * sentence.
 */
static gboolean
own_message(decision *d, gboolean *own, GError **err)
{
	ndr_sent_info info;
	char *when;

	*own = FALSE;
	/* (some MTAs give a report the Message-ID of what it returns) */
	if (d->f->message_id == NULL ||
	    (d->f->original != NULL && d->f->original->message_id != NULL &&
	     strcmp(d->f->original->message_id, d->f->message_id) == 0))
		return TRUE;
	if (!ndr_sentlog_find_id(d->log, d->f->message_id, own, &info, err))
		return FALSE;
	if (*own) {
		when = day(info.date);
		say(d, NDRCHECK_NOT_BOUNCE,
		    "this is a message you sent: its own Message-ID <%s> is "
		    "in the sent log (sent %s)",
		    d->f->message_id, when);
		g_free(when);
		g_free(info.first_to);
	}
	return TRUE;
}

gboolean
ndr_verdict_decide(ndr_sentlog *log, const ndr_config *cfg,
                   const ndr_findings *f, ndrcheck_verdict *verdict,
                   GPtrArray *evidence, GError **err)
{
	decision d = {.log = log,
	              .cfg = cfg,
	              .f = f,
	              .evidence = evidence,
	              .first = evidence->len};
	gboolean by_id, own;

	if (f->kind == NDRCHECK_KIND_NONE) {
		say(&d, NDRCHECK_NOT_BOUNCE,
		    "nothing in it reports on a message sent earlier");
		*verdict = d.verdict;
		return TRUE;
	}
	if (!own_message(&d, &own, err))
		return FALSE;
	if (!own && f->unproven)
		say(&d, NDRCHECK_UNKNOWN,
		    "nothing in its header shows that a machine wrote it (no "
		    "null sender, Auto-Submitted, daemon sender or report "
		    "structure): cannot tell");
	if (own || f->unproven) {
		*verdict = d.verdict;
		return TRUE;
	}
	if (!ndr_sentlog_earliest(log, &d.earliest, err) ||
	    !ndr_sync_limit(log, cfg, &d.cut, &d.sync, err))
		return FALSE;
	/* A sync cut short covers its source only from where it got. */
	if (d.cut != NULL && d.earliest != 0)
		d.earliest = MAX(d.earliest, d.sync.reached);
	if (d.earliest == 0) {
		/* ndrcheck.conf(5): an empty log knows nothing. */
		say(&d, NDRCHECK_UNKNOWN, "the sent log is empty: cannot tell");
		by_config(&d, FALSE);
	} else if (!by_message_id(&d, &by_id, err) ||
	           (!by_id && !by_recipient(&d, err))) {
		g_free(d.cut);
		return FALSE;
	} else {
		by_config(&d, TRUE);
	}
	g_free(d.cut);
	by_signature(&d);
	by_envelope(&d);
	*verdict = d.verdict;
	return TRUE;
}
