/*
 * smtpcode.h - the codes of SMTP replies: the reply code of RFC 5321
 * ("550") and the enhanced status code of RFC 3463 ("5.1.1"), as
 * diagnostics and reports quote them.
 */
#ifndef NDR_SMTPCODE_H
#define NDR_SMTPCODE_H

#include <stddef.h>

#include <glib.h>

/*
 * The length of an enhanced status code "c.sss.ddd" at s (c 2, 4 or 5;
 * not part of a longer number or dotted address), else 0.
 */
size_t ndr_smtp_status_len(const char *s);

/* Whether s starts with a reply code "550" ended by a space, '-' or end. */
gboolean ndr_smtp_reply_code_at(const char *s);

/*
 * The first enhanced status code ("5.1.1") in text, and the SMTP reply
 * code ("550") in a diagnostic, as new strings, or NULL.
 */
char *ndr_smtp_find_status(const char *text);
char *ndr_smtp_find_reply_code(const char *text);

/*
 * The last SMTP reply in text that carries an enhanced code ("550
 * 5.1.1", "550-'5.2.2", "421 #4.4.2"): MTAs that wrap the remote
 * server's words quote them last.  Returns its start, or NULL; *status
 * is the offset of its enhanced code.
 */
const char *ndr_smtp_last_reply(const char *text, size_t *status);

#endif /* NDR_SMTPCODE_H */
