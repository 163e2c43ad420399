/*
 * test-reason.c - reasons in Sisimai's vocabulary: from the phrases of
 * real diagnostics (the rules come first: their order is a priority),
 * from the status code alone, from what is left; the status and reply
 * code a diagnostic states, and never a status the message does not state.
 */
#include "reason.h"
#include "ruletest.h"

/* The reason, status and reply code ndr_reason_fill() gives. */
static void
check(const char *status, const char *action, const char *diag,
      const char *want_reason, const char *want_status, const char *want_code)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(f, "kijitora@example.jp");

	ndr_set_field(&r->status, status, FALSE);
	ndr_set_field(&r->action, action, FALSE);
	ndr_set_field(&r->diagnostic, diag, FALSE);
	ndr_reason_fill(builtin_rules(), f);
	g_assert_cmpstr(r->reason, ==, want_reason);
	g_assert_cmpstr(r->status, ==, want_status);
	g_assert_cmpstr(r->reply_code, ==, want_code);
	ndr_findings_free(f);
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
	/* rhost-google: a 5.7.1 that is about the message's From: field. */
	check("5.7.1", "failed",
	      "Messages with multiple addresses in From: "
	      "header are not accepted.",
	      "notcompliantrfc", "5.7.1", NULL);
	/* A status the registry names, with text that says nothing. */
	check("5.2.2", "failed", "smtp; 552 sorry", "mailboxfull", "5.2.2",
	      "552");
}

static void
test_status(void)
{
	check("5.1.1", "failed", NULL, "userunknown", "5.1.1", NULL);
	check("5.1.2", "failed", NULL, "hostunknown", "5.1.2", NULL);
	check("5.7.26", "failed", NULL, "authfailure", "5.7.26", NULL);
	check("4.4.7", "delayed", NULL, "expired", "4.4.7", NULL);
	check("2.1.5", "delivered", "250 ok", "delivered", "2.1.5", "250");
	/* Too general a code: what is left decides. */
	check("5.7.0", "failed", NULL, "securityerror", "5.7.0", NULL);
	check("4.0.0", "delayed", NULL, "expired", "4.0.0", NULL);
	check("5.0.0", "failed", "550 no", "onhold", "5.0.0", "550");
	check(NULL, "failed", NULL, "undefined", NULL, NULL);
}

/*
 * No status is invented (SPEC section 5): where the message states
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

static void
test_vocabulary(void)
{
	g_assert_true(ndr_reason_known("userunknown"));
	g_assert_true(ndr_reason_known("notcompliantrfc"));
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
	g_test_add_func("/reason/status", test_status);
	g_test_add_func("/reason/no-pseudo", test_no_pseudo);
	g_test_add_func("/reason/kept", test_kept);
	g_test_add_func("/reason/vocabulary", test_vocabulary);
	return g_test_run();
}
