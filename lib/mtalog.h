/*
 * mtalog.h - the mail an MTA log says left this host.
 *
 * Reads a log line by line in bounded memory (lines.h) and hands over
 * each recipient that a message was sent to, as the rules of class
 * mta-log read the lines (ndrcheck-rules(5)): the built-in ones know
 * Postfix, Exim and Sendmail.  Only mail that left for another host
 * counts, never for a loopback address (a content filter on this host);
 * incoming mail delivered here is not ours.  A message is known by its
 * Message-ID, or, where the log names none, by its queue id:
 * QID@MTA.ndrcheck.invalid, MTA the first word of the rule's label.
 */
#ifndef NDR_MTALOG_H
#define NDR_MTALOG_H

#include "rules.h"
#include "sentlog.h"

/*
 * One recipient of a message sent (s->to holds one address); FALSE
 * stops the reading at once (keep your own error).
 */
typedef gboolean (*ndr_mtalog_fn)(const ndr_sent *s, void *arg);

/* What a reading of a log leaves for the next one. */
typedef struct ndr_mtalog_read {
	guint64 resume;   /* where the next reading must start */
	guint recognised; /* lines the rules know */
} ndr_mtalog_read;

/*
 * Read the log at path from byte offset start (whole lines only: an
 * unended last line is being written); ref is the file's time, for
 * syslog dates, which have no year.  The next reading starts at the
 * first line of the earliest message still waiting for recipients,
 * but no more than NDR_LOG_REREAD_BYTES back.  FALSE and *err only
 * when the file cannot be read.
 */
gboolean ndr_mtalog_each(const ndr_rules *rules, const char *path,
                         guint64 start, gint64 ref, ndr_mtalog_fn fn, void *arg,
                         ndr_mtalog_read *out, GError **err);

#endif /* NDR_MTALOG_H */
