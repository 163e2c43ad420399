/*
 * ndrcheck.h - public interface of libndrcheck.
 *
 * libndrcheck tells whether a bounce-like message (delivery status
 * notification, non-delivery report, auto-reply, challenge, virus notice,
 * disposition notification, feedback report) answers mail that its user
 * really sent ("genuine") or mail that a spammer forged in the user's name
 * ("backscatter").  It parses the message, finds the original message's
 * Message-ID and failed recipients, and looks them up in a sent log kept
 * in SQLite.
 *
 * A handle (struct ndrcheck) holds the configuration, the compiled rules
 * and the sent log; open one per thread.  Every call that can fail
 * returns NDRCHECK_OK or one of the NDRCHECK_E* codes below, which are
 * also the command's exit codes, and leaves a one-line message in
 * ndrcheck_error().  Strings returned by the library belong to the object
 * they came from unless a comment says otherwise.  No call reports
 * running out of memory: the library allocates with GLib, which aborts
 * the process when an allocation fails.
 *
 * The header needs nothing but the C standard library.
 */
#ifndef NDRCHECK_H
#define NDRCHECK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NDRCHECK_VERSION "0.1.0"

/* Verdicts; the values are the command's exit codes (ndrcheck(1)). */
typedef enum ndrcheck_verdict {
	NDRCHECK_BACKSCATTER = 0,
	NDRCHECK_GENUINE = 1,
	NDRCHECK_NOT_BOUNCE = 2,
	NDRCHECK_UNKNOWN = 3
} ndrcheck_verdict;

/* What a bounce-like message means, whatever its wrapping. */
typedef enum ndrcheck_kind {
	NDRCHECK_KIND_NONE = 0,
	NDRCHECK_KIND_DSN,
	NDRCHECK_KIND_DELAY,
	NDRCHECK_KIND_NDR,
	NDRCHECK_KIND_AUTO_REPLY,
	NDRCHECK_KIND_CHALLENGE,
	NDRCHECK_KIND_VIRUS_NOTICE,
	NDRCHECK_KIND_MDN,
	NDRCHECK_KIND_FEEDBACK
} ndrcheck_kind;

/* Status codes of calls; the error values are sysexits(3) codes. */
#define NDRCHECK_OK     0
#define NDRCHECK_EUSAGE 64 /* bad option, configuration or rule file */
#define NDRCHECK_ETEMP  75 /* I/O error, database locked or corrupt */

typedef struct ndrcheck ndrcheck;
typedef struct ndrcheck_result ndrcheck_result;

/* Where things are; NULL fields take the defaults of ndrcheck(1) FILES. */
typedef struct ndrcheck_options {
	const char *db_path;     /* sent log */
	const char *config_path; /* GKeyFile configuration */
	const char *rules_dir;   /* replaces built-in and user rules */
	int read_only;           /* never write the sent log (no sync) */
	int no_sync;             /* do not sync config "sent" folders */
	const char *envelope_to; /* the delivery agent's envelope recipient
	                            of the message classified, or NULL */
} ndrcheck_options;

/*
 * Open a handle.  On failure *out is still a handle (so that
 * ndrcheck_error() can say why) which the caller must close.
 */
int ndrcheck_open(ndrcheck **out, const ndrcheck_options *opts);
void ndrcheck_close(ndrcheck *h);
const char *ndrcheck_error(const ndrcheck *h);

/*
 * A message as read: at most 8 MiB (libndrcheck(3)) are kept in memory
 * and parsed; the rest of a larger message stays in its file
 * (or in an unlinked spool file for a pipe) and is only copied out.
 * ndrcheck_message_read_fd() reads the descriptor to its end, always:
 * delivery agents treat unread input as a failure.  keep_all asks for
 * the whole message to be kept, for ndrcheck_message_write().
 */
typedef struct ndrcheck_message ndrcheck_message;
int ndrcheck_message_read_fd(ndrcheck_message **out, int fd, int keep_all);
int ndrcheck_message_open_file(ndrcheck_message **out, const char *path);
int ndrcheck_message_from_buffer(ndrcheck_message **out, const void *buf,
                                 size_t len);
/* Why the last ndrcheck_message_* call failed (thread-local). */
const char *ndrcheck_message_error(void);
void ndrcheck_message_free(ndrcheck_message *m);

/*
 * Classify one message.  A result is returned even for damaged mail; an
 * error code means the sent log could not be consulted.
 */
int ndrcheck_classify(ndrcheck *h, const ndrcheck_message *m,
                      ndrcheck_result **out);
/* Convenience: open, classify and free a message file. */
int ndrcheck_classify_file(ndrcheck *h, const char *path,
                           ndrcheck_result **out);

/*
 * Passthrough: write the message to fd with X-NDR-Verdict, X-NDR-Kind
 * and X-NDR-Evidence added and any X-NDR-* of the input removed (ndrcheck(1)
 * OPTIONS).  r NULL, for a message that could not be classified,
 * adds nothing but still removes forged X-NDR-* fields: recipes trust
 * X-NDR-Verdict whenever the filter exits 0.  Returns NDRCHECK_OK only
 * once every byte is written, NDRCHECK_ETEMP otherwise.
 */
int ndrcheck_message_write(const ndrcheck_message *m, const ndrcheck_result *r,
                           int fd);
/* Write the message to fd exactly as it was read. */
int ndrcheck_message_copy(const ndrcheck_message *m, int fd);

ndrcheck_verdict ndrcheck_result_verdict(const ndrcheck_result *r);
ndrcheck_kind ndrcheck_result_kind(const ndrcheck_result *r);
/* Evidence sentences, strongest first; NULL past the end. */
const char *ndrcheck_result_evidence(const ndrcheck_result *r, size_t i);
/* The original's Message-ID without angle brackets, or NULL. */
const char *ndrcheck_result_message_id(const ndrcheck_result *r);
size_t ndrcheck_result_recipient_count(const ndrcheck_result *r);
/* Fields of recipient i: "address" (as the user wrote it),
 * "final_recipient" (where it led, when another), "action", "status",
 * "diagnostic", "reason"; NULL when unknown. */
const char *ndrcheck_result_recipient(const ndrcheck_result *r, size_t i,
                                      const char *field);
/* The JSON object of ndrcheck(1) JSON OUTPUT; "file" is left out when NULL.
 * The string is allocated with malloc(): the caller frees it with free(). */
char *ndrcheck_result_json(const ndrcheck_result *r, const char *file);
void ndrcheck_result_free(ndrcheck_result *r);

const char *ndrcheck_verdict_name(ndrcheck_verdict v);
const char *ndrcheck_kind_name(ndrcheck_kind k);
/* Parse a verdict name; returns 0 on success, -1 if unknown. */
int ndrcheck_verdict_from_name(const char *name, ndrcheck_verdict *v);

/* Sent log: record outgoing messages and import whole folders. */
int ndrcheck_record(ndrcheck *h, const ndrcheck_message *m);
/* Import a Maildir, an mbox or an MTA log; *added counts new messages. */
int ndrcheck_import(ndrcheck *h, const char *path, unsigned long *added);
/*
 * Create the sent log, or bring its schema up to date (for a PostgreSQL
 * database, as a role that may create tables).
 */
int ndrcheck_init_db(ndrcheck *h);
/*
 * Remove the records older than the config's "keep" days; *removed
 * counts the messages.  Usage error when "keep" is not set.
 */
int ndrcheck_prune(ndrcheck *h, unsigned long *removed);
/*
 * What the handle works with (ndrcheck(1) STATUS): the sent log, its
 * coverage and sources, the rules and their cache; as lines, or with json
 * as one JSON object.  Nothing is created, synced or compiled.  *text is
 * allocated with malloc(): the caller frees it with free().
 */
int ndrcheck_status(ndrcheck *h, int json, char **text);
/*
 * Sync the configuration's "sent" folders into the sent log now, once
 * per handle (classification does it on the first bounce-like message;
 * a program about to open read-only handles calls this first).
 */
int ndrcheck_sync(ndrcheck *h);

#ifdef __cplusplus
}
#endif
#endif /* NDRCHECK_H */
