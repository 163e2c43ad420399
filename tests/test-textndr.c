/*
 * test-textndr.c - human-readable NDRs of the mailer families, read by
 * ndr_textndr_read() from the first text part of real corpus messages:
 * recipients with their diagnostic, SMTP reply and status, the
 * reporting MTA, the original behind the separator, and that the text
 * only completes the recipients a DSN part already named.
 */
#include "ruletest.h"
#include "textndr.h"

/* The first text/plain leaf outside any returned message. */
static GMimePart *
first_text(GMimeObject *o)
{
	GMimeMultipart *mp;
	GMimePart *found = NULL;
	int i;

	if (GMIME_IS_MULTIPART(o)) {
		mp = GMIME_MULTIPART(o);
		for (i = 0; found == NULL && i < g_mime_multipart_get_count(mp);
		     i++)
			found = first_text(g_mime_multipart_get_part(mp, i));
		return found;
	}
	if (GMIME_IS_TEXT_PART(o))
		return GMIME_PART(o);
	return NULL;
}

/*
 * The first text part's text, or the prologue of a multipart whose
 * boundary never occurs (where such reports keep their text).
 */
static char *
message_text(GMimeMessage *msg, size_t *len)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimePart *part = first_text(top);
	const char *prologue;

	if (part != NULL)
		return ndr_part_text(part, 256 * 1024, len);
	g_assert_true(GMIME_IS_MULTIPART(top));
	prologue = g_mime_multipart_get_prologue(GMIME_MULTIPART(top));
	g_assert_nonnull(prologue);
	*len = strlen(prologue);
	return g_strdup(prologue);
}

/* The findings of the first text of a testdata message. */
static ndr_findings *
read_file(const char *name, ndr_findings *f)
{
	GMimeMessage *msg = parse_file(name, FALSE);
	size_t len = 0;
	char *text = message_text(msg, &len);

	g_assert_nonnull(text);
	if (f == NULL)
		f = ndr_findings_new();
	ndr_textndr_read(builtin_rules(), text, len, f);
	g_free(text);
	g_object_unref(msg);
	return f;
}

static ndr_recipient *
rcpt(const ndr_findings *f, guint i)
{
	g_assert_cmpuint(i, <, f->recipients->len);
	return g_ptr_array_index(f->recipients, i);
}

/* The recipient's diagnostic holds the text want. */
static void
assert_diag(const ndr_recipient *r, const char *want)
{
	g_assert_nonnull(r->diagnostic);
	if (strstr(r->diagnostic, want) == NULL)
		g_error("diagnostic \"%s\" lacks \"%s\"", r->diagnostic, want);
}

static void
test_qmail(void)
{
	ndr_findings *f = read_file("bsd/lhost-qmail-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.ne.jp");
	assert_diag(rcpt(f, 0), "said: 550 Unknown");
	assert_diag(rcpt(f, 0), "(#5.5.0)");
	assert_diag(rcpt(f, 0), "(Other MXes tried:");
	g_assert_cmpstr(rcpt(f, 0)->action, ==, "failed");
	g_assert_cmpstr(f->reporting_mta, ==, "mx4.example.jp");
	g_assert_cmpstr(f->original->message_id, ==,
	                "000000000.9999999999999.JavaMail.postmaster@mailhub");
	ndr_findings_free(f);
}

/* Exim: indented address, the SMTP conversation below it. */
static void
test_exim(void)
{
	ndr_findings *f = read_file("bsd/lhost-exim-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.ed.jp");
	assert_diag(rcpt(f, 0), "550 5.7.0 <shironeko@example.jp>... Please "
	                        "use the smtp server of your ISP.");
	g_assert_cmpstr(f->original->message_id, ==,
	                "E1P1ce6-000Egt-GZ@e1.example.org");
	ndr_findings_free(f);
}

/* CR-only line endings read as LF ones do. */
static void
test_mac(void)
{
	ndr_findings *bsd = read_file("bsd/lhost-exim-01.eml", NULL);
	ndr_findings *mac = read_file("mac/lhost-exim-01.eml", NULL);

	g_assert_cmpuint(mac->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(mac, 0)->address, ==, rcpt(bsd, 0)->address);
	assert_diag(rcpt(mac, 0), "550 5.7.0");
	g_assert_cmpstr(mac->original->message_id, ==,
	                bsd->original->message_id);
	ndr_findings_free(bsd);
	ndr_findings_free(mac);
	mac = read_file("mac/lhost-qmail-01.eml", NULL);
	g_assert_cmpuint(mac->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(mac, 0)->address, ==, "kijitora@example.ne.jp");
	ndr_findings_free(mac);
}

static void
test_gmail(void)
{
	ndr_findings *f = read_file("bsd/lhost-gmail-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "userunknown@example.jp");
	g_assert_cmpstr(f->original->message_id, ==,
	                "D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com");
	ndr_findings_free(f);
}

/* DragonFly: a multi-line reply split by blank lines is one diagnostic. */
static void
test_dragonfly(void)
{
	ndr_findings *f = read_file("bsd/lhost-dragonfly-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==,
	                "pseudo-local-part@google.example.com");
	assert_diag(rcpt(f, 0), "did not like our final DATA");
	assert_diag(rcpt(f, 0), "DMARC policy");
	assert_diag(rcpt(f, 0), "550 5.7.26");
	g_assert_cmpstr(f->reporting_mta, ==, "df.example.jp");
	g_assert_cmpstr(f->original->message_id, ==,
	                "66681288.e06d1.3824794@df.example.jp");
	ndr_findings_free(f);
}

/* Several recipients, each with its own diagnostic. */
static void
test_several(void)
{
	ndr_findings *f = read_file("bsd/lhost-x2-02.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 3);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.com");
	g_assert_cmpstr(rcpt(f, 1)->address, ==, "mikeneko@example.com");
	assert_diag(rcpt(f, 1), "This account has been disabled");
	g_assert_null(strstr(rcpt(f, 0)->diagnostic, "disabled"));
	g_assert_cmpstr(rcpt(f, 2)->address, ==, "sabineko@example.com");
	ndr_findings_free(f);
	f = read_file("bsd/lhost-opensmtpd-02.eml", NULL);
	g_assert_cmpuint(f->recipients->len, ==, 2);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "mailboxfull@example.jp");
	g_assert_cmpstr(rcpt(f, 0)->diagnostic, ==,
	                "550 5.2.2 <mailboxfull@example.jp>... Mailbox Full");
	ndr_findings_free(f);
	f = read_file("bsd/lhost-zoho-02.eml", NULL);
	g_assert_cmpuint(f->recipients->len, ==, 2);
	g_assert_cmpstr(rcpt(f, 1)->address, ==, "sabineko@example.co.jp");
	assert_diag(rcpt(f, 1), "Mailbox Full");
	ndr_findings_free(f);
}

/* The quoted original's header lines are no recipients. */
static void
test_not_the_original(void)
{
	ndr_findings *f = read_file("bsd/lhost-exchange2003-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.jp");
	assert_diag(rcpt(f, 0), "Unknown Recipient");
	ndr_findings_free(f);
	f = read_file("bsd/lhost-zoho-02.eml", NULL);
	g_assert_cmpuint(f->recipients->len, ==, 2);
	g_assert_cmpstr(
	    f->original->message_id, ==,
	    "14a3e1d1c33.f7b5d16d10424.9039632619844387192@zoho.example.com");
	ndr_findings_free(f);
}

static void
test_one_liners(void)
{
	struct {
		const char *file, *addr, *diag;
	} cases[] = {
	    {"bsd/lhost-imailserver-01.eml", "kijitora@example.com",
	     "Unknown user"},
	    {"bsd/lhost-v5sendmail-02.eml", "kijitora@neko.example.org",
	     "550 Host unknown"},
	    {"bsd/lhost-kddi-02.eml", "kijitora@00000000000000.dion.ne.jp",
	     "mailbox is full"},
	    {"bsd/lhost-yahoo-01.eml", "kijitora@example.org", "550 5.1.1"},
	    {"bsd/lhost-mailru-01.eml", "kijitora@example.jp", "User Unknown"},
	    {"bsd/lhost-gmx-01.eml", "shironeko@example.jp", "Mailbox Full"},
	    {"bsd/lhost-mfilter-02.eml", "kijitora@example.co.jp",
	     "User unknown in local recipient table"},
	};
	ndr_findings *f;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		f = read_file(cases[i].file, NULL);
		g_assert_cmpuint(f->recipients->len, >=, 1);
		g_assert_cmpstr(rcpt(f, 0)->address, ==, cases[i].addr);
		assert_diag(rcpt(f, 0), cases[i].diag);
		ndr_findings_free(f);
	}
}

/*
 * Reports naming exactly one recipient, each in its mailer's shape; the
 * diagnostic holds the reply.  x2-07 and dos/ are CRLF text.
 */
static void
test_families(void)
{
	struct {
		const char *file, *addr, *diag;
	} cases[] = {
	    /* "Delivery failed: addr", the reply in the lines below */
	    {"bsd/lhost-x2-07.eml", "kijitora@example.co.jp",
	     "554 5.4.14 Hop count exceeded"},
	    {"dos/lhost-imailserver-01.eml", "kijitora@example.com",
	     "Unknown user"},
	    /* 1&1: "addr:" alone, not indented */
	    {"bsd/lhost-einsundeins-03.eml", "xxxx@xxxx.fr",
	     "550 5.2.0 Mail rejete"},
	    /* Exim names the sender first: no recipient */
	    {"bsd/lhost-exim-08.eml", "kijitora@example.org",
	     "all hosts have been failing"},
	    {"bsd/lhost-exim-52.eml", "neko@example.net",
	     "malformed address: <neko@example.net> may not follow"},
	    /* KDDI: "Recipient: <addr>", then the SMTP session */
	    {"bsd/lhost-ezweb-04.eml",
	     "this-local-part-does-not-exist-on-the-server@ezweb.ne.jp",
	     ">: User unknown"},
	    {"bsd/lhost-imailserver-06.eml", "kijitora@example.jp",
	     "550-REJECTED - Blacklisted URL"},
	    /* the transcript: the first failing reply after RCPT TO */
	    {"bsd/lhost-postfix-75.eml", "kijitora@libsisimai.net",
	     "451 4.3.0 Error: queue file write error"},
	    {"bsd/lhost-trendmicro-01.eml", "kijitora@example.co.jp",
	     "550 5.1.1 <kijitora@example.co.jp>... user unknown"},
	    {"bsd/lhost-trendmicro-03.eml", "kijitora@example.jp",
	     "Unable to deliver message to <kijitora@example.jp>"},
	    {"bsd/lhost-x6-02.eml", "kijitora@libsisimai.org",
	     "[550 5.1.1 User unknown]"},
	    {"bsd/lhost-zoho-04.eml", "kijitora@6kaku.example.co.jp",
	     "ResponseCode 421, , Host not reachable."},
	    {"bsd/lhost-zoho-05.eml", "kijitora@7jo.example.jp",
	     "ERROR_CODE :421"},
	    /* KDDI: the reason before the address */
	    {"bsd/lhost-ezweb-03.eml",
	     "this-local-part-does-not-exist-on-the-site@ezweb.ne.jp",
	     "The user(s) account is disabled."},
	    {"bsd/lhost-ezweb-05.eml",
	     "this-local-part-does-not-exist-on-the-server@ezweb.ne.jp",
	     "not delivered within 0 days and 1 hours.\nRemote host is not"},
	    /* Postfix: the indented lines continue the reply */
	    {"bsd/lhost-postfix-07.eml", "kijitora@user.example.or.jp",
	     "said: 550\n    <kijitora@user.example.or.jp>: User unknown"},
	    {"bsd/lhost-postfix-34.eml", "kijitora@example.com",
	     "Host not\n    found, try again"},
	    /* Sendmail 5: the remote reply above its own line */
	    {"bsd/lhost-v5sendmail-06.eml", "kijitora@example.edu",
	     "<<< 550 Insecure Mail Relay\n554 <kijitora@example.edu>... "
	     "Remote protocol error"},
	    /* Mimecast (Sisimai reads none of it): "-- address" */
	    {"bsd/lhost-mimecast-01.eml", "sabineko@neko.ef.example.org",
	     "5.4.1 Recipient address rejected: Access denied."},
	    /* Notes: the reason above the address */
	    {"bsd/lhost-notes-03.eml", "kijitora@example.com",
	     "User  not listed in public Name & Address Book"},
	    /* a label rule gives way to the mailer's own at one place */
	    {"bsd/lhost-mailfoundry-02.eml", "kijitora@example.org",
	     "552 sorry, mailbox kijitora@example.org is over quota"},
	    /* fml: the guide's address below is no recipient */
	    {"bsd/lhost-fml-02.eml", "neko-nyaan@example.org",
	     "You are not a member of this mailing list"},
	    {"bsd/lhost-fml-03.eml", "neko@example.co.jp",
	     "Duplicated Message-ID"},
	};
	ndr_findings *f;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		f = read_file(cases[i].file, NULL);
		if (f->recipients->len != 1)
			g_error("%s: %u recipients", cases[i].file,
			        f->recipients->len);
		g_assert_cmpstr(rcpt(f, 0)->address, ==, cases[i].addr);
		assert_diag(rcpt(f, 0), cases[i].diag);
		ndr_findings_free(f);
	}
	f = read_file("bsd/lhost-postfix-75.eml", NULL);
	g_assert_cmpstr(rcpt(f, 0)->diagnostic, ==,
	                "451 4.3.0 Error: queue file write error");
	ndr_findings_free(f);
	/* delivery-status fields in the text end the diagnostic */
	f = read_file("bsd/rfc3464-06.eml", NULL);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	assert_diag(rcpt(f, 0), "mail.local: unknown user: kijitora");
	g_assert_null(strstr(rcpt(f, 0)->diagnostic, "Reporting-MTA"));
	ndr_findings_free(f);
}

/*
 * Where the original starts: fml's "Original mail as follows:", and
 * after a delivery-status block in the text, whose X-Postfix-* and
 * X-Actual-Recipient fields are no header block of the original.
 */
static void
test_separators(void)
{
	struct {
		const char *file, *id;
	} cases[] = {
	    {"bsd/lhost-fml-03.eml",
	     "201704290233445.00000000EEEE@neko.example.org"},
	    {"bsd/rfc3464-04.eml", "00000000000.000000@mx4.example.co.jp"},
	    {"bsd/rfc3464-34.eml",
	     "20170429233445.FFFFFFFF02@smtp.neko.example.org"},
	};
	ndr_findings *f;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		f = read_file(cases[i].file, NULL);
		g_assert_nonnull(f->original);
		g_assert_cmpstr(f->original->message_id, ==, cases[i].id);
		ndr_findings_free(f);
	}
}

/*
 * A bounce forwarded inline and quoted ("Begin forwarded message:",
 * "> " lines): its body is the report; its own header block names the
 * bounce, not the original.  Sisimai takes make-test-36's Message-ID
 * from that block (the bounce's own); the original quoted at the end
 * has none.
 */
static void
test_forwarded(void)
{
	ndr_findings *f = read_file("bsd/lhost-sendmail-14.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==, "kijitora@example.com");
	assert_diag(rcpt(f, 0), "550 5.1.1 <kijitora@example.com>... User");
	g_assert_cmpstr(f->reporting_mta, ==, "mx.example.jp");
	g_assert_cmpstr(f->original->message_id, ==,
	                "6D736808-04A1-47D3-92BD-44388ABFCCE4@example.jp");
	ndr_findings_free(f);
	f = read_file("err/make-test-36.eml", NULL);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(f, 0)->address, ==,
	                "non-existent-user-address-of-ntt-docomo@docomo.ne.jp");
	assert_diag(rcpt(f, 0), "550 Unknown user");
	g_assert_true(f->original == NULL || f->original->message_id == NULL);
	ndr_findings_free(f);
}

/*
 * Exim's DSN names a file as Final-Recipient (a "save to" delivery);
 * the prose that quotes it completes that recipient (report.c then
 * gives it the address).
 */
static void
test_local_delivery(void)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(
	    f, "/mail/spool/q002.kijitora.gol.com/gol.com/22r/cat/n2.nyaan");

	read_file("bsd/lhost-exim-60.eml", f);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(r->diagnostic, ==,
	                "mailbox is full: retry timeout exceeded");
	ndr_findings_free(f);
}

/*
 * The SMTP command a reply answered, which Postfix writes only in its
 * prose ("(in reply to RCPT TO command)"), also for a recipient the
 * DSN part named first.
 */
static void
test_command(void)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(f, "kijitora@example.com");

	read_file("bsd/rfc3464-03.eml", f);
	g_assert_cmpstr(r->command, ==, "MAIL");
	ndr_findings_free(f);
	f = read_file("bsd/lhost-postfix-02.eml", NULL);
	g_assert_cmpuint(f->recipients->len, >=, 1);
	g_assert_cmpstr(rcpt(f, 0)->command, ==, "RCPT");
	ndr_findings_free(f);
	f = read_file("bsd/lhost-exim-01.eml", NULL);
	g_assert_cmpstr(rcpt(f, 0)->command, ==, "MAIL");
	ndr_findings_free(f);
}

/* After a DSN the text only completes the recipients it named. */
static void
test_completes(void)
{
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r = ndr_findings_recipient(f, "mikeneko@example.com");

	ndr_set_field(&r->status, "5.1.1", FALSE);
	read_file("bsd/lhost-x2-02.eml", f);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	g_assert_cmpstr(r->status, ==, "5.1.1");
	assert_diag(r, "This account has been disabled");
	ndr_findings_free(f);
}

/*
 * Sisimai wrong (testdata/KNOWN-DIFFERENCES): it reports the recipient
 * "kijitora@exampl" for this Sendmail 5 bounce, whose report names no
 * address (its 421 line names a host); the only address is the
 * original's To:, in full.
 */
static void
test_sisimai_wrong(void)
{
	ndr_findings *f = read_file("bsd/lhost-v5sendmail-01.eml", NULL);

	g_assert_cmpuint(f->recipients->len, ==, 0);
	g_assert_nonnull(f->original);
	g_assert_cmpuint(f->original->to->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->original->to, 0), ==,
	                "kijitora@example.com");
	ndr_findings_free(f);
}

/* Ordinary text names nobody. */
static void
test_ordinary(void)
{
	const char *text = "Hello,\n\nthe meeting moved to Tuesday; "
	                   "write to jan@example.org if you cannot come.\n";
	ndr_findings *f = ndr_findings_new();

	ndr_textndr_read(builtin_rules(), text, strlen(text), f);
	g_assert_cmpuint(f->recipients->len, ==, 0);
	g_assert_null(f->original);
	ndr_findings_free(f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/textndr/qmail", test_qmail);
	g_test_add_func("/textndr/exim", test_exim);
	g_test_add_func("/textndr/mac", test_mac);
	g_test_add_func("/textndr/gmail", test_gmail);
	g_test_add_func("/textndr/dragonfly", test_dragonfly);
	g_test_add_func("/textndr/several", test_several);
	g_test_add_func("/textndr/not-the-original", test_not_the_original);
	g_test_add_func("/textndr/one-liners", test_one_liners);
	g_test_add_func("/textndr/families", test_families);
	g_test_add_func("/textndr/separators", test_separators);
	g_test_add_func("/textndr/forwarded", test_forwarded);
	g_test_add_func("/textndr/local-delivery", test_local_delivery);
	g_test_add_func("/textndr/command", test_command);
	g_test_add_func("/textndr/completes", test_completes);
	g_test_add_func("/textndr/sisimai-wrong", test_sisimai_wrong);
	g_test_add_func("/textndr/ordinary", test_ordinary);
	return g_test_run();
}
