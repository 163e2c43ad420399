/*
 * test-detect.c - the header-only fast path and the choice of kind, on
 * real messages of each kind: bounces of several mailers, auto-replies,
 * feedback reports, and ordinary mail that must stay ordinary.
 */
#include "detect.h"
#include "headtext.h"
#include "report.h"
#include "ruletest.h"

/* The header text of a message parse_file() or parse_text() made. */
static GString *
header_of(GMimeMessage *msg)
{
	return ndr_header_text(
	    g_object_get_data(G_OBJECT(msg), "ndr-test-input"));
}

static gboolean
is_suspect(GMimeMessage *msg)
{
	GString *hdr = header_of(msg);
	gboolean s = ndr_detect_suspect(builtin_rules(), hdr);

	g_string_free(hdr, TRUE);
	return s;
}

/* What the header rules and the whole message say msg is. */
static void
detect_kind(GMimeMessage *msg, ndr_findings *f)
{
	GString *hdr = header_of(msg), *body = g_string_new(NULL);
	GMimeObject *top = g_mime_message_get_mime_part(msg);

	if (top != NULL)
		ndr_detect_own_text(top, body);
	ndr_detect_kind(builtin_rules(), msg, hdr, body, f);
	g_string_free(body, TRUE);
	g_string_free(hdr, TRUE);
}

static gboolean
suspect(const char *name)
{
	GMimeMessage *msg = parse_file(name, FALSE);
	gboolean s = is_suspect(msg);

	g_object_unref(msg);
	return s;
}

/* The findings the library reads from a testdata message: walker, kind. */
static ndr_findings *
read_all(const char *name)
{
	GMimeMessage *msg = parse_file(name, FALSE);
	ndr_findings *f = ndr_findings_new();

	ndr_report_read(builtin_rules(), msg, f);
	detect_kind(msg, f);
	g_object_unref(msg);
	return f;
}

static ndrcheck_kind
kind_of(const char *name)
{
	ndr_findings *f = read_all(name);
	ndrcheck_kind k = f->kind;

	ndr_findings_free(f);
	return k;
}

/* The one recipient of a testdata message's findings. */
static void
assert_one_recipient(const ndr_findings *f, const char *name, const char *addr)
{
	ndr_recipient *r;

	if (f->recipients->len != 1)
		g_error("%s: %u recipients", name, f->recipients->len);
	r = g_ptr_array_index(f->recipients, 0);
	if (g_strcmp0(r->address, addr) != 0)
		g_error("%s: recipient %s, expected %s", name, r->address,
		        addr);
}

static void
test_suspect(void)
{
	const char *bounce[] = {
	    "bsd/lhost-qmail-01.eml",     /* MAILER-DAEMON, no MIME */
	    "bsd/lhost-postfix-01.eml",   /* multipart/report */
	    "bsd/lhost-exim-01.eml",      /* X-Failed-Recipients */
	    "bsd/lhost-mailru-01.eml",    /* Russian subject, RFC 2047 */
	    "bsd/rfc3834-02.eml",         /* "Automatic reply:" */
	    "bsd/rfc3834-06.eml",         /* Auto-Submitted */
	    "bsd/arf-01.eml",             /* multipart/report feedback */
	    "bsd/arf-22.eml",             /* a Hotmail complaint */
	    "mac/lhost-qmail-01.eml",     /* CR-only line ends */
	    "bsd/lhost-amazonses-10.eml", /* an Amazon SNS notification */
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(bounce); i++)
		if (!suspect(bounce[i]))
			g_error("%s not suspect", bounce[i]);
	g_assert_false(suspect("not/is-not-bounce-01.eml"));
	g_assert_false(suspect("not/is-not-bounce-02.eml"));
}

/* The suspect test rule by rule, as the header classes read. */
static gboolean
suspect_rule_by_rule(const GString *hdr)
{
	static const char *const classes[] = {
	    "bounce",       "bounce-subject", "auto-reply", "challenge",
	    "virus-notice", "feedback",       "suspect",
	};
	ndr_rule_match m;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(classes); i++)
		if (ndr_rules_find(builtin_rules(), classes[i], hdr->str,
		                   hdr->len, 0, &m))
			return TRUE;
	return FALSE;
}

/*
 * The header classes matched as one alternation decide as they do rule
 * by rule, on every message of testdata/set-of-emails: bounces and not.
 */
static void
test_suspect_union(void)
{
	const char *folders[] = {"bsd", "dos", "err", "mac", "not"};
	guint i, suspects = 0, others = 0;
	const char *name;
	char *path, *rel;
	GMimeMessage *msg;
	GString *hdr;
	GDir *d;

	for (i = 0; i < G_N_ELEMENTS(folders); i++) {
		path = g_strconcat(SOE, folders[i], NULL);
		d = g_dir_open(path, 0, NULL);
		g_assert_nonnull(d);
		while ((name = g_dir_read_name(d)) != NULL) {
			rel = g_strconcat(folders[i], "/", name, NULL);
			msg = parse_file(rel, FALSE);
			hdr = header_of(msg);
			if (ndr_detect_suspect(builtin_rules(), hdr) !=
			    suspect_rule_by_rule(hdr))
				g_error("%s: the union decides otherwise", rel);
			if (suspect_rule_by_rule(hdr))
				suspects++;
			else
				others++;
			g_string_free(hdr, TRUE);
			g_object_unref(msg);
			g_free(rel);
		}
		g_dir_close(d);
		g_free(path);
	}
	g_assert_cmpuint(suspects, >, 100);
	g_assert_cmpuint(others, >, 0);
}

static void
test_kinds(void)
{
	struct {
		const char *file;
		ndrcheck_kind kind;
	} cases[] = {
	    {"bsd/lhost-postfix-01.eml", NDRCHECK_KIND_DSN},
	    {"bsd/lhost-qmail-01.eml", NDRCHECK_KIND_NDR},
	    {"bsd/lhost-exim-01.eml", NDRCHECK_KIND_NDR},
	    {"bsd/lhost-dragonfly-01.eml", NDRCHECK_KIND_NDR},
	    {"bsd/lhost-kddi-02.eml", NDRCHECK_KIND_NDR},
	    /* a list header, but the mailer daemon sent it */
	    {"bsd/lhost-trendmicro-03.eml", NDRCHECK_KIND_NDR},
	    {"bsd/lhost-googlegroups-02.eml", NDRCHECK_KIND_NDR},
	    {"bsd/rfc3834-01.eml", NDRCHECK_KIND_AUTO_REPLY},
	    {"bsd/rfc3834-02.eml", NDRCHECK_KIND_AUTO_REPLY},
	    {"bsd/rfc3834-06.eml", NDRCHECK_KIND_AUTO_REPLY},
	    {"bsd/arf-01.eml", NDRCHECK_KIND_FEEDBACK},
	    {"bsd/arf-22.eml", NDRCHECK_KIND_FEEDBACK},
	    {"not/is-not-bounce-01.eml", NDRCHECK_KIND_NONE},
	    {"not/is-not-bounce-02.eml", NDRCHECK_KIND_NONE},
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		if (kind_of(cases[i].file) != cases[i].kind)
			g_error("%s: kind %d, expected %d", cases[i].file,
			        kind_of(cases[i].file), cases[i].kind);
}

/* Exim's bounces say "Auto-Submitted: auto-replied": still an NDR. */
static void
test_bounce_before_auto_reply(void)
{
	GMimeMessage *msg = parse_file("bsd/lhost-exim-01.eml", TRUE);
	const char *v =
	    g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted");

	g_assert_cmpstr(v, ==, "auto-replied");
	g_object_unref(msg);
	g_assert_cmpint(kind_of("bsd/lhost-exim-01.eml"), ==,
	                NDRCHECK_KIND_NDR);
}

/* X-Failed-Recipients names the group Google Groups refused. */
static void
test_failed_recipients(void)
{
	GMimeMessage *msg = parse_file("bsd/lhost-googlegroups-02.eml", FALSE);
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r;

	ndr_report_read(builtin_rules(), msg, f);
	detect_kind(msg, f);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	r = g_ptr_array_index(f->recipients, 0);
	g_assert_cmpstr(r->address, ==, "libsisimai@googlegroups.com");
	ndr_findings_free(f);
	g_object_unref(msg);
}

/*
 * Apache James and Verizon's VZW gateway: a multipart/alternative whose
 * boundary parameter sits on an unindented line (so GMime finds no
 * parts, only a prologue), the recipient in "RCPT TO:" of the details.
 * Sisimai drops a digit of the Apache James address
 * ("00000000000@vtext.example.com"); the message says twelve zeros.
 */
static void
test_james(void)
{
	struct {
		const char *file, *addr;
	} cases[] = {
	    {"bsd/lhost-apachejames-01.eml", "000000000000@vtext.example.com"},
	    {"bsd/lhost-verizon-02.eml", "may-be-straycat-nyaaaaaan@vtext.com"},
	};
	ndr_findings *f;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		f = read_all(cases[i].file);
		g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_NDR);
		assert_one_recipient(f, cases[i].file, cases[i].addr);
		g_assert_cmpstr(
		    ((ndr_recipient *)g_ptr_array_index(f->recipients, 0))
		        ->diagnostic,
		    ==, "550 - Requested action not taken: no such user here");
		ndr_findings_free(f);
	}
}

/*
 * A report naming no recipient is about its original: Verizon's MMS
 * gateway quotes only the original's To:, Hotmail returns the
 * complained-about message without an ARF part, and Apple Mail's
 * unsubscribe request comes from the recipient, with no original.
 */
static void
test_implied_recipients(void)
{
	struct {
		const char *file, *addr;
		ndrcheck_kind kind;
	} cases[] = {
	    {"bsd/lhost-verizon-01.eml", "0000000000@vzwpix.com",
	     NDRCHECK_KIND_NDR},
	    /* Sisimai wrong: it cuts this one to "kijitora@exampl" */
	    {"bsd/lhost-v5sendmail-01.eml", "kijitora@example.com",
	     NDRCHECK_KIND_NDR},
	    {"bsd/arf-22.eml", "kijitora@example.com", NDRCHECK_KIND_FEEDBACK},
	    {"bsd/arf-26.eml", "example@icloud.com", NDRCHECK_KIND_FEEDBACK},
	};
	ndr_findings *f;
	ndr_recipient *r;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		f = read_all(cases[i].file);
		g_assert_cmpint(f->kind, ==, cases[i].kind);
		assert_one_recipient(f, cases[i].file, cases[i].addr);
		ndr_findings_free(f);
	}
	/* The NDR's prose, not the original quoted below it, is the diagnostic.
	 */
	f = read_all("bsd/lhost-verizon-01.eml");
	r = g_ptr_array_index(f->recipients, 0);
	g_assert_nonnull(
	    strstr(r->diagnostic, "No valid recipients for this MM"));
	g_assert_null(strstr(r->diagnostic, "test for bounce"));
	ndr_findings_free(f);
}

/*
 * Sisimai wrong (testdata/KNOWN-DIFFERENCES): for feedback reports
 * whose original went "To: <Undisclosed Recipients>" it invents the
 * recipient "undisclosed-recipient-in-headers@libsisimai.org.invalid".
 * arf-11 names nobody; arf-12 names its Removal-Recipient.
 */
static void
test_undisclosed(void)
{
	ndr_findings *f = read_all("bsd/arf-11.eml");

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_FEEDBACK);
	g_assert_cmpuint(f->recipients->len, ==, 0);
	ndr_findings_free(f);
	f = read_all("bsd/arf-12.eml");
	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_FEEDBACK);
	assert_one_recipient(f, "bsd/arf-12.eml", "user@example.com");
	ndr_findings_free(f);
}

/*
 * fml's refusals come as list mail (Mailing-List:, X-MLServer:); its
 * subjects make them bounces all the same.
 */
static void
test_list_refusal(void)
{
	g_assert_cmpint(kind_of("bsd/lhost-fml-02.eml"), ==, NDRCHECK_KIND_NDR);
	g_assert_cmpint(kind_of("bsd/lhost-fml-03.eml"), ==, NDRCHECK_KIND_NDR);
}

/* The kind of a message given as text. */
static ndrcheck_kind
kind_of_text(const char *text)
{
	GMimeMessage *msg;
	ndr_findings *f = ndr_findings_new();
	ndrcheck_kind k;

	msg = parse_text(text);
	g_assert_true(is_suspect(msg));
	ndr_report_read(builtin_rules(), msg, f);
	detect_kind(msg, f);
	k = f->kind;
	ndr_findings_free(f);
	g_object_unref(msg);
	return k;
}

/*
 * Challenges and virus notices told by their words alone (the corpus
 * has none; these follow TMDA's and amavisd-new's templates), and a
 * remote server's "Virus detected" rejection, which stays an NDR.
 */
static void
test_notices(void)
{
	g_assert_cmpint(
	    kind_of_text(
	        "From: jan@example.net\nTo: me@example.org\n"
	        "Subject: Re: lunch\nAuto-Submitted: auto-replied\n"
	        "Message-ID: <c-1@x>\n\nYour message attached below is being "
	        "held because the address\n<me@example.org> has not been "
	        "verified.\n\nTo release your message for delivery, please "
	        "reply.\n"),
	    ==, NDRCHECK_KIND_CHALLENGE);
	g_assert_cmpint(
	    kind_of_text(
	        "From: content-filter@example.net\nTo: me@example.org\n"
	        "Subject: Notification\nAuto-Submitted: auto-generated\n"
	        "Message-ID: <v-1@x>\n\nOur content checker found\n"
	        "    virus: Eicar-Test-Signature\n\nin email "
	        "presumably from you <me@example.org>\n"),
	    ==, NDRCHECK_KIND_VIRUS_NOTICE);
	g_assert_cmpint(
	    kind_of_text(
	        "From: content-filter@example.net\nTo: me@example.org\n"
	        "Subject: VIRUS (Eicar-Test-Signature) IN MAIL FROM "
	        "YOU\nMessage-ID: <v-2@x>\n\nSee above.\n"),
	    ==, NDRCHECK_KIND_VIRUS_NOTICE);
	g_assert_cmpint(kind_of("bsd/lhost-dragonfly-25.eml"), ==,
	                NDRCHECK_KIND_NDR);
}

/*
 * Ordinary automated mail: a ticket system's auto-reply, a list
 * message with a bounce-like subject, and list posts of TMDA users or
 * about TMDA (false positives once, in the jwz corpus).  Written here
 * (the real ones at hand are under licences that keep them out of
 * testdata/; the ordinary-mail test runs on them).
 */
static void
test_ordinary(void)
{
	const char *mails[] = {
	    "From: \"Support via RT\" <rt@example.org>\n"
	    "To: jan@example.net\nSubject: [example.org #33575] "
	    "AutoReply: printer broken\nAuto-Submitted: auto-replied\n"
	    "X-RT-Loop-Prevention: example.org\nMessage-ID: <rt-1@x>\n"
	    "\nYour ticket has been created.\n",
	    "From: jan@example.net\nTo: list@example.org\n"
	    "List-Id: <list.example.org>\nSubject: Re: Undeliverable "
	    "mail from the server\nMessage-ID: <l-1@x>\n\nThe mail "
	    "could not be delivered to <a@example.com>:\n"
	    "since yesterday.\n",
	    /* TMDA users' own mail, and talk about TMDA (jwz corpus) */
	    "From: jan@example.net\nTo: list@example.org\n"
	    "Subject: Re: Sorting\nX-Tmda-Fingerprint: cW2GfTfrr9KCw5s\n"
	    "X-Delivery-Agent: TMDA/0.57\nMessage-ID: <t-1@x>\n\nYes.\n",
	    "From: jan@example.net\nTo: list@example.org\n"
	    "Subject: Re: [SAtalk] Re: patent on TMDA-like system\n"
	    "Message-ID: <t-2@x>\n\nPlease confirm your message, it "
	    "says.\n",
	    /* a list's post quoting a challenge's words */
	    "From: jan@example.net\nTo: list@example.org\n"
	    "List-Id: <list.example.org>\nAuto-Submitted: auto-generated\n"
	    "Subject: digest\nMessage-ID: <t-3@x>\n\nHe wrote: I'm "
	    "protecting myself from receiving junk mail.\n",
	};
	GMimeMessage *msg;
	ndr_findings *f;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(mails); i++) {
		msg = parse_text(mails[i]);
		f = ndr_findings_new();
		/* The first two look automated; the kind must see through. */
		if (i < 2)
			g_assert_true(is_suspect(msg));
		ndr_report_read(builtin_rules(), msg, f);
		detect_kind(msg, f);
		if (f->kind != NDRCHECK_KIND_NONE)
			g_error("mail %u: kind %d", i, f->kind);
		ndr_findings_free(f);
		g_object_unref(msg);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/detect/suspect", test_suspect);
	g_test_add_func("/detect/suspect-union", test_suspect_union);
	g_test_add_func("/detect/kinds", test_kinds);
	g_test_add_func("/detect/bounce-before-auto-reply",
	                test_bounce_before_auto_reply);
	g_test_add_func("/detect/failed-recipients", test_failed_recipients);
	g_test_add_func("/detect/james", test_james);
	g_test_add_func("/detect/implied-recipients", test_implied_recipients);
	g_test_add_func("/detect/undisclosed", test_undisclosed);
	g_test_add_func("/detect/list-refusal", test_list_refusal);
	g_test_add_func("/detect/notices", test_notices);
	g_test_add_func("/detect/ordinary", test_ordinary);
	return g_test_run();
}
