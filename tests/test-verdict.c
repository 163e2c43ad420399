/*
 * test-verdict.c - every rule of ndrcheck.conf(5) "HOW THE KEYS ARE USED",
 * with its evidence.
 *
 * The findings are those the parse stages give for real bounces of
 * testdata/set-of-emails (values written in below, file named beside
 * them); the sent log is a temporary one filled through sentlog.h.
 */
#include <string.h>

#include "error.h"
#include "tmptree.h"
#include "verdict.h"

/* lhost-postfix-03.eml: the returned message and the report. */
#define PF03_ID          "20140701000000.000000000000@e1.example.ne.jp"
#define PF03_TO          "kijitora@example.net"
#define PF03_ORIG_DATE   1404225959 /* 2014-07-01T14:45:59Z */
#define PF03_REPORT_DATE 1404225901 /* Thu, 1 Jul 2014 23:45:01 +0900 */
/* lhost-sendmail-01.eml */
#define SM01_ID "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org"
#define SM01_TO "userunknown@bouncehammer.jp"
#define DAY     86400

typedef struct fixture {
	char *dir;
	ndr_sentlog *log;
	ndr_config cfg;
	GPtrArray *evidence;
} fixture;

static void
add_sent(fixture *fx, const char *id, gint64 date, const char *to)
{
	GPtrArray *rcpt = g_ptr_array_new();
	ndr_sent s = {.message_id = id,
	              .date = date,
	              .from = "me@example.org",
	              .to = rcpt};
	GError *err = NULL;
	gboolean added;

	g_ptr_array_add(rcpt, (gpointer)to);
	g_assert_true(ndr_sentlog_add(fx->log, &s, &added, &err));
	g_assert_no_error(err);
	g_assert_true(added);
	g_ptr_array_unref(rcpt);
}

/* A sent log whose earliest record is start. */
static void
setup(fixture *fx, gint64 start)
{
	GError *err = NULL;
	char *path;

	fx->dir = tmptree_new();
	path = g_build_filename(fx->dir, "sent.db", NULL);
	fx->log = ndr_sentlog_open(path, FALSE, &err);
	g_assert_no_error(err);
	g_free(path);
	memset(&fx->cfg, 0, sizeof(fx->cfg));
	fx->cfg.window_days = 30;
	fx->evidence = g_ptr_array_new_with_free_func(g_free);
	if (start != 0)
		add_sent(fx, "coverage-start@example.org", start,
		         "old@example.net");
}

static void
teardown(fixture *fx)
{
	ndr_sentlog_close(fx->log);
	tmptree_free(fx->dir);
	g_strfreev(fx->cfg.relays);
	g_strfreev(fx->cfg.addresses);
	g_ptr_array_unref(fx->evidence);
}

/* The findings of lhost-postfix-03.eml; id NULL drops its Message-ID. */
static ndr_findings *
pf03(const char *id)
{
	ndr_findings *f = ndr_findings_new();
	ndr_original *o;

	f->kind = NDRCHECK_KIND_DSN;
	f->date_unix = PF03_REPORT_DATE;
	ndr_findings_recipient(f, PF03_TO);
	o = ndr_findings_original(f);
	ndr_set_field(&o->message_id, id, FALSE);
	ndr_set_field(&o->from, "shironeko@example.jp", FALSE);
	o->date_unix = PF03_ORIG_DATE;
	return f;
}

static ndrcheck_verdict
decide(fixture *fx, ndr_sentlog *log, const ndr_findings *f)
{
	ndrcheck_verdict v = NDRCHECK_NOT_BOUNCE;
	GError *err = NULL;

	g_ptr_array_set_size(fx->evidence, 0);
	g_assert_true(
	    ndr_verdict_decide(log, &fx->cfg, f, &v, fx->evidence, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(fx->evidence->len, >, 0);
	return v;
}

#define FIRST(fx) ((const char *)(fx)->evidence->pdata[0])

/* Rule 1: the Message-ID is in the sent log. */
static void
test_rule1(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	add_sent(&fx, PF03_ID, PF03_ORIG_DATE, PF03_TO);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "Message-ID <" PF03_ID "> is in the sent log "
	                "(sent 2014-07-01 to " PF03_TO ")");
	ndr_findings_free(f);
	teardown(&fx);
}

/*
 * Who wrote it: a message whose own Message-ID is in the log is ours
 * (not-bounce) even when what it quotes is not, unless the report gave
 * itself the id of the message it returns (some MTAs do).
 */
static void
test_own_message(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	add_sent(&fx, "mine@example.org", PF03_ORIG_DATE + DAY, PF03_TO);
	ndr_set_field(&f->message_id, "mine@example.org", FALSE);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_NOT_BOUNCE);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "this is a message you sent: its own Message-ID "
	                "<mine@example.org> is in the sent log (sent "
	                "2014-07-02)");
	/* Not ours: the returned original's id decides as before. */
	g_free(f->message_id);
	f->message_id = g_strdup("report@mx.example.jp");
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	/* A report carrying its original's id is judged by that id. */
	add_sent(&fx, PF03_ID, PF03_ORIG_DATE, PF03_TO);
	g_free(f->message_id);
	f->message_id = g_strdup(PF03_ID);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	ndr_findings_free(f);
	teardown(&fx);
}

/* A report that nothing shows a machine wrote is never backscatter. */
static void
test_unproven(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	f->unproven = TRUE;
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_nonnull(strstr(FIRST(&fx), "shows that a machine wrote it"));
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 2: present, not in the log, and the log covers its date. */
static void
test_rule2_backscatter(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	/* The failed recipient was mailed by us: the Message-ID decides. */
	add_sent(&fx, SM01_ID, PF03_ORIG_DATE - DAY, PF03_TO);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "Message-ID <" PF03_ID "> is not in the sent log");
	ndr_findings_free(f);
	teardown(&fx);
}

/*
 * Rule 2 needs the ids of what we sent: a failed recipient mailed in a
 * message recorded without its Message-ID (the MTA added one) makes the
 * unknown id no proof of forgery, and the recipient decides.
 */
static void
test_rule2_sent_without_id(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	add_sent(&fx, "0123abcd@ndrcheck.invalid", PF03_ORIG_DATE, PF03_TO);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	g_assert_cmpstr(FIRST(&fx), ==,
	                PF03_TO " was mailed by us on 2014-07-01 in a message "
	                        "recorded without its Message-ID, so <" PF03_ID
	                        "> may well be ours");
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 2: but the original is older than the log's earliest record. */
static void
test_rule2_predates(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, PF03_ORIG_DATE + 10 * DAY);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "the original (dated 2014-07-01) predates the sent log "
	                "(from 2014-07-11)");
	/* Without the original's Date, the report's own date tells. */
	f->original->date_unix = 0;
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "the report (dated 2014-07-01) predates the sent log "
	                "(from 2014-07-11)");
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 3: no Message-ID, a failed recipient mailed within the window. */
static void
test_rule3_genuine(void)
{
	fixture fx;
	ndr_findings *f = pf03(NULL);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	add_sent(&fx, SM01_ID, PF03_REPORT_DATE - 3 * DAY,
	         "KijiTora@Example.NET");
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    PF03_TO " was mailed by us on 2014-06-28, within 30 days before "
	            "the report");
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 3: recipients known, none mailed, and the log covers the window. */
static void
test_rule3_backscatter(void)
{
	fixture fx;
	ndr_findings *f = pf03(NULL);

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	/* Mailed, but 40 days before the report: outside the window. */
	add_sent(&fx, SM01_ID, PF03_REPORT_DATE - 40 * DAY, PF03_TO);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    PF03_TO " was not mailed by us in the 30 days before the report");
	/* Several recipients: named together. */
	ndr_findings_recipient(f, SM01_TO);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "none of " PF03_TO ", " SM01_TO
	                " was mailed by us in the 30 days "
	                "before the report");
	/* A longer configured window reaches the message 40 days back. */
	fx.cfg.window_days = 45;
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 3: none mailed, but the log does not cover the whole window. */
static void
test_rule3_uncovered(void)
{
	fixture fx;
	ndr_findings *f = pf03(NULL);

	setup(&fx, PF03_REPORT_DATE - 10 * DAY);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    PF03_TO " was not mailed by us since the sent log starts on "
	            "2014-06-21, within the 30 days before the report: cannot "
	            "tell");
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 3: nothing identifies the original. */
static void
test_rule3_nothing(void)
{
	fixture fx;
	ndr_findings *f = ndr_findings_new();

	f->kind = NDRCHECK_KIND_NDR;
	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "nothing in it identifies the original message");
	ndr_findings_free(f);
	teardown(&fx);
}

/* An empty or missing sent log knows nothing: unknown, never backscatter. */
static void
test_empty(void)
{
	fixture fx;
	ndr_findings *f = pf03(PF03_ID);

	setup(&fx, 0);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(FIRST(&fx), ==, "the sent log is empty: cannot tell");
	g_assert_cmpint(decide(&fx, NULL, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpstr(FIRST(&fx), ==, "the sent log is empty: cannot tell");
	ndr_findings_free(f);
	teardown(&fx);
}

static void
test_not_bounce(void)
{
	fixture fx;
	ndr_findings *f = ndr_findings_new();

	setup(&fx, PF03_ORIG_DATE);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_NOT_BOUNCE);
	ndr_findings_free(f);
	teardown(&fx);
}

/*
 * Replies (auto-reply, challenge, MDN) are matched by the ids they
 * answer; a DSN's own In-Reply-To is not the original's.
 */
static void
test_reply_ids(void)
{
	fixture fx;
	ndr_findings *f = ndr_findings_new();

	setup(&fx, PF03_ORIG_DATE - 400 * DAY);
	add_sent(&fx, SM01_ID, PF03_ORIG_DATE, SM01_TO);
	f->kind = NDRCHECK_KIND_AUTO_REPLY;
	f->date_unix = PF03_REPORT_DATE;
	ndr_findings_add_reply_id(f, "not-ours@example.net");
	ndr_findings_add_reply_id(f, SM01_ID);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	g_assert_cmpstr(FIRST(&fx), ==,
	                "Message-ID <" SM01_ID
	                "> is in the sent log (sent 2014-07-01 to " SM01_TO
	                ")");
	f->kind = NDRCHECK_KIND_CHALLENGE;
	g_ptr_array_set_size(f->reply_ids, 1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    "Message-ID <not-ours@example.net> is not in the sent log");
	f->kind = NDRCHECK_KIND_DSN;
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	ndr_findings_free(f);
	teardown(&fx);
}

/* Rule 4: our relays and addresses decide what rules 1-3 leave open. */
static void
test_rule4(void)
{
	fixture fx;
	ndr_findings *f = pf03(NULL);
	ndr_original *o = f->original;

	setup(&fx, PF03_REPORT_DATE - 10 * DAY); /* rule 3: unknown */
	o->received = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(
	    o->received,
	    g_strdup("from e1.example.ne.jp (e1.example.ne.jp [192.0.2.8]) "
	             "by mx.example.net (Postfix) with ESMTP id 000000000"));
	fx.cfg.relays = g_strsplit("smtp.example.org", ";", -1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    "the returned message's Received fields name none of our relays");
	g_strfreev(fx.cfg.relays);
	/* A whole host name, not a prefix of another one. */
	fx.cfg.relays = g_strsplit("e1.example.ne", ";", -1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_strfreev(fx.cfg.relays);
	fx.cfg.relays = g_strsplit("e1.example.ne.jp", ";", -1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_GENUINE);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    "the returned message passed our relay e1.example.ne.jp");
	g_strfreev(fx.cfg.relays);
	fx.cfg.relays = NULL;

	fx.cfg.addresses = g_strsplit("jan@example.org", ";", -1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_BACKSCATTER);
	g_assert_cmpstr(
	    FIRST(&fx), ==,
	    "the returned From shironeko@example.jp is not one of our "
	    "addresses");
	/* Our own From proves nothing: backscatter carries it too. */
	g_strfreev(fx.cfg.addresses);
	fx.cfg.addresses = g_strsplit("Shironeko@example.jp", ";", -1);
	g_assert_cmpint(decide(&fx, fx.log, f), ==, NDRCHECK_UNKNOWN);
	g_assert_cmpuint(fx.evidence->len, ==, 2);
	g_assert_cmpstr(
	    fx.evidence->pdata[1], ==,
	    "the returned From shironeko@example.jp is one of our addresses");
	ndr_findings_free(f);
	teardown(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/verdict/rule1-in-log", test_rule1);
	g_test_add_func("/verdict/rule2-not-in-log", test_rule2_backscatter);
	g_test_add_func("/verdict/own-message", test_own_message);
	g_test_add_func("/verdict/unproven", test_unproven);
	g_test_add_func("/verdict/rule2-sent-without-id",
	                test_rule2_sent_without_id);
	g_test_add_func("/verdict/rule2-predates", test_rule2_predates);
	g_test_add_func("/verdict/rule3-recipient-mailed", test_rule3_genuine);
	g_test_add_func("/verdict/rule3-none-mailed", test_rule3_backscatter);
	g_test_add_func("/verdict/rule3-not-covered", test_rule3_uncovered);
	g_test_add_func("/verdict/rule3-nothing", test_rule3_nothing);
	g_test_add_func("/verdict/empty-log", test_empty);
	g_test_add_func("/verdict/not-bounce", test_not_bounce);
	g_test_add_func("/verdict/reply-ids", test_reply_ids);
	g_test_add_func("/verdict/rule4-config", test_rule4);
	return g_test_run();
}
