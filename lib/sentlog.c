/*
 * sentlog.c - the sent log, whatever stores it (see sentlog.h): the
 * record made from a message, made-up Message-IDs, keys lower-cased or
 * hashed, transaction nesting, where coverage starts, retention; the
 * storage itself is a backend (sentlog-backend.h) chosen by the form of
 * the location.
 */
#include <string.h>

#include "error.h"
#include "ndrlimits.h"
#include "sentlog-backend.h"

struct ndr_sentlog {
	const ndr_sentlog_ops *ops;
	void *db; /* NULL: nothing there yet, an empty sent log */
	char *where;
	gboolean read_only;
	int depth;       /* of nested ndr_sentlog_begin() */
	GBytes *key;     /* config hash_key's secret, or NULL: clear text */
	int keep_days;   /* config keep, 0: for ever */
	gboolean pruned; /* once a handle, on its first record */
};

/* The domain of made-up Message-IDs (see sentlog.h). */
#define MADE_UP_DOMAIN "ndrcheck.invalid"

/* The check value that tells which key (or none) a log was written with. */
#define CLEAR_CHECK "clear"

gboolean
ndr_sentlog_is_uri(const char *where)
{
	return g_str_has_prefix(where, "postgresql://") ||
	       g_str_has_prefix(where, "postgres://");
}

/* text lower-cased (addresses and Message-IDs compare without case). */
static char *
lower(const char *text)
{
	if (g_utf8_validate(text, -1, NULL))
		return g_utf8_strdown(text, -1);
	return g_ascii_strdown(text, -1);
}

/* The stored form of a key: lower-cased, then hashed when configured. */
static char *
stored_key(const ndr_sentlog *log, const char *text)
{
	char *low = lower(text), *mac;

	if (log->key == NULL)
		return low;
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	                                g_bytes_get_data(log->key, NULL),
	                                g_bytes_get_size(log->key), low, -1);
	g_free(low);
	return mac;
}

static gboolean
is_made_up(const char *message_id)
{
	return g_str_has_suffix(message_id, "@" MADE_UP_DOMAIN);
}

/*
 * The stored form of a Message-ID: a made-up one keeps its domain when
 * hashed, so that the backends tell it from a real one as in clear text.
 */
static char *
stored_id(const ndr_sentlog *log, const char *message_id)
{
	char *key = stored_key(log, message_id), *id;

	if (log->key == NULL || !is_made_up(message_id))
		return key;
	id = g_strconcat(key, "@" MADE_UP_DOMAIN, NULL);
	g_free(key);
	return id;
}

static char *
hash_check(const ndr_sentlog *log)
{
	return log->key != NULL ? stored_key(log, "ndrcheck hash_key check")
	                        : g_strdup(CLEAR_CHECK);
}

/* Read the secret of config hash_key. */
static gboolean
read_key(ndr_sentlog *log, const char *file, GError **err)
{
	GError *e = NULL;
	char *text;
	gsize len;

	if (!g_file_get_contents(file, &text, &len, &e)) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE, "hash_key %s: %s",
		            file, e->message);
		g_error_free(e);
		return FALSE;
	}
	if (len < NDR_MIN_HASH_KEY_BYTES) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "hash_key %s: %zu bytes, fewer than %d: make it "
		            "with head -c 32 /dev/urandom > %s",
		            file, len, NDR_MIN_HASH_KEY_BYTES, file);
		g_free(text);
		return FALSE;
	}
	log->key = g_bytes_new_take(text, len);
	return TRUE;
}

/*
 * A log written with another key (or in clear text) would answer every
 * lookup "never sent": genuine bounces would look like backscatter.
 */
static gboolean
check_key(ndr_sentlog *log, GError **err)
{
	char *ours = hash_check(log), *stored = NULL;
	gboolean ok = log->ops->hash_check_get(log->db, &stored, err);

	if (ok && stored == NULL && !log->read_only)
		ok = log->ops->hash_check_put(log->db, ours, err);
	else if (ok && stored != NULL && strcmp(stored, ours) != 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "sent log %s was written %s: config hash_key must "
		            "stay what it was (or start a new sent log)",
		            log->where,
		            strcmp(stored, CLEAR_CHECK) == 0
		                ? "in clear text, without hash_key"
		                : "with another hash_key");
		ok = FALSE;
	}
	g_free(stored);
	g_free(ours);
	return ok;
}

ndr_sentlog *
ndr_sentlog_open_with(const char *where, const ndr_sentlog_settings *set,
                      gboolean read_only, GError **err)
{
	ndr_sentlog *log = g_new0(ndr_sentlog, 1);
	const char *mailbox = set != NULL && set->mailbox != NULL
	                          ? set->mailbox
	                          : g_get_user_name();
	GError *e = NULL;

	log->ops =
	    ndr_sentlog_is_uri(where) ? &ndr_sentlog_pg : &ndr_sentlog_sqlite;
	log->where = g_strdup(where);
	log->read_only = read_only;
	log->keep_days = set != NULL ? set->keep_days : 0;
	if (set != NULL && set->hash_key != NULL &&
	    !read_key(log, set->hash_key, err))
		goto fail;
	log->db = log->ops->open(where, mailbox, read_only, &e);
	if (e != NULL) {
		g_propagate_error(err, e);
		goto fail;
	}
	if (log->db == NULL || check_key(log, err))
		return log;
fail:
	ndr_sentlog_close(log);
	return NULL;
}

ndr_sentlog *
ndr_sentlog_open(const char *path, gboolean read_only, GError **err)
{
	return ndr_sentlog_open_with(path, NULL, read_only, err);
}

void
ndr_sentlog_close(ndr_sentlog *log)
{
	if (log == NULL)
		return;
	if (log->db != NULL)
		log->ops->close(log->db);
	if (log->key != NULL)
		g_bytes_unref(log->key);
	g_free(log->where);
	g_free(log);
}

const char *
ndr_sentlog_path(const ndr_sentlog *log)
{
	return log->where;
}

static gboolean
writable(ndr_sentlog *log, GError **err)
{
	if (log->db != NULL && !log->read_only)
		return TRUE;
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "sent log %s is open for reading only", log->where);
	return FALSE;
}

gboolean
ndr_sentlog_begin(ndr_sentlog *log, GError **err)
{
	if (!writable(log, err))
		return FALSE;
	if (log->depth > 0) {
		log->depth++;
		return TRUE;
	}
	if (!log->ops->begin(log->db, err))
		return FALSE;
	log->depth = 1;
	return TRUE;
}

gboolean
ndr_sentlog_commit(ndr_sentlog *log, GError **err)
{
	g_return_val_if_fail(log->depth > 0, FALSE);
	if (--log->depth > 0)
		return TRUE;
	if (log->ops->commit(log->db, err))
		return TRUE;
	log->depth = 1;
	ndr_sentlog_rollback(log);
	return FALSE;
}

void
ndr_sentlog_rollback(ndr_sentlog *log)
{
	if (log->depth == 0)
		return;
	log->depth = 0;
	log->ops->rollback(log->db);
}

/* The made-up Message-ID of a message without one (see sentlog.h). */
static char *
made_up_id(const ndr_sent *s, gint64 date)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	char *id, *when = g_strdup_printf("%" G_GINT64_FORMAT "\n", date);
	guint i;

	g_checksum_update(sum, (const guchar *)when, -1);
	g_checksum_update(sum, (const guchar *)(s->from ? s->from : ""), -1);
	g_checksum_update(sum, (const guchar *)"\n", 1);
	g_checksum_update(sum, (const guchar *)(s->subject ? s->subject : ""),
	                  -1);
	for (i = 0; s->to != NULL && i < s->to->len; i++) {
		g_checksum_update(sum, (const guchar *)"\n", 1);
		g_checksum_update(sum, (const guchar *)s->to->pdata[i], -1);
	}
	id = g_strdup_printf("%.32s@" MADE_UP_DOMAIN,
	                     g_checksum_get_string(sum));
	g_checksum_free(sum);
	g_free(when);
	return id;
}

gboolean
ndr_sentlog_sane_date(gint64 date)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	return date >= NDR_COVER_FLOOR && date <= now + NDR_COVER_FUTURE_S;
}

/*
 * Where the first record starts the coverage: at its Date, when that is
 * sane, else now.  Later records never move it back.
 */
static gint64
first_start(gint64 date)
{
	return ndr_sentlog_sane_date(date) ? date
	                                   : g_get_real_time() / G_USEC_PER_SEC;
}

/* Pruning as it goes: whoever records keeps the table bounded. */
static gboolean
prune_once(ndr_sentlog *log, GError **err)
{
	guint64 removed;

	if (log->keep_days == 0 || log->pruned)
		return TRUE;
	log->pruned = ndr_sentlog_prune(log, log->keep_days, &removed, err);
	return log->pruned;
}

static gboolean
add_row(ndr_sentlog *log, const ndr_sent *s, gboolean *added, GError **err)
{
	gint64 date =
	    s->date != 0 ? s->date : g_get_real_time() / G_USEC_PER_SEC;
	gboolean none = s->message_id == NULL || *s->message_id == '\0';
	char *mid = none ? made_up_id(s, date) : NULL;
	/* Or made up before, and now imported again (see sentlog.h). */
	gboolean made_up = none || is_made_up(s->message_id);
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	ndr_sent_row r = {.made_up = made_up, .date = date, .to = to};
	gboolean ok;
	guint i;

	r.message_id = stored_id(log, mid != NULL ? mid : s->message_id);
	/* A keyed hash stores nothing that says who wrote what. */
	r.sender = log->key == NULL ? s->from : NULL;
	r.subject = log->key == NULL ? s->subject : NULL;
	for (i = 0; s->to != NULL && i < s->to->len; i++)
		g_ptr_array_add(to, stored_key(log, s->to->pdata[i]));
	ok = ndr_sentlog_begin(log, err);
	if (ok && !(ok = log->ops->add(log->db, &r, added, err) &&
	                 (!*added || log->ops->cover(log->db, first_start(date),
	                                             FALSE, err))))
		ndr_sentlog_rollback(log);
	ok = ok && ndr_sentlog_commit(log, err);
	if (!ok)
		*added = FALSE;
	g_free((char *)r.message_id);
	g_ptr_array_unref(to);
	g_free(mid);
	return ok;
}

gboolean
ndr_sentlog_add(ndr_sentlog *log, const ndr_sent *s, gboolean *added,
                GError **err)
{
	*added = FALSE;
	return prune_once(log, err) && add_row(log, s, added, err);
}

/* Every address of the fields named (groups flattened) into out. */
static void
add_addresses(GPtrArray *out, InternetAddressList *list)
{
	InternetAddress *a;
	int i, n = list != NULL ? internet_address_list_length(list) : 0;

	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			add_addresses(out, internet_address_group_get_members(
			                       INTERNET_ADDRESS_GROUP(a)));
		else if (internet_address_mailbox_get_addr(
		             INTERNET_ADDRESS_MAILBOX(a))[0] != '\0')
			g_ptr_array_add(
			    out, g_strdup(internet_address_mailbox_get_addr(
			             INTERNET_ADDRESS_MAILBOX(a))));
	}
}

static gboolean
name_in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (g_ascii_strcasecmp(name, *names) == 0)
			return TRUE;
	return FALSE;
}

/* The addresses of every header field of msg named one of names. */
static GPtrArray *
addresses(GMimeMessage *msg, const char *const *names)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	InternetAddressList *list;
	GMimeHeader *h;
	int i, n = g_mime_header_list_get_count(hl);

	for (i = 0; i < n && i < (int)NDR_MAX_HEADERS; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		if (!name_in(g_mime_header_get_name(h), names))
			continue;
		list = internet_address_list_parse(
		    NULL, g_mime_header_get_raw_value(h));
		add_addresses(out, list);
		if (list != NULL)
			g_object_unref(list);
	}
	return out;
}

/* Subject as stored: one line, at most NDR_MAX_FIELD_BYTES. */
static char *
short_subject(GMimeMessage *msg)
{
	const char *subject = g_mime_message_get_subject(msg);
	char *copy;

	if (subject == NULL)
		return NULL;
	copy = g_utf8_make_valid(subject, -1);
	if (strlen(copy) > NDR_MAX_FIELD_BYTES)
		*g_utf8_find_prev_char(copy, copy + NDR_MAX_FIELD_BYTES + 1) =
		    '\0';
	return copy;
}

gboolean
ndr_sentlog_record(ndr_sentlog *log, GMimeMessage *msg, gboolean *added,
                   GError **err)
{
	static const char *const from_names[] = {"From", NULL};
	static const char *const to_names[] = {
	    "To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", NULL};
	GPtrArray *from = addresses(msg, from_names);
	GDateTime *date = g_mime_message_get_date(msg);
	ndr_sent s = {
	    .message_id = g_mime_message_get_message_id(msg),
	    .date = date != NULL ? g_date_time_to_unix(date) : 0,
	    .from = from->len > 0 ? from->pdata[0] : NULL,
	    .to = addresses(msg, to_names),
	};
	char *subject = short_subject(msg);
	gboolean ok;

	s.subject = subject;
	ok = ndr_sentlog_add(log, &s, added, err);
	g_free(subject);
	g_ptr_array_unref(s.to);
	g_ptr_array_unref(from);
	return ok;
}

char *
ndr_sentlog_name_of(const ndr_sentlog *log, const char *message_id)
{
	return log->key != NULL ? stored_id(log, message_id)
	                        : g_strdup(message_id);
}

/* What a name of ndr_sentlog_name_of() is stored as. */
static char *
named_stored(const ndr_sentlog *log, const char *name)
{
	return log->key != NULL ? g_strdup(name) : stored_id(log, name);
}

/* Find by the stored form of a Message-ID, which this frees. */
static gboolean
find_stored(ndr_sentlog *log, char *stored, gboolean *found,
            ndr_sent_info *info, GError **err)
{
	gboolean ok;

	ok = log->ops->find_id(log->db, stored, found, info, err);
	g_free(stored);
	/* A hashed recipient names no one. */
	if (log->key != NULL)
		g_clear_pointer(&info->first_to, g_free);
	return ok;
}

gboolean
ndr_sentlog_find_id(ndr_sentlog *log, const char *message_id, gboolean *found,
                    ndr_sent_info *info, GError **err)
{
	*found = FALSE;
	memset(info, 0, sizeof(*info));
	if (log == NULL || log->db == NULL)
		return TRUE;
	return find_stored(log, stored_id(log, message_id), found, info, err);
}

gboolean
ndr_sentlog_find_named(ndr_sentlog *log, const char *name, gboolean *found,
                       ndr_sent_info *info, GError **err)
{
	*found = FALSE;
	memset(info, 0, sizeof(*info));
	if (log == NULL || log->db == NULL)
		return TRUE;
	return find_stored(log, named_stored(log, name), found, info, err);
}

gboolean
ndr_sentlog_find_recipient(ndr_sentlog *log, const char *address, gint64 from,
                           gint64 to, gboolean without_id, gint64 *when,
                           GError **err)
{
	char *key;
	gboolean ok;

	*when = 0;
	if (log == NULL || log->db == NULL)
		return TRUE;
	key = stored_key(log, address);
	ok = log->ops->find_recipient(log->db, key, from, to, without_id, when,
	                              err);
	g_free(key);
	return ok;
}

gboolean
ndr_sentlog_earliest(ndr_sentlog *log, gint64 *date, GError **err)
{
	*date = 0;
	if (log == NULL || log->db == NULL)
		return TRUE;
	return log->ops->earliest(log->db, date, err);
}

gboolean
ndr_sentlog_cover(ndr_sentlog *log, gint64 start, GError **err)
{
	return writable(log, err) && log->ops->cover(log->db, start, TRUE, err);
}

gboolean
ndr_sentlog_prune(ndr_sentlog *log, int keep_days, guint64 *removed,
                  GError **err)
{
	gint64 before =
	    g_get_real_time() / G_USEC_PER_SEC - (gint64)keep_days * 86400;
	gboolean ok;

	*removed = 0;
	if (!ndr_sentlog_begin(log, err))
		return FALSE;
	ok = log->ops->prune(log->db, before, removed, err);
	if (!ok) {
		ndr_sentlog_rollback(log);
		return FALSE;
	}
	return ndr_sentlog_commit(log, err);
}

gboolean
ndr_sentlog_status(ndr_sentlog *log, ndr_sentlog_info *st, GError **err)
{
	memset(st, 0, sizeof(*st));
	st->backend = log->ops->name;
	st->hashed = log->key != NULL;
	st->keep_days = log->keep_days;
	if (log->db == NULL)
		return TRUE;
	st->schema_version = log->ops->schema_version;
	return log->ops->count(log->db, &st->records, &st->mailboxes, err) &&
	       log->ops->earliest(log->db, &st->earliest, err);
}

gboolean
ndr_sentlog_state_get(ndr_sentlog *log, const char *source,
                      ndr_import_state *st, gboolean *found, GError **err)
{
	memset(st, 0, sizeof(*st));
	*found = FALSE;
	if (log->db == NULL)
		return TRUE;
	return log->ops->state_get(log->db, source, st, found, err);
}

gboolean
ndr_sentlog_state_put(ndr_sentlog *log, const char *source,
                      const ndr_import_state *st, GError **err)
{
	return writable(log, err) &&
	       log->ops->state_put(log->db, source, st, err);
}

GHashTable *
ndr_sentlog_keys_get(ndr_sentlog *log, const char *source, GError **err)
{
	if (log->db == NULL)
		return g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                             NULL);
	return log->ops->keys_get(log->db, source, err);
}

gboolean
ndr_sentlog_key_put(ndr_sentlog *log, const char *source, const char *key,
                    GError **err)
{
	return writable(log, err) &&
	       log->ops->key_put(log->db, source, key, err);
}

gboolean
ndr_sentlog_key_drop(ndr_sentlog *log, const char *source, const char *key,
                     GError **err)
{
	return writable(log, err) &&
	       log->ops->key_drop(log->db, source, key, err);
}

gboolean
ndr_sentlog_was_locked(const ndr_sentlog *log)
{
	return log->db != NULL && log->ops->was_locked(log->db);
}

gboolean
ndr_sentlog_forget_named(ndr_sentlog *log, const char *name, gboolean *found,
                         GError **err)
{
	char *key;
	gboolean ok;

	*found = FALSE;
	if (!ndr_sentlog_begin(log, err))
		return FALSE;
	key = named_stored(log, name);
	ok = log->ops->forget(log->db, key, found, err);
	g_free(key);
	if (!ok) {
		ndr_sentlog_rollback(log);
		return FALSE;
	}
	return ndr_sentlog_commit(log, err);
}

gboolean
ndr_sentlog_sync_get(ndr_sentlog *log, const char *source, ndr_sync_state *st,
                     gboolean *found, GError **err)
{
	memset(st, 0, sizeof(*st));
	*found = FALSE;
	if (log == NULL || log->db == NULL)
		return TRUE;
	return log->ops->sync_get(log->db, source, st, found, err);
}

gboolean
ndr_sentlog_sync_put(ndr_sentlog *log, const char *source,
                     const ndr_sync_state *st, GError **err)
{
	return writable(log, err) &&
	       log->ops->sync_put(log->db, source, st, err);
}

static void
sync_entry_free(gpointer p)
{
	ndr_sync_entry *e = p;

	g_free(e->source);
	g_free(e);
}

GPtrArray *
ndr_sentlog_syncs(ndr_sentlog *log, GError **err)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(sync_entry_free);

	if (log == NULL || log->db == NULL ||
	    log->ops->syncs(log->db, all, err))
		return all;
	g_ptr_array_unref(all);
	return NULL;
}
