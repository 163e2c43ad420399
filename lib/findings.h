/*
 * findings.h - what the parse stages find in one message.
 *
 * Data flows one way: bytes (input.c) -> GMime message (message.c) ->
 * findings (report.c, dsn.c, original.c, textndr.c, reason.c) -> verdict
 * (verdict.c against sentlog.c) -> output (json.c, passthrough.c), as
 * lib/README maps every file.  This structure is the hand-over between
 * the parse stages and the verdict; every string in it is a g_malloc'ed,
 * NUL-terminated UTF-8 copy owned by the findings.
 */
#ifndef NDR_FINDINGS_H
#define NDR_FINDINGS_H

#include <glib.h>

#include "ndrcheck.h"

typedef struct ndr_recipient {
	/* The address the user wrote, which the sent log holds: the
	 * Original-Recipient, the alias an NDR says it was expanded from,
	 * else the Final-Recipient or the address the NDR names. */
	char *address;
	/* Where that address led when another (the Final-Recipient, the
	 * alias's expansion), or NULL. */
	char *final_recipient;
	char *action;     /* "failed", "delayed", "delivered", ... or NULL */
	char *status;     /* enhanced status "5.1.1", or NULL */
	char *reply_code; /* SMTP reply code "550", or NULL */
	char *diagnostic; /* Diagnostic-Code text (type stripped), or NULL */
	char *diagnostic_type; /* its type in lower case ("x-unix"), or NULL */
	char *remote_mta;      /* Remote-MTA, or NULL */
	char *command;         /* SMTP command replied to ("RCPT"), or NULL */
	char *category;        /* the MTA's own failure category, lower case
	                          ("bad-mailbox": PowerMTA), or NULL */
	char *reason;          /* Sisimai's vocabulary (ndrcheck(1)), or NULL */
} ndr_recipient;

/* What became of one DKIM signature of the config's dkim_domains (dkim.c). */
typedef enum ndr_sig_state {
	NDR_SIG_VALID,    /* verifies over the returned header fields */
	NDR_SIG_FAILED,   /* its key was found and it does not verify */
	NDR_SIG_UNCHECKED /* malformed, or no key could be had */
} ndr_sig_state;

typedef struct ndr_signature {
	char *domain;    /* d=, lower case */
	char *selector;  /* s=, or NULL when malformed */
	char *algorithm; /* "rsa-sha256", "ed25519-sha256", ... or NULL */
	ndr_sig_state state;
	gboolean body_verified; /* the body hash matched the returned body */
	char *why;              /* for FAILED and UNCHECKED: in plain words */
} ndr_signature;

typedef struct ndr_original {
	char *message_id; /* without angle brackets */
	char *from;       /* bare address */
	GPtrArray *to;    /* of char *, bare addresses (To and Cc) */
	char *subject;
	char *date;       /* ISO 8601 UTC "2026-11-20T10:00:00Z", or NULL */
	gint64 date_unix; /* 0 when unknown */
	GPtrArray
	    *received; /* of char *, the returned Received fields, top first */
	GString *header_block; /* the returned header fields as they came
	                          (folded, line ends kept), or NULL */
	GBytes *body;          /* the returned body, or NULL when none was */
	GPtrArray *signatures; /* of ndr_signature *, set by dkim.c */
} ndr_original;

/* A BATV (prvs=) envelope recipient, checked against batv_key. */
typedef enum ndr_batv_state {
	NDR_BATV_NONE,    /* no tag, or no batv_key to check it with */
	NDR_BATV_VALID,   /* our tag, not expired */
	NDR_BATV_INVALID, /* a tag we did not make */
	NDR_BATV_EXPIRED  /* ours, but past its day */
} ndr_batv_state;

typedef struct ndr_findings {
	ndrcheck_kind kind;
	GPtrArray *recipients;    /* of ndr_recipient * */
	ndr_original *original;   /* NULL when nothing of it was found */
	GPtrArray *reply_ids;     /* In-Reply-To then References ids, no <> */
	GPtrArray *failed_header; /* of char *: the mailboxes X-Failed-
	                             Recipients names (Exim), report.c's */
	char *reporting_mta;
	gint64 date_unix;  /* the report's own Date; 0 when unknown */
	char *envelope_to; /* where it was delivered (envelope.c), or NULL */
	char *envelope_source; /* "X-Original-To", "Delivered-To" or "the
	                          delivery agent" */
	ndr_batv_state batv;   /* of envelope_to */
	char *batv_address;    /* the address a BATV tag stands for */
	char *message_id;      /* the report's own Message-ID, no <>; or NULL */
	gboolean unproven;     /* nothing showed that a machine wrote it */
} ndr_findings;

ndr_findings *ndr_findings_new(void);
void ndr_findings_free(ndr_findings *f);

/*
 * The recipient with this address (compared without case), added when
 * new.  Returns NULL for an empty address or past NDR_MAX_RECIPIENTS.
 */
ndr_recipient *ndr_findings_recipient(ndr_findings *f, const char *address);
/* The original, created empty on first use. */
ndr_original *ndr_findings_original(ndr_findings *f);
void ndr_findings_add_reply_id(ndr_findings *f, const char *id);

/*
 * Store value in *field: trimmed, cut to NDR_MAX_FIELD_BYTES, made valid
 * UTF-8.  An empty or NULL value leaves the field as it is, and so does
 * any value when keep_first is set and the field is already filled.
 */
void ndr_set_field(char **field, const char *value, gboolean keep_first);

/* A copy of s with each run of white space (left by unfolding) one space. */
char *ndr_collapse_spaces(const char *s);

#endif /* NDR_FINDINGS_H */
