/*
 * mtalog.c - the mail an MTA log says left this host (see mtalog.h).
 *
 * The rules say what each line means, by the event their label ends
 * with (ndrcheck-rules(5), class mta-log): a message queued (its queue
 * id, Message-ID and sender), its sender named later, a recipient it
 * was sent to (and the host it went to), its queue id done with, or a
 * line of the MTA's that says nothing more.  Messages are kept by queue
 * id until their recipients are seen, within NDR_MAX_PENDING_QIDS.
 */
#include <stdio.h>
#include <string.h>

#include "lines.h"
#include "mtalog.h"
#include "ndrlimits.h"
#include "vocabulary.h"

/* A message an MTA log has told of, until its recipients are seen. */
typedef struct queued {
	char *message_id; /* NULL until known */
	char *from;
	gint64 date;    /* of its first line */
	guint64 offset; /* of its first line */
} queued;

typedef struct mta_log {
	const ndr_rules *rules;
	ndr_mtalog_fn fn;
	void *arg;
	gboolean stopped;  /* fn said so */
	GHashTable *queue; /* queue id -> queued */
	gint64 ref;        /* the file's time: syslog dates have no year */
	guint recognised;  /* lines understood */
	guint64 offset;    /* of the line being read */
} mta_log;

static void
queued_free(gpointer p)
{
	queued *q = p;

	g_free(q->message_id);
	g_free(q->from);
	g_free(q);
}

static gboolean
older(gpointer key, gpointer value, gpointer limit)
{
	return ((queued *)value)->offset < *(guint64 *)limit;
}

/*
 * Keep the queue within NDR_MAX_PENDING_QIDS: drop the messages first
 * logged more than NDR_LOG_REREAD_BYTES back (their recipients came
 * long ago: a retry adds none), or all if that is not enough.
 */
static void
queue_bound(mta_log *ml)
{
	guint64 limit;

	if (g_hash_table_size(ml->queue) < NDR_MAX_PENDING_QIDS)
		return;
	limit = ml->offset > NDR_LOG_REREAD_BYTES
	            ? ml->offset - NDR_LOG_REREAD_BYTES
	            : 0;
	g_hash_table_foreach_remove(ml->queue, older, &limit);
	if (g_hash_table_size(ml->queue) >= NDR_MAX_PENDING_QIDS)
		g_hash_table_remove_all(ml->queue);
}

/* The entry of queue id qid, made at the current line when new. */
static queued *
queue_get(mta_log *ml, const char *qid, gint64 date, gboolean create)
{
	queued *q = g_hash_table_lookup(ml->queue, qid);

	if (q != NULL || !create)
		return q;
	queue_bound(ml);
	q = g_new0(queued, 1);
	q->date = date;
	q->offset = ml->offset;
	g_hash_table_insert(ml->queue, g_strdup(qid), q);
	return q;
}

/* Done with a queue id: the MTA logged its removal. */
static void
queue_done(mta_log *ml, const char *qid)
{
	g_hash_table_remove(ml->queue, qid);
}

/* A loopback relay is a content filter on this host, not a send. */
static gboolean
is_loopback(const char *host)
{
	return g_str_has_prefix(host, "127.") || strcmp(host, "::1") == 0 ||
	       strcmp(host, "IPv6:::1") == 0 ||
	       g_ascii_strcasecmp(host, "localhost") == 0;
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/*
 * A syslog date "Nov 20 10:00:00" has no year: the year of ref (the
 * file's time), or the one before if that puts it after ref.
 */
static gint64
syslog_time(const char *line, gint64 ref)
{
	int day, h, mi, sec, mon;
	GDateTime *t, *r = g_date_time_new_from_unix_local(ref);
	gint64 v = 0;
	char name[4];

	if (sscanf(line, "%3s %d %d:%d:%d", name, &day, &h, &mi, &sec) != 5)
		goto out;
	for (mon = 0; mon < 12 && strcmp(name, months[mon]) != 0; mon++)
		;
	if (mon == 12)
		goto out;
	t = g_date_time_new_local(g_date_time_get_year(r), mon + 1, day, h, mi,
	                          sec);
	if (t == NULL)
		goto out;
	v = g_date_time_to_unix(t);
	g_date_time_unref(t);
	if (v > ref + 86400) {
		t = g_date_time_new_local(g_date_time_get_year(r) - 1, mon + 1,
		                          day, h, mi, sec);
		v = t != NULL ? g_date_time_to_unix(t) : 0;
		if (t != NULL)
			g_date_time_unref(t);
	}
out:
	g_date_time_unref(r);
	return v;
}

/*
 * When a log line was written: RFC 3339 (rsyslog), Exim's
 * "2026-11-20 10:00:00 [+0100]", or classic syslog; 0 if none of them.
 */
static gint64
log_time(const char *line, gint64 ref)
{
	int y, mo, d, h, mi, s;
	char *iso, *sp, zone[6] = "";
	GTimeZone *tz;
	GDateTime *t;
	gint64 v = 0;

	if (sscanf(line, "%4d-%2d-%2dT", &y, &mo, &d) == 3 && line[10] == 'T') {
		sp = strchr(line, ' ');
		iso = sp != NULL ? g_strndup(line, (gsize)(sp - line))
		                 : g_strdup(line);
		t = g_date_time_new_from_iso8601(iso, NULL);
		g_free(iso);
	} else if (sscanf(line, "%4d-%2d-%2d %2d:%2d:%2d %5[-+0-9]", &y, &mo,
	                  &d, &h, &mi, &s, zone) >= 6) {
		tz = zone[0] == '+' || zone[0] == '-'
		         ? g_time_zone_new_identifier(zone)
		         : g_time_zone_new_local();
		t = tz != NULL ? g_date_time_new(tz, y, mo, d, h, mi, s) : NULL;
		if (tz != NULL)
			g_time_zone_unref(tz);
	} else {
		return syslog_time(line, ref);
	}
	if (t != NULL) {
		v = g_date_time_to_unix(t);
		g_date_time_unref(t);
	}
	return v;
}

/* One recipient of a queued message left for a remote host. */
static void
sent_to(mta_log *ml, const char *qid, const char *to)
{
	queued *q = queue_get(ml, qid, 0, FALSE);
	GPtrArray *rcpt;
	ndr_sent s;

	if (q == NULL || q->message_id == NULL || *to == '\0')
		return; /* its first lines were before where we began */
	rcpt = g_ptr_array_new();
	g_ptr_array_add(rcpt, (gpointer)to);
	s = (ndr_sent){.message_id = q->message_id,
	               .date = q->date,
	               .from = q->from,
	               .to = rcpt};
	if (!ml->fn(&s, ml->arg))
		ml->stopped = TRUE;
	g_ptr_array_unref(rcpt);
}

/* The MTA a label names: its words before the event. */
static char *
made_up_id(const char *label, const char *qid)
{
	const char *dot = strrchr(label, '.');
	int n = dot != NULL ? (int)(dot - label) : (int)strlen(label);

	return g_strdup_printf("%s@%.*s.ndrcheck.invalid", qid, n, label);
}

/*
 * A message queued: known by its Message-ID (an empty one says
 * nothing), else by its queue id, on this host's MTA.
 */
static void
queue_message(mta_log *ml, const ndr_rule_match *m, const char *qid,
              const char *line)
{
	char *id = ndr_rule_group(m, "id"), *from = ndr_rule_group(m, "from");
	queued *q;

	if (id == NULL || *id != '\0') {
		q = queue_get(ml, qid, log_time(line, ml->ref), TRUE);
		g_free(q->message_id);
		q->message_id =
		    id != NULL ? g_strdup(id) : made_up_id(m->label, qid);
		if (q->from == NULL && from != NULL && *from != '\0')
			q->from = g_steal_pointer(&from);
	}
	g_free(id);
	g_free(from);
}

/* The sender of a message queued earlier, named on a later line. */
static void
queue_sender(mta_log *ml, const ndr_rule_match *m, const char *qid)
{
	queued *q = queue_get(ml, qid, 0, FALSE);
	char *from = ndr_rule_group(m, "from");

	if (q != NULL && q->from == NULL && from != NULL && *from != '\0')
		q->from = g_steal_pointer(&from);
	g_free(from);
}

/* Recipients sent to: one (to) or a list (tolist: "<a>,<b>"). */
static void
queue_sent(mta_log *ml, const ndr_rule_match *m, const char *qid)
{
	char *host = ndr_rule_group(m, "host"), *to = ndr_rule_group(m, "to");
	char *list = ndr_rule_group(m, "tolist"), **each;
	size_t i;

	if (host == NULL || !is_loopback(host)) {
		if (to != NULL)
			sent_to(ml, qid, to);
		each = g_strsplit(list != NULL ? list : "", ",", -1);
		for (i = 0; !ml->stopped && each[i] != NULL; i++)
			sent_to(ml, qid,
			        g_strstrip(g_strdelimit(each[i], "<>", ' ')));
		g_strfreev(each);
	}
	g_free(host);
	g_free(to);
	g_free(list);
}

/* One whole line of the log, without its line end. */
static void
log_line(mta_log *ml, const char *line, size_t len)
{
	ndr_rule_match m;
	char *qid;

	if (!ndr_rules_match(ml->rules, "mta-log", line, len, 0, &m))
		return;
	ml->recognised++;
	if ((qid = ndr_rule_group(&m, "qid")) == NULL)
		return;
	switch (ndr_mta_event_of(m.label)) {
	case NDR_MTA_MESSAGE:
		queue_message(ml, &m, qid, line);
		break;
	case NDR_MTA_SENDER:
		queue_sender(ml, &m, qid);
		break;
	case NDR_MTA_SENT:
		queue_sent(ml, &m, qid);
		break;
	case NDR_MTA_DONE:
		queue_done(ml, qid);
		break;
	default: /* other: the rule files take no label outside these */
		break;
	}
	g_free(qid);
}

static gboolean
earliest(gpointer key, gpointer value, gpointer min)
{
	queued *q = value;

	if (q->offset < *(guint64 *)min)
		*(guint64 *)min = q->offset;
	return FALSE;
}

/*
 * Where the next reading starts: at the first line of the earliest
 * message still waiting for its recipients, but no more than
 * NDR_LOG_REREAD_BYTES back.
 */
static guint64
log_resume(mta_log *ml, guint64 end)
{
	guint64 min = end;

	g_hash_table_find(ml->queue, earliest, &min);
	if (end - min > NDR_LOG_REREAD_BYTES)
		min = end - NDR_LOG_REREAD_BYTES;
	return min;
}

static gboolean
log_lines(mta_log *ml, ndr_lines *r, guint64 *end, GError **err)
{
	const char *p;
	size_t len, n;
	guint64 off;
	gboolean bol = TRUE, whole;
	GError *e = NULL;
	char *line;

	while (!ml->stopped && ndr_lines_next(r, &p, &len, &off, &e)) {
		whole = bol && p[len - 1] == '\n';
		bol = p[len - 1] == '\n';
		/* A longer line is no MTA's; an unended one is being written.
		 */
		if (!whole)
			continue;
		*end = off + len;
		ml->offset = off;
		n = len - (len > 1 && p[len - 2] == '\r' ? 2 : 1);
		line = g_strndup(p, n);
		log_line(ml, line, n);
		g_free(line);
	}
	if (e != NULL) {
		g_propagate_error(err, e);
		return FALSE;
	}
	return TRUE;
}

gboolean
ndr_mtalog_each(const ndr_rules *rules, const char *path, guint64 start,
                gint64 ref, ndr_mtalog_fn fn, void *arg, ndr_mtalog_read *out,
                GError **err)
{
	mta_log ml = {.rules = rules, .fn = fn, .arg = arg, .ref = ref};
	guint64 end = start;
	ndr_lines *r;
	gboolean ok;

	r = ndr_lines_open(path, start, err);
	if (r == NULL)
		return FALSE;
	ml.queue =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, queued_free);
	ok = log_lines(&ml, r, &end, err);
	out->resume = log_resume(&ml, end);
	out->recognised = ml.recognised;
	g_hash_table_unref(ml.queue);
	ndr_lines_close(r);
	return ok;
}
