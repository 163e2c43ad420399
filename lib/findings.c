/*
 * findings.c - the findings of one message: allocation and the few
 * helpers every parse stage uses to fill them (see findings.h).
 */
#include <string.h>

#include "findings.h"
#include "ndrlimits.h"

static void
recipient_free(gpointer p)
{
	ndr_recipient *r = p;

	g_free(r->address);
	g_free(r->final_recipient);
	g_free(r->action);
	g_free(r->status);
	g_free(r->reply_code);
	g_free(r->diagnostic);
	g_free(r->diagnostic_type);
	g_free(r->remote_mta);
	g_free(r->command);
	g_free(r->category);
	g_free(r->reason);
	g_free(r);
}

static void
signature_free(gpointer p)
{
	ndr_signature *s = p;

	g_free(s->domain);
	g_free(s->selector);
	g_free(s->algorithm);
	g_free(s->why);
	g_free(s);
}

static void
original_free(ndr_original *o)
{
	if (o == NULL)
		return;
	if (o->header_block != NULL)
		g_string_free(o->header_block, TRUE);
	if (o->body != NULL)
		g_bytes_unref(o->body);
	g_ptr_array_unref(o->signatures);
	g_free(o->message_id);
	g_free(o->from);
	g_ptr_array_unref(o->to);
	g_free(o->subject);
	g_free(o->date);
	g_ptr_array_unref(o->received);
	g_free(o);
}

ndr_findings *
ndr_findings_new(void)
{
	ndr_findings *f = g_new0(ndr_findings, 1);

	f->kind = NDRCHECK_KIND_NONE;
	f->recipients = g_ptr_array_new_with_free_func(recipient_free);
	f->reply_ids = g_ptr_array_new_with_free_func(g_free);
	f->failed_header = g_ptr_array_new_with_free_func(g_free);
	return f;
}

void
ndr_findings_free(ndr_findings *f)
{
	if (f == NULL)
		return;
	g_ptr_array_unref(f->recipients);
	original_free(f->original);
	g_ptr_array_unref(f->reply_ids);
	g_ptr_array_unref(f->failed_header);
	g_free(f->reporting_mta);
	g_free(f->envelope_to);
	g_free(f->envelope_source);
	g_free(f->batv_address);
	g_free(f->message_id);
	g_free(f);
}

ndr_recipient *
ndr_findings_recipient(ndr_findings *f, const char *address)
{
	ndr_recipient *r = NULL;
	guint i;

	if (address == NULL || *address == '\0')
		return NULL;
	for (i = 0; i < f->recipients->len; i++) {
		r = g_ptr_array_index(f->recipients, i);
		if (g_ascii_strcasecmp(r->address, address) == 0)
			return r;
	}
	if (f->recipients->len >= NDR_MAX_RECIPIENTS)
		return NULL;
	r = g_new0(ndr_recipient, 1);
	ndr_set_field(&r->address, address, FALSE);
	if (r->address == NULL) { /* only blanks */
		g_free(r);
		return NULL;
	}
	g_ptr_array_add(f->recipients, r);
	return r;
}

ndr_original *
ndr_findings_original(ndr_findings *f)
{
	if (f->original == NULL) {
		f->original = g_new0(ndr_original, 1);
		f->original->to = g_ptr_array_new_with_free_func(g_free);
		f->original->received = g_ptr_array_new_with_free_func(g_free);
		f->original->signatures =
		    g_ptr_array_new_with_free_func(signature_free);
	}
	return f->original;
}

void
ndr_findings_add_reply_id(ndr_findings *f, const char *id)
{
	char *copy = NULL;
	guint i;

	ndr_set_field(&copy, id, FALSE);
	if (copy == NULL)
		return;
	/* References usually repeats In-Reply-To: keep each id once. */
	for (i = 0; i < f->reply_ids->len; i++) {
		if (strcmp(g_ptr_array_index(f->reply_ids, i), copy) == 0) {
			g_free(copy);
			return;
		}
	}
	if (f->reply_ids->len >= NDR_MAX_RECIPIENTS) {
		g_free(copy);
		return;
	}
	g_ptr_array_add(f->reply_ids, copy);
}

/*
 * Mail text is not trusted to be UTF-8 even after decoding: invalid
 * sequences become U+FFFD, and the cut at NDR_MAX_FIELD_BYTES falls on
 * a character boundary so that JSON output stays valid.
 */
void
ndr_set_field(char **field, const char *value, gboolean keep_first)
{
	const char *start, *end;
	char *valid;
	size_t cut;

	if (value == NULL || (keep_first && *field != NULL))
		return;
	start = value;
	while (g_ascii_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && g_ascii_isspace(end[-1]))
		end--;
	if (end == start)
		return;
	if ((size_t)(end - start) > NDR_MAX_FIELD_BYTES)
		end = start + NDR_MAX_FIELD_BYTES;
	valid = g_utf8_make_valid(start, end - start);
	if (strlen(valid) > NDR_MAX_FIELD_BYTES) {
		/* U+FFFD is longer than the byte it replaces. */
		cut = NDR_MAX_FIELD_BYTES;
		while (cut > 0 && ((guchar)valid[cut] & 0xc0) == 0x80)
			cut--;
		valid[cut] = '\0';
	}
	g_free(*field);
	*field = valid;
}

char *
ndr_collapse_spaces(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));

	for (; *s != '\0'; s++) {
		if (!g_ascii_isspace(*s))
			g_string_append_c(out, *s);
		else if (out->len > 0 && out->str[out->len - 1] != ' ')
			g_string_append_c(out, ' ');
	}
	return g_strstrip(g_string_free(out, FALSE));
}
