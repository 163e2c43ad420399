/*
 * envelope.h - the address a bounce was delivered to, and its BATV tag.
 *
 * A bounce goes to the envelope sender of the message it answers.  The
 * delivery agent knows that address (a recipe may pass it with
 * --envelope-to); otherwise the fields our own MTA put on top of the
 * bounce say it (X-Original-To, else Delivered-To).  With batv_key set,
 * a BATV address (prvs=TAG=local@domain, the signing scheme "prvs" of
 * the BATV draft) is checked: a valid tag is one our server made.
 */
#ifndef NDR_ENVELOPE_H
#define NDR_ENVELOPE_H

#include "config.h"
#include "findings.h"

/*
 * Fill f's envelope fields from agent_to (NULL when not given) or the
 * top-level header text hdr (headtext.h), and check a BATV tag.
 */
void ndr_envelope_check(const ndr_config *cfg, const char *agent_to,
                        const GString *hdr, ndr_findings *f);

/*
 * Whether address is one the user sends from (config addresses), a
 * "+detail" taken off its local part when the plain one is.
 */
gboolean ndr_envelope_is_sender(const ndr_config *cfg, const char *address);

/* Whether address is at the domain of one of the config's addresses. */
gboolean ndr_envelope_our_domain(const ndr_config *cfg, const char *address);

#endif /* NDR_ENVELOPE_H */
