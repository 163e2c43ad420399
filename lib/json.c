/*
 * json.c - a result as the JSON object of ndrcheck(1) "JSON OUTPUT", with
 * json-glib.
 *
 * Every member is always present, so that a consumer never has to ask
 * whether a key exists: what was not found is null ("unknown values are
 * null, never invented"), lists that found nothing are empty.  The
 * object is written on one line: scan prints one per message (JSON
 * lines).
 */
#include <json-glib/json-glib.h>

#include "dkim.h"
#include "result.h"

/*
 * A string member, or null.  Findings are valid UTF-8 by contract
 * (findings.h), but evidence sentences are built by other stages from
 * mail text: invalid bytes would make the whole object unreadable, so
 * they are replaced here rather than trusted.
 */
static void
add_string(JsonBuilder *b, const char *member, const char *value)
{
	char *valid;

	json_builder_set_member_name(b, member);
	if (value == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	if (g_utf8_validate(value, -1, NULL)) {
		json_builder_add_string_value(b, value);
		return;
	}
	valid = g_utf8_make_valid(value, -1);
	json_builder_add_string_value(b, valid);
	g_free(valid);
}

static void
add_string_array(JsonBuilder *b, const char *member, const GPtrArray *a)
{
	guint i;

	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (i = 0; a != NULL && i < a->len; i++) {
		const char *s = g_ptr_array_index(a, i);
		char *valid = g_utf8_make_valid(s, -1);

		json_builder_add_string_value(b, valid);
		g_free(valid);
	}
	json_builder_end_array(b);
}

static void
add_original(JsonBuilder *b, const ndr_original *o)
{
	json_builder_set_member_name(b, "original");
	if (o == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	add_string(b, "message_id", o->message_id);
	add_string(b, "from", o->from);
	add_string_array(b, "to", o->to);
	add_string(b, "subject", o->subject);
	add_string(b, "date", o->date);
	json_builder_end_object(b);
}

static void
add_recipients(JsonBuilder *b, const GPtrArray *recipients)
{
	guint i;

	json_builder_set_member_name(b, "recipients");
	json_builder_begin_array(b);
	for (i = 0; i < recipients->len; i++) {
		const ndr_recipient *r = g_ptr_array_index(recipients, i);

		json_builder_begin_object(b);
		add_string(b, "address", r->address);
		add_string(b, "final_recipient", r->final_recipient);
		add_string(b, "action", r->action);
		add_string(b, "status", r->status);
		add_string(b, "diagnostic", r->diagnostic);
		add_string(b, "reason", r->reason);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static const char *
body_name(const ndr_original *o, const ndr_signature *s)
{
	static const char *const names[] = {[NDR_BODY_VERIFIED] = "verified",
	                                    [NDR_BODY_MISSING] = "not-returned",
	                                    [NDR_BODY_CUT] = "cut"};

	return names[ndr_dkim_body(o, s)];
}

/* The DKIM signatures of our dkim_domains on the returned message. */
static void
add_signatures(JsonBuilder *b, const ndr_original *o)
{
	static const char *const results[] = {[NDR_SIG_VALID] = "valid",
	                                      [NDR_SIG_FAILED] = "failed",
	                                      [NDR_SIG_UNCHECKED] =
	                                          "unchecked"};
	guint i;

	json_builder_set_member_name(b, "signatures");
	json_builder_begin_array(b);
	for (i = 0; o != NULL && i < o->signatures->len; i++) {
		const ndr_signature *s = o->signatures->pdata[i];

		json_builder_begin_object(b);
		add_string(b, "domain", s->domain);
		add_string(b, "selector", s->selector);
		add_string(b, "algorithm", s->algorithm);
		add_string(b, "result", results[s->state]);
		add_string(b, "body",
		           s->state == NDR_SIG_VALID ? body_name(o, s) : NULL);
		add_string(b, "why", s->why);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
add_envelope(JsonBuilder *b, const ndr_findings *f)
{
	static const char *const batv[] = {[NDR_BATV_NONE] = NULL,
	                                   [NDR_BATV_VALID] = "valid",
	                                   [NDR_BATV_INVALID] = "invalid",
	                                   [NDR_BATV_EXPIRED] = "expired"};

	json_builder_set_member_name(b, "envelope");
	if (f->envelope_to == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	add_string(b, "to", f->envelope_to);
	add_string(b, "source", f->envelope_source);
	add_string(b, "batv", batv[f->batv]);
	add_string(b, "batv_address", f->batv_address);
	json_builder_end_object(b);
}

/*
 * What proves the verdict beyond the sent log: our own DKIM signature
 * on the returned message, else a BATV tag of ours; else null.
 */
static void
add_proof(JsonBuilder *b, const ndr_findings *f)
{
	const ndr_signature *s = ndr_dkim_proof(f->original);

	json_builder_set_member_name(b, "proof");
	if (s == NULL && f->batv != NDR_BATV_VALID) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	if (s != NULL) {
		add_string(b, "kind", "dkim");
		add_string(b, "domain", s->domain);
		add_string(b, "selector", s->selector);
		add_string(b, "algorithm", s->algorithm);
		add_string(b, "body", body_name(f->original, s));
	} else {
		add_string(b, "kind", "batv");
		add_string(b, "address", f->batv_address);
		add_string(b, "envelope_to", f->envelope_to);
	}
	json_builder_end_object(b);
}

/* ndrcheck.h promises free(): g_malloc() is malloc() since GLib 2.46. */
#if !GLIB_CHECK_VERSION(2, 46, 0)
#error "ndrcheck_result_json() needs g_malloc() to be malloc() (GLib 2.46)"
#endif

char *
ndrcheck_result_json(const ndrcheck_result *r, const char *file)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen;
	JsonNode *root;
	char *out;

	json_builder_begin_object(b);
	if (file != NULL) {
		/* A path is bytes; JSON wants text, so an odd name is mended.
		 */
		add_string(b, "file", file);
	}
	add_string(b, "verdict", ndrcheck_verdict_name(r->verdict));
	add_string(b, "kind", ndrcheck_kind_name(r->findings->kind));
	add_string(b, "message_id", r->message_id);
	add_original(b, r->findings->original);
	add_recipients(b, r->findings->recipients);
	add_string(b, "reporting_mta", r->findings->reporting_mta);
	add_proof(b, r->findings);
	add_signatures(b, r->findings->original);
	add_envelope(b, r->findings);
	add_string_array(b, "evidence", r->evidence);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	gen = json_generator_new();
	json_generator_set_root(gen, root);
	out = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return out;
}
