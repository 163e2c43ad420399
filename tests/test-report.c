/*
 * test-report.c - report.c over real DSNs of every MTA family in the
 * corpus that sends them: recipients, action, status, Message-ID, kind.
 *
 * Structure only (no rules: the text rules are tested elsewhere), but
 * for the cases marked to read the text with the built-in rules, where
 * the text completes what the DSN part left out.  The messages are copied from
 * the set-of-emails collection (testdata/set-of-emails); the values were read
 * from each message by hand and agree with what Sisimai 5 extracts, except
 * where a comment says why Sisimai is wrong.
 */
#include <string.h>

#include <glib.h>

#include "findings.h"
#include "input.h"
#include "message.h"
#include "report.h"
#include "ruletest.h"

struct report_case {
	const char *file;
	ndrcheck_kind kind;
	const char *message_id;
	const char *recipients; /* comma-separated, in report order */
	const char *actions;    /* per recipient, "-" for none */
	const char *statuses;   /* per recipient, "-" for none */
};

static const struct report_case cases[] = {
    {"bsd/lhost-amavis-01.eml", NDRCHECK_KIND_DSN,
     "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net",
     "neko@example.co.jp", "failed", "5.1.1"},
    {"bsd/lhost-amazonses-03.eml", NDRCHECK_KIND_DSN,
     "00000132d6ca0cd4-ff6d8ee5-29a0-4501-a68a-3ff8695254bb-000000@email."
     "amazonses.com",
     "kijitora@example.jp", "failed", "5.2.2"},
    /*
     * Sisimai says "delayed" (from the 4.x status); the field says
     * failed: the message expired.  Status 4.4.2 is the remote reply
     * quoted last, as the curated value has it.
     */
    {"bsd/lhost-amazonworkmail-05.eml", NDRCHECK_KIND_DSN,
     "000001523f19e6f1-bca13d2c-e021-416c-8022-a33901119dd0-000000@us-west-2."
     "amazonses.com",
     "sabatora@example.libsisimai.org", "failed", "4.4.2"},
    {"bsd/lhost-barracuda-01.eml", NDRCHECK_KIND_DSN,
     "ad4be1052982bf7aa5558be760abbf74@neko.example.com",
     "kijitora@example.org", "failed", "5.7.1"},
    {"bsd/lhost-bigfoot-02.eml", NDRCHECK_KIND_DSN,
     "2015042923344500.neko.nyaan@smtp.r3.example.com", "kijitora@example.org",
     "failed", "5.7.1"},
    {"bsd/lhost-courier-01.eml", NDRCHECK_KIND_DSN, NULL,
     "kijitora@example.co.jp", "failed", "5.1.1"},
    /*
     * Sisimai: kijitora@neko.example.com, which the (base64) text names;
     * the Final-Recipient field says neko.example.org, and the
     * machine-readable field is what the MTA delivered to.
     */
    {"bsd/lhost-domino-03.eml", NDRCHECK_KIND_DSN,
     "FF00EE22AA.AA0AFFE2-NEKO000222.002DDADA-B0000304.00222002A@example.edu",
     "kijitora@neko.example.org", "failed", "5.0.0"},
    {"bsd/lhost-exchange2007-01.eml", NDRCHECK_KIND_DSN, NULL,
     "mikeneko@example.co.jp", "failed", "5.1.1"},
    {"bsd/lhost-exim-29.eml", NDRCHECK_KIND_DSN,
     "EEEEEEE-222222-00@example.co.jp", "kijitora@example.co.jp", "failed",
     "5.0.0"},
    {"bsd/lhost-exim-60.eml", NDRCHECK_KIND_DSN,
     "20180429233445.A00000000222@neko.example.jp",
     "nyaan%gol.com@q002.kijitora.gol.com", "failed", "5.0.0"},
    /* Sisimai finds no Message-ID; the returned message has one. */
    {"bsd/lhost-mcafee-01.eml", NDRCHECK_KIND_DSN,
     "000000000000000000000.shironeko@example.jp", "kijitora@example.co.jp",
     "failed", "-"},
    {"bsd/lhost-messagingserver-02.eml", NDRCHECK_KIND_DSN,
     "00000000000000000000000000000000@example.com", "kijitora@example.net",
     "failed", "5.2.0"},
    {"bsd/lhost-messagingserver-07.eml", NDRCHECK_KIND_DELAY,
     "170CB973-A398-4674-8523-87D8FECB9378@me.example.com",
     "kijitora@2jo.example.jp", "delayed", "4.4.7"},
    /* Sisimai reads nothing of it: "Action : failed" has a space. */
    {"bsd/lhost-mimecast-02.eml", NDRCHECK_KIND_DSN, NULL,
     "sabatora@example.net", "failed", "5.7.54"},
    /*
     * Sisimai: otsu-sakaba-hunter-nyaaaaaaan@ezweb.ne.jp, from a mailto:
     * link in the text; Final-Recipient and the returned To name -neko-.
     */
    {"bsd/lhost-office365-04.eml", NDRCHECK_KIND_DSN,
     "SLXP216MB0381A8F03A83505296890D11A9950@SLXP216MB0381.KORP216.PROD."
     "OUTLOOK.COM",
     "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "failed", "5.1.351"},
    /* Sisimai finds no Message-ID; the returned message has one. */
    {"bsd/lhost-opensmtpd-10.eml", NDRCHECK_KIND_DSN,
     "74f4e3b183602776@df.example.jp", "postmaster@cx.libsisimai.org", "failed",
     "5.0.0"},
    {"bsd/lhost-outlook-01.eml", NDRCHECK_KIND_DSN,
     "BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl", "kijitora@example.jp",
     "failed", "5.2.2"},
    {"bsd/lhost-outlook-04.eml", NDRCHECK_KIND_DSN,
     "BLU436-SMTP695D62048105F50EF3A1B8BA770@phx.gbl",
     "sabineko@example.co.jp,mikeneko@example.co.jp", "failed,failed",
     "5.1.1,5.2.2"},
    /*
     * Sisimai: r@p351355.pool.example.ne.jp, the Final-Recipient; the
     * user wrote its Original-Recipient (the alias it expanded from).
     */
    {"bsd/lhost-postfix-01.eml", NDRCHECK_KIND_DSN, NULL,
     "kijitora@example.org", "failed", "5.1.1"},
    {"bsd/lhost-postfix-02.eml", NDRCHECK_KIND_DSN, NULL,
     "filtered@example.co.jp,userunknown@example.co.jp", "failed,failed",
     "5.2.1,5.1.1"},
    {"bsd/lhost-postfix-32.eml", NDRCHECK_KIND_DSN,
     "20180312025937.5A59CC6DD0E@sijo.libsisimai.org",
     "\"neko....nyaan....\"@libsisimai.org", "failed", "5.1.1"},
    /* "Delivery report unavailable": the returned message's one To. */
    {"bsd/lhost-postfix-64.eml", NDRCHECK_KIND_DSN, "1576501935.xxxx@xxxx.fr",
     "xxxx@wanadoo.fr", "-", "-"},
    /* Final-Recipient "@mx.example.org": the returned To mends it. */
    {"bsd/lhost-sendmail-15.eml", NDRCHECK_KIND_DSN,
     "00000000000000000000000000@example.or.jp", "kijitora@example.org",
     "failed", "5.1.2"},
    /* Sisimai: kijitora@mailhub0, the Final-Recipient, as above. */
    {"bsd/lhost-postfix-79.eml", NDRCHECK_KIND_DSN,
     "cwLHKS2rB9zDX8SS@relaying1.smtp.example.org", "nekko@c.example.co.jp",
     "failed", "5.2.0"},
    {"bsd/lhost-powermta-01.eml", NDRCHECK_KIND_DSN,
     "68b329da9893e34099c7d8ad59d65e762ff.20110917110726@mail22.neko.example."
     "net",
     "kijitora@example.jp", "failed", "5.2.1"},
    {"bsd/lhost-receivingses-01.eml", NDRCHECK_KIND_DSN,
     "DCB08CC1-D236-48E2-9A8D-2492DACE50E2@example.co.jp",
     "userunknown@neko.example.jp", "failed", "5.1.1"},
    {"bsd/lhost-sendgrid-01.eml", NDRCHECK_KIND_DSN,
     "F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp", "kijitora@example.jp",
     "failed", "5.1.1"},
    {"bsd/lhost-sendmail-01.eml", NDRCHECK_KIND_DSN,
     "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
     "userunknown@bouncehammer.jp", "failed", "5.1.1"},
    {"bsd/lhost-sendmail-02.eml", NDRCHECK_KIND_DSN,
     "C6625D0F-A302-4980-BEAB-2AF883EA0116@example.jp",
     "userunknown@example.org,filtered@example.com", "failed,failed",
     "5.1.1,5.2.1"},
    {"bsd/lhost-sendmail-53.eml", NDRCHECK_KIND_DSN,
     "201806090556.w595u8GZ093276@neko.example.jp", "sironeko@example.com",
     "failed", "5.0.0"},
    {"bsd/lhost-surfcontrol-01.eml", NDRCHECK_KIND_DSN,
     "20100429233445.00000000000@mx4.example.co.jp", "kijitora@example.com",
     "failed", "5.0.0"},
    {"bsd/lhost-x5-01.eml", NDRCHECK_KIND_DSN,
     "2222222222.0000000000002.JavaMail.nekogate@cat.example.jp",
     "kijitora@neko.example.org", "failed", "5.1.1"},
    {"bsd/lhost-yandex-01.eml", NDRCHECK_KIND_DSN,
     "446281417885946@web20h.yandex.ru", "kijitora@example.jp", "failed",
     "5.1.1"},
    {"bsd/rfc3464-51.eml", NDRCHECK_KIND_DSN,
     "00222222-2222-2222-2222-FF00FFFF0000@example.jp", "kijitora@example.de",
     "failed", "5.1.0"},
    {"bsd/rhost-aol-01.eml", NDRCHECK_KIND_DSN,
     "1EF5F5E0-9CBD-4D06-BF45-F6AA5034DA0A@aol.example.jp",
     "kijitora@example.jp", "failed", "5.4.4"},
    {"bsd/rhost-apple-01.eml", NDRCHECK_KIND_DSN,
     "c15e793e1c6acf9fbc39d1547bbd98b4@example.com", "kijitora@example.jp",
     "failed", "5.1.6"},
    /*
     * The declared boundary is never used: only the parts re-parsed
     * with the one the body uses give the returned Message-ID, which
     * Sisimai misses.
     */
    {"bsd/rhost-google-02.eml", NDRCHECK_KIND_DSN,
     "2018042233445.A95F8E533589@mail.example.co.jp", "neko-nyaan@example.org",
     "failed", "5.1.1"},
    {"bsd/rhost-microsoft-01.eml", NDRCHECK_KIND_DSN,
     "00000000000000000000000000000000000000000000000@example.net",
     "kijitora@example.com", "failed", "5.7.606"},
    {"bsd/rhost-zoho-01.eml", NDRCHECK_KIND_DSN,
     "6E83AE85-5AF4-4E9B-8B33-64683EF86601@example.org",
     "kijitora@zoho.example.com", "failed", "5.1.1"},
    {"bsd/rhost-tencent-01.eml", NDRCHECK_KIND_DSN,
     "20180429233445.1BFAC0EE7C9F@mail.example.net", "nekochan@qq.example.cn",
     "failed", "5.0.0"},
    /*
     * Sisimai: r@p351355.pool.example.ne.jp, the Final-Recipient; the
     * user wrote its Original-Recipient (the alias it expanded from).
     */
    {"dos/lhost-postfix-01.eml", NDRCHECK_KIND_DSN, NULL,
     "kijitora@example.org", "failed", "5.1.1"},
    /* CR-only line ends: Sisimai reads nothing of it. */
    {"mac/lhost-sendmail-01.eml", NDRCHECK_KIND_DSN,
     "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
     "userunknown@bouncehammer.jp", "failed", "5.1.1"},
    {"bsd/arf-16.eml", NDRCHECK_KIND_FEEDBACK,
     "ffffffffffffffffffffffff0000000@example.jp",
     "kijitora@example.com,sironeko@example.com,mikeneko@example.com,sabatora@"
     "example.com,sirokiji@example.org,kuroneko@example.com,sabineko@example."
     "com",
     "-,-,-,-,-,-,-", "-,-,-,-,-,-,-"},
    {"bsd/arf-01.eml", NDRCHECK_KIND_FEEDBACK, NULL, "redacted@example.net",
     "-", "-"},
    /*
     * Sisimai invents undisclosed-recipient-in-headers@libsisimai.org.
     * invalid; the returned message's To, "undisclosed", is no address:
     * the report names no recipient.
     */
    {"bsd/arf-15.eml", NDRCHECK_KIND_FEEDBACK,
     "ffffffffffffffffffffffff00000000@example.net", "", "", ""},
    /* Microsoft JMRP: no report part, X-HmXmrOriginalRecipient. */
    {"bsd/arf-22.eml", NDRCHECK_KIND_FEEDBACK,
     "0000000000fffffffff0000000000000@example.com", "kijitora@example.com",
     "-", "-"},
    /*
     * Sisimai: 4.4.1, from the prose's report of an earlier attempt
     * (7:58 PM); the delivery-status part says 4.4.7 ("550 4.4.7
     * QUEUE.Expired"), the final outcome at 8:05 PM.
     */
    {"bsd/lhost-exchange2007-05.eml", NDRCHECK_KIND_DSN,
     "1472759554.gm4daljtga4dmljrgy2donjsha@newsletter.supersurprises-au.com",
     "gwang1@student.mlcsyd.nsw.edu.au", "failed", "4.4.7"},
    /*
     * Sisimai: 4.7.0, from "421 4.7.0 ... too many errors", the answer
     * to QUIT in the transcript; the failure was permanent, and the
     * delivery-status part says 5.5.0.
     */
    {"bsd/lhost-sendmail-56.eml", NDRCHECK_KIND_DSN,
     "201810310653.w9V6rKmd000970@neko.nyaan.jp",
     "neko-nyaan@icloud.example.com", "failed", "5.5.0"},
};

/*
 * Read with the built-in rules: the text completes what the DSN part
 * left out.  Status 5.0.0 and no Diagnostic-Code: the text quotes the
 * remote reply, whose precise code of the same class replaces the class.
 */
static const struct report_case text_cases[] = {
    {"bsd/lhost-opensmtpd-11.eml", NDRCHECK_KIND_DSN,
     "74f4e3bc5de5dcae@df.example.jp", "authfailure@libsisimai.net", "failed",
     "5.7.26"},
    {"bsd/lhost-opensmtpd-17.eml", NDRCHECK_KIND_DSN,
     "74f4ebf4e64e4266@df.example.jp",
     "userunknown@libsisimai.net,mailboxfull@libsisimai.net", "failed,failed",
     "5.1.1,5.2.2"},
    /*
     * A Postfix bounce forwarded as the text of a plain message, its
     * boundary undeclared there: its own header block (Message-Id
     * 20150429000256.32FE9FAB5859@relay00.ocn.ad.jp) goes with the
     * report it heads (the rules would
     * read it as the quoted original), and the original is the message it
     * returns.  The recipient is its Original-Recipient (Sisimai names
     * the Final-Recipient, kijitora-neko-nyaan@ntt.example.ne.jp).
     */
    {"bsd/lhost-postfix-49.eml", NDRCHECK_KIND_DSN,
     "1409050600.12984636501178305590.JavaMail.root@mz-cb000p.noc-"
     "kyoto2jo.ocn.ad.jp",
     "toraneko@neko.example.co.jp", "failed", "4.0.0"},
    /*
     * The original quoted whole after the prose, with its multipart
     * body: the header block declaring the boundary is the original's.
     */
    /*
     * Headers quoted after the prose whose folded lines lost their
     * indentation ("(via" / "HTTP); ...", base64 lines): the block
     * runs on to the Message-ID and From after them.
     */
    {"bsd/lhost-gmx-01.eml", NDRCHECK_KIND_NONE,
     "trinity-d174cb7e-d4a8-4dd5-8b53-7a9f70928e75-1417217529360@3capp-"
     "mailcom-lxa02",
     "shironeko@example.jp", "failed", "-"},
    {"bsd/lhost-yahoo-03.eml", NDRCHECK_KIND_NONE,
     "4480863.3669135.1417873350756.JavaMail.yahoo@jws10091.mail.ne1.yahoo."
     "com",
     "kijitora@example.jp", "failed", "-"},
    {"bsd/lhost-mailru-05.eml", NDRCHECK_KIND_NONE,
     "1493701798.665756489@f374.i.mail.ru", "neko@libsisimai.org", "failed",
     "-"},
};

/* What report.c reads from a testdata message, with rules or without. */
static ndr_findings *
report_file(const char *file, const ndr_rules *rules)
{
	GMimeMessage *msg = parse_file(file, FALSE);
	ndr_findings *f = ndr_findings_new();

	ndr_report_read(rules, msg, f);
	g_object_unref(msg);
	return f;
}

/* "a,b" against the field of each recipient, "-" standing for NULL. */
static void
assert_column(ndr_findings *f, const char *want, size_t offset)
{
	char **v = g_strsplit(want, ",", -1);
	guint i;

	g_assert_cmpuint(g_strv_length(v), ==, f->recipients->len);
	for (i = 0; i < f->recipients->len; i++) {
		ndr_recipient *r = g_ptr_array_index(f->recipients, i);
		const char *got = *(char **)((char *)r + offset);

		g_assert_cmpstr(got != NULL ? got : "-", ==, v[i]);
	}
	g_strfreev(v);
}

static void
check_case(const struct report_case *c, const ndr_rules *rules)
{
	ndr_findings *f = report_file(c->file, rules);

	g_assert_cmpint(f->kind, ==, c->kind);
	g_assert_cmpstr(f->original != NULL ? f->original->message_id : NULL,
	                ==, c->message_id);
	assert_column(f, c->recipients,
	              G_STRUCT_OFFSET(ndr_recipient, address));
	assert_column(f, c->actions, G_STRUCT_OFFSET(ndr_recipient, action));
	assert_column(f, c->statuses, G_STRUCT_OFFSET(ndr_recipient, status));
	ndr_findings_free(f);
}

static void
test_case(gconstpointer data)
{
	check_case(data, NULL);
}

static void
test_text_case(gconstpointer data)
{
	check_case(data, builtin_rules());
}

/* What a feedback report's recipients have is a complaint. */
static void
test_feedback_reason(void)
{
	static const char *const files[] = {"bsd/arf-01.eml", "bsd/arf-16.eml",
	                                    "bsd/arf-22.eml"};
	size_t i;
	guint j;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		ndr_findings *f = report_file(files[i], NULL);

		g_assert_cmpuint(f->recipients->len, >, 0);
		for (j = 0; j < f->recipients->len; j++) {
			ndr_recipient *r = g_ptr_array_index(f->recipients, j);

			g_assert_cmpstr(r->reason, ==, "feedback");
		}
		ndr_findings_free(f);
	}
}

/*
 * A DSN naming both Original-Recipient and Final-Recipient: the
 * recipient is the address the user wrote and the final one stands
 * beside it.  Sisimai names the final one as the recipient (the figure
 * "recipients = sisimai" counts these as disagreements): here it is
 * final_recipient, with the status Sisimai's own tests assert.
 */
static void
test_final_recipient(void)
{
	static const struct {
		const char *file, *address, *final, *status;
	} finals[] = {
	    {"bsd/lhost-postfix-01.eml", "kijitora@example.org",
	     "r@p351355.pool.example.ne.jp", "5.1.1"},
	    {"dos/lhost-postfix-01.eml", "kijitora@example.org",
	     "r@p351355.pool.example.ne.jp", "5.1.1"},
	    {"bsd/lhost-postfix-49.eml", "toraneko@neko.example.co.jp",
	     "kijitora-neko-nyaan@ntt.example.ne.jp", "4.0.0"},
	    {"bsd/lhost-postfix-79.eml", "nekko@c.example.co.jp",
	     "kijitora@mailhub0", "5.2.0"},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(finals); i++) {
		ndr_findings *f = report_file(finals[i].file, builtin_rules());
		ndr_recipient *r;

		g_assert_cmpuint(f->recipients->len, ==, 1);
		r = g_ptr_array_index(f->recipients, 0);
		g_assert_cmpstr(r->address, ==, finals[i].address);
		g_assert_cmpstr(r->final_recipient, ==, finals[i].final);
		g_assert_cmpstr(r->status, ==, finals[i].status);
		ndr_findings_free(f);
	}
}

/*
 * A bounce forwarded quoted ("> "): Sisimai gives its own Message-Id
 * (200704060826.n888ba7x019999@smtp.example.jp) as the original's; the
 * message it returns (From original-sender@example.jp, Subject TEST)
 * has none.
 */
static void
test_forwarded_quoted_bounce(void)
{
	ndr_findings *f = report_file("err/make-test-36.eml", builtin_rules());

	g_assert_null(f->original != NULL ? f->original->message_id : NULL);
	g_assert_cmpuint(f->recipients->len, >, 0);
	ndr_findings_free(f);
}

/*
 * ISO-2022-JP that declares no charset (Lotus Domino's delivery-status
 * fields) or calls itself us-ascii: converted by its escape sequences.
 */
static void
test_undeclared_iso2022jp(void)
{
	static const char text[] =
	    "From: MAILER-DAEMON@a.example\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n"
	    "Final-Recipient: rfc822; x@b.example\nAction: failed\n"
	    "Diagnostic-Code: smtp; 550 \x1b$B%f!<%6!<\x1b(B unknown\n";
	ndr_findings *f = report_file("bsd/lhost-domino-02.eml", NULL);
	GMimeMessage *msg;
	ndr_recipient *r;

	g_assert_cmpuint(f->recipients->len, ==, 1);
	r = g_ptr_array_index(f->recipients, 0);
	g_assert_cmpstr(r->diagnostic, ==,
	                "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc"
	                "Neko (kijitora@example.co.jp) \xe3\x81\xaf Domino "
	                "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf"
	                "\xe3\x83\x88\xe3\x83\xaa\xe3\x81\xab\xe3\x81\xaf"
	                "\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a"
	                "\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x80\x82");
	ndr_findings_free(f);

	msg = parse_text(text);
	f = ndr_findings_new();
	ndr_report_read(NULL, msg, f);
	r = g_ptr_array_index(f->recipients, 0);
	/* "ユーザー" */
	g_assert_cmpstr(r->diagnostic, ==,
	                "550 \xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6"
	                "\xe3\x83\xbc unknown");
	ndr_findings_free(f);
	g_object_unref(msg);
}

struct shape_case {
	const char *name, *text;
	ndrcheck_kind kind;
	const char *recipient, *action, *message_id;
};

/* The broken and rarer shapes, made up where the corpus has none. */
static const struct shape_case shapes[] = {
    {"bare delivery-status body",
     "From: MAILER-DAEMON@a.example\n"
     "Content-Type: Message/Delivery-Status\n\n"
     "Reporting-MTA: dns; a.example\n\n"
     "Final-Recipient: rfc822; x@b.example\nAction: failed\n"
     "Status: 5.1.1\n",
     NDRCHECK_KIND_DSN, "x@b.example", "failed", NULL},
    {"report nested in mixed, no report-type, odd case",
     "Content-Type: multipart/mixed; boundary=O\n\n"
     "--O\nContent-Type: MULTIPART/REPORT; boundary=I\n\n"
     "--I\nContent-Type: text/plain\n\nFailed.\n"
     "--I\nContent-Type: message/delivery-status\n\n"
     "Final-Recipient: rfc822; y@b.example\nAction: delayed\n"
     "Status: 4.4.1\n"
     "--I\nContent-Type: text/rfc822-headers\n\n"
     "Message-ID: <m1@a.example>\n"
     "--I--\n"
     "--O\nContent-Type: text/plain\n\nList footer.\n--O--\n",
     NDRCHECK_KIND_DELAY, "y@b.example", "delayed", "m1@a.example"},
    {"DSN block labelled text/plain",
     "Content-Type: text/plain\n\n"
     "Reporting-MTA: dns; a.example\n\n"
     "Final-Recipient: rfc822; z@b.example\nAction: failed\n"
     "Status: 5.2.2\n",
     NDRCHECK_KIND_DSN, "z@b.example", "failed", NULL},
    {"RFC 8098 disposition notification",
     "Content-Type: multipart/report; "
     "report-type=disposition-notification; boundary=B\n\n"
     "--B\nContent-Type: text/plain\n\nDisplayed.\n"
     "--B\nContent-Type: message/disposition-notification\n\n"
     "Reporting-UA: mua.b.example; Mailer\n"
     "Final-Recipient: rfc822; w@b.example\n"
     "Original-Message-ID: <m2@a.example>\n"
     "Disposition: manual-action/MDN-sent-manually; displayed\n"
     "--B--\n",
     NDRCHECK_KIND_MDN, "w@b.example", NULL, "m2@a.example"},
    {"ordinary mail", "Subject: hi\n\nHello.\n", NDRCHECK_KIND_NONE, NULL, NULL,
     NULL},
};

static void
test_shape(gconstpointer data)
{
	const struct shape_case *c = data;
	GMimeMessage *msg = parse_text(c->text);
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r;

	ndr_report_read(NULL, msg, f);
	g_assert_cmpint(f->kind, ==, c->kind);
	g_assert_cmpstr(f->original != NULL ? f->original->message_id : NULL,
	                ==, c->message_id);
	g_assert_cmpuint(f->recipients->len, ==, c->recipient != NULL);
	if (c->recipient != NULL) {
		r = g_ptr_array_index(f->recipients, 0);
		g_assert_cmpstr(r->address, ==, c->recipient);
		g_assert_cmpstr(r->action, ==, c->action);
	}
	ndr_findings_free(f);
	g_object_unref(msg);
}

int
main(int argc, char **argv)
{
	size_t i;

	g_test_init(&argc, &argv, NULL);
	ndr_gmime_init();
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *name = g_strconcat("/report/", cases[i].file, NULL);

		g_test_add_data_func(name, &cases[i], test_case);
		g_free(name);
	}
	for (i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		char *name =
		    g_strconcat("/report/text/", text_cases[i].file, NULL);

		g_test_add_data_func(name, &text_cases[i], test_text_case);
		g_free(name);
	}
	g_test_add_func("/report/feedback-reason", test_feedback_reason);
	g_test_add_func("/report/final-recipient", test_final_recipient);
	g_test_add_func("/report/undeclared-iso-2022-jp",
	                test_undeclared_iso2022jp);
	g_test_add_func("/report/forwarded-quoted-bounce",
	                test_forwarded_quoted_bounce);
	for (i = 0; i < G_N_ELEMENTS(shapes); i++) {
		char *name =
		    g_strconcat("/report/shape/", shapes[i].name, NULL);

		g_test_add_data_func(name, &shapes[i], test_shape);
		g_free(name);
	}
	return g_test_run();
}
