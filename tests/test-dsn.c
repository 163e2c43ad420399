/*
 * test-dsn.c - the delivery-status field parser (dsn.c): groups, folded
 * lines, comments, address and diagnostic types, several recipients,
 * delays, and the broken forms real MTAs send.
 */
#include <string.h>

#include <glib.h>

#include "dsn.h"
#include "findings.h"
#include "smtpcode.h"

static ndr_findings *
read_dsn(const char *text, guint groups)
{
	ndr_findings *f = ndr_findings_new();

	g_assert_cmpuint(ndr_dsn_read(text, strlen(text), f), ==, groups);
	return f;
}

static ndr_recipient *
rcpt(ndr_findings *f, guint i)
{
	g_assert_cmpuint(i, <, f->recipients->len);
	return g_ptr_array_index(f->recipients, i);
}

/* Postfix, as RFC 3464 means it: two groups, folded diagnostic. */
static void
test_postfix(void)
{
	ndr_findings *f =
	    read_dsn("Reporting-MTA: dns; mx.example.net\n"
	             "X-Postfix-Queue-ID: 4C1F2C0B\n"
	             "X-Postfix-Sender: rfc822; jan@example.org\n"
	             "Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900 (JST)\n"
	             "\n"
	             "Final-Recipient: rfc822; kijitora@example.jp\n"
	             "Original-Recipient: rfc822;Kijitora@Example.JP\n"
	             "Action: failed\n"
	             "Status: 5.1.1\n"
	             "Remote-MTA: dns; mx.example.jp (192.0.2.1)\n"
	             "Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>:\n"
	             "    Recipient address rejected: User unknown in local\n"
	             "\trecipient table\n",
	             1);
	ndr_recipient *r = rcpt(f, 0);

	g_assert_cmpstr(f->reporting_mta, ==, "mx.example.net");
	g_assert_cmpstr(r->address, ==, "kijitora@example.jp");
	/* Only case differs: no other address beside it. */
	g_assert_null(r->final_recipient);
	g_assert_cmpstr(r->action, ==, "failed");
	g_assert_cmpstr(r->status, ==, "5.1.1");
	g_assert_cmpstr(r->reply_code, ==, "550");
	g_assert_cmpstr(r->remote_mta, ==, "mx.example.jp");
	g_assert_cmpstr(
	    r->diagnostic, ==,
	    "550 5.1.1 <kijitora@example.jp>: Recipient address rejected: "
	    "User unknown in local recipient table");
	g_assert_null(f->original);
	ndr_findings_free(f);
}

/*
 * The Original-Recipient (the address the user wrote, which the sent
 * log holds) is the recipient, the Final-Recipient beside it when
 * another: PMDF's local delivery agent, a Postfix alias, in either
 * order.  Case alone is no other.
 */
static void
test_original_recipient(void)
{
	ndr_findings *f =
	    read_dsn("Reporting-MTA: dns;ms.example.com\n"
	             "\n"
	             "Action: failed\n"
	             "Status: 5.0.0 (recipient reached disk quota)\n"
	             "Original-recipient: rfc822;userx@example.com\n"
	             "Final-recipient: rfc822;userx@sims-ms-daemon\n"
	             "\n"
	             "Final-Recipient: rfc822; xxx@example.fi\n"
	             "Original-Recipient: rfc822;userx@example.fi\n"
	             "Action: delayed\n"
	             "Status: 4.3.0\n"
	             "\n"
	             "Final-Recipient: rfc822; plain@example.net\n"
	             "Original-Recipient: rfc822; @route.example:\n"
	             "Action: failed\n"
	             "Status: 5.1.1\n"
	             "\n"
	             "Final-Recipient: rfc822; \"q..q\"@example.net\n"
	             "Original-Recipient: rfc822; Q..Q@example.net\n"
	             "Action: failed\n"
	             "Status: 5.1.1\n",
	             4);

	g_assert_cmpstr(rcpt(f, 0)->address, ==, "userx@example.com");
	g_assert_cmpstr(rcpt(f, 0)->final_recipient, ==,
	                "userx@sims-ms-daemon");
	g_assert_cmpstr(rcpt(f, 0)->status, ==, "5.0.0");
	g_assert_cmpstr(rcpt(f, 1)->address, ==, "userx@example.fi");
	g_assert_cmpstr(rcpt(f, 1)->final_recipient, ==, "xxx@example.fi");
	g_assert_cmpstr(rcpt(f, 1)->action, ==, "delayed");
	/* An Original-Recipient that is no address is none. */
	g_assert_cmpstr(rcpt(f, 2)->address, ==, "plain@example.net");
	g_assert_null(rcpt(f, 2)->final_recipient);
	/* Quotes and case alone make no other address. */
	g_assert_cmpstr(rcpt(f, 3)->address, ==, "\"q..q\"@example.net");
	g_assert_null(rcpt(f, 3)->final_recipient);
	ndr_findings_free(f);
}

/* CRLF, odd case, indented fields, no empty lines between groups. */
static void
test_broken(void)
{
	ndr_findings *f = read_dsn(
	    "reporting-mta: DNS; relay.example.com\r\n"
	    "  final-recipient: RFC822; <neko@example.org>\r\n"
	    "  ACTION: Failed\r\n"
	    "  status: 5.2.2 (mailbox full)\r\n"
	    "  Final-Recipient: rfc822;inu@example.org\r\n"
	    "  Action: failed\r\n"
	    "  Status: 5.0.0\r\n"
	    "  Diagnostic-Code: SMTP; 550 #5.1.0 Address rejected.\r\n",
	    2);

	g_assert_cmpstr(f->reporting_mta, ==, "relay.example.com");
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "neko@example.org");
	g_assert_cmpstr(rcpt(f, 0)->action, ==, "failed");
	g_assert_cmpstr(rcpt(f, 0)->status, ==, "5.2.2");
	g_assert_cmpstr(rcpt(f, 1)->address, ==, "inu@example.org");
	/* The class-only Status gives way to the diagnostic's code. */
	g_assert_cmpstr(rcpt(f, 1)->status, ==, "5.1.0");
	g_assert_cmpstr(rcpt(f, 1)->reply_code, ==, "550");
	/* The diagnostic's type, in lower case; none without one. */
	g_assert_cmpstr(rcpt(f, 1)->diagnostic_type, ==, "smtp");
	g_assert_null(rcpt(f, 0)->diagnostic_type);
	ndr_findings_free(f);

	/* A local mailer's failure, not a server's reply. */
	f = read_dsn("Final-Recipient: rfc822; p@example.com\n"
	             "Action: failed\nStatus: 5.0.0\n"
	             "Diagnostic-Code: X-Unix ; 255\n",
	             1);
	g_assert_cmpstr(rcpt(f, 0)->diagnostic_type, ==, "x-unix");
	g_assert_cmpstr(rcpt(f, 0)->diagnostic, ==, "255");
	ndr_findings_free(f);

	/* CR-only line ends, and a multi-line reply left unindented. */
	f = read_dsn("Final-Recipient: rfc822; a@example.com\r"
	             "Action: failed\r"
	             "Diagnostic-Code: smtp; 550-5.1.1 The email account\r"
	             "550 5.1.1 does not exist.\r",
	             1);
	g_assert_cmpstr(rcpt(f, 0)->status, ==, "5.1.1");
	g_assert_cmpstr(
	    rcpt(f, 0)->diagnostic, ==,
	    "550-5.1.1 The email account 550 5.1.1 does not exist.");
	ndr_findings_free(f);
}

static void
test_delayed_and_actions(void)
{
	ndr_findings *f =
	    read_dsn("Reporting-MTA: dns; mx.example.net\n\n"
	             "Final-Recipient: rfc822; a@example.com\n"
	             "Action: delayed\n"
	             "Status: 4.4.7\n"
	             "Will-Retry-Until: Fri, 30 Apr 2010 23:34:45 +0900\n\n"
	             "Final-Recipient: rfc822; b@example.com\n"
	             "Action: expired\n"
	             "Status: 4.4.7\n\n"
	             "Final-Recipient: rfc822; c@example.com\n"
	             "Action: deliverable\n"
	             "Status: 2.1.5\n",
	             3);

	g_assert_cmpstr(rcpt(f, 0)->action, ==, "delayed");
	g_assert_cmpstr(rcpt(f, 0)->status, ==, "4.4.7");
	/* SendGrid's "expired": it gave up, RFC 3464 calls that failed. */
	g_assert_cmpstr(rcpt(f, 1)->action, ==, "failed");
	g_assert_cmpstr(rcpt(f, 2)->action, ==, "delivered");
	ndr_findings_free(f);
}

/* Diagnostic codes that say more than Status, and ones that do not. */
static void
test_status_choice(void)
{
	static const struct {
		const char *status, *diagnostic, *want, *code;
	} cases[] = {
	    {"5.0.0", "smtp; 550 5.1.1 User unknown", "5.1.1", "550"},
	    /* Amazon SES wraps the remote reply; that reply decides. */
	    {"5.0.0 (permanent failure)",
	     "smtp; 5.1.0 - Unknown address error 550-'5.2.2 "
	     "<k@example.jp>... Mailbox Full'",
	     "5.2.2", "550"},
	    /* The reporting MTA only sums the remote reply up. */
	    {"4.4.7", "smtp; 450 4.7.1 Access denied", "4.7.1", "450"},
	    {"4.4.7",
	     "smtp; 554 4.4.7 Message expired: unable to deliver in "
	     "450 minutes.<421 4.4.2 Connection timed out>",
	     "4.4.2", "421"},
	    {"5.1.1", "X-Unix; procmail: no such user", "5.1.1", NULL},
	    {NULL, "smtp; 550 Unknown user", NULL, "550"},
	    {"", "smtp; 554 5.7.1 rejected", "5.7.1", "554"},
	    /* Neither an IP address nor a version is a status. */
	    {NULL, "X-Postfix; connect to 5.6.7.8[5.6.7.8]: timed out", NULL,
	     NULL},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf(
		    "Final-Recipient: rfc822; a@example.com\n"
		    "Action: failed\n%s%s%sDiagnostic-Code: %s\n",
		    cases[i].status != NULL ? "Status: " : "",
		    cases[i].status != NULL ? cases[i].status : "",
		    cases[i].status != NULL ? "\n" : "", cases[i].diagnostic);
		ndr_findings *f = read_dsn(text, 1);

		g_test_message("case %zu", i);
		g_assert_cmpstr(rcpt(f, 0)->status, ==, cases[i].want);
		g_assert_cmpstr(rcpt(f, 0)->reply_code, ==, cases[i].code);
		ndr_findings_free(f);
		g_free(text);
	}
}

/*
 * A class-only Status meets a diagnostic the text supplied later: only
 * a precise code of the same class replaces it.
 */
static void
test_refine_status(void)
{
	static const struct {
		const char *status, *diagnostic, *want;
	} cases[] = {
	    {"5.0.0", "550 5.7.26 Multiple authentication checks failed",
	     "5.7.26"},
	    {"4.0.0", "421 4.7.0 [TSS04] Messages temporarily deferred",
	     "4.7.0"},
	    /* A temporary reply does not make a permanent failure one. */
	    {"5.0.0", "421 4.7.0 too many errors", "5.0.0"},
	    /* A precise Status stands whatever the text says. */
	    {"5.5.0", "554 5.7.1 rejected", "5.5.0"},
	    {"5.0.0", "Maximum hop count exceeded", "5.0.0"},
	    {"5.0.0", NULL, "5.0.0"},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		ndr_recipient r = {0};

		r.status = g_strdup(cases[i].status);
		r.diagnostic = g_strdup(cases[i].diagnostic);
		ndr_dsn_refine_status(&r);
		g_test_message("case %zu", i);
		g_assert_cmpstr(r.status, ==, cases[i].want);
		g_free(r.status);
		g_free(r.diagnostic);
	}
}

/* PowerMTA's per-recipient category, as lhost-powermta-01 writes it. */
static void
test_category(void)
{
	ndr_findings *f = read_dsn(
	    "Reporting-MTA: dns;mail22.neko.example.net\n"
	    "X-PowerMTA-VirtualMTA: mail22.neko.example.net\n\n"
	    "Final-Recipient: rfc822;kijitora@example.jp\n"
	    "Action: failed\n"
	    "Status: 5.2.1 (mailbox disabled, not accepting messages)\n"
	    "Diagnostic-Code: smtp;550 5.2.1 <kijitora@example.jp>... User "
	    "Unknown\n"
	    "X-PowerMTA-BounceCategory: Bad-Mailbox\n",
	    1);

	g_assert_cmpstr(rcpt(f, 0)->category, ==, "bad-mailbox");
	g_assert_cmpstr(rcpt(f, 0)->diagnostic, ==,
	                "550 5.2.1 <kijitora@example.jp>... User Unknown");
	ndr_findings_free(f);
}

static void
test_addresses(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
	    {"rfc822; <Kijitora@Example.JP>", "Kijitora@Example.JP"},
	    {"RFC822;neko@example.org (Neko, the cat)", "neko@example.org"},
	    {" rfc822 ; \"neko....nyaan....\"@example.org",
	     "\"neko....nyaan....\"@example.org"},
	    {"rfc822; \"neko@example.org\"", "neko@example.org"},
	    {"rfc/822; sabatora@example.net", "sabatora@example.net"},
	    {"Neko <neko@example.org>", "neko@example.org"},
	    {"utf-8; \\x{732B}@example.jp", "\xe7\x8c\xab@example.jp"},
	    {"rfc822; neko@example.org,", "neko@example.org"},
	    {"rfc822; rfc822;neko@example.org", "neko@example.org"},
	    {"x-unix; /var/mail/neko", "/var/mail/neko"},
	    {"rfc822; ", NULL},
	    {"(nothing)", NULL},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *a = ndr_dsn_address(cases[i].value);

		g_assert_cmpstr(a, ==, cases[i].want);
		g_free(a);
	}
	g_assert_true(ndr_dsn_address_usable("a@example.org"));
	g_assert_true(ndr_dsn_address_usable("kijitora@mailhub0"));
	g_assert_false(ndr_dsn_address_usable("@mx.example.org"));
	g_assert_false(ndr_dsn_address_usable("/var/mail/neko"));
	g_assert_false(ndr_dsn_address_usable("neko@"));
	g_assert_false(ndr_dsn_address_usable(NULL));
}

static void
test_mta(void)
{
	char *m = ndr_dsn_mta(" dns; mx.example.com [192.0.2.225] (comment)");

	g_assert_cmpstr(m, ==, "mx.example.com");
	g_free(m);
	m = ndr_dsn_mta("DNS;relay2.example.org");
	g_assert_cmpstr(m, ==, "relay2.example.org");
	g_free(m);
	m = ndr_dsn_mta("mail.example.net");
	g_assert_cmpstr(m, ==, "mail.example.net");
	g_free(m);
}

/* Oracle's routed Final-Recipient: Original-Recipient is the address. */
static void
test_routed_recipient(void)
{
	ndr_findings *f = read_dsn(
	    "Original-recipient: rfc822;kijitora@example.net\n"
	    "Final-recipient: rfc822;@smtp.example.net:kijitora@server\n"
	    "Action: failed\n"
	    "Status: 5.2.0 (LMTP transmission failure)\n",
	    1);

	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.net");
	ndr_findings_free(f);

	/* Without an Original-Recipient the route is taken off. */
	f = read_dsn("Final-Recipient: rfc822;@relay.example:neko@example.org\n"
	             "Action: failed\n",
	             1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "neko@example.org");
	ndr_findings_free(f);
}

/* The same recipient twice: one recipient, its first group's fields. */
static void
test_duplicates_and_empty(void)
{
	ndr_findings *f =
	    read_dsn("Final-Recipient: rfc822; a@example.com\nStatus: 5.1.1\n\n"
	             "Final-Recipient: rfc822; A@EXAMPLE.COM\nStatus: 5.2.2\n\n"
	             "Action: failed\nStatus: 5.0.0\n\n"
	             "Final-Recipient: rfc822;\nAction: failed\n",
	             2);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->status, ==, "5.1.1");
	ndr_findings_free(f);

	f = read_dsn("", 0);
	g_assert_cmpuint(f->recipients->len, ==, 0);
	ndr_findings_free(f);
}

/* Gmail names the original in the per-message group. */
static void
test_original_message_id(void)
{
	ndr_findings *f =
	    read_dsn("Reporting-MTA: dns; googlemail.com\n"
	             "X-Original-Message-ID: <0022-FF00@example.jp>\n\n"
	             "Final-Recipient: rfc822; kijitora@example.de\n"
	             "Action: failed\nStatus: 5.0.0\n",
	             1);

	g_assert_nonnull(f->original);
	g_assert_cmpstr(f->original->message_id, ==, "0022-FF00@example.jp");
	ndr_findings_free(f);
}

static void
test_looks_like(void)
{
	static const char dsn[] = "Reporting-MTA: dns; a.example\n\n"
	                          "Final-Recipient: rfc822; b@example.com\n"
	                          "Action: failed\n";
	static const char prose[] = "This is the mail system at host a.\n"
	                            "Action: we could not deliver.\n";

	g_assert_true(ndr_dsn_looks_like(dsn, strlen(dsn)));
	g_assert_false(ndr_dsn_looks_like(prose, strlen(prose)));
	g_assert_false(ndr_dsn_looks_like("", 0));
}

static void
test_find_codes(void)
{
	char *s;

	s = ndr_smtp_find_status("550 5.7.1 IP address blacklisted");
	g_assert_cmpstr(s, ==, "5.7.1");
	g_free(s);
	s = ndr_smtp_find_status("host 192.0.2.5.1.1 said nothing");
	g_assert_null(s);
	s = ndr_smtp_find_status("version 5.1.12.4");
	g_assert_null(s);
	s = ndr_smtp_find_status("Status: 5.1.351 blocked");
	g_assert_cmpstr(s, ==, "5.1.351");
	g_free(s);
	s = ndr_smtp_find_reply_code(
	    "host mx.example.jp[192.0.2.1] said: 550 5.1.1 <a@example.jp>: "
	    "User unknown (in reply to RCPT TO command)");
	g_assert_cmpstr(s, ==, "550");
	g_free(s);
	s = ndr_smtp_find_reply_code("Connection timed out");
	g_assert_null(s);
	s = ndr_smtp_find_reply_code("unable to deliver in 450 minutes");
	g_assert_null(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dsn/postfix", test_postfix);
	g_test_add_func("/dsn/original-recipient", test_original_recipient);
	g_test_add_func("/dsn/broken", test_broken);
	g_test_add_func("/dsn/delayed-and-actions", test_delayed_and_actions);
	g_test_add_func("/dsn/status-choice", test_status_choice);
	g_test_add_func("/dsn/refine-status", test_refine_status);
	g_test_add_func("/dsn/category", test_category);
	g_test_add_func("/dsn/addresses", test_addresses);
	g_test_add_func("/dsn/mta", test_mta);
	g_test_add_func("/dsn/routed-recipient", test_routed_recipient);
	g_test_add_func("/dsn/duplicates-and-empty", test_duplicates_and_empty);
	g_test_add_func("/dsn/original-message-id", test_original_message_id);
	g_test_add_func("/dsn/looks-like", test_looks_like);
	g_test_add_func("/dsn/find-codes", test_find_codes);
	return g_test_run();
}
