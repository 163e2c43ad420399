/*
 * dkim.h - the user's own DKIM signatures in the returned message.
 *
 * A stage between the parse stages and the verdict: with the config's
 * dkim_domains set, the returned header block (and body, when it came
 * back) is verified by OpenDKIM's library, and what became of each
 * signature of those domains goes to the original's signatures.  Keys
 * come from the folder dkim_keys names, else from DNS within
 * NDR_DKIM_DNS_MS for the whole message.
 */
#ifndef NDR_DKIM_H
#define NDR_DKIM_H

#include "config.h"
#include "findings.h"

void ndr_dkim_check(const ndr_config *cfg, ndr_findings *f);

/*
 * NULL when the returned header block is complete enough to have carried
 * a signature of domain had one been made (ndrcheck.conf(5) says when),
 * else why it is not, in plain words; g_free() it.
 */
char *ndr_dkim_block_cut(const ndr_findings *f, const char *domain);

/* The first valid signature of ours on o, or NULL. */
const ndr_signature *ndr_dkim_proof(const ndr_original *o);

typedef enum ndr_body {
	NDR_BODY_VERIFIED, /* the body hash matched */
	NDR_BODY_MISSING,  /* no body came back */
	NDR_BODY_CUT       /* one came back, cut or changed */
} ndr_body;

/* What the signature s of o says of the returned body. */
ndr_body ndr_dkim_body(const ndr_original *o, const ndr_signature *s);

/* Whether address is at one of the config's dkim_domains. */
gboolean ndr_dkim_signed_domain(const ndr_config *cfg, const char *address);

#endif /* NDR_DKIM_H */
