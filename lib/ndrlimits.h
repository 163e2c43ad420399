/*
 * ndrlimits.h - every limit of libndrcheck, in one place.
 *
 * Mail comes from strangers.  Each limit below bounds the memory or time
 * one message can cost; when a message exceeds one, the stage that meets
 * it stops reading that part and the verdict falls back to what is known
 * (at worst "unknown"): never a crash, never a hang.
 */
#ifndef NDR_LIMITS_H
#define NDR_LIMITS_H

/* Bytes of a message kept in memory and parsed; the rest is only copied. */
#define NDR_MAX_PARSE_BYTES (8u * 1024 * 1024)
/*
 * Header fields, MIME parts and addresses GMime may build from one
 * message, counted as budget.h says: GMime spends a few hundred bytes on
 * each, so this bounds its memory to tens of megabytes and its time to a
 * fraction of a second whatever the input.  A MIME delimiter line counts
 * NDR_PARSE_PART_ITEMS (a part costs GMime more than a header field).
 */
#define NDR_MAX_PARSE_ITEMS  65536
#define NDR_PARSE_PART_ITEMS 64
/* Time the parse stages may spend on one message (ndrcheck(1): within 10 s,
 * of which the sent log's busy timeout and sync take their share). */
#define NDR_MAX_MESSAGE_MS 2000
/* Bytes of the header block looked at by the header-only fast path. */
#define NDR_MAX_HEADER_BYTES (256u * 1024)
/* What is passed over before a header block that does not start the
 * input (blank lines, stray bytes): at most these bytes and lines. */
#define NDR_MAX_LEAD_BYTES 1024u
#define NDR_MAX_LEAD_LINES 8u
/* MIME nesting depth walked (a bounce of a bounce of a bounce...). */
#define NDR_MAX_MIME_DEPTH 8
/* MIME parts walked in one message. */
#define NDR_MAX_MIME_PARTS 500
/* Header fields looked at in one header block. */
#define NDR_MAX_HEADERS 2000
/* Recipients kept from one report. */
#define NDR_MAX_RECIPIENTS 1000
/* Bytes of one text part given to the rules (the NDR prose is near the top). */
#define NDR_MAX_TEXT_BYTES (256u * 1024)
/* Nesting of a JSON notice read (Amazon SES: 4 levels) and so of the
 * recursion of the JSON parser. */
#define NDR_MAX_JSON_DEPTH 32
/* Length kept of a diagnostic, subject or other free-text field. */
#define NDR_MAX_FIELD_BYTES 1024

/* PCRE2 match limits: no input may make a rule backtrack for long. */
#define NDR_PCRE2_MATCH_LIMIT 100000
#define NDR_PCRE2_DEPTH_LIMIT 5000
/* Capturing groups (the whole match included) a rule may have. */
#define NDR_RULE_MAX_GROUPS 10

/* Bytes of one rule file (ndrcheck-rules(5)); a larger one is refused. */
#define NDR_MAX_RULE_FILE_BYTES (1024u * 1024)
/*
 * Bytes of the file of compiled built-in rules (rulecache.h); those
 * that ship with ndrcheck take about 200 KB.  A larger file is not read,
 * and not written.
 */
#define NDR_MAX_RULE_CACHE_BYTES (8u * 1024 * 1024)

/* Bytes of a file held at once when reading mbox files and MTA logs. */
#define NDR_LINE_BUFFER (256u * 1024)

/*
 * scan: results held for in-order output, per worker thread (one slow
 * message holds the output back while the others go on), and bytes of
 * mbox messages read ahead of the workers.
 */
#define NDR_SCAN_WINDOW_PER_JOB 256
/* scan: messages a worker takes at once (a fraction of the window). */
#define NDR_SCAN_BATCH        32
#define NDR_SCAN_QUEUED_BYTES (16u * 1024 * 1024)
/* scan: recipients held in the results waiting for output (each up to a
 * few NDR_MAX_FIELD_BYTES), so that a folder of bounces that each list
 * NDR_MAX_RECIPIENTS cannot fill the memory through the window. */
#define NDR_SCAN_HELD_RECIPIENTS 2048
/* scan --jobs at most: each worker holds a handle (rules, SQLite). */
#define NDR_SCAN_MAX_JOBS 256

/* Messages imported per transaction: others may record in between. */
#define NDR_IMPORT_BATCH 1000
/*
 * Time the sync before classification may take (at most; config
 * "sync_budget" may give less); the rest waits for the next delivery.
 */
#define NDR_SYNC_BUDGET_MS 3000
/*
 * A sync cut short reads a Maildir newest file first, so all it holds
 * from some file time on is in the log.  A message's Date may run ahead
 * of its file's time (a sender's clock, a copy saved late): what the
 * log covers of that folder starts this much after that time.
 */
#define NDR_SYNC_DATE_SLACK_S 86400
/*
 * What a folder read to its end tells of the log's coverage: its oldest
 * dates, less the oldest NDR_COVER_SKIP_PERMILLE per mille of them (at
 * least one of two or more: one outlier Date cannot widen coverage),
 * and never a Date before NDR_COVER_FLOOR (1990-01-01, before mail was
 * common: an unset clock or a forger's 1970) nor more than
 * NDR_COVER_FUTURE_S past now.
 */
#define NDR_COVER_SKIP_PERMILLE 10
#define NDR_COVER_FLOOR         G_GINT64_CONSTANT(631152000)
#define NDR_COVER_FUTURE_S      86400
/* Postfix/Sendmail queue ids followed at once in an MTA log. */
#define NDR_MAX_PENDING_QIDS 100000
/* Bytes of an MTA log read again for messages still in the queue. */
#define NDR_LOG_REREAD_BYTES (256u * 1024)

/*
 * DNS time for the DKIM keys of one message, all look-ups together (the
 * parse budget, the sync and the busy timeout take the rest of the 10 s).
 */
#define NDR_DKIM_DNS_MS 800
/*
 * Signatures of our domains checked in one message (each may cost a key
 * look-up and an RSA check; a sender may add thousands).
 */
#define NDR_MAX_DKIM_SIGNATURES 8
/* Seconds a DKIM key from DNS is kept at most, whatever its TTL says. */
#define NDR_DKIM_CACHE_S 86400
/* Bytes of one DKIM key record (a 4096-bit RSA key takes about 800). */
#define NDR_MAX_DKIM_KEY_BYTES 8192
/* Bytes of one DNS answer read over UDP (EDNS is not asked for: 512 do). */
#define NDR_DNS_ANSWER_BYTES 4096

/*
 * Days ahead of the checking day that a BATV tag's expiry day may name;
 * further ahead, modulo 1000, it lies behind: expired.
 */
#define NDR_MAX_BATV_DAYS 30

/* SQLite busy timeout: well inside Dovecot's 10 s program timeout. */
#define NDR_DB_BUSY_TIMEOUT_MS 4000
/*
 * PostgreSQL sent log: connecting, and each statement (on the server,
 * and here with a margin for a server that no longer answers at all).
 * After one failure a handle stops: a delivery fails within one connect
 * and one statement, well inside Dovecot's 10 s.
 */
#define NDR_PG_CONNECT_TIMEOUT_S    2
#define NDR_PG_STATEMENT_TIMEOUT_MS 2000
#define NDR_PG_ANSWER_MARGIN_MS     500
/* The shortest secret config hash_key may name, in bytes. */
#define NDR_MIN_HASH_KEY_BYTES 16
/* Default window for recipient evidence (ndrcheck.conf(5)), in days. */
#define NDR_DEFAULT_WINDOW_DAYS 30

#endif /* NDR_LIMITS_H */
