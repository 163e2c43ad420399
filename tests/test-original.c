/*
 * test-original.c - the original message (original.c, and how report.c
 * finds it): from a header list, from quoted header text, and from each
 * kind of part a report returns it in.
 */
#include <string.h>

#include <glib.h>

#include "findings.h"
#include "input.h"
#include "message.h"
#include "original.h"
#include "report.h"

#define SOE NDR_SRCDIR "/testdata/set-of-emails/maildir/"

static GMimeMessage *
parse_string(const char *s)
{
	return ndr_message_from_text(s, strlen(s));
}

static void
test_from_headers(void)
{
	GMimeMessage *msg = parse_string(
	    "Received: from a.example.org by b.example.net; "
	    "Thu, 29 Apr 2010 23:34:45 +0900\n"
	    "Received: from localhost\n"
	    "\tby a.example.org; Thu, 29 Apr 2010 23:34:44 +0900\n"
	    "Message-ID: <20100429.abc@example.org> (the id)\n"
	    "From: =?UTF-8?B?6Jmo44GV44KT?= <Tora@Example.ORG>\n"
	    "To: a@example.net, Cats: b@example.net, c@example.net;\n"
	    "Cc: \"D, the dog\" <d@example.net>\n"
	    "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= of\n"
	    " a folded subject\n"
	    "Date: Thu, 29 Apr 2010 23:34:45 +0900\n\n");
	ndr_findings *f = ndr_findings_new();
	ndr_original *o;

	ndr_original_from_headers(
	    f, g_mime_object_get_header_list(GMIME_OBJECT(msg)));
	o = f->original;
	g_assert_nonnull(o);
	g_assert_cmpstr(o->message_id, ==, "20100429.abc@example.org");
	g_assert_cmpstr(o->from, ==, "Tora@Example.ORG");
	g_assert_cmpuint(o->to->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(o->to, 0), ==, "a@example.net");
	g_assert_cmpstr(g_ptr_array_index(o->to, 1), ==, "b@example.net");
	g_assert_cmpstr(g_ptr_array_index(o->to, 2), ==, "c@example.net");
	g_assert_cmpstr(g_ptr_array_index(o->to, 3), ==, "d@example.net");
	/* "テスト" in ISO-2022-JP, decoded, and the fold joined. */
	g_assert_cmpstr(
	    o->subject, ==,
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 of a folded subject");
	g_assert_cmpstr(o->date, ==, "2010-04-29T14:34:45Z");
	g_assert_cmpint(o->date_unix, ==, 1272551685);
	g_assert_cmpuint(o->received->len, ==, 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(o->received, 0),
	                               "from a.example.org"));
	g_assert_cmpstr(
	    g_ptr_array_index(o->received, 1), ==,
	    "from localhost by a.example.org; Thu, 29 Apr 2010 23:34:44 +0900");

	/* The first source wins: a second header list changes nothing. */
	g_object_unref(msg);
	msg = parse_string("Message-ID: <other@example.org>\n"
	                   "From: x@example.org\nTo: y@example.org\n\n");
	ndr_original_from_headers(
	    f, g_mime_object_get_header_list(GMIME_OBJECT(msg)));
	g_assert_cmpstr(o->message_id, ==, "20100429.abc@example.org");
	g_assert_cmpstr(o->from, ==, "Tora@Example.ORG");
	g_assert_cmpuint(o->to->len, ==, 4);
	g_object_unref(msg);
	ndr_findings_free(f);
}

static void
test_broken_headers(void)
{
	GMimeMessage *msg = parse_string("Message-ID: 000000-FFFFFF-22-ARF\n"
	                                 "Date: not a date\n"
	                                 "From: undisclosed\n\n");
	ndr_findings *f = ndr_findings_new();

	ndr_original_from_headers(
	    f, g_mime_object_get_header_list(GMIME_OBJECT(msg)));
	/* An id without <> is still the id the sender's log knows. */
	g_assert_cmpstr(f->original->message_id, ==, "000000-FFFFFF-22-ARF");
	g_assert_null(f->original->date);
	g_assert_cmpint(f->original->date_unix, ==, 0);
	g_object_unref(msg);
	ndr_findings_free(f);
}

struct text_case {
	const char *name, *text, *message_id, *from, *subject;
};

static void
test_from_text(void)
{
	static const struct text_case cases[] = {
	    {"plain",
	     "Message-ID: <a1@example.org>\nFrom: a@example.org\n"
	     "Subject: Hello\n\nbody\nMessage-ID: <no@example.org>\n",
	     "a1@example.org", "a@example.org", "Hello"},
	    {"indented, folded",
	     "\n    Received: from x\n        by y; Thu, 29 Apr 2010\n"
	     "    Subject: Nyaan\n      again\n"
	     "    Message-Id: <a2@example.org>\n"
	     "    From: Neko <a@example.org>\n",
	     "a2@example.org", "a@example.org", "Nyaan again"},
	    {"quoted",
	     "> From: b@example.org\n> Subject: Re: x\n>   y\n"
	     "> Message-ID: <a3@example.org>\n>\n> body\n",
	     "a3@example.org", "b@example.org", "Re: x y"},
	    {"cut off mid-field",
	     "d=example.org; s=x; bh=abc=\n"
	     "Message-ID: <a4@example.org>\nSubject: S\n",
	     "a4@example.org", NULL, "S"},
	    {"stops at prose",
	     "Subject: Kept\nThis line is prose, not a field.\n"
	     "Message-ID: <not-taken@example.org>\n",
	     NULL, NULL, "Kept"},
	    {"CRLF",
	     "\r\nFrom: c@example.org\r\nMessage-ID: <a5@example.org>\r\n",
	     "a5@example.org", "c@example.org", NULL},
	    /* GMX and Yahoo drop the indentation of folded lines. */
	    {"lost folds",
	     "Received: from [192.0.2.135] by mx.example.net (via\n"
	     "HTTP); Sat, 29 Nov 2014 00:32:10 +0100\n"
	     "Message-ID: <a6@example.org>\n"
	     "X-Provags-ID: V03:K0:ONKNgotCRNVI/aAzvxchKKD5uvBEYeYrr4AVF0O\n"
	     "bFCoPnjQHA37xZ8d8ZlzmXAvxolVwCdcq8oWM8nXToLie/3HrZ\n"
	     "vSQwmqX+OXVYaTT5QxnCN0SBLkX\n"
	     "From: Kijitora <k@example.org>\n\nbody\n",
	     "a6@example.org", "k@example.org", NULL},
	    /* A token after the last field has no field to come: not one. */
	    {"token after the fields",
	     "Subject: Last\nhttp://example.org/unsubscribe\n"
	     "\nMessage-ID: <not-taken@example.org>\n",
	     NULL, NULL, "Last"},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		ndr_findings *f = ndr_findings_new();

		g_test_message("case %s", cases[i].name);
		ndr_original_from_text(f, cases[i].text, strlen(cases[i].text));
		g_assert_nonnull(f->original);
		g_assert_cmpstr(f->original->message_id, ==,
		                cases[i].message_id);
		g_assert_cmpstr(f->original->from, ==, cases[i].from);
		g_assert_cmpstr(f->original->subject, ==, cases[i].subject);
		ndr_findings_free(f);
	}
}

static void
test_is_header_block(void)
{
	static const char headers[] = "\nReturn-path: <a@example.org>\n"
	                              "Received: from x by y\n"
	                              "Message-id: <a@example.org>\n\nbody\n";
	static const char prose[] = "Your message\n\n  Message-id: <a@b>\n";
	static const char no_id[] = "From: a@example.org\nTo: b@example.org\n";

	g_assert_true(ndr_original_is_header_block(headers, strlen(headers)));
	g_assert_false(ndr_original_is_header_block(prose, strlen(prose)));
	g_assert_false(ndr_original_is_header_block(no_id, strlen(no_id)));
}

/* The findings report.c reads from a message (no rules: structure only). */
static ndr_findings *
report_of(ndrcheck_message *m)
{
	GMimeMessage *msg = ndr_message_parse(m);
	ndr_findings *f = ndr_findings_new();

	ndr_report_read(NULL, msg, f);
	g_object_unref(msg);
	ndrcheck_message_free(m);
	return f;
}

static ndr_findings *
report_of_file(const char *path)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	return report_of(m);
}

static ndr_findings *
report_of_string(const char *s)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, s, strlen(s)), ==,
	                NDRCHECK_OK);
	return report_of(m);
}

/* A DSN around a returned part of the given type and content. */
static char *
dsn_returning(const char *type, const char *returned)
{
	return g_strdup_printf(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered Mail\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nSorry.\n\n"
	    "--B\nContent-Type: message/global-delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: utf-8; \xe7\x8c\xab@example.jp\n"
	    "Action: failed\nStatus: 5.1.1\n\n"
	    "--B\nContent-Type: %s\n\n%s\n--B--\n",
	    type, returned);
}

static const char returned_utf8[] =
    "From: =?UTF-8?B?44OI44Op?= <tora@example.org>\n"
    "To: \xe7\x8c\xab@example.jp\n"
    "Subject: \xe3\x83\x8b\xe3\x83\xa3\xe3\x83\xb3\n"
    "Message-ID: <global.1@example.org>\n"
    "Date: Fri, 20 Nov 2026 10:00:00 +0000\n";

static void
assert_global_original(ndr_findings *f)
{
	ndr_recipient *r;

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_DSN);
	g_assert_cmpuint(f->recipients->len, ==, 1);
	r = g_ptr_array_index(f->recipients, 0);
	g_assert_cmpstr(r->address, ==, "\xe7\x8c\xab@example.jp");
	g_assert_cmpstr(f->original->message_id, ==, "global.1@example.org");
	g_assert_cmpstr(f->original->from, ==, "tora@example.org");
	g_assert_cmpstr(f->original->subject, ==,
	                "\xe3\x83\x8b\xe3\x83\xa3\xe3\x83\xb3");
	g_assert_cmpstr(f->original->date, ==, "2026-11-20T10:00:00Z");
	g_assert_cmpstr(g_ptr_array_index(f->original->to, 0), ==,
	                "\xe7\x8c\xab@example.jp");
}

/* RFC 6533: message/global and message/global-headers, UTF-8 headers. */
static void
test_report_global(void)
{
	char *whole = g_strdup_printf("%s\nbody\n", returned_utf8);
	char *text = dsn_returning("message/global", whole);
	ndr_findings *f = report_of_string(text);

	assert_global_original(f);
	ndr_findings_free(f);
	g_free(text);
	text = dsn_returning("message/global-headers", returned_utf8);
	f = report_of_string(text);
	assert_global_original(f);
	ndr_findings_free(f);
	g_free(text);
	g_free(whole);
}

struct file_case {
	const char *file, *message_id, *from;
};

/* Real reports, one for each way of returning the original. */
static void
test_report_files(void)
{
	static const struct file_case cases[] = {
	    /* message/rfc822 */
	    {"bsd/lhost-sendmail-01.eml",
	     "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
	     "kijitora@example.org"},
	    /* text/rfc822-headers */
	    {"bsd/lhost-amavis-01.eml",
	     "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net",
	     "kijitora@example.co.jp"},
	    /* message/partial holding the returned headers */
	    {"bsd/lhost-bigfoot-02.eml",
	     "2015042923344500.neko.nyaan@smtp.r3.example.com",
	     "sironeko@example.jp"},
	    /* the returned headers labelled text/plain */
	    {"bsd/lhost-messagingserver-07.eml",
	     "170CB973-A398-4674-8523-87D8FECB9378@me.example.com",
	     "shironeko@me.example.com"},
	    /* Gmail's X-Original-Message-ID in the DSN part */
	    {"bsd/rfc3464-51.eml",
	     "00222222-2222-2222-2222-FF00FFFF0000@example.jp",
	     "sironeko@example.jp"},
	    /* the delivery-status fields and the returned headers in one
	     * text/plain body, nothing between them */
	    {"bsd/rfc3464-34.eml",
	     "20170429233445.FFFFFFFF02@smtp.neko.example.org",
	     "sironeko@neko.example.org"},
	    {"bsd/rfc3464-04.eml", "00000000000.000000@mx4.example.co.jp",
	     "shironeko@example.com"},
	    /* a part headed by the original's own fields, no Content-Type */
	    {"bsd/lhost-x1-01.eml",
	     "000000000000000000000000000000000000@example.jp",
	     "shironeko@example.jp"},
	    /* message/rfc822 whose fields follow a blank line */
	    {"bsd/lhost-x3-01.eml",
	     "fffffffffffffffffffffffffffffff@xample.org",
	     "shironeko@example.org"},
	    /* text/rfc822-headers behind a boundary that changed */
	    {"bsd/rhost-google-01.eml",
	     "201305110000000000000.r4B003v000000@mail4.example.co.jp",
	     "kijitora@example.org"},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = g_strconcat(SOE, cases[i].file, NULL);
		ndr_findings *f = report_of_file(path);

		g_test_message("file %s", cases[i].file);
		g_assert_nonnull(f->original);
		g_assert_cmpstr(f->original->message_id, ==,
		                cases[i].message_id);
		g_assert_cmpstr(f->original->from, ==, cases[i].from);
		ndr_findings_free(f);
		g_free(path);
	}
}

/* Reply-like mail: In-Reply-To first, then References, each once. */
static void
test_reply_ids(void)
{
	ndr_findings *f = report_of_string(
	    "From: a@example.net\nSubject: Out of office\n"
	    "In-Reply-To: <r2@example.org>\n"
	    "References: <r1@example.org> <r2@example.org>\n\nAway.\n");

	g_assert_cmpuint(f->reply_ids->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(f->reply_ids, 0), ==,
	                "r2@example.org");
	g_assert_cmpstr(g_ptr_array_index(f->reply_ids, 1), ==,
	                "r1@example.org");
	g_assert_null(f->original);
	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_NONE);
	ndr_findings_free(f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ndr_gmime_init();
	g_test_add_func("/original/from-headers", test_from_headers);
	g_test_add_func("/original/broken-headers", test_broken_headers);
	g_test_add_func("/original/from-text", test_from_text);
	g_test_add_func("/original/is-header-block", test_is_header_block);
	g_test_add_func("/original/report-global", test_report_global);
	g_test_add_func("/original/report-files", test_report_files);
	g_test_add_func("/original/reply-ids", test_reply_ids);
	return g_test_run();
}
