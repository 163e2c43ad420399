/*
 * correct.c - corrections of wrong verdicts, kept in the sent log (see
 * correct.h).
 *
 * A correction is a message added to the sent log whose Message-ID is
 * also an import key of the pseudo-source CORRECTIONS, a source no
 * folder or log can have: that key is what --corrections lists and what
 * --undo requires, so that undoing never removes mail record, import or
 * sync put there.  The key is the name ndr_sentlog_name_of() gives the
 * Message-ID: with a hash key its keyed hash, so that a correction
 * leaves no Message-ID in clear text beside a hashed log.
 */
#include <string.h>

#include "correct.h"
#include "error.h"
#include "findings.h"
#include "handle.h"
#include "result.h"

#define CORRECTIONS "ndrcheck:corrections"

/* The original's recipients and the failed ones, without repeats. */
static GPtrArray *
recipients_of(const ndr_findings *f)
{
	GPtrArray *to = g_ptr_array_new();
	const GPtrArray *orig = f->original != NULL ? f->original->to : NULL;
	const ndr_recipient *rcpt;
	guint i;

	for (i = 0; orig != NULL && i < orig->len; i++)
		g_ptr_array_add(to, orig->pdata[i]);
	for (i = 0; i < f->recipients->len; i++) {
		rcpt = f->recipients->pdata[i];
		if (!g_ptr_array_find_with_equal_func(to, rcpt->address,
		                                      g_str_equal, NULL))
			g_ptr_array_add(to, rcpt->address);
	}
	return to;
}

/*
 * The Message-ID to record: the original's, else the one an auto-reply
 * answers, else one made up of the recipients in the reserved .invalid
 * domain, which the sent log takes for a message recorded without its
 * Message-ID (sentlog.h).
 */
static char *
id_of(const ndr_findings *f, const GPtrArray *to, gint64 date)
{
	GString *key;
	char *sum, *id;
	guint i;

	if (f->original != NULL && f->original->message_id != NULL)
		return g_strdup(f->original->message_id);
	if (f->reply_ids->len > 0)
		return g_strdup(f->reply_ids->pdata[0]);
	key = g_string_new(NULL);
	g_string_append_printf(key, "%" G_GINT64_FORMAT, date);
	for (i = 0; i < to->len; i++)
		g_string_append_printf(key, "\n%s", (char *)to->pdata[i]);
	sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key->str, -1);
	id = g_strdup_printf("correction-%.32s@ndrcheck.invalid", sum);
	g_free(sum);
	g_string_free(key, TRUE);
	return id;
}

/*
 * The date to record: the original's, else the report's, kept within
 * what the sent log covers (now for an empty log), so that a correction
 * never makes the log cover a time it knows nothing of.
 */
static gboolean
date_of(ndr_sentlog *log, const ndr_findings *f, gint64 *date, GError **err)
{
	gint64 earliest;

	if (!ndr_sentlog_earliest(log, &earliest, err))
		return FALSE;
	*date = f->original != NULL && f->original->date_unix != 0
	            ? f->original->date_unix
	            : f->date_unix;
	if (earliest == 0)
		*date = g_get_real_time() / G_USEC_PER_SEC;
	else
		*date = MAX(*date, earliest);
	return TRUE;
}

static gboolean
record(ndr_sentlog *log, const ndr_findings *f, char **out, GError **err)
{
	GPtrArray *to = recipients_of(f);
	ndr_sent s = {.to = to};
	gboolean added = FALSE, ok;
	char *id = NULL, *key = NULL;

	if (!date_of(log, f, &s.date, err) || !ndr_sentlog_begin(log, err)) {
		g_ptr_array_unref(to);
		return FALSE;
	}
	s.message_id = id = id_of(f, to, s.date);
	s.from = f->original != NULL ? f->original->from : NULL;
	s.subject = f->original != NULL ? f->original->subject : NULL;
	/* Only what this adds is a correction, to be undone. */
	ok = ndr_sentlog_add(log, &s, &added, err);
	if (ok && added) {
		key = ndr_sentlog_name_of(log, id);
		ok = ndr_sentlog_key_put(log, CORRECTIONS, key, err);
	}
	if (ok)
		ok = ndr_sentlog_commit(log, err);
	else
		ndr_sentlog_rollback(log);
	*out = ok && added ? g_steal_pointer(&id) : NULL;
	g_free(id);
	g_free(key);
	g_ptr_array_unref(to);
	return ok;
}

int
ndr_correct(ndrcheck *h, const ndrcheck_result *r, char **id)
{
	const ndr_findings *f = r->findings;
	GError *err = NULL;
	ndr_sentlog *log;
	gboolean named =
	    (f->original != NULL && f->original->message_id != NULL) ||
	    f->reply_ids->len > 0 || f->recipients->len > 0;

	*id = NULL;
	if (f->kind == NDRCHECK_KIND_NONE || !named) {
		g_set_error(&err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "%s: nothing to correct",
		            f->kind == NDRCHECK_KIND_NONE
		                ? "not a bounce, auto-reply or notice"
		                : "it names no original (no Message-ID, no "
		                  "recipient)");
		return ndr_handle_fail(h, err);
	}
	log = ndr_handle_sentlog(h, TRUE, &err);
	if (log == NULL || !record(log, f, id, &err))
		return ndr_handle_fail(h, err);
	return NDRCHECK_OK;
}

/* The corrections' keys, sorted (none in an empty sent log). */
static GPtrArray *
corrections(ndr_sentlog *log, GError **err)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	GHashTable *keys;
	GHashTableIter it;
	gpointer key;

	keys = ndr_sentlog_keys_get(log, CORRECTIONS, err);
	if (keys == NULL) {
		g_ptr_array_unref(ids);
		return NULL;
	}
	g_hash_table_iter_init(&it, keys);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(ids, g_strdup(key));
	g_ptr_array_sort(ids, (GCompareFunc)g_strcmp0);
	g_hash_table_unref(keys);
	return ids;
}

/*
 * "KEY<TAB>DATE<TAB>RECIPIENT (and N more)", as --corrections prints it;
 * a hashed log names no recipient, only how many there were.
 */
static char *
describe(const char *key, const ndr_sent_info *info)
{
	GDateTime *t = g_date_time_new_from_unix_utc(info->date);
	char *when = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ"), *to, *line;

	if (info->first_to == NULL)
		to = info->n_to > 0
		         ? g_strdup_printf("%u hashed recipient%s", info->n_to,
		                           info->n_to == 1 ? "" : "s")
		         : g_strdup("-");
	else if (info->n_to > 1)
		to = g_strdup_printf("%s (and %u more)", info->first_to,
		                     info->n_to - 1);
	else
		to = g_strdup(info->first_to);
	line = g_strdup_printf("%s\t%s\t%s", key, when, to);
	g_free(to);
	g_free(when);
	g_date_time_unref(t);
	return line;
}

int
ndr_correct_list(ndrcheck *h, GPtrArray **lines)
{
	GError *err = NULL;
	ndr_sentlog *log = ndr_handle_sentlog(h, FALSE, &err);
	GPtrArray *ids = log != NULL ? corrections(log, &err) : NULL;
	ndr_sent_info info;
	gboolean found;
	guint i;

	*lines = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; ids != NULL && i < ids->len && err == NULL; i++) {
		if (ndr_sentlog_find_named(log, ids->pdata[i], &found, &info,
		                           &err) &&
		    found)
			g_ptr_array_add(*lines, describe(ids->pdata[i], &info));
		g_free(info.first_to);
	}
	if (ids != NULL)
		g_ptr_array_unref(ids);
	return err == NULL ? NDRCHECK_OK : ndr_handle_fail(h, err);
}

/*
 * The key of the correction that what names: its Message-ID, or its key
 * as --corrections lists it (all a hashed log can list); NULL for none.
 */
static char *
correction_key(ndr_sentlog *log, GPtrArray *keys, const char *what)
{
	char *key = ndr_sentlog_name_of(log, what);

	if (!g_ptr_array_find_with_equal_func(keys, key, g_str_equal, NULL)) {
		g_free(key);
		key = g_ptr_array_find_with_equal_func(keys, what, g_str_equal,
		                                       NULL)
		          ? g_strdup(what)
		          : NULL;
	}
	return key;
}

int
ndr_correct_undo(ndrcheck *h, const char *message_id)
{
	GError *err = NULL;
	ndr_sentlog *log = ndr_handle_sentlog(h, FALSE, &err);
	GPtrArray *keys = log != NULL ? corrections(log, &err) : NULL;
	gboolean found;
	char *key;

	if (keys == NULL)
		return ndr_handle_fail(h, err);
	key = correction_key(log, keys, message_id);
	g_ptr_array_unref(keys);
	if (key == NULL) {
		g_set_error(&err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "%s is not a correction; ndrcheck record "
		            "--corrections lists them",
		            message_id);
		return ndr_handle_fail(h, err);
	}
	log = ndr_handle_sentlog(h, TRUE, &err);
	if (log == NULL || !ndr_sentlog_begin(log, &err) ||
	    !ndr_sentlog_forget_named(log, key, &found, &err) ||
	    !ndr_sentlog_key_drop(log, CORRECTIONS, key, &err) ||
	    !ndr_sentlog_commit(log, &err)) {
		if (log != NULL)
			ndr_sentlog_rollback(log);
		g_free(key);
		return ndr_handle_fail(h, err);
	}
	g_free(key);
	return NDRCHECK_OK;
}
