/*
 * result.c - a classification result and what the public API reads
 * from it (ndrcheck_result_*), and the names of verdicts and kinds.
 *
 * The names are the words of ndrcheck(1) DESCRIPTION: they appear in exit-code
 * tests (--is), in X-NDR-Verdict and X-NDR-Kind, and in JSON, so each
 * has exactly one spelling, kept in one table.
 */
#include <string.h>

#include "result.h"

static const char *const verdict_names[] = {
    [NDRCHECK_BACKSCATTER] = "backscatter",
    [NDRCHECK_GENUINE] = "genuine",
    [NDRCHECK_NOT_BOUNCE] = "not-bounce",
    [NDRCHECK_UNKNOWN] = "unknown",
};

static const char *const kind_names[] = {
    [NDRCHECK_KIND_NONE] = "none",
    [NDRCHECK_KIND_DSN] = "dsn",
    [NDRCHECK_KIND_DELAY] = "delay",
    [NDRCHECK_KIND_NDR] = "ndr",
    [NDRCHECK_KIND_AUTO_REPLY] = "auto-reply",
    [NDRCHECK_KIND_CHALLENGE] = "challenge",
    [NDRCHECK_KIND_VIRUS_NOTICE] = "virus-notice",
    [NDRCHECK_KIND_MDN] = "mdn",
    [NDRCHECK_KIND_FEEDBACK] = "feedback",
};

ndrcheck_result *
ndr_result_new(void)
{
	ndrcheck_result *r = g_new0(ndrcheck_result, 1);

	/* Until a stage decides otherwise, nothing is known. */
	r->verdict = NDRCHECK_UNKNOWN;
	r->findings = ndr_findings_new();
	r->evidence = g_ptr_array_new_with_free_func(g_free);
	return r;
}

void
ndrcheck_result_free(ndrcheck_result *r)
{
	if (r == NULL)
		return;
	ndr_findings_free(r->findings);
	g_ptr_array_unref(r->evidence);
	g_free(r->message_id);
	g_free(r);
}

ndrcheck_verdict
ndrcheck_result_verdict(const ndrcheck_result *r)
{
	return r->verdict;
}

ndrcheck_kind
ndrcheck_result_kind(const ndrcheck_result *r)
{
	return r->findings->kind;
}

const char *
ndrcheck_result_evidence(const ndrcheck_result *r, size_t i)
{
	return i < r->evidence->len ? g_ptr_array_index(r->evidence, i) : NULL;
}

const char *
ndrcheck_result_message_id(const ndrcheck_result *r)
{
	return r->findings->original != NULL ? r->findings->original->message_id
	                                     : NULL;
}

size_t
ndrcheck_result_recipient_count(const ndrcheck_result *r)
{
	return r->findings->recipients->len;
}

const char *
ndrcheck_result_recipient(const ndrcheck_result *r, size_t i, const char *field)
{
	const ndr_recipient *rc;

	if (i >= r->findings->recipients->len || field == NULL)
		return NULL;
	rc = g_ptr_array_index(r->findings->recipients, i);
	if (strcmp(field, "address") == 0)
		return rc->address;
	if (strcmp(field, "final_recipient") == 0)
		return rc->final_recipient;
	if (strcmp(field, "action") == 0)
		return rc->action;
	if (strcmp(field, "status") == 0)
		return rc->status;
	if (strcmp(field, "diagnostic") == 0)
		return rc->diagnostic;
	if (strcmp(field, "reason") == 0)
		return rc->reason;
	return NULL;
}

const char *
ndrcheck_verdict_name(ndrcheck_verdict v)
{
	if ((unsigned)v >= G_N_ELEMENTS(verdict_names))
		return "unknown";
	return verdict_names[v];
}

const char *
ndrcheck_kind_name(ndrcheck_kind k)
{
	if ((unsigned)k >= G_N_ELEMENTS(kind_names))
		return "none";
	return kind_names[k];
}

int
ndrcheck_verdict_from_name(const char *name, ndrcheck_verdict *v)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < G_N_ELEMENTS(verdict_names); i++) {
		if (g_ascii_strcasecmp(name, verdict_names[i]) == 0) {
			*v = (ndrcheck_verdict)i;
			return 0;
		}
	}
	return -1;
}
