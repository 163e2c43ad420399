/*
 * test-reason.c - reasons in Sisimai's vocabulary, decided by the rules
 * over a recipient's facts: the phrases of real diagnostics, the status
 * code, the SMTP command a reply answered, the remote host, what is left;
 * the status and reply code a diagnostic states, and never a status the
 * message does not state.  Then whole real messages through the parse
 * stages.
 */
#include "reason.h"
#include "report.h"
#include "ruletest.h"
#include "vocabulary.h"

/* What a reader found of one recipient, and what ndr_reason_fill() gives. */
typedef struct rcase {
	const char *status, *action, *diag, *command, *remote_mta, *type;
	const char *address; /* NULL: kijitora@example.jp */
	const char *reason, *want_status, *want_code;
} rcase;

static void
check_case(const rcase *c)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(
	    f, c->address != NULL ? c->address : "kijitora@example.jp");

	ndr_set_field(&r->status, c->status, FALSE);
	ndr_set_field(&r->action, c->action, FALSE);
	ndr_set_field(&r->diagnostic, c->diag, FALSE);
	ndr_set_field(&r->command, c->command, FALSE);
	ndr_set_field(&r->remote_mta, c->remote_mta, FALSE);
	ndr_set_field(&r->diagnostic_type, c->type, FALSE);
	ndr_reason_fill(builtin_rules(), f);
	g_assert_cmpstr(r->reason, ==, c->reason);
	g_assert_cmpstr(r->status, ==, c->want_status);
	g_assert_cmpstr(r->reply_code, ==, c->want_code);
	ndr_findings_free(f);
}

/* The reason, status and reply code of status, action and diagnostic. */
static void
check(const char *status, const char *action, const char *diag,
      const char *want_reason, const char *want_status, const char *want_code)
{
	rcase c = {.status = status,
	           .action = action,
	           .diag = diag,
	           .reason = want_reason,
	           .want_status = want_status,
	           .want_code = want_code};

	check_case(&c);
}

/* Diagnostics of real bounces (the corpus files named), as their MTAs
 * wrote them, with the reason Sisimai's maintainers checked. */
static void
test_phrases(void)
{
	/* lhost-dragonfly-01: folded over several lines. */
	check(NULL, "failed",
	      "550-5.7.26 Unauthenticated email from example.jp is not "
	      "accepted due to domain's\n550-5.7.26 DMARC policy.",
	      "authfailure", "5.7.26", "550");
	/* lhost-exim-05. */
	check(NULL, "failed",
	      "host mx49.neko.example.co.jp [192.0.2.82]:\n    553 5.1.1 "
	      "unknown or illegal user:",
	      "userunknown", "5.1.1", "553");
	/* lhost-mailru-02: the phrase, not the code, says mailbox full. */
	check(NULL, "failed",
	      "550 5.2.2 <kijitora@example.jp>... Mailbox "
	      "Full",
	      "mailboxfull", "5.2.2", "550");
	/* lhost-exim-32: no status code at all. */
	check(NULL, "failed",
	      "SMTP error from remote mail server after "
	      "initial connection: 571 No PTR Record found. Reverse DNS "
	      "required: 203.0.113.22",
	      "requireptr", NULL, "571");
	/* lhost-exim-46: a missing reverse DNS is no PTR phrase of
	 * Sisimai's; the refused connection makes it blocked. */
	check(NULL, "failed",
	      "host mx.nyaan.example.com [192.0.2.222] SMTP error from "
	      "remote mail server after initial connection: 554 5.7.1 [C14] "
	      "Missing reverse DNS for 203.0.113.2",
	      "blocked", "5.7.1", "554");
	/* rhost-google: a 5.7.1 that is about the message's From: field,
	 * a multi-line reply whose line codes must not split the phrase
	 * (lhost-postfix-28). */
	check("5.7.1", "failed",
	      "550-5.7.1 [192.0.2.222 13] Messages with multiple\n"
	      "550 5.7.1 addresses in From: header are not accepted.",
	      "notcompliantrfc", "5.7.1", "550");
	/* A status the registry names, with text that says nothing. */
	check("5.2.2", "failed", "smtp; 552 sorry", "mailboxfull", "5.2.2",
	      "552");
	/* lhost-exchange2003-01: Exchange's code for an unknown
	 * recipient, where the words alone would say filtered. */
	check(NULL, "failed",
	      "The recipient name is not recognized MSEXCH:IMS:NNN:"
	      "KIJITORACAT:NEKO 0 (000C05A6) Unknown Recipient",
	      "userunknown", NULL, NULL);
}

/*
 * "User unknown" is userunknown when it answered RCPT TO or the status
 * says so; answering DATA, or no command known, it is a filter's answer
 * (filtered), as Sisimai has it.
 */
static void
test_command(void)
{
	rcase rcpt = {.status = "5.2.1",
	              .action = "failed",
	              .diag =
	                  "550 5.2.1 <kijitora@cr.nyaan.jp>... User Unknown",
	              .command = "RCPT",
	              .reason = "userunknown",
	              .want_status = "5.2.1",
	              .want_code = "550"};
	rcase data = {.status = "5.0.0",
	              .action = "failed",
	              .diag = "550 Unknown user kijitora@example.net",
	              .command = "DATA",
	              .reason = "filtered",
	              .want_status = "5.0.0",
	              .want_code = "550"};
	rcase mail = {.status = "5.7.1",
	              .action = "failed",
	              .diag = "550 5.7.1 Access denied",
	              .command = "MAIL",
	              .reason = "rejected",
	              .want_status = "5.7.1",
	              .want_code = "550"};

	check_case(&rcpt);   /* lhost-postfix-57 */
	check_case(&data);   /* lhost-postfix-03 */
	check_case(&mail);   /* lhost-postfix-54 */
	rcpt.command = NULL; /* the diagnostic alone: a filter's */
	rcpt.reason = "filtered";
	check_case(&rcpt);
	/* The status says user unknown: the command does not matter
	 * (lhost-mfilter-02). */
	check("5.1.1", "failed",
	      "550 5.1.1 <kijitora@example.co.jp>: Recipient address "
	      "rejected: User unknown in local recipient table "
	      "-------SMTP command DATA",
	      "userunknown", "5.1.1", "550");
	/* qmail names the command in its own words (lhost-qmail-04). */
	check(NULL, "failed",
	      "Connected to 192.0.2.112 but my name was rejected. Remote "
	      "host said: 501 5.0.0 Invalid domain name I'm not going to "
	      "try again; this message has been in the queue too long.",
	      "blocked", "5.0.0", "501");
}

/* Providers with their own codes, known by the remote host. */
static void
test_hosts(void)
{
	rcase tencent = {
	    .status = "5.0.0",
	    .action = "failed",
	    .diag = "550 Ip frequency limited [V2VkIEFwciAg Blocked IP "
	            "192.0.2.22]. http://service.mail.qq.com/cgi-bin/help",
	    .command = "DATA",
	    .remote_mta = "mx3.qq.com",
	    .reason = "toomanyconn",
	    .want_status = "5.0.0",
	    .want_code = "550"};
	rcase docomo = {.status = "5.0.0",
	                .action = "failed",
	                .diag = "550 Unknown user "
	                        "azumakuniyuki@ntt.docomo.example.ne.jp",
	                .command = "DATA",
	                .remote_mta = "mfsmax.docomo.ne.jp",
	                .reason = "rejected",
	                .want_status = "5.0.0",
	                .want_code = "550"};

	check_case(&tencent); /* rhost-tencent-01 */
	tencent.remote_mta = "mx.example.net";
	tencent.reason = "onhold";
	check_case(&tencent);
	check_case(&docomo); /* rhost-nttdocomo-02 */
	docomo.remote_mta = "mx.example.net";
	docomo.reason = "filtered";
	check_case(&docomo);
	/* rhost-franceptt-05: the number ending La Poste's code. */
	check("5.5.0", "failed",
	      "550 5.5.0 Le compte du destinataire est bloque. The recipient "
	      "account is blocked. LPN007_426",
	      "suspend", "5.5.0", "550");
}

static void
test_status(void)
{
	rcase unix_pipe = {.status = "4.3.0",
	                   .action = "failed",
	                   .diag = "temporary failure",
	                   .type = "x-unix",
	                   .reason = "mailererror",
	                   .want_status = "4.3.0"};

	check("5.1.1", "failed", NULL, "userunknown", "5.1.1", NULL);
	check("5.1.2", "failed", NULL, "hostunknown", "5.1.2", NULL);
	check("5.7.26", "failed", NULL, "authfailure", "5.7.26", NULL);
	check("4.4.7", "delayed", NULL, "expired", "4.4.7", NULL);
	check("2.1.5", "delivered", "250 ok", "delivered", "2.1.5", "250");
	/* 5.2.3 is exceedlimit, even where the words say too big
	 * (lhost-sendmail-05). */
	check("5.2.3", "failed",
	      "552 5.2.3 Message size exceeds fixed maximum message size "
	      "(10485760)",
	      "exceedlimit", "5.2.3", "552");
	/* Too general a code: what is left decides. */
	check("5.7.0", "failed", NULL, "securityerror", "5.7.0", NULL);
	check("4.0.0", "delayed", NULL, "expired", "4.0.0", NULL);
	check("5.0.0", "failed", "550 no", "onhold", "5.0.0", "550");
	check("5.5.0", "failed", "503 Improper sequence of commands",
	      "syntaxerror", "5.5.0", "503");
	check(NULL, "failed", NULL, "undefined", NULL, NULL);
	check_case(&unix_pipe); /* lhost-postfix-43: a local mailer */
	/* A local mailer's words decide first (lhost-postfix-45) ... */
	unix_pipe.diag = "/var/email/kijitora/Maildir/tmp/1000000000."
	                 "A000000B00000.neko22: Disk quota exceeded";
	unix_pipe.reason = "mailboxfull";
	check_case(&unix_pipe);
	/* ... and when they name the mailer, over the status's reason
	 * (lhost-postfix-01). */
	unix_pipe.status = unix_pipe.want_status = "5.1.1";
	unix_pipe.diag = "procmail: Couldn't create \"/var/spool/mail/neko\" "
	                 "id: r.example.org: No such user";
	unix_pipe.reason = "mailererror";
	check_case(&unix_pipe);
}

/*
 * No status is invented (ndrcheck(1) JSON OUTPUT): where the message states
 * none, Sisimai's pseudo codes (5.0.922, 4.0.922, 5.0.912) are not ours.
 */
static void
test_no_pseudo(void)
{
	check(NULL, "failed", "550 Mailbox is full", "mailboxfull", NULL,
	      "550");
	check(NULL, "delayed", "452 Mailbox is full", "mailboxfull", NULL,
	      "452");
	check(NULL, "failed", "Host unknown", "hostunknown", NULL, NULL);
}

/* A reason a reader set (feedback, vacation) is kept. */
static void
test_kept(void)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(f, "abuse@example.net");

	ndr_set_field(&r->reason, "feedback", FALSE);
	ndr_reason_fill(builtin_rules(), f);
	g_assert_cmpstr(r->reason, ==, "feedback");
	g_assert_null(r->status);
	ndr_findings_free(f);
}

/* The reason of address in a testdata message, read as the library does. */
static void
check_file(const char *name, const char *address, const char *want)
{
	GMimeMessage *msg = parse_file(name, FALSE);
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r;

	ndr_report_read(builtin_rules(), msg, f);
	ndr_reason_fill(builtin_rules(), f);
	r = ndr_findings_recipient(f, address);
	g_assert_cmpstr(r->reason, ==, want);
	ndr_findings_free(f);
	g_object_unref(msg);
}

static void
test_messages(void)
{
	check_file("bsd/lhost-postfix-57.eml", "kijitora@cr.nyaan.jp",
	           "userunknown");
	check_file("bsd/lhost-postfix-03.eml", "kijitora@example.net",
	           "filtered");
	check_file("bsd/lhost-postfix-28.eml", "kijitora@gmail.example.com",
	           "notcompliantrfc");
	check_file("bsd/rhost-nttdocomo-02.eml",
	           "azumakuniyuki@ntt.docomo.example.ne.jp", "rejected");
	check_file("bsd/rhost-franceptt-05.eml", "xxxx@laposte.net", "suspend");
	/*
	 * Sisimai says mailboxfull, from the prose "Your message to
	 * <nekochan> was automatically rejected: Not enough disk space",
	 * which names another address; this recipient's own DSN fields say
	 * 5.1.1 User Unknown.
	 */
	check_file("bsd/rfc3464-01.eml", "userunknown@bouncehammer.jp",
	           "userunknown");
}

static void
test_vocabulary(void)
{
	g_assert_true(ndr_reason_known("userunknown"));
	g_assert_true(ndr_reason_known("notcompliantrfc"));
	g_assert_true(ndr_reason_known("authfailure"));
	g_assert_true(ndr_reason_known("virusdetected"));
	g_assert_false(ndr_reason_known("nosuchreason"));
	g_assert_false(ndr_reason_known(NULL));
	g_assert_cmpstr(ndr_reason_from_status("5.1.10"), ==, "notaccept");
	g_assert_null(ndr_reason_from_status("5.0.0"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reason/phrases", test_phrases);
	g_test_add_func("/reason/command", test_command);
	g_test_add_func("/reason/hosts", test_hosts);
	g_test_add_func("/reason/status", test_status);
	g_test_add_func("/reason/no-pseudo", test_no_pseudo);
	g_test_add_func("/reason/kept", test_kept);
	g_test_add_func("/reason/messages", test_messages);
	g_test_add_func("/reason/vocabulary", test_vocabulary);
	return g_test_run();
}
