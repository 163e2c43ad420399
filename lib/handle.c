/*
 * handle.c - the library handle (struct ndrcheck) and the glue that
 * runs the stages in order: classify, record, import.
 *
 * A handle holds the configuration, the compiled rules and the sent
 * log.  Start-up cost counts (one process per delivered message), so
 * nothing is done before it is needed: ordinary mail is decided from
 * its header block alone, without parsing the body or opening the
 * database; the sent log is opened on the first message that needs it;
 * the rules are compiled once per process and shared by every handle
 * that names the same rule directories (scan opens one per thread).
 */
#include <string.h>

#include "author.h"
#include "budget.h"
#include "config.h"
#include "detect.h"
#include "dkim.h"
#include "envelope.h"
#include "error.h"
#include "handle.h"
#include "headtext.h"
#include "import.h"
#include "input.h"
#include "message.h"
#include "ndrlimits.h"
#include "reason.h"
#include "report.h"
#include "result.h"
#include "rules.h"
#include "sentlog.h"
#include "verdict.h"

/* Compiled rules and the handles using them. */
typedef struct shared_rules {
	char *key; /* built-in or not, and the rule directories, by lines */
	ndr_rules *rules;
	unsigned refs;
} shared_rules;

struct ndrcheck {
	ndr_config cfg;
	gboolean read_only; /* ndrcheck_options.read_only */
	gboolean no_sync;   /* ndrcheck_options.no_sync */
	char *envelope_to;  /* ndrcheck_options.envelope_to */
	shared_rules *rules;
	ndr_sentlog *log; /* NULL until a message needs it */
	gboolean log_writable;
	gboolean synced; /* config "sent" folders synced by this handle */
	char *error;
};

static GMutex rules_lock;
static GPtrArray *rules_cache; /* of shared_rules *, under rules_lock */

/*
 * The rules for dirs, loaded on first use; with builtin, dirs[0] holds
 * the rules that ship with ndrcheck, compiled class by class as they are
 * used (ndr_rules_load_builtin()).  The lock is held while loading so
 * that threads opening handles at once load them once.
 */
static shared_rules *
rules_get(char **dirs, gboolean builtin, GError **err)
{
	static char *none[] = {NULL};
	char *joined = g_strjoinv("\n", dirs != NULL ? dirs : none);
	char *key = g_strdup_printf("%d\n%s", builtin, joined);
	shared_rules *s = NULL;
	const char *const *from;
	ndr_rules *rules;
	guint i;

	g_mutex_lock(&rules_lock);
	if (rules_cache == NULL)
		rules_cache = g_ptr_array_new();
	for (i = 0; i < rules_cache->len && s == NULL; i++) {
		shared_rules *c = g_ptr_array_index(rules_cache, i);

		if (strcmp(c->key, key) == 0)
			s = c;
	}
	if (s == NULL) {
		from = (const char *const *)(dirs != NULL ? dirs : none);
		rules = builtin ? ndr_rules_load_builtin(from, err)
		                : ndr_rules_load(from, err);
		if (rules != NULL) {
			s = g_new0(shared_rules, 1);
			s->key = g_steal_pointer(&key);
			s->rules = rules;
			g_ptr_array_add(rules_cache, s);
		}
	}
	if (s != NULL)
		s->refs++;
	g_mutex_unlock(&rules_lock);
	g_free(key);
	g_free(joined);
	return s;
}

static void
rules_put(shared_rules *s)
{
	if (s == NULL)
		return;
	g_mutex_lock(&rules_lock);
	if (--s->refs == 0) {
		g_ptr_array_remove_fast(rules_cache, s);
		ndr_rules_free(s->rules);
		g_free(s->key);
		g_free(s);
	}
	g_mutex_unlock(&rules_lock);
}

/* Keep err's message for ndrcheck_error(); return its status code. */
static int
fail(ndrcheck *h, GError *err)
{
	int code = ndr_error_code(err);

	g_free(h->error);
	h->error = g_strdup(err != NULL ? err->message : "unexpected error");
	g_clear_error(&err);
	return code;
}

/*
 * The first rules folder must exist: the loader skips missing folders
 * (the user's rules.d is optional), which would leave a mistyped --rules,
 * or an installation without its rules, with no rules at all and all mail
 * "not-bounce".  A mistyped --rules is the caller's mistake; missing
 * built-in rules are the installation's, to be fixed before mail can be
 * classified (a temporary failure to a delivery agent).
 */
static gboolean
rules_dir_exists(const ndrcheck_options *opts, const ndr_config *cfg,
                 GError **err)
{
	if (g_file_test(cfg->rules_dirs[0], G_FILE_TEST_IS_DIR))
		return TRUE;
	if (opts->rules_dir != NULL)
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "--rules %s: no such folder; name the folder of "
		            "the *.rules files",
		            opts->rules_dir);
	else
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "%s: no such folder: the rules that ship with "
		            "ndrcheck are missing; reinstall ndrcheck (make "
		            "install), or name a rules folder with --rules",
		            cfg->rules_dirs[0]);
	return FALSE;
}

int
ndrcheck_open(ndrcheck **out, const ndrcheck_options *opts)
{
	static const ndrcheck_options defaults;
	ndrcheck *h = g_new0(ndrcheck, 1);
	GError *err = NULL;

	*out = h;
	if (opts == NULL)
		opts = &defaults;
	h->read_only = opts->read_only != 0;
	h->no_sync = opts->no_sync != 0;
	h->envelope_to = g_strdup(opts->envelope_to);
	ndr_gmime_init();
	if (!ndr_config_load(&h->cfg, opts, &err))
		return fail(h, err);
	if (!rules_dir_exists(opts, &h->cfg, &err))
		return fail(h, err);
	/* --rules names the user's own folder: compiled at load. */
	h->rules = rules_get(h->cfg.rules_dirs, opts->rules_dir == NULL, &err);
	if (h->rules == NULL)
		return fail(h, err);
	return NDRCHECK_OK;
}

void
ndrcheck_close(ndrcheck *h)
{
	if (h == NULL)
		return;
	ndr_sentlog_close(h->log);
	rules_put(h->rules);
	ndr_config_clear(&h->cfg);
	g_free(h->envelope_to);
	g_free(h->error);
	g_free(h);
}

const char *
ndrcheck_error(const ndrcheck *h)
{
	return h != NULL && h->error != NULL ? h->error : "no error";
}

/*
 * The sent log, opened on first use.  Classification alone opens it
 * read-only (nothing is created for a user who never recorded mail);
 * the first write reopens it read-write.
 */
static ndr_sentlog *
sentlog_get(ndrcheck *h, gboolean writable, GError **err)
{
	ndr_sentlog_settings set = {.mailbox = h->cfg.mailbox,
	                            .hash_key = h->cfg.hash_key,
	                            .keep_days = h->cfg.keep_days};

	if (writable && h->read_only) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "the sent log %s was opened read-only; open it "
		            "without read_only to write to it",
		            h->cfg.db_path);
		return NULL;
	}
	if (h->log != NULL && (h->log_writable || !writable))
		return h->log;
	ndr_sentlog_close(h->log);
	h->log = ndr_sentlog_open_with(h->cfg.db_path, &set, !writable, err);
	h->log_writable = writable;
	return h->log;
}

/*
 * The sent log for a verdict, the config's "sent" folders synced first
 * (once per handle: a scan must not rescan them per message).
 */
static ndr_sentlog *
sentlog_for_verdict(ndrcheck *h, GError **err)
{
	gboolean sync = !h->synced && !h->no_sync && !h->read_only &&
	                h->cfg.sent_folders != NULL &&
	                h->cfg.sent_folders[0] != NULL;
	ndr_sentlog *log = sentlog_get(h, sync, err);

	if (log == NULL || !sync)
		return log;
	if (!ndr_sentlog_sync(log, h->rules->rules, &h->cfg, err))
		return NULL;
	h->synced = TRUE;
	return log;
}

static void
not_bounce(ndrcheck_result *r, const char *why)
{
	ndr_findings_free(r->findings);
	r->findings = ndr_findings_new(); /* ordinary mail: no findings */
	r->verdict = NDRCHECK_NOT_BOUNCE;
	g_ptr_array_add(r->evidence, g_strdup(why));
}

/* The evidence of a message whose reading NDR_MAX_MESSAGE_MS cut short. */
static char *
over_time(void)
{
	return g_strdup_printf("reading stopped after %d ms: the rest of the "
	                       "message was not read",
	                       NDR_MAX_MESSAGE_MS);
}

/*
 * Parse the whole message into r's findings, within NDR_MAX_MESSAGE_MS
 * (*late is set if reading stopped there); FALSE if it is no bounce.
 * A bounce-like message that a person or a list wrote sets *theirs to
 * the evidence sentence that says so.
 */
static gboolean
read_findings(const ndr_rules *rules, const ndrcheck_message *m,
              const GString *hdr, ndrcheck_result *r, gboolean *late,
              char **theirs)
{
	ndr_findings *f = r->findings;
	GString *body = g_string_new(NULL);
	GMimeMessage *msg;
	GMimeObject *top;

	*theirs = NULL;
	ndr_budget_start();
	msg = ndr_message_parse(m);
	top = g_mime_message_get_mime_part(msg);
	if (top != NULL)
		ndr_detect_own_text(top, body);
	ndr_report_read(rules, msg, f);
	ndr_detect_kind(rules, msg, hdr, body, f);
	ndr_reason_fill(rules, f);
	if (f->kind != NDRCHECK_KIND_NONE)
		f->unproven = ndr_author_decide(rules, msg, hdr, body,
		                                theirs) == NDR_AUTHOR_UNSURE;
	ndr_set_field(&f->message_id, r->message_id, FALSE);
	g_string_free(body, TRUE);
	g_object_unref(msg);
	*late = ndr_budget_expired();
	ndr_budget_stop();
	return r->findings->kind != NDRCHECK_KIND_NONE;
}

/* The message's own Message-ID (JSON output names it), as ndr_set_field
 * stores findings. */
static char *
own_message_id(const GString *hdr)
{
	char *v = ndr_header_text_value(hdr, "Message-ID"), *id, *out = NULL;

	if (v == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id(v);
	ndr_set_field(&out, id != NULL ? id : v, FALSE);
	g_free(id);
	g_free(v);
	return out;
}

/* A handle whose open failed has no rules: only closing it is right. */
static gboolean
opened(const ndrcheck *h, GError **err)
{
	if (h->rules != NULL)
		return TRUE;
	g_set_error_literal(err, NDR_ERROR, NDRCHECK_EUSAGE,
	                    "the handle failed to open; close it");
	return FALSE;
}

int
ndrcheck_classify(ndrcheck *h, const ndrcheck_message *m, ndrcheck_result **out)
{
	ndrcheck_result *r;
	GString *hdr;
	gboolean found, late;
	char *theirs;
	ndr_sentlog *log;
	GError *err = NULL;

	*out = NULL;
	if (!opened(h, &err))
		return fail(h, err);
	r = *out = ndr_result_new();
	hdr = ndr_header_text(m);
	r->message_id = own_message_id(hdr);
	if (!ndr_detect_suspect(h->rules->rules, hdr)) {
		g_string_free(hdr, TRUE);
		not_bounce(r, "no header field marks it as a bounce, "
		              "auto-reply or notice");
		return NDRCHECK_OK;
	}
	found = read_findings(h->rules->rules, m, hdr, r, &late, &theirs);
	if (found)
		ndr_envelope_check(&h->cfg, h->envelope_to, hdr, r->findings);
	g_string_free(hdr, TRUE);
	if (theirs != NULL) {
		not_bounce(r, theirs);
		g_free(theirs);
		return NDRCHECK_OK;
	}
	if (!found && !late) {
		not_bounce(r, "nothing in it reports on a message sent "
		              "earlier");
		return NDRCHECK_OK;
	}
	if (r->findings->kind == NDRCHECK_KIND_NONE) {
		/* Bounce-like by its header, out of time before its report. */
		r->verdict = NDRCHECK_UNKNOWN;
		g_ptr_array_add(r->evidence, over_time());
		return NDRCHECK_OK;
	}
	ndr_dkim_check(&h->cfg, r->findings);
	log = sentlog_for_verdict(h, &err);
	if (log != NULL && ndr_verdict_decide(log, &h->cfg, r->findings,
	                                      &r->verdict, r->evidence, &err)) {
		if (r->verdict == NDRCHECK_NOT_BOUNCE) { /* our own message */
			ndr_findings_free(r->findings);
			r->findings = ndr_findings_new();
		}
		if (late)
			g_ptr_array_add(r->evidence, over_time());
		return NDRCHECK_OK;
	}
	*out = NULL;
	ndrcheck_result_free(r);
	return fail(h, err);
}

int
ndrcheck_classify_file(ndrcheck *h, const char *path, ndrcheck_result **out)
{
	ndrcheck_message *m;
	int rc;

	*out = NULL;
	rc = ndrcheck_message_open_file(&m, path);
	if (rc != NDRCHECK_OK) {
		g_free(h->error);
		h->error = g_strdup(ndrcheck_message_error());
		return rc;
	}
	rc = ndrcheck_classify(h, m, out);
	ndrcheck_message_free(m);
	return rc;
}

/*
 * With config addresses set, only the user's own mail enters the sent
 * log: every From mailbox must be one of them.  Otherwise a stranger who
 * mails a message to the recording address would make its Message-ID
 * "ours", and a fake bounce quoting it genuine.
 */
static gboolean
from_is_ours(const ndr_config *cfg, GMimeMessage *msg, GError **err)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	InternetAddress *a;
	const char *addr = "";
	int i, n = from != NULL ? internet_address_list_length(from) : 0;

	if (cfg->addresses == NULL || *cfg->addresses == NULL)
		return TRUE;
	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(from, i);
		addr = INTERNET_ADDRESS_IS_MAILBOX(a)
		           ? internet_address_mailbox_get_addr(
		                 INTERNET_ADDRESS_MAILBOX(a))
		           : internet_address_get_name(a);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a) ||
		    !ndr_envelope_is_sender(cfg, addr))
			break;
	}
	if (n > 0 && i == n)
		return TRUE;
	g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
	            "not recorded: From <%s> is none of the config's "
	            "addresses; only your own mail enters the sent log",
	            n > 0 && addr != NULL ? addr : "");
	return FALSE;
}

int
ndrcheck_record(ndrcheck *h, const ndrcheck_message *m)
{
	GMimeMessage *msg;
	ndr_sentlog *log;
	GError *err = NULL;
	gboolean added, ok;

	/* Every field recorded is in the header block: skip the body. */
	msg = ndr_message_headers(m);
	if (!from_is_ours(&h->cfg, msg, &err)) {
		g_object_unref(msg);
		return fail(h, err);
	}
	log = sentlog_get(h, TRUE, &err);
	if (log == NULL) {
		g_object_unref(msg);
		return fail(h, err);
	}
	ok = ndr_sentlog_record(log, msg, &added, &err);
	g_object_unref(msg);
	return ok ? NDRCHECK_OK : fail(h, err);
}

int
ndrcheck_import(ndrcheck *h, const char *path, unsigned long *added)
{
	ndr_sentlog *log;
	GError *err = NULL;

	*added = 0;
	if (!opened(h, &err))
		return fail(h, err);
	log = sentlog_get(h, TRUE, &err);
	if (log == NULL ||
	    !ndr_import_path(log, h->rules->rules, path, added, &err))
		return fail(h, err);
	return NDRCHECK_OK;
}

int
ndrcheck_init_db(ndrcheck *h)
{
	GError *err = NULL;

	return sentlog_get(h, TRUE, &err) != NULL ? NDRCHECK_OK : fail(h, err);
}

int
ndrcheck_prune(ndrcheck *h, unsigned long *removed)
{
	ndr_sentlog *log;
	GError *err = NULL;
	guint64 n = 0;
	int rc = NDRCHECK_OK;

	*removed = 0;
	if (h->cfg.keep_days == 0) {
		g_set_error_literal(&err, NDR_ERROR, NDRCHECK_EUSAGE,
		                    "nothing to prune: the config sets no "
		                    "\"keep\" (days)");
		return fail(h, err);
	}
	log = sentlog_get(h, TRUE, &err);
	if (log == NULL || !ndr_sentlog_prune(log, h->cfg.keep_days, &n, &err))
		rc = fail(h, err);
	*removed = (unsigned long)n;
	return rc;
}

int
ndrcheck_sync(ndrcheck *h)
{
	GError *err = NULL;

	if (!opened(h, &err) || sentlog_for_verdict(h, &err) == NULL)
		return fail(h, err);
	return NDRCHECK_OK;
}

const ndr_config *
ndr_handle_config(const ndrcheck *h)
{
	return &h->cfg;
}

const ndr_rules *
ndr_handle_rules(const ndrcheck *h)
{
	return h->rules != NULL ? h->rules->rules : NULL;
}

ndr_sentlog *
ndr_handle_sentlog(ndrcheck *h, gboolean writable, GError **err)
{
	return sentlog_get(h, writable, err);
}

int
ndr_handle_fail(ndrcheck *h, GError *err)
{
	return fail(h, err);
}
