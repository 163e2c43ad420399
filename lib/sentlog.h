/*
 * sentlog.h - the sent log: what we sent, in SQLite.
 *
 * Tables of messages (Message-ID, date, from, subject) and their
 * recipients, indexed by Message-ID and by address; WAL mode and a busy
 * timeout (NDR_DB_BUSY_TIMEOUT_MS) so that parallel deliveries and
 * recording never fail each other; the schema version in
 * PRAGMA user_version.  Created 0600 in a 0700 directory.
 */
#ifndef NDR_SENTLOG_H
#define NDR_SENTLOG_H

#include <gmime/gmime.h>

#include "config.h"

typedef struct ndr_sentlog ndr_sentlog;

ndr_sentlog *ndr_sentlog_open(const char *path, gboolean read_only,
    GError **err);
void ndr_sentlog_close(ndr_sentlog *log);

/* Record one outgoing message; *added is FALSE if it was there already. */
gboolean ndr_sentlog_record(ndr_sentlog *log, GMimeMessage *msg,
    gboolean *added, GError **err);

/* Sync the config's "sent" folders: cheap when nothing changed. */
gboolean ndr_sentlog_sync(ndr_sentlog *log, const ndr_config *cfg,
    GError **err);

#endif /* NDR_SENTLOG_H */
