/*
 * test-sesjson.c - sesjson.c on the Amazon SES notifications of the
 * corpus (bounce, bounce in its SNS envelope, complaint, delivery), and
 * on the shapes the corpus lacks: an event-publishing delay notice that
 * names the original's Message-ID, JSON that is no SES notice, and
 * JSON nested past NDR_MAX_JSON_DEPTH.
 *
 * The values were read from each message by hand and agree with what
 * Sisimai 5 extracts.
 */
#include <string.h>

#include <glib.h>

#include "findings.h"
#include "input.h"
#include "message.h"
#include "ndrlimits.h"
#include "report.h"
#include "ruletest.h"
#include "sesjson.h"

/* The findings report.c reads from a corpus message (no rules). */
static ndr_findings *
read_file(const char *file)
{
	GMimeMessage *msg = parse_file(file, FALSE);
	ndr_findings *f = ndr_findings_new();

	ndr_report_read(NULL, msg, f);
	g_object_unref(msg);
	return f;
}

static ndr_recipient *
only_recipient(ndr_findings *f)
{
	g_assert_cmpuint(f->recipients->len, ==, 1);
	return g_ptr_array_index(f->recipients, 0);
}

/* A bounce notice: the recipient as a DSN group would give it. */
static void
test_bounce(void)
{
	ndr_findings *f = read_file("bsd/lhost-amazonses-09.eml");
	ndr_recipient *r = only_recipient(f);

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_DSN);
	g_assert_cmpstr(r->address, ==, "bounce@simulator.amazonses.com");
	g_assert_cmpstr(r->action, ==, "failed");
	g_assert_cmpstr(r->status, ==, "5.1.1");
	g_assert_cmpstr(r->reply_code, ==, "550");
	g_assert_cmpstr(r->diagnostic, ==, "550 5.1.1 user unknown");
	g_assert_cmpstr(f->reporting_mta, ==,
	                "a27-23.smtp-out.us-west-2.amazonses.com");
	g_assert_nonnull(f->original);
	/* SES's own id (mail.messageId) is not the RFC 5322 Message-ID. */
	g_assert_null(f->original->message_id);
	g_assert_cmpstr(f->original->from, ==, "kijitora@neko.example.org");
	g_assert_cmpuint(f->original->to->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->original->to, 0), ==,
	                "bounce@simulator.amazonses.com");
	g_assert_cmpstr(f->original->subject, ==, "nyaan");
	/* mail.timestamp: the original has no Date among its headers. */
	g_assert_cmpstr(f->original->date, ==, "2016-10-21T00:06:39Z");
	ndr_findings_free(f);
}

/*
 * The notice as a JSON string in SNS's envelope, its subject broken by
 * sendmail's "!", line end, space ("Nya!\n aan").
 */
static void
test_sns_envelope(void)
{
	ndr_findings *f = read_file("bsd/lhost-amazonses-10.eml");
	ndr_recipient *r = only_recipient(f);

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_DSN);
	g_assert_cmpstr(r->address, ==, "bounce@simulator.amazonses.com");
	g_assert_cmpstr(r->status, ==, "5.1.1");
	g_assert_cmpstr(f->original->subject, ==, "Nyaaan");
	ndr_findings_free(f);
}

static void
test_complaint(void)
{
	ndr_findings *f = read_file("bsd/lhost-amazonses-11.eml");
	ndr_recipient *r = only_recipient(f);

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_FEEDBACK);
	g_assert_cmpstr(r->address, ==, "complaint@simulator.amazonses.com");
	g_assert_cmpstr(r->reason, ==, "feedback");
	g_assert_null(r->action);
	g_assert_null(r->status);
	g_assert_cmpstr(f->original->from, ==, "kijitora@neko.example.jp");
	ndr_findings_free(f);
}

/* A delivery notice is a success DSN: action delivered, status 2.6.0. */
static void
test_delivery(void)
{
	ndr_findings *f = read_file("bsd/lhost-amazonses-12.eml");
	ndr_recipient *r = only_recipient(f);

	g_assert_cmpint(f->kind, ==, NDRCHECK_KIND_DSN);
	g_assert_cmpstr(r->address, ==, "success@simulator.amazonses.com");
	g_assert_cmpstr(r->action, ==, "delivered");
	g_assert_cmpstr(r->status, ==, "2.6.0");
	g_assert_cmpstr(r->reply_code, ==, "250");
	g_assert_cmpstr(r->diagnostic, ==, "250 2.6.0 Message received");
	g_assert_cmpstr(f->reporting_mta, ==,
	                "a27-29.smtp-out.us-west-2.amazonses.com");
	ndr_findings_free(f);
}

/*
 * Made up after Amazon's documented event-publishing format, which the
 * corpus lacks: eventType instead of notificationType, the original's
 * Message-ID in commonHeaders (and a trailer after the document).
 */
static void
test_delay_event(void)
{
	static const char text[] =
	    "{\"eventType\":\"DeliveryDelay\",\"mail\":{"
	    "\"timestamp\":\"2026-11-20T10:00:00.000Z\","
	    "\"source\":\"jan@example.org\",\"messageId\":\"0100-ses-id\","
	    "\"destination\":[\"x@example.net\"],"
	    "\"commonHeaders\":{\"from\":[\"Jan <jan@example.org>\"],"
	    "\"to\":[\"X <x@example.net>\"],"
	    "\"messageId\":\"<20261120.abc@example.org>\","
	    "\"subject\":\"Hello\"}},"
	    "\"deliveryDelay\":{\"delayType\":\"MailboxFull\","
	    "\"delayedRecipients\":[{\"emailAddress\":\"x@example.net\","
	    "\"status\":\"4.2.2\",\"diagnosticCode\":\"smtp; 452 4.2.2 "
	    "Mailbox full\"}],\"reportingMTA\":\"dsn; a1.example.com\"}}\n"
	    "--\nunsubscribe here\n";
	ndr_findings *f = ndr_findings_new();
	ndr_recipient *r;

	g_assert_cmpint(ndr_sesjson_read(text, strlen(text), f), ==,
	                NDRCHECK_KIND_DELAY);
	r = only_recipient(f);
	g_assert_cmpstr(r->action, ==, "delayed");
	g_assert_cmpstr(r->status, ==, "4.2.2");
	g_assert_cmpstr(r->diagnostic, ==, "452 4.2.2 Mailbox full");
	g_assert_cmpstr(f->reporting_mta, ==, "a1.example.com");
	g_assert_cmpstr(f->original->message_id, ==,
	                "20261120.abc@example.org");
	g_assert_cmpstr(f->original->from, ==, "jan@example.org");
	g_assert_cmpstr(g_ptr_array_index(f->original->to, 0), ==,
	                "x@example.net");
	g_assert_cmpstr(f->original->date, ==, "2026-11-20T10:00:00Z");
	ndr_findings_free(f);
}

/* JSON that is no SES notice, or none at all, leaves f alone. */
static void
test_not_ses(void)
{
	static const char *const texts[] = {
	    "{\"notificationType\":\"Open\",\"mail\":{\"source\":\"a@b.c\"}}",
	    "{\"Type\":\"Notification\",\"Message\":\"hello\"}",
	    "{\"bounce\":{\"bouncedRecipients\":[{\"emailAddress\":\"a@b\"}]}}",
	    "{\"notificationType\":\"Bounce\"",
	    "Dear customer, {\"notificationType\":\"Bounce\"}",
	    "",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(texts); i++) {
		ndr_findings *f = ndr_findings_new();

		g_assert_cmpint(ndr_sesjson_read(texts[i], strlen(texts[i]), f),
		                ==, NDRCHECK_KIND_NONE);
		g_assert_cmpuint(f->recipients->len, ==, 0);
		g_assert_null(f->original);
		ndr_findings_free(f);
	}
}

/* Nesting past the limit is refused before json-glib recurses into it. */
static void
test_too_deep(void)
{
	GString *s = g_string_new("{\"notificationType\":\"Bounce\",\"x\":");
	ndr_findings *f = ndr_findings_new();
	int i;

	for (i = 0; i < NDR_MAX_JSON_DEPTH; i++)
		g_string_append_c(s, '[');
	for (i = 0; i < NDR_MAX_JSON_DEPTH; i++)
		g_string_append_c(s, ']');
	g_string_append_c(s, '}');
	g_assert_cmpint(ndr_sesjson_read(s->str, s->len, f), ==,
	                NDRCHECK_KIND_NONE);
	/* One level less is read. */
	g_string_erase(s, s->len - 2, 1);
	g_string_erase(s, strlen("{\"notificationType\":\"Bounce\",\"x\":"), 1);
	g_assert_cmpint(ndr_sesjson_read(s->str, s->len, f), ==,
	                NDRCHECK_KIND_DSN);
	g_string_free(s, TRUE);
	ndr_findings_free(f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ndr_gmime_init();
	g_test_add_func("/sesjson/bounce", test_bounce);
	g_test_add_func("/sesjson/sns-envelope", test_sns_envelope);
	g_test_add_func("/sesjson/complaint", test_complaint);
	g_test_add_func("/sesjson/delivery", test_delivery);
	g_test_add_func("/sesjson/delay-event", test_delay_event);
	g_test_add_func("/sesjson/not-ses", test_not_ses);
	g_test_add_func("/sesjson/too-deep", test_too_deep);
	return g_test_run();
}
