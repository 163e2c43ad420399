/*
 * dsn.h - the delivery-status fields of RFC 3464 and RFC 6533.
 *
 * Reads the body of a message/delivery-status (or global-delivery-status)
 * part: the per-message group, then one group per recipient, separated
 * by empty lines.  Copes with what real MTAs send: CRLF, missing empty
 * lines, odd case, fields indented with spaces, comments, address and
 * diagnostic types in any case.
 */
#ifndef NDR_DSN_H
#define NDR_DSN_H

#include "findings.h"

/*
 * Add the recipients of a delivery-status body (UTF-8 text) to f, with
 * their action, status, SMTP reply code, diagnostic and remote MTA;
 * set f->reporting_mta, and the original's Message-ID when the report
 * names it (X-Original-Message-ID).  Returns the number of recipient
 * groups read.
 */
guint ndr_dsn_read(const char *text, size_t len, ndr_findings *f);

/*
 * The fields of one recipient group as a report writes them ("rfc822;
 * x@example.net", "smtp; 550 5.1.1 ..."), NULL where absent.
 */
typedef struct ndr_dsn_group {
	const char *original_recipient;
	const char *final_recipient;
	const char *action;
	const char *status;
	const char *remote_mta;
	const char *diagnostic;
	const char *category; /* the MTA's own category of the failure */
} ndr_dsn_group;

/*
 * Add the recipient a group names to f (or fill the empty fields of the
 * one already there) as ndr_dsn_read() does for each group it reads:
 * for reports that carry the same fields in another structure.
 * Returns the recipient, or NULL when the group names no address.
 */
ndr_recipient *ndr_dsn_add_group(ndr_findings *f, const ndr_dsn_group *g);

/*
 * A Status that only names the class ("5.0.0") gives way to the precise
 * code of the same class that r's diagnostic quotes ("550 5.7.26 ..."):
 * for a diagnostic that came from the report's text after its DSN part,
 * which left Diagnostic-Code out, was read.
 */
void ndr_dsn_refine_status(ndr_recipient *r);

/*
 * Whether text begins like a delivery-status body (a Final-Recipient or
 * Original-Recipient field together with Action or Status): for the DSN
 * blocks some MTAs send labelled text/plain.
 */
gboolean ndr_dsn_looks_like(const char *text, size_t len);

/*
 * The address of a recipient field value: the "rfc822;" or "utf-8;" type,
 * comments, quotes and angle brackets removed, case kept.  NULL when
 * nothing address-like is left.  g_free() the result.
 */
char *ndr_dsn_address(const char *value);

/*
 * Whether addr has the form of a mail address: a local part, '@' and a
 * domain.  Not "user", "@host", a source route or a file path.
 */
gboolean ndr_dsn_address_usable(const char *addr);

/*
 * An MTA field's host name: "dns; mx.example.net [192.0.2.1] (comment)"
 * -> "mx.example.net".  Empty for an empty field.
 */
char *ndr_dsn_mta(const char *value);

#endif /* NDR_DSN_H */
