/*
 * test-json.c - ndrcheck_result_json(): the object of ndrcheck(1) on
 * real messages, checked member by member: every member present with
 * its type, message_id without angle brackets, original null when
 * nothing of it was found, unknown values null rather than invented,
 * reasons from Sisimai's vocabulary, and "file" only when asked for.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ndrcheck.h"

#define SOE      NDR_SRCDIR "/testdata/set-of-emails/maildir/"
#define DELIVERY NDR_SRCDIR "/testdata/delivery/"

static const char *const reasons[] = {"authfailure",
                                      "badreputation",
                                      "blocked",
                                      "contenterror",
                                      "delivered",
                                      "exceedlimit",
                                      "expired",
                                      "feedback",
                                      "filtered",
                                      "hasmoved",
                                      "hostunknown",
                                      "mailboxfull",
                                      "mailererror",
                                      "mesgtoobig",
                                      "networkerror",
                                      "norelaying",
                                      "notaccept",
                                      "notcompliantrfc",
                                      "onhold",
                                      "policyviolation",
                                      "rejected",
                                      "requireptr",
                                      "securityerror",
                                      "spamdetected",
                                      "speeding",
                                      "suspend",
                                      "syntaxerror",
                                      "systemerror",
                                      "systemfull",
                                      "toomanyconn",
                                      "undefined",
                                      "userunknown",
                                      "vacation",
                                      "virusdetected",
                                      NULL};

/* A private home, sent log and rules for each test. */
typedef struct fixture {
	char *dir;
	ndrcheck *h;
} fixture;

static void
setup(fixture *fx, gconstpointer unused)
{
	ndrcheck_options opts = {0};
	GError *err = NULL;
	char *db;

	fx->dir = g_dir_make_tmp("ndrcheck-json-XXXXXX", &err);
	g_assert_no_error(err);
	/* Nothing of the user's own configuration may leak in. */
	g_setenv("HOME", fx->dir, TRUE);
	g_setenv("XDG_CONFIG_HOME", fx->dir, TRUE);
	g_setenv("XDG_DATA_HOME", fx->dir, TRUE);
	g_unsetenv("NDRCHECK_DB");
	db = g_build_filename(fx->dir, "sent.db", NULL);
	opts.db_path = db;
	opts.rules_dir = NDR_SRCDIR "/rules";
	g_assert_cmpint(ndrcheck_open(&fx->h, &opts), ==, NDRCHECK_OK);
	g_free(db);
}

static void
remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(path, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			remove_tree(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(path);
}

static void
teardown(fixture *fx, gconstpointer unused)
{
	ndrcheck_close(fx->h);
	remove_tree(fx->dir);
	g_free(fx->dir);
}

static void
record(fixture *fx, const char *path)
{
	ndrcheck_message *m = NULL;

	g_assert_cmpint(ndrcheck_message_open_file(&m, path), ==, NDRCHECK_OK);
	g_assert_cmpint(ndrcheck_record(fx->h, m), ==, NDRCHECK_OK);
	ndrcheck_message_free(m);
}

/* Members of o, sorted and comma-joined, to compare with a list. */
static char *
member_names(JsonObject *o)
{
	GList *names = json_object_get_members(o), *l;
	GString *s = g_string_new(NULL);

	names = g_list_sort(names, (GCompareFunc)strcmp);
	for (l = names; l != NULL; l = l->next)
		g_string_append_printf(s, "%s%s", s->len ? "," : "",
		                       (const char *)l->data);
	g_list_free(names);
	return g_string_free(s, FALSE);
}

static void
assert_members(JsonObject *o, const char *want)
{
	char *got = member_names(o);

	g_assert_cmpstr(got, ==, want);
	g_free(got);
}

/* A string or null; never an empty string passed off as a value. */
static void
assert_string_or_null(JsonObject *o, const char *member)
{
	JsonNode *n = json_object_get_member(o, member);

	g_assert_nonnull(n);
	if (JSON_NODE_HOLDS_NULL(n))
		return;
	g_assert_true(JSON_NODE_HOLDS_VALUE(n));
	g_assert_cmpint(json_node_get_value_type(n), ==, G_TYPE_STRING);
	g_assert_cmpstr(json_node_get_string(n), !=, "");
}

static void
assert_string_array(JsonObject *o, const char *member)
{
	JsonArray *a = json_object_get_array_member(o, member);
	guint i;

	g_assert_nonnull(a);
	for (i = 0; i < json_array_get_length(a); i++)
		g_assert_cmpint(
		    json_node_get_value_type(json_array_get_element(a, i)), ==,
		    G_TYPE_STRING);
}

static void
check_original(JsonObject *top)
{
	JsonNode *n = json_object_get_member(top, "original");
	JsonObject *o;
	const char *id;

	if (JSON_NODE_HOLDS_NULL(n))
		return;
	o = json_node_get_object(n);
	assert_members(o, "date,from,message_id,subject,to");
	assert_string_or_null(o, "message_id");
	assert_string_or_null(o, "from");
	assert_string_or_null(o, "subject");
	assert_string_or_null(o, "date");
	assert_string_array(o, "to");
	id = json_object_get_string_member(o, "message_id");
	if (id != NULL) {
		g_assert_null(strchr(id, '<'));
		g_assert_null(strchr(id, '>'));
	}
}

static void
check_recipients(JsonObject *top)
{
	JsonArray *a = json_object_get_array_member(top, "recipients");
	guint i;

	g_assert_nonnull(a);
	for (i = 0; i < json_array_get_length(a); i++) {
		JsonObject *r = json_array_get_object_element(a, i);
		const char *reason;

		assert_members(
		    r,
		    "action,address,diagnostic,final_recipient,reason,status");
		assert_string_or_null(r, "address");
		assert_string_or_null(r, "final_recipient");
		assert_string_or_null(r, "action");
		assert_string_or_null(r, "status");
		assert_string_or_null(r, "diagnostic");
		assert_string_or_null(r, "reason");
		reason = json_object_get_string_member(r, "reason");
		if (reason != NULL)
			g_assert_true(g_strv_contains(reasons, reason));
	}
}

/* The schema of ndrcheck(1) JSON OUTPUT, whatever the message. */
static void
check_schema(JsonObject *top, gboolean with_file)
{
	static const char *const verdicts[] = {"backscatter", "genuine",
	                                       "not-bounce", "unknown", NULL};
	static const char *const kinds[] = {
	    "dsn",          "delay", "ndr",      "auto-reply", "challenge",
	    "virus-notice", "mdn",   "feedback", "none",       NULL};

	assert_members(top, with_file
	                        ? "envelope,evidence,file,kind,message_id,"
	                          "original,proof,recipients,reporting_mta,"
	                          "signatures,verdict"
	                        : "envelope,evidence,kind,message_id,original,"
	                          "proof,recipients,reporting_mta,signatures,"
	                          "verdict");
	g_assert_true(g_strv_contains(
	    verdicts, json_object_get_string_member(top, "verdict")));
	g_assert_true(
	    g_strv_contains(kinds, json_object_get_string_member(top, "kind")));
	check_original(top);
	check_recipients(top);
	assert_string_or_null(top, "message_id");
	assert_string_or_null(top, "reporting_mta");
	/* No dkim_domains, no envelope field in the corpus: nothing. */
	g_assert_true(json_node_is_null(json_object_get_member(top, "proof")));
	g_assert_true(
	    json_node_is_null(json_object_get_member(top, "envelope")));
	g_assert_cmpuint(json_array_get_length(
	                     json_object_get_array_member(top, "signatures")),
	                 ==, 0);
	assert_string_array(top, "evidence");
	/* Every verdict carries its evidence (ndrcheck(1), JSON OUTPUT). */
	g_assert_cmpuint(json_array_get_length(
	                     json_object_get_array_member(top, "evidence")),
	                 >, 0);
}

/* Classify a file and parse its JSON; json_node_unref() the result. */
static JsonNode *
classify_json(fixture *fx, const char *path, const char *file)
{
	ndrcheck_result *r = NULL;
	JsonParser *p = json_parser_new();
	GError *err = NULL;
	JsonNode *root;
	char *json;

	g_assert_cmpint(ndrcheck_classify_file(fx->h, path, &r), ==,
	                NDRCHECK_OK);
	json = ndrcheck_result_json(r, file);
	/* One object on one line: scan prints JSON lines. */
	g_assert_null(strchr(json, '\n'));
	g_assert_true(json_parser_load_from_data(p, json, -1, &err));
	g_assert_no_error(err);
	root = json_node_copy(json_parser_get_root(p));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	check_schema(json_node_get_object(root), file != NULL);
	free(json);
	ndrcheck_result_free(r);
	g_object_unref(p);
	return root;
}

static const char *
member_string(JsonObject *o, const char *member)
{
	return json_object_get_string_member(o, member);
}

/*
 * Every value of a real DSN, as read from the message (they agree with
 * what Sisimai extracts); with an empty sent log the verdict is unknown.
 */
static void
test_dsn_values(fixture *fx, gconstpointer unused)
{
	JsonNode *root = classify_json(fx, SOE "bsd/lhost-amavis-01.eml", NULL);
	JsonObject *top = json_node_get_object(root), *o, *rc;
	JsonArray *to, *rcpts;

	g_assert_cmpstr(member_string(top, "verdict"), ==, "unknown");
	g_assert_cmpstr(member_string(top, "kind"), ==, "dsn");
	g_assert_cmpstr(member_string(top, "reporting_mta"), ==,
	                "neko1.example.com");
	/* The bounce's own Message-ID, not the one it quotes. */
	g_assert_cmpstr(member_string(top, "message_id"), ==,
	                "DSNmDLeZEmP008628@neko1.example.com");
	o = json_object_get_object_member(top, "original");
	g_assert_cmpstr(
	    member_string(o, "message_id"), ==,
	    "Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net");
	g_assert_cmpstr(member_string(o, "from"), ==, "kijitora@example.co.jp");
	g_assert_cmpstr(member_string(o, "subject"), ==, "Nyaan");
	g_assert_cmpstr(member_string(o, "date"), ==, "2010-04-29T14:34:45Z");
	to = json_object_get_array_member(o, "to");
	g_assert_cmpuint(json_array_get_length(to), ==, 1);
	g_assert_cmpstr(json_array_get_string_element(to, 0), ==,
	                "neko@example.co.jp");
	rcpts = json_object_get_array_member(top, "recipients");
	g_assert_cmpuint(json_array_get_length(rcpts), ==, 1);
	rc = json_array_get_object_element(rcpts, 0);
	g_assert_cmpstr(member_string(rc, "address"), ==, "neko@example.co.jp");
	g_assert_cmpstr(member_string(rc, "action"), ==, "failed");
	g_assert_cmpstr(member_string(rc, "status"), ==, "5.1.1");
	g_assert_cmpstr(member_string(rc, "reason"), ==, "userunknown");
	g_assert_cmpstr(member_string(rc, "diagnostic"), ==,
	                "550 5.1.1 <neko@example.co.jp>: Recipient address "
	                "rejected: User unknown in virtual mailbox table");
	json_node_unref(root);
}

/* Ordinary mail: not-bounce, and nothing found is nothing invented. */
static void
test_not_bounce(fixture *fx, gconstpointer unused)
{
	JsonNode *root =
	    classify_json(fx, SOE "not/is-not-bounce-02.eml", NULL);
	JsonObject *top = json_node_get_object(root);

	g_assert_cmpstr(member_string(top, "verdict"), ==, "not-bounce");
	g_assert_cmpstr(member_string(top, "kind"), ==, "none");
	/* Read from the header alone (the fast path), the first one. */
	g_assert_cmpstr(member_string(top, "message_id"), ==,
	                "A3CE5E53-2501-4A47-9E48-ACB6137B9E96@example.com");
	g_assert_true(
	    JSON_NODE_HOLDS_NULL(json_object_get_member(top, "original")));
	g_assert_true(
	    JSON_NODE_HOLDS_NULL(json_object_get_member(top, "reporting_mta")));
	g_assert_cmpuint(json_array_get_length(
	                     json_object_get_array_member(top, "recipients")),
	                 ==, 0);
	json_node_unref(root);
}

/* An out-of-office reply is an auto-reply, with its evidence. */
static void
test_auto_reply(fixture *fx, gconstpointer unused)
{
	JsonNode *root = classify_json(fx, SOE "bsd/rfc3834-01.eml", NULL);
	JsonObject *top = json_node_get_object(root);

	g_assert_cmpstr(member_string(top, "kind"), ==, "auto-reply");
	g_assert_cmpstr(member_string(top, "verdict"), !=, "not-bounce");
	json_node_unref(root);
}

/*
 * With a sent log: the bounce of a message we sent is genuine, one of a
 * message we did not send (newer than the log's first record) is
 * backscatter, and the evidence names the Message-ID it went by.
 */
static void
test_verdicts(fixture *fx, gconstpointer unused)
{
	JsonNode *root;
	JsonObject *top;
	const char *evidence;

	record(fx, DELIVERY "lhost-postfix-04.sent.eml");
	root = classify_json(fx, SOE "bsd/lhost-postfix-04.eml", NULL);
	top = json_node_get_object(root);
	g_assert_cmpstr(member_string(top, "verdict"), ==, "genuine");
	evidence = json_array_get_string_element(
	    json_object_get_array_member(top, "evidence"), 0);
	g_assert_nonnull(strstr(
	    evidence, "A8F82EDD-E518-4F5C-8C70-BC4EFF24AB9F@example.ne.jp"));
	json_node_unref(root);

	root = classify_json(fx, SOE "bsd/lhost-sendmail-01.eml", NULL);
	top = json_node_get_object(root);
	g_assert_cmpstr(member_string(top, "verdict"), ==, "backscatter");
	evidence = json_array_get_string_element(
	    json_object_get_array_member(top, "evidence"), 0);
	g_assert_nonnull(strstr(
	    evidence, "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org"));
	json_node_unref(root);
}

/* A message without a Message-ID: null, not invented. */
static void
test_no_message_id(fixture *fx, gconstpointer unused)
{
	char *path = g_build_filename(fx->dir, "no-id.eml", NULL);
	JsonNode *root;

	g_assert_true(g_file_set_contents(path,
	                                  "From: a@example.org\n"
	                                  "Subject: no id\n\nHello.\n",
	                                  -1, NULL));
	root = classify_json(fx, path, NULL);
	g_assert_true(JSON_NODE_HOLDS_NULL(
	    json_object_get_member(json_node_get_object(root), "message_id")));
	json_node_unref(root);
	g_free(path);
}

/* "file" is there only when given, and a path that is not UTF-8 is mended. */
static void
test_file_member(fixture *fx, gconstpointer unused)
{
	JsonNode *root =
	    classify_json(fx, SOE "bsd/lhost-amavis-01.eml", "cur/1.host:2,S");
	JsonObject *top = json_node_get_object(root);

	g_assert_cmpstr(member_string(top, "file"), ==, "cur/1.host:2,S");
	json_node_unref(root);
	root = classify_json(fx, SOE "bsd/lhost-amavis-01.eml", "cur/\xff.x");
	top = json_node_get_object(root);
	g_assert_true(g_utf8_validate(member_string(top, "file"), -1, NULL));
	g_assert_true(g_str_has_prefix(member_string(top, "file"), "cur/"));
	json_node_unref(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/json/dsn-values", fixture, NULL, setup, test_dsn_values,
	           teardown);
	g_test_add("/json/not-bounce", fixture, NULL, setup, test_not_bounce,
	           teardown);
	g_test_add("/json/auto-reply", fixture, NULL, setup, test_auto_reply,
	           teardown);
	g_test_add("/json/verdicts", fixture, NULL, setup, test_verdicts,
	           teardown);
	g_test_add("/json/no-message-id", fixture, NULL, setup,
	           test_no_message_id, teardown);
	g_test_add("/json/file-member", fixture, NULL, setup, test_file_member,
	           teardown);
	return g_test_run();
}
