/*
 * import.h - bulk-add sent mail to the sent log.
 *
 * From a Maildir folder (cur/ and new/), an mbox file, or an MTA log
 * (Postfix, Exim, Sendmail), idempotently (a message is known by its
 * Message-ID) and incrementally: the sent log keeps, per source, what
 * was seen of it (for a Maildir the directory times and the message
 * keys, for a file its size, time and where reading stopped), so that
 * importing an unchanged source again only stats it and reads no
 * message.  Work is committed every NDR_IMPORT_BATCH messages.
 *
 * From an MTA log only mail that left for a remote host is taken (a
 * delivery by Postfix's smtp client, an Exim delivery naming a host
 * H=, a Sendmail delivery by an SMTP mailer), never to a loopback
 * address (a content filter); incoming mail delivered here is not ours.
 * The rules of class mta-log read its lines (mtalog.h).
 */
#ifndef NDR_IMPORT_H
#define NDR_IMPORT_H

#include "rules.h"
#include "sentlog.h"

/*
 * Import one Maildir folder, mbox file or MTA log; *added counts the
 * new messages.  A path that is none of these is NDRCHECK_EUSAGE.
 */
gboolean ndr_import_path(ndr_sentlog *log, const ndr_rules *rules,
                         const char *path, unsigned long *added, GError **err);

/*
 * Sync the config's "sent" folders: cheap when nothing changed, bounded
 * in time, skipped while another process writes.
 */
gboolean ndr_sentlog_sync(ndr_sentlog *log, const ndr_rules *rules,
                          const ndr_config *cfg, GError **err);

/*
 * The configured "sent" source whose last sync was cut short furthest
 * from its end (greatest ndr_sync_state.reached): *source (g_free, the
 * config's name) and *limit; *source NULL when every sync finished.
 */
gboolean ndr_sync_limit(ndr_sentlog *log, const ndr_config *cfg, char **source,
                        ndr_sync_state *limit, GError **err);

#endif /* NDR_IMPORT_H */
