/*
 * test-corpus.c - end to end: real DSNs of every MTA family that sends
 * them, through the public API.
 *
 * Each message is a real bounce copied from the set-of-emails collection
 * (testdata/set-of-emails).  The expected values were read from the
 * messages; they agree with what Sisimai 5 extracts and with the status
 * and reason its test suite asserts, except where a comment says why
 * Sisimai is wrong.  The maildir/mac copies have CR-only line endings,
 * which Sisimai cannot read at all; ndrcheck reads them like the LF ones.
 *
 * Then every other message's original is recorded in a sent log: those
 * must come out genuine and the rest backscatter.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ndrcheck.h"

struct corpus_case {
	const char *file;
	const char *message_id;
	const char *recipients; /* comma-separated, lower case */
	const char *status;	 /* per recipient */
	const char *reason;	 /* per recipient */
	const char *kind;
	/*
	 * A known gap of ours (see testdata/KNOWN-DIFFERENCES): the values
	 * above are still the right ones, and the case is reported as TODO
	 * while ndrcheck disagrees with them.
	 */
	const char *gap;
};

static const struct corpus_case cases[] = {
	{"maildir/bsd/lhost-amavis-01.eml",
	    "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net",
	    "neko@example.co.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-amazonses-01.eml",
	    "000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email.amazonses.com",
	    "shironeko@example.co.jp", "5.7.1", "securityerror", "dsn", NULL},
	{"maildir/bsd/lhost-amazonses-02.eml",
	    "00000132e188591e-2882d710-aacc-49e9-bfac-5400b02ffb9b-000000@email.amazonses.com",
	    "this-local-part-does-not-exist-on-the-server@docomo.ne.jp", "5.3.0", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-barracuda-01.eml",
	    "ad4be1052982bf7aa5558be760abbf74@neko.example.com",
	    "kijitora@example.org", "5.7.1", "spamdetected", "dsn", NULL},
	{"maildir/bsd/lhost-bigfoot-02.eml",
	    "2015042923344500.neko.nyaan@smtp.r3.example.com",
	    "kijitora@example.org", "5.7.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-courier-02.eml",
	    "201012100421.oBA4LJFU042012@1jo.example.org",
	    "kijitora@example.jp", "5.0.0", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-domino-02.eml",
	    "0000000000.00000000-0000000000.00000000-00000000.00000000@example.co.jp",
	    "kijitora@example.co.jp", "5.0.0", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-exchange2007-02.eml",
	    "20110429192847.DF7B710E6F4@neko.example.com",
	    "kijitora@example.edu", "5.2.2", "mailboxfull", "dsn", NULL},
	{"maildir/bsd/lhost-exim-29.eml",
	    "EEEEEEE-222222-00@example.co.jp",
	    "kijitora@example.co.jp", "5.0.0", "authfailure", "dsn", NULL},
	{"maildir/bsd/lhost-exim-43.eml",
	    "neko222-nyaaan-22@neko.example.com",
	    "kijitora@example.net", "5.7.1", "requireptr", "dsn", NULL},
	{"maildir/bsd/lhost-ezweb-02.eml",
	    "20110000000000.F000000@lsean.ezweb.ne.jp",
	    "this-local-part-does-not-exist-on-the-server@ezweb.ne.jp", "5.0.0", "suspend", "dsn", NULL},
	{"maildir/bsd/lhost-messagingserver-01.eml",
	    "CD8C6134-C312-41D5-B083-366F7FA1D752@me.example.com",
	    "kijitora@example.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-messagingserver-02.eml",
	    "00000000000000000000000000000000@example.com",
	    "kijitora@example.net", "5.2.0", "mailboxfull", "dsn", NULL},
	{"maildir/bsd/lhost-office365-03.eml",
	    "000000000000.2222.22222222222200000000@NEKO-NYAAN",
	    "kijitora@example.com", "5.1.0", "authfailure", "dsn", NULL},
	/*
	 * Sisimai takes the recipient from a mailto: link in the prose;
	 * Final-Recipient and the returned To say "-neko-nyaaaaaaan".
	 */
	{"maildir/bsd/lhost-office365-04.eml",
	    "SLXP216MB0381A8F03A83505296890D11A9950@SLXP216MB0381.KORP216.PROD.OUTLOOK.COM",
	    "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "5.1.351", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-outlook-01.eml",
	    "BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl",
	    "kijitora@example.jp", "5.2.2", "mailboxfull", "dsn", NULL},
	{"maildir/bsd/lhost-postfix-03.eml",
	    "20140701000000.000000000000@e1.example.ne.jp",
	    "kijitora@example.net", "5.0.0", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-postfix-04.eml",
	    "A8F82EDD-E518-4F5C-8C70-BC4EFF24AB9F@example.ne.jp",
	    "kijitora@example.co.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-postfix-05.eml",
	    "FFFFFFFF.0000000@example.co.jp",
	    "kijitora@example.org", "4.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-powermta-01.eml",
	    "68b329da9893e34099c7d8ad59d65e762ff.20110917110726@mail22.neko.example.net",
	    "kijitora@example.jp", "5.2.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-receivingses-01.eml",
	    "DCB08CC1-D236-48E2-9A8D-2492DACE50E2@example.co.jp",
	    "userunknown@neko.example.jp", "5.1.1", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-sendgrid-01.eml",
	    "F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp",
	    "kijitora@example.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-sendmail-01.eml",
	    "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
	    "userunknown@bouncehammer.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-sendmail-02.eml",
	    "C6625D0F-A302-4980-BEAB-2AF883EA0116@example.jp",
	    "userunknown@example.org,filtered@example.com", "5.1.1,5.2.1", "userunknown,filtered", "dsn", NULL},
	{"maildir/bsd/lhost-sendmail-03.eml",
	    "2459BC68-A7A5-4FCD-99FE-8CE9335880BF@example.co.jp",
	    "bounce0@example.org", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-surfcontrol-01.eml",
	    "20100429233445.00000000000@mx4.example.co.jp",
	    "kijitora@example.com", "5.0.0", "filtered", "dsn", NULL},
	{"maildir/bsd/lhost-x3-05.eml",
	    "00000000-1111-2222-3333-555555556666@example.com",
	    /* The report states no status: null, not Sisimai's 5.0.900. */
	    "kijitora@example.or.jp", "", "undefined", "dsn", NULL},
	{"maildir/bsd/lhost-x5-01.eml",
	    "2222222222.0000000000002.JavaMail.nekogate@cat.example.jp",
	    "kijitora@neko.example.org", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/lhost-yandex-01.eml",
	    "446281417885946@web20h.yandex.ru",
	    "kijitora@example.jp", "5.1.1", "userunknown", "dsn", NULL},
	/*
	 * Sisimai says mailboxfull from the prose "Your message to
	 * <nekochan> was automatically rejected: Not enough disk space",
	 * which names another address; this recipient's own DSN fields say
	 * 5.1.1 User Unknown.
	 */
	{"maildir/bsd/rfc3464-01.eml",
	    "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
	    "userunknown@bouncehammer.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/rfc3464-03.eml",
	    "220000000022.0000.0000000000000000222@NEKO.NYAAN",
	    "kijitora@example.com", "5.0.0", "policyviolation", "dsn", NULL},
	{"maildir/bsd/rhost-apple-01.eml",
	    "c15e793e1c6acf9fbc39d1547bbd98b4@example.com",
	    "kijitora@example.jp", "5.1.6", "hasmoved", "dsn", NULL},
	{"maildir/bsd/rhost-franceptt-01.eml",
	    "20FA40A8-4F88-4453-953D-B7038769D040@example.co.jp",
	    "pseudo-local-part-kijitora-nyaaan@orange.fr", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/bsd/rhost-godaddy-02.eml",
	    "200904010549.n315nLUx008574@mta1.example.net",
	    "kijitora@example.com", "5.1.3", "blocked", "dsn", NULL},
	{"maildir/bsd/rhost-google-01.eml",
	    "201305110000000000000.r4B003v000000@mail4.example.co.jp",
	    "shironeko@example.ne.jp", "5.2.1", "suspend", "dsn", NULL},
	{"maildir/bsd/rhost-iua-01.eml",
	    "20190429233445.0E1D4CDC0054@mail.example.co.jp",
	    "neko@email.example.ua", "5.0.0", "suspend", "dsn", NULL},
	{"maildir/bsd/rhost-kddi-01.eml",
	    "EB892F31-5CBB-41C3-8365-0F71CBEF83BA@libsisimai.org",
	    "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "5.2.0", "filtered", "dsn", NULL},
	{"maildir/bsd/rhost-microsoft-01.eml",
	    "00000000000000000000000000000000000000000000000@example.net",
	    "kijitora@example.com", "5.7.606", "blocked", "dsn", NULL},
	{"maildir/bsd/rhost-mimecast-01.eml",
	    "7B0s8rbG08zYDdPt.WaOHIQht053802@NEKO-NYAAN-22.LOCAL",
	    "sabatora@example.com", "5.0.0", "policyviolation", "dsn", NULL},
	{"maildir/bsd/rhost-nttdocomo-01.eml",
	    "202211010823.2A18N1ql028769@nijo.example.jp",
	    "azumakuniyuki@ntt.docomo.example.ne.jp", "5.2.0", "filtered", "dsn", NULL},
	{"maildir/bsd/rhost-spectrum-01.eml",
	    "010001725d8ad4fc-9fe8fb1f-0292-430b-a634-1eba65166dbb-000000@email.amazonses.com",
	    "theusername@charter.net", "5.1.0", "toomanyconn", "dsn", NULL},
	{"maildir/bsd/rhost-tencent-01.eml",
	    "20180429233445.1BFAC0EE7C9F@mail.example.net",
	    "nekochan@qq.example.cn", "5.0.0", "toomanyconn", "dsn", NULL},
	{"maildir/bsd/rhost-yahooinc-01.eml",
	    "20201113004812.08513C0196A@smtp.example.jp",
	    "kijitora@aol.example.jp", "5.7.9", "policyviolation", "dsn", NULL},
	{"maildir/dos/lhost-amavis-01.eml",
	    "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net",
	    "neko@example.co.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/mac/lhost-amavis-01.eml",
	    "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net",
	    "neko@example.co.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/dos/lhost-sendmail-01.eml",
	    "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
	    "userunknown@bouncehammer.jp", "5.1.1", "userunknown", "dsn", NULL},
	{"maildir/mac/lhost-sendmail-01.eml",
	    "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
	    "userunknown@bouncehammer.jp", "5.1.1", "userunknown", "dsn", NULL},
};

static char *tmpdir;

static ndrcheck *
open_handle(const char *db)
{
	ndrcheck_options o = { 0 };
	char *rules = g_build_filename(NDR_SRCDIR, "rules", NULL);
	char *cfg = g_build_filename(tmpdir, "no-config", NULL);
	ndrcheck *h;

	o.db_path = db;
	o.rules_dir = rules;
	o.config_path = NULL;
	g_setenv("XDG_CONFIG_HOME", cfg, TRUE);
	if (ndrcheck_open(&h, &o) != NDRCHECK_OK)
		g_error("ndrcheck_open: %s", ndrcheck_error(h));
	g_free(rules);
	g_free(cfg);
	return h;
}

static ndrcheck_result *
classify(ndrcheck *h, const char *file)
{
	char *path = g_build_filename(NDR_SRCDIR, "testdata", "set-of-emails",
	    file, NULL);
	ndrcheck_result *r = NULL;

	g_assert_cmpint(ndrcheck_classify_file(h, path, &r), ==, NDRCHECK_OK);
	g_assert_nonnull(r);
	g_free(path);
	return r;
}

/* The recipient of r with this address, or -1. */
static int
find_recipient(const ndrcheck_result *r, const char *address)
{
	for (size_t i = 0; i < ndrcheck_result_recipient_count(r); i++) {
		const char *a = ndrcheck_result_recipient(r, i, "address");
		if (a != NULL && g_ascii_strcasecmp(a, address) == 0)
			return (int)i;
	}
	return -1;
}

/* Append to diff where got and want differ. */
static void
compare(GString *diff, const char *what, const char *got, const char *want)
{
	if (g_strcmp0(got, want) != 0)
		g_string_append_printf(diff, "%s %s, expected %s; ", what,
		    got ? got : "null", want ? want : "null");
}

/* How r differs from what case c expects; empty when it does not. */
static GString *
differences(const struct corpus_case *c, const ndrcheck_result *r)
{
	GString *diff = g_string_new("");
	char **rcpts = g_strsplit(c->recipients, ",", -1);
	char **status = g_strsplit(c->status, ",", -1);
	char **reason = g_strsplit(c->reason, ",", -1);
	char *n = g_strdup_printf("%zu", ndrcheck_result_recipient_count(r));
	char *want_n = g_strdup_printf("%u", g_strv_length(rcpts));

	compare(diff, "kind", ndrcheck_kind_name(ndrcheck_result_kind(r)),
	    c->kind);
	compare(diff, "Message-ID", ndrcheck_result_message_id(r),
	    c->message_id);
	compare(diff, "recipients", n, want_n);
	for (guint i = 0; rcpts[i] != NULL; i++) {
		int k = find_recipient(r, rcpts[i]);
		if (k < 0) {
			g_string_append_printf(diff, "no recipient %s; ",
			    rcpts[i]);
			continue;
		}
		compare(diff, "status",
		    ndrcheck_result_recipient(r, k, "status"), status[i]);
		compare(diff, "reason",
		    ndrcheck_result_recipient(r, k, "reason"), reason[i]);
	}
	/* An empty sent log knows nothing (ndrcheck.conf(5)). */
	compare(diff, "verdict",
	    ndrcheck_verdict_name(ndrcheck_result_verdict(r)), "unknown");
	g_free(n);
	g_free(want_n);
	g_strfreev(rcpts);
	g_strfreev(status);
	g_strfreev(reason);
	return diff;
}

static void
test_findings(gconstpointer data)
{
	const struct corpus_case *c = data;
	char *db = g_build_filename(tmpdir, "empty.db", NULL);
	ndrcheck *h = open_handle(db);
	ndrcheck_result *r = classify(h, c->file);
	GString *diff = differences(c, r);

	if (diff->len > 0 && c->gap != NULL)
		g_test_incomplete_printf("%s (%s)", diff->str, c->gap);
	else if (diff->len > 0)
		g_test_fail_printf("%s", diff->str);
	g_string_free(diff, TRUE);
	ndrcheck_result_free(r);
	ndrcheck_close(h);
	g_free(db);
}

/* A stand-in for the original of case i, as we would have sent it. */
static char *
stand_in(size_t i)
{
	return g_strdup_printf("From: me@example.org\nTo: %s\n"
			       "Message-ID: <%s>\n"
			       "Date: Mon, 1 Jan 2001 00:00:00 +0000\n"
			       "Subject: stand-in\n\nbody\n",
	    cases[i].recipients, cases[i].message_id);
}

static void
record_text(ndrcheck *h, const char *text)
{
	ndrcheck_message *m;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, text, strlen(text)),
	    ==, NDRCHECK_OK);
	g_assert_cmpint(ndrcheck_record(h, m), ==, NDRCHECK_OK);
	ndrcheck_message_free(m);
}

static void
test_verdicts(void)
{
	char *db = g_build_filename(tmpdir, "half.db", NULL);
	ndrcheck *h = open_handle(db);

	/* The log must be older than every original to cover them. */
	record_text(h, "From: me@example.org\nTo: old@example.net\n"
		       "Message-ID: <coverage@example.org>\n"
		       "Date: Mon, 1 Jan 1990 00:00:00 +0000\n\nx\n");
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i += 2) {
		char *text = stand_in(i);
		record_text(h, text);
		g_free(text);
	}
	ndrcheck_close(h);
	h = open_handle(db);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ndrcheck_result *r = classify(h, cases[i].file);
		ndrcheck_verdict want = NDRCHECK_BACKSCATTER;

		for (size_t j = 0; j < G_N_ELEMENTS(cases); j += 2)
			if (strcmp(cases[j].message_id,
				cases[i].message_id) == 0)
				want = NDRCHECK_GENUINE;
		if (ndrcheck_result_verdict(r) != want)
			g_error("%s: %s, expected %s", cases[i].file,
			    ndrcheck_verdict_name(ndrcheck_result_verdict(r)),
			    ndrcheck_verdict_name(want));
		g_assert_nonnull(ndrcheck_result_evidence(r, 0));
		ndrcheck_result_free(r);
	}
	ndrcheck_close(h);
	g_free(db);
}

/* Remove the temporary directory and the sent logs in it. */
static void
remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		g_remove(path);
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("ndrcheck-corpus-XXXXXX", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *name = g_strdup_printf("/corpus/%s", cases[i].file);
		g_test_add_data_func(name, &cases[i], test_findings);
		g_free(name);
	}
	g_test_add_func("/corpus/verdicts", test_verdicts);
	rc = g_test_run();
	remove_dir(tmpdir);
	return rc;
}
