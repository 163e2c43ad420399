/*
 * status.c - ndrcheck_status(): what a handle would work with, for
 * ndrcheck status (ndrcheck(1) STATUS), as lines for a person or as one
 * JSON object.
 *
 * Everything is gathered once into a struct status and then written in
 * either form, so that the two never tell different things.  Nothing is
 * created, synced or compiled: the sent log is opened read-only (a log
 * not there yet is an empty one), the rules are those the handle loaded,
 * and the cache of compiled rules is only compared with them.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "config.h"
#include "error.h"
#include "handle.h"
#include "rules.h"
#include "sentlog.h"

typedef struct status {
	const char *db;
	const char *mailbox; /* PostgreSQL: whose records; NULL for SQLite */
	ndr_sentlog_info log;
	char *const *sources; /* config "sent", or NULL */
	GPtrArray *syncs;     /* of ndr_sync_entry *, by source */
	ndr_rules_info rules;
} status;

/* A Unix time as ndrcheck writes dates: ISO 8601, UTC; NULL for 0. */
static char *
iso_date(gint64 t)
{
	GDateTime *d = t != 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *s =
	    d != NULL ? g_date_time_format(d, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (d != NULL)
		g_date_time_unref(d);
	return s;
}

static gboolean
gather(ndrcheck *h, status *st, GError **err)
{
	const ndr_config *cfg = ndr_handle_config(h);
	const ndr_rules *rules = ndr_handle_rules(h);
	ndr_sentlog *log;

	if (rules == NULL) {
		g_set_error_literal(err, NDR_ERROR, NDRCHECK_EUSAGE,
		                    "the handle did not open (see "
		                    "ndrcheck_open()): no status");
		return FALSE;
	}
	log = ndr_handle_sentlog(h, FALSE, err);
	if (log == NULL || !ndr_sentlog_status(log, &st->log, err) ||
	    (st->syncs = ndr_sentlog_syncs(log, err)) == NULL)
		return FALSE;
	st->db = cfg->db_path;
	st->mailbox = NULL;
	if (ndr_sentlog_is_uri(cfg->db_path))
		st->mailbox =
		    cfg->mailbox != NULL ? cfg->mailbox : g_get_user_name();
	st->sources = cfg->sent_folders;
	ndr_rules_describe(rules, &st->rules);
	return TRUE;
}

/* The sync state of source, or NULL when it was never synced. */
static const ndr_sync_state *
sync_of(const status *st, const char *source)
{
	const ndr_sync_entry *e;
	guint i;

	for (i = 0; i < st->syncs->len; i++) {
		e = st->syncs->pdata[i];
		if (strcmp(e->source, source) == 0)
			return &e->st;
	}
	return NULL;
}

/* "last sync DATE, finished" or how far it got; "never synced". */
static char *
describe_sync(const ndr_sync_state *s)
{
	char *when, *reached, *out;

	if (s == NULL)
		return g_strdup("never synced");
	when = iso_date(s->when);
	reached = s->reached != G_MAXINT64 ? iso_date(s->reached) : NULL;
	if (s->finished)
		out = g_strdup_printf(
		    "last sync %s, finished, %" G_GUINT64_FORMAT " messages",
		    when, s->done);
	else
		out = g_strdup_printf(
		    "last sync %s, unfinished: %" G_GUINT64_FORMAT
		    " of %" G_GUINT64_FORMAT " messages, read back to %s",
		    when, s->done, s->total,
		    reached != NULL ? reached : "none");
	g_free(when);
	g_free(reached);
	return out;
}

/* The cache of compiled rules in a few words. */
static const char *
cache_state(const ndr_rules_info *r)
{
	if (r->cache_path == NULL)
		return "none (built-in rules replaced)";
	if (!r->cache_found)
		return "missing (written by the next bounce)";
	return r->cached == r->classes ? "valid"
	                               : "stale (rewritten by the "
	                                 "next bounce)";
}

static char *
as_text(const status *st)
{
	GString *s = g_string_new(NULL);
	char *from = iso_date(st->log.earliest), *sync;
	const ndr_rule_file *f;
	guint i;

	g_string_append_printf(s, "sent log:    %s\n", st->db);
	g_string_append_printf(
	    s, "backend:     %s, schema %d%s\n", st->log.backend,
	    st->log.schema_version,
	    st->log.schema_version == 0 ? " (not created yet)" : "");
	if (st->mailbox != NULL)
		g_string_append_printf(s,
		                       "mailbox:     %s (of %" G_GUINT64_FORMAT
		                       " in the database)\n",
		                       st->mailbox, st->log.mailboxes);
	g_string_append_printf(s, "records:     %" G_GUINT64_FORMAT "\n",
	                       st->log.records);
	g_string_append_printf(s, "covered:     %s%s\n",
	                       from != NULL ? "from " : "nothing (empty)",
	                       from != NULL ? from : "");
	g_string_append_printf(s, "hashed:      %s\n",
	                       st->log.hashed ? "yes (hash_key)" : "no");
	if (st->log.keep_days > 0)
		g_string_append_printf(s, "keep:        %d days\n",
		                       st->log.keep_days);
	else
		g_string_append(s, "keep:        for ever\n");
	for (i = 0; st->sources != NULL && st->sources[i] != NULL; i++) {
		sync = describe_sync(sync_of(st, st->sources[i]));
		g_string_append_printf(s, "source:      %s: %s\n",
		                       st->sources[i], sync);
		g_free(sync);
	}
	for (i = 0; i < st->rules.files->len; i++) {
		f = st->rules.files->pdata[i];
		g_string_append_printf(s, "rules:       %s (%u, %s)\n", f->path,
		                       f->rules,
		                       f->builtin ? "built-in" : "own");
	}
	g_string_append_printf(
	    s, "rule cache:  %s: %s, %u of %u classes\n",
	    st->rules.cache_path != NULL ? st->rules.cache_path : "-",
	    cache_state(&st->rules), st->rules.cached, st->rules.classes);
	g_free(from);
	return g_string_free(s, FALSE);
}

/* A string member (paths are bytes: mended into UTF-8), or null. */
static void
add_string(JsonBuilder *b, const char *member, const char *value)
{
	char *valid = value != NULL ? g_utf8_make_valid(value, -1) : NULL;

	json_builder_set_member_name(b, member);
	if (valid != NULL)
		json_builder_add_string_value(b, valid);
	else
		json_builder_add_null_value(b);
	g_free(valid);
}

static void
add_int(JsonBuilder *b, const char *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

static void
add_bool(JsonBuilder *b, const char *member, gboolean value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_boolean_value(b, value);
}

/* A date member, or null for none. */
static void
add_date(JsonBuilder *b, const char *member, gint64 t)
{
	char *d = t != 0 && t != G_MAXINT64 ? iso_date(t) : NULL;

	add_string(b, member, d);
	g_free(d);
}

/* A configured source and its last sync (members null: never synced). */
static void
add_source(JsonBuilder *b, const char *source, const ndr_sync_state *s)
{
	ndr_sync_state none = {0};

	json_builder_begin_object(b);
	add_string(b, "source", source);
	add_date(b, "last_sync", s != NULL ? s->when : 0);
	json_builder_set_member_name(b, "finished");
	if (s != NULL)
		json_builder_add_boolean_value(b, s->finished);
	else
		json_builder_add_null_value(b);
	s = s != NULL ? s : &none;
	add_int(b, "done", (gint64)s->done);
	add_int(b, "total", (gint64)s->total);
	add_date(b, "reached", s->finished ? 0 : s->reached);
	json_builder_end_object(b);
}

static void
add_rules(JsonBuilder *b, const ndr_rules_info *r)
{
	const ndr_rule_file *f;
	guint i;

	json_builder_set_member_name(b, "rules");
	json_builder_begin_array(b);
	for (i = 0; i < r->files->len; i++) {
		f = r->files->pdata[i];
		json_builder_begin_object(b);
		add_string(b, "file", f->path);
		add_bool(b, "builtin", f->builtin);
		add_int(b, "rules", f->rules);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "rule_cache");
	json_builder_begin_object(b);
	add_string(b, "file", r->cache_path);
	add_bool(b, "valid", r->cache_found && r->cached == r->classes);
	add_int(b, "classes", r->classes);
	add_int(b, "cached", r->cached);
	json_builder_end_object(b);
}

static char *
as_json(const status *st)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen = json_generator_new();
	JsonNode *root;
	char *from = iso_date(st->log.earliest), *out;
	guint i;

	json_builder_begin_object(b);
	add_string(b, "db", st->db);
	add_string(b, "backend", st->log.backend);
	add_int(b, "schema_version", st->log.schema_version);
	add_string(b, "mailbox", st->mailbox);
	add_int(b, "records", (gint64)st->log.records);
	json_builder_set_member_name(b, "mailboxes");
	if (st->mailbox != NULL)
		json_builder_add_int_value(b, (gint64)st->log.mailboxes);
	else
		json_builder_add_null_value(b);
	add_string(b, "covered_from", from);
	add_bool(b, "hashed", st->log.hashed);
	json_builder_set_member_name(b, "keep_days");
	if (st->log.keep_days > 0)
		json_builder_add_int_value(b, st->log.keep_days);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "sources");
	json_builder_begin_array(b);
	for (i = 0; st->sources != NULL && st->sources[i] != NULL; i++)
		add_source(b, st->sources[i], sync_of(st, st->sources[i]));
	json_builder_end_array(b);
	add_rules(b, &st->rules);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	out = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	g_free(from);
	return out;
}

int
ndrcheck_status(ndrcheck *h, int json, char **text)
{
	status st = {0};
	GError *err = NULL;

	*text = NULL;
	if (!gather(h, &st, &err))
		return ndr_handle_fail(h, err);
	*text = json ? as_json(&st) : as_text(&st);
	ndr_rules_info_clear(&st.rules);
	g_ptr_array_unref(st.syncs);
	return NDRCHECK_OK;
}
