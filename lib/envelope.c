/*
 * envelope.c - the address a bounce was delivered to, and its BATV tag
 * (see envelope.h).
 *
 * Our MTA puts its X-Original-To or Delivered-To on top of what it
 * delivers; fields further down may be the sender's own, so only the
 * first is read.  The BATV tag (draft-levine-smtp-batv, "prvs") is
 * K DDD SSSSSS: key number K, DDD the day it expires (days since 1970,
 * modulo 1000), SSSSSS the first three bytes of the HMAC-SHA1, in hex,
 * of "K DDD" and the address it stands for, under key K.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "envelope.h"
#include "ndrlimits.h"

#define DAY  86400
#define PRVS "prvs="
/* K DDD SSSSSS */
#define TAG_LEN 10

/* The first field name of hdr ("Name: value\n" lines), or NULL. */
static char *
first_field(const GString *hdr, const char *name)
{
	size_t n = strlen(name);
	const char *p, *eol;

	for (p = hdr->str; p != NULL && *p != '\0';
	     p = (eol = strchr(p, '\n')) != NULL ? eol + 1 : NULL)
		if (g_ascii_strncasecmp(p, name, n) == 0 && p[n] == ':') {
			eol = strchr(p, '\n');
			return g_strstrip(
			    eol != NULL ? g_strndup(p + n + 1, eol - p - n - 1)
			                : g_strdup(p + n + 1));
		}
	return NULL;
}

/* The bare address of a field value ("<a@b>", "a@b"), or NULL. */
static char *
bare_address(const char *value)
{
	InternetAddressList *list = internet_address_list_parse(NULL, value);
	InternetAddress *a;
	char *addr = NULL;

	if (list != NULL && internet_address_list_length(list) > 0) {
		a = internet_address_list_get_address(list, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			ndr_set_field(&addr,
			              internet_address_mailbox_get_addr(
			                  INTERNET_ADDRESS_MAILBOX(a)),
			              FALSE);
	}
	if (list != NULL)
		g_object_unref(list);
	return addr;
}

/*
 * The tag of a BATV address (prvs=K DDD SSSSSS=local@domain), or NULL;
 * the address it stands for follows at TAG_LEN + 1.
 */
static const char *
batv_tag(const char *address)
{
	const char *tag;
	int i;

	if (g_ascii_strncasecmp(address, PRVS, strlen(PRVS)) != 0)
		return NULL;
	tag = address + strlen(PRVS);
	if (strlen(tag) <= TAG_LEN || tag[TAG_LEN] != '=')
		return NULL;
	for (i = 0; i < 4; i++)
		if (!g_ascii_isdigit(tag[i]))
			return NULL;
	return tag;
}

gboolean
ndr_envelope_is_sender(const ndr_config *cfg, const char *address)
{
	const char *tag = batv_tag(address), *plus, *at;
	char *plain;
	gboolean found;

	/* Our server's BATV tag stands before an address we send from. */
	if (tag != NULL)
		address = tag + TAG_LEN + 1;
	plus = strchr(address, '+');
	at = strrchr(address, '@');
	found = ndr_config_listed(cfg->addresses, address);
	if (!found && plus != NULL && at != NULL && plus < at) {
		plain = g_strdup_printf("%.*s%s", (int)(plus - address),
		                        address, at);
		found = ndr_config_listed(cfg->addresses, plain);
		g_free(plain);
	}
	return found;
}

gboolean
ndr_envelope_our_domain(const ndr_config *cfg, const char *address)
{
	const char *at = strrchr(address, '@'), *ours;
	char **a;

	for (a = cfg->addresses; at != NULL && a != NULL && *a != NULL; a++)
		if ((ours = strrchr(*a, '@')) != NULL &&
		    g_ascii_strcasecmp(ours, at) == 0)
			return TRUE;
	return FALSE;
}

/* Whether hex (6 digits) is the first three bytes of digest. */
static gboolean
same_prefix(const char *hex, const guint8 *digest)
{
	int i, hi, lo;

	for (i = 0; i < 3; i++) {
		hi = g_ascii_xdigit_value(hex[2 * i]);
		lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi << 4 | lo) != digest[i])
			return FALSE;
	}
	return TRUE;
}

/* The tag's HMAC under key over "K DDD" and address. */
static gboolean
tag_signed(const char *tag, const char *key, const char *address)
{
	GHmac *hmac =
	    g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)key, strlen(key));
	guint8 digest[20];
	gsize len = sizeof(digest);

	g_hmac_update(hmac, (const guchar *)tag, 4);
	g_hmac_update(hmac, (const guchar *)address, -1);
	g_hmac_get_digest(hmac, digest, &len);
	g_hmac_unref(hmac);
	return same_prefix(tag + 4, digest);
}

/*
 * The tag's day against the day it is checked on (the report's Date, so
 * that an old folder can be scanned; else now): expired when the day it
 * names lies behind, more than NDR_MAX_BATV_DAYS ahead meaning behind.
 */
static gboolean
tag_expired(const char *tag, gint64 when)
{
	int expires = (tag[1] - '0') * 100 + (tag[2] - '0') * 10 + tag[3] - '0';
	int today = (int)((when / DAY) % 1000);

	return (expires - today + 1000) % 1000 > NDR_MAX_BATV_DAYS;
}

static void
check_batv(const ndr_config *cfg, ndr_findings *f)
{
	const char *tag = batv_tag(f->envelope_to);
	guint key;

	if (cfg->batv_keys == NULL || tag == NULL)
		return;
	f->batv_address = g_strdup(tag + TAG_LEN + 1);
	key = (guint)(tag[0] - '0');
	if (key >= g_strv_length(cfg->batv_keys) ||
	    !tag_signed(tag, cfg->batv_keys[key], f->batv_address))
		f->batv = NDR_BATV_INVALID;
	else if (tag_expired(tag, f->date_unix != 0
	                              ? f->date_unix
	                              : g_get_real_time() / G_USEC_PER_SEC))
		f->batv = NDR_BATV_EXPIRED;
	else
		f->batv = NDR_BATV_VALID;
}

void
ndr_envelope_check(const ndr_config *cfg, const char *agent_to,
                   const GString *hdr, ndr_findings *f)
{
	static const char *const fields[] = {"X-Original-To", "Delivered-To"};
	char *value;
	size_t i;

	if (agent_to != NULL && *agent_to != '\0') {
		f->envelope_to = bare_address(agent_to);
		f->envelope_source = g_strdup("the delivery agent");
	}
	for (i = 0; f->envelope_to == NULL && i < G_N_ELEMENTS(fields); i++) {
		value = first_field(hdr, fields[i]);
		if (value != NULL && (f->envelope_to = bare_address(value)))
			f->envelope_source = g_strdup(fields[i]);
		g_free(value);
	}
	if (f->envelope_to != NULL)
		check_batv(cfg, f);
}
