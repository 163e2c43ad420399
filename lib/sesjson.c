/*
 * sesjson.c - read an Amazon SES notification carried as JSON in a
 * message body into findings (see sesjson.h).
 *
 * Why code and not rules: the notice is a structured document, not
 * prose.  Its recipients, their status and diagnostic, and the original
 * message sit in nested objects and arrays, and the SNS envelope holds
 * the notice as a JSON string inside JSON; only a JSON parser (json-glib)
 * reads that reliably.  No mailer phrase is involved: the field names are
 * Amazon's documented format.
 *
 * Kinds.  A bounce is a failure report, kind dsn; a delay notice is kind
 * delay; a complaint is a feedback-loop report about the message, kind
 * feedback, with reason "feedback" as Sisimai gives it.  A delivery
 * notice says the message was delivered: ndrcheck(1) has no kind for
 * success, and it is no ordinary mail either, since it reports on a
 * message sent earlier and the sent log can tell whether we sent it.  It
 * is read as a DSN whose recipients have Action "delivered" (what RFC
 * 3464 calls a success DSN, which report.c also keeps as kind dsn), so
 * its recipients carry status 2.x and reason "delivered", as in Sisimai.
 *
 * Message-ID.  SES names the message by its own id (mail.messageId),
 * which is not the RFC 5322 Message-ID the sender's log knows (SES
 * writes its id into a Message-ID of its own making, at a domain that
 * depends on the region).  Only the Message-ID among the original's
 * headers is taken; without one the verdict rests on the recipients.
 */
#include <string.h>

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

#include "dsn.h"
#include "ndrlimits.h"
#include "original.h"
#include "sesjson.h"

/* The notices read, by their notificationType (or eventType). */
static const struct notice {
	const char *type;       /* notificationType or eventType */
	const char *member;     /* the object describing it */
	const char *recipients; /* its array of recipients */
	const char *action;     /* what happened, unless a recipient says */
	const char *reason;     /* the reason it means, or NULL */
	ndrcheck_kind kind;
} notices[] = {
    {"Bounce", "bounce", "bouncedRecipients", "failed", NULL,
     NDRCHECK_KIND_DSN},
    {"Delivery", "delivery", "recipients", "delivered", NULL,
     NDRCHECK_KIND_DSN},
    {"DeliveryDelay", "deliveryDelay", "delayedRecipients", "delayed", NULL,
     NDRCHECK_KIND_DELAY},
    {"Complaint", "complaint", "complainedRecipients", NULL, "feedback",
     NDRCHECK_KIND_FEEDBACK},
};

/*
 * Sendmail breaks a line longer than its limit by writing "!", a line
 * end and a space: undo that.  In JSON a "!" can only stand inside a
 * string, where a raw line end cannot, so no valid document is changed.
 */
static GString *
unbreak_lines(const char *text, size_t len)
{
	GString *s = g_string_sized_new(len);
	size_t i, eol;

	for (i = 0; i < len; i++) {
		if (text[i] == '!') {
			eol = i + 1;
			if (eol < len && text[eol] == '\r')
				eol++;
			if (eol < len && text[eol] == '\n')
				eol++;
			if (eol > i + 1 && eol < len && text[eol] == ' ') {
				i = eol;
				continue;
			}
		}
		g_string_append_c(s, text[i]);
	}
	return s;
}

/*
 * The length of the JSON object s starts with (braces and brackets
 * balanced, strings skipped), so that the text after it (SNS appends
 * an unsubscribe note) is left out; 0 when it does not close, or nests
 * deeper than NDR_MAX_JSON_DEPTH, which also bounds json-glib's
 * recursion.
 */
static size_t
object_extent(const char *s, size_t len)
{
	gboolean quoted = FALSE;
	int depth = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (quoted) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				quoted = FALSE;
		} else if (s[i] == '"')
			quoted = TRUE;
		else if (s[i] == '{' || s[i] == '[') {
			if (++depth > NDR_MAX_JSON_DEPTH)
				return 0;
		} else if ((s[i] == '}' || s[i] == ']') && --depth <= 0)
			return depth == 0 ? i + 1 : 0;
	}
	return 0;
}

/*
 * The JSON object text starts with (after white space), parsed; NULL
 * when it is none.  The parser owns the result: unref the parser.
 */
static JsonObject *
parse_object(const char *text, size_t len, JsonParser **parser)
{
	GString *s;
	JsonNode *root;
	size_t n;

	*parser = NULL;
	while (len > 0 && g_ascii_isspace(*text)) {
		text++;
		len--;
	}
	if (len == 0 || *text != '{')
		return NULL;
	s = unbreak_lines(text, len);
	n = object_extent(s->str, s->len);
	*parser = json_parser_new();
	if (n == 0 || !json_parser_load_from_data(*parser, s->str, n, NULL) ||
	    (root = json_parser_get_root(*parser)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_string_free(s, TRUE);
		g_clear_object(parser);
		return NULL;
	}
	g_string_free(s, TRUE);
	return json_node_get_object(root);
}

/* Member name of o when it is a string, else NULL. */
static const char *
string_member(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static JsonObject *
object_member(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n)
	                                              : NULL;
}

static JsonArray *
array_member(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n)
	                                             : NULL;
}

static const struct notice *
notice_of(JsonObject *o)
{
	const char *type = string_member(o, "notificationType");
	size_t i;

	if (type == NULL)
		type = string_member(o, "eventType");
	for (i = 0; type != NULL && i < G_N_ELEMENTS(notices); i++)
		if (strcmp(notices[i].type, type) == 0)
			return &notices[i];
	return NULL;
}

/* One recipient: an address string, or an object with its fields. */
static void
add_recipient(ndr_findings *f, const struct notice *n, JsonObject *about,
              JsonNode *node)
{
	ndr_dsn_group g = {.action = n->action};
	JsonObject *o;
	ndr_recipient *r;

	g.diagnostic = string_member(about, "smtpResponse");
	if (JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_STRING) {
		g.final_recipient = json_node_get_string(node);
	} else if (JSON_NODE_HOLDS_OBJECT(node)) {
		o = json_node_get_object(node);
		g.final_recipient = string_member(o, "emailAddress");
		if (string_member(o, "action") != NULL)
			g.action = string_member(o, "action");
		g.status = string_member(o, "status");
		if (string_member(o, "diagnosticCode") != NULL)
			g.diagnostic = string_member(o, "diagnosticCode");
	}
	if (g.final_recipient == NULL)
		return;
	r = ndr_dsn_add_group(f, &g);
	if (r != NULL)
		ndr_set_field(&r->reason, n->reason, TRUE);
}

static void
read_recipients(ndr_findings *f, const struct notice *n, JsonObject *about)
{
	JsonArray *list = array_member(about, n->recipients);
	guint i, len = list != NULL ? json_array_get_length(list) : 0;
	const char *mta = string_member(about, "reportingMTA");
	char *v;

	for (i = 0; i < len && i < NDR_MAX_RECIPIENTS; i++)
		add_recipient(f, n, about, json_array_get_element(list, i));
	if (mta != NULL) {
		v = ndr_dsn_mta(mta);
		ndr_set_field(&f->reporting_mta, v, TRUE);
		g_free(v);
	}
}

/* A string, or the strings of an array joined by ", ", as a header. */
static void
append_header(GMimeHeaderList *list, const char *name, JsonNode *value)
{
	GString *s;
	JsonArray *a;
	guint i;

	if (value == NULL)
		return;
	if (JSON_NODE_HOLDS_VALUE(value) &&
	    json_node_get_value_type(value) == G_TYPE_STRING) {
		g_mime_header_list_append(list, name,
		                          json_node_get_string(value), NULL);
		return;
	}
	if (!JSON_NODE_HOLDS_ARRAY(value))
		return;
	a = json_node_get_array(value);
	s = g_string_new(NULL);
	for (i = 0; i < json_array_get_length(a) && i < NDR_MAX_RECIPIENTS;
	     i++) {
		const char *v = json_array_get_string_element(a, i);

		if (v == NULL)
			continue;
		if (s->len > 0)
			g_string_append(s, ", ");
		g_string_append(s, v);
	}
	if (s->len > 0)
		g_mime_header_list_append(list, name, s->str, NULL);
	g_string_free(s, TRUE);
}

/* The original's header fields as SES lists them: {name, value} pairs. */
static GMimeHeaderList *
listed_headers(JsonObject *mail)
{
	GMimeHeaderList *list =
	    g_mime_header_list_new(g_mime_parser_options_get_default());
	JsonArray *a = array_member(mail, "headers");
	guint i, n = a != NULL ? json_array_get_length(a) : 0;

	for (i = 0; i < n && i < NDR_MAX_HEADERS; i++) {
		JsonNode *e = json_array_get_element(a, i);
		JsonObject *h;
		const char *name;

		if (!JSON_NODE_HOLDS_OBJECT(e))
			continue;
		h = json_node_get_object(e);
		name = string_member(h, "name");
		if (name != NULL && *name != '\0')
			append_header(list, name,
			              json_object_get_member(h, "value"));
	}
	return list;
}

/* The headers SES sums up in commonHeaders. */
static GMimeHeaderList *
common_headers(JsonObject *mail)
{
	static const char *const names[][2] = {
	    {"messageId", "Message-ID"},
	    {"from", "From"},
	    {"to", "To"},
	    {"cc", "Cc"},
	    {"subject", "Subject"},
	    {"date", "Date"},
	};
	GMimeHeaderList *list =
	    g_mime_header_list_new(g_mime_parser_options_get_default());
	JsonObject *common = object_member(mail, "commonHeaders");
	size_t i;

	for (i = 0; common != NULL && i < G_N_ELEMENTS(names); i++)
		append_header(list, names[i][1],
		              json_object_get_member(common, names[i][0]));
	return list;
}

/* The envelope: sender, destination and the time SES took the mail. */
static GMimeHeaderList *
envelope_headers(JsonObject *mail)
{
	GMimeHeaderList *list =
	    g_mime_header_list_new(g_mime_parser_options_get_default());
	const char *when = string_member(mail, "timestamp");
	GDateTime *dt =
	    when != NULL ? g_date_time_new_from_iso8601(when, NULL) : NULL;
	char *date;

	append_header(list, "From", json_object_get_member(mail, "source"));
	append_header(list, "To", json_object_get_member(mail, "destination"));
	if (dt != NULL) {
		date = g_mime_utils_header_format_date(dt);
		g_mime_header_list_append(list, "Date", date, NULL);
		g_free(date);
		g_date_time_unref(dt);
	}
	return list;
}

/*
 * The original, from the most faithful source first: the header fields
 * as sent, then SES's summary of them, then the envelope.  Each source
 * only fills what the ones before left empty.
 */
static void
read_mail(ndr_findings *f, JsonObject *mail)
{
	GMimeHeaderList *(*const sources[])(JsonObject *) = {
	    listed_headers, common_headers, envelope_headers};
	size_t i;

	if (mail == NULL)
		return;
	for (i = 0; i < G_N_ELEMENTS(sources); i++) {
		GMimeHeaderList *list = sources[i](mail);

		ndr_original_from_headers(f, list);
		g_object_unref(list);
	}
}

ndrcheck_kind
ndr_sesjson_read(const char *text, size_t len, ndr_findings *f)
{
	JsonParser *outer, *inner = NULL;
	JsonObject *o = parse_object(text, len, &outer);
	const struct notice *n = notice_of(o);
	const char *message;

	/* SNS wraps the notice as a string in its own envelope. */
	if (n == NULL && (message = string_member(o, "Message")) != NULL) {
		o = parse_object(message, strlen(message), &inner);
		n = notice_of(o);
	}
	if (n != NULL) {
		read_recipients(f, n, object_member(o, n->member));
		read_mail(f, object_member(o, "mail"));
	}
	g_clear_object(&inner);
	g_clear_object(&outer);
	return n != NULL ? n->kind : NDRCHECK_KIND_NONE;
}
