/*
 * dkim.c - verify the user's own DKIM signatures in the returned message
 * with OpenDKIM's library (see dkim.h).
 *
 * The returned header block and body are handed to libopendkim as one
 * message; it canonicalises, hashes and checks every signature.  Keys
 * are given to it by key_lookup() alone, and only for the config's
 * dkim_domains: a stranger's signature costs no look-up.  When the body
 * did not come back (or came back cut) the header signature still
 * verifies and only the body hash fails; that is recorded as such.
 */
#include <sys/types.h>

#include <stdbool.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dkim.h"
#include "dnstxt.h"
#include "keycache.h"
#include "ndrlimits.h"

#define WEAK "rsa-sha1 is not accepted (RFC 8301)"

/* One verification: the config and what the key look-ups said. */
typedef struct lookup {
	const ndr_config *cfg;
	gint64 deadline;    /* for DNS, g_get_monotonic_time() */
	GHashTable *why;    /* DKIM_SIGINFO * -> char *: a look-up's failure */
	GHashTable *source; /* DKIM_SIGINFO * -> char *: where its key was */
} lookup;

const ndr_signature *
ndr_dkim_proof(const ndr_original *o)
{
	guint i;

	for (i = 0; o != NULL && i < o->signatures->len; i++) {
		const ndr_signature *s = o->signatures->pdata[i];

		if (s->state == NDR_SIG_VALID)
			return s;
	}
	return NULL;
}

ndr_body
ndr_dkim_body(const ndr_original *o, const ndr_signature *s)
{
	return s->body_verified  ? NDR_BODY_VERIFIED
	       : o->body != NULL ? NDR_BODY_CUT
	                         : NDR_BODY_MISSING;
}

gboolean
ndr_dkim_signed_domain(const ndr_config *cfg, const char *address)
{
	const char *at = address != NULL ? strrchr(address, '@') : NULL;

	return at != NULL && ndr_config_listed(cfg->dkim_domains, at + 1);
}

/*
 * A selector or domain made of DNS labels: letters, digits, '-', '_'
 * and '.' between labels.  It becomes a file name: no "..", no "/".
 */
static gboolean
dns_name(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '.' || strstr(s, "..") != NULL)
		return FALSE;
	for (p = s; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	return TRUE;
}

/*
 * A key file's record: the TXT text itself, or a zone file line as
 * opendkim-genkey writes it (its quoted strings, joined).
 */
static char *
record_text(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *end;

	if (strchr(text, '"') == NULL) {
		g_string_append(out, text);
		g_strstrip(out->str);
		return g_string_free(out, FALSE);
	}
	while ((p = strchr(p, '"')) != NULL &&
	       (end = strchr(p + 1, '"')) != NULL) {
		g_string_append_len(out, p + 1, end - p - 1);
		p = end + 1;
	}
	return g_string_free(out, FALSE);
}

/* The key file's record in *txt; FALSE with *why when there is none. */
static gboolean
key_from_file(const lookup *l, const char *name, char **txt, char **why)
{
	char *path = g_build_filename(l->cfg->dkim_key_dir, name, NULL);
	char *text = NULL;
	gsize len = 0;
	GError *err = NULL;

	if (!g_file_get_contents(path, &text, &len, &err)) {
		*why =
		    g_strdup_printf("no key file %s (%s)", path, err->message);
		g_error_free(err);
	} else if (len > NDR_MAX_DKIM_KEY_BYTES) {
		*why = g_strdup_printf("the key file %s is over %u bytes", path,
		                       NDR_MAX_DKIM_KEY_BYTES);
	} else {
		*txt = record_text(text);
	}
	g_free(text);
	g_free(path);
	return *txt != NULL;
}

/* The DNS record in *txt; FALSE with *why when there is none in time. */
static gboolean
key_from_dns(const lookup *l, const char *name, char **txt, char **why)
{
	char *failed = NULL;
	guint ttl;

	if ((*txt = ndr_keycache_get(name)) != NULL)
		return TRUE;
	if (g_get_monotonic_time() >= l->deadline) {
		*why = g_strdup_printf("no time was left for the DNS look-up "
		                       "of %s (%d ms for all of them)",
		                       name, NDR_DKIM_DNS_MS);
		return FALSE;
	}
	switch (ndr_dns_txt(name, l->cfg->dkim_nameserver, l->deadline, txt,
	                    &ttl, &failed)) {
	case NDR_DNS_FOUND:
		ndr_keycache_put(name, *txt, ttl);
		return TRUE;
	case NDR_DNS_NOTFOUND:
		*why = g_strdup_printf("DNS has no key %s", name);
		break;
	default:
		*why = g_strdup_printf("the DNS look-up of %s failed: %s", name,
		                       failed);
	}
	g_free(failed);
	return FALSE;
}

/*
 * The signature's a= as written: the library maps an algorithm it does
 * not know to its first one, rsa-sha1.
 */
static const char *
algorithm(DKIM_SIGINFO *sig)
{
	return (const char *)dkim_sig_gettagvalue(sig, FALSE, (u_char *)"a");
}

/* rsa-sha1, which RFC 8301 says verifiers must not accept. */
static gboolean
weak_algorithm(DKIM_SIGINFO *sig)
{
	const char *a = algorithm(sig);

	return a != NULL && g_ascii_strcasecmp(a, "rsa-sha1") == 0;
}

/* libopendkim asks for the key of sig: only ours are looked up. */
static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	lookup *l = dkim_get_user_context(dkim);
	const char *domain = (const char *)dkim_sig_getdomain(sig);
	const char *selector = (const char *)dkim_sig_getselector(sig);
	char *name, *txt = NULL, *why = NULL;
	gboolean found;
	DKIM_CBSTAT st;

	if (l == NULL || domain == NULL || selector == NULL ||
	    !ndr_config_listed(l->cfg->dkim_domains, domain))
		return DKIM_CBSTAT_NOTFOUND;
	if (!dns_name(selector) || !dns_name(domain)) {
		g_hash_table_insert(l->why, sig,
		                    g_strdup("its selector is no DNS name"));
		return DKIM_CBSTAT_NOTFOUND;
	}
	if (weak_algorithm(sig)) {
		g_hash_table_insert(l->why, sig, g_strdup(WEAK));
		return DKIM_CBSTAT_NOTFOUND;
	}

	name = g_strdup_printf("%s._domainkey.%s", selector, domain);
	/*
	 * Every failure is "not found" to the library: it then goes on
	 * with the other signatures, and why says what happened.
	 */
	st = DKIM_CBSTAT_NOTFOUND;
	found = l->cfg->dkim_key_dir != NULL
	            ? key_from_file(l, name, &txt, &why)
	            : key_from_dns(l, name, &txt, &why);
	if (found && strlen(txt) >= buflen) {
		why = g_strdup_printf("the key %s is too long", name);
	} else if (found) {
		g_strlcpy((char *)buf, txt, buflen);
		g_hash_table_insert(
		    l->source, sig,
		    l->cfg->dkim_key_dir != NULL
		        ? g_strdup_printf("the key file %s/%s",
		                          l->cfg->dkim_key_dir, name)
		        : g_strdup_printf("the DNS record %s", name));
		st = DKIM_CBSTAT_CONTINUE;
	}
	if (why != NULL)
		g_hash_table_insert(l->why, sig, why);
	g_free(txt);
	g_free(name);
	return st;
}

/*
 * Before any signature is checked: only ours are, and only the first
 * NDR_MAX_DKIM_SIGNATURES of them (a sender may add thousands, each an
 * RSA check).
 */
static DKIM_CBSTAT
prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int n)
{
	lookup *l = dkim_get_user_context(dkim);
	const char *domain;
	int i, ours = 0;

	for (i = 0; l != NULL && i < n; i++) {
		domain = (const char *)dkim_sig_getdomain(sigs[i]);
		if (domain == NULL ||
		    !ndr_config_listed(l->cfg->dkim_domains, domain)) {
			dkim_sig_ignore(sigs[i]);
		} else if (++ours > NDR_MAX_DKIM_SIGNATURES) {
			dkim_sig_ignore(sigs[i]);
			g_hash_table_insert(
			    l->why, sigs[i],
			    g_strdup_printf("only the first %d signatures of "
			                    "our domains are checked",
			                    NDR_MAX_DKIM_SIGNATURES));
		}
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* The library, set up once per process: it is safe to share. */
static DKIM_LIB *
library(void)
{
	static gsize once;
	static DKIM_LIB *lib;
	u_int flags = DKIM_LIBFLAGS_FIXCRLF;

	if (g_once_init_enter(&once)) {
		lib = dkim_init(NULL, NULL);
		if (lib != NULL) {
			dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS,
			             &flags, sizeof(flags));
			dkim_set_key_lookup(lib, key_lookup);
			dkim_set_prescreen(lib, prescreen);
		}
		g_once_init_leave(&once, 1);
	}
	return lib;
}

/*
 * The fields named name in block (at the start of a line, any case),
 * each with its folded lines; g_ptr_array_unref() it.
 */
static GPtrArray *
fields_named(const char *block, const char *name)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	size_t n = strlen(name);
	const char *p = block, *end;

	for (; p != NULL && *p != '\0';
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (g_ascii_strncasecmp(p, name, n) != 0 ||
		    (p[n] != ':' && p[n] != ' ' && p[n] != '\t'))
			continue;
		for (end = strchr(p, '\n');
		     end != NULL && (end[1] == ' ' || end[1] == '\t');
		     end = strchr(end + 1, '\n'))
			;
		g_ptr_array_add(out, end != NULL ? g_strndup(p, end - p)
		                                 : g_strdup(p));
	}
	return out;
}

static guint
count_fields(const char *block, const char *name)
{
	GPtrArray *found = fields_named(block, name);
	guint n = found->len;

	g_ptr_array_unref(found);
	return n;
}

/* Whether text names domain as a DKIM result's header.d= or header.i=. */
static gboolean
names_dkim_domain(const char *text, const char *domain)
{
	static const char *const tags[] = {"header.d=", "header.i=@"};
	size_t i, n = strlen(domain);
	const char *p;
	char c;

	for (i = 0; i < G_N_ELEMENTS(tags); i++)
		for (p = text; (p = strcasestr(p, tags[i])) != NULL; p++) {
			p += strlen(tags[i]);
			c = p[n];
			if (g_ascii_strncasecmp(p, domain, n) == 0 &&
			    !g_ascii_isalnum(c) && c != '.' && c != '-')
				return TRUE;
		}
	return FALSE;
}

/*
 * An Authentication-Results field (or ARC's) that reports on a DKIM
 * signature of domain: the original carried one, so the bouncer removed
 * it when the block has none (Hotmail's feedback reports do).
 */
static gboolean
signature_removed(const char *block, const char *domain)
{
	static const char *const names[] = {"Authentication-Results",
	                                    "ARC-Authentication-Results"};
	gboolean found = FALSE;
	GPtrArray *f;
	size_t i;
	guint j;

	for (i = 0; i < G_N_ELEMENTS(names) && !found; i++) {
		f = fields_named(block, names[i]);
		for (j = 0; j < f->len && !found; j++)
			found = names_dkim_domain(f->pdata[j], domain);
		g_ptr_array_unref(f);
	}
	return found;
}

char *
ndr_dkim_block_cut(const ndr_findings *f, const char *domain)
{
	static const char *const needed[] = {"Received", "From", "Date",
	                                     "Message-ID"};
	const ndr_original *o = f->original;
	size_t i;

	if (f->kind != NDRCHECK_KIND_DSN && f->kind != NDRCHECK_KIND_DELAY &&
	    f->kind != NDRCHECK_KIND_NDR)
		return g_strdup("only a delivery report returns the whole "
		                "header block");
	if (o == NULL || o->header_block == NULL)
		return g_strdup("the report returns no header block");
	/* Quoted headers are read up to a limit: near it, they were cut. */
	if (o->header_block->len + NDR_MAX_FIELD_BYTES >= NDR_MAX_HEADER_BYTES)
		return g_strdup_printf("the returned header block was read "
		                       "only up to %u bytes",
		                       NDR_MAX_HEADER_BYTES);
	for (i = 0; i < G_N_ELEMENTS(needed); i++)
		if (count_fields(o->header_block->str, needed[i]) == 0)
			return g_strdup_printf("the returned header block has "
			                       "no %s field",
			                       needed[i]);
	if (signature_removed(o->header_block->str, domain))
		return g_strdup_printf("the returned header block reports "
		                       "on a DKIM signature of %s that it "
		                       "no longer has",
		                       domain);
	return NULL;
}

/* A new signature of o, unchecked until said otherwise. */
static ndr_signature *
signature_new(ndr_original *o, const char *domain)
{
	ndr_signature *s = g_new0(ndr_signature, 1);

	s->state = NDR_SIG_UNCHECKED;
	s->domain = domain != NULL ? g_ascii_strdown(domain, -1) : NULL;
	g_ptr_array_add(o->signatures, s);
	return s;
}

/* What libopendkim made of one signature of ours. */
static void
take_signature(ndr_original *o, const lookup *l, DKIM_SIGINFO *sig)
{
	ndr_signature *s =
	    signature_new(o, (const char *)dkim_sig_getdomain(sig));
	const char *why = g_hash_table_lookup(l->why, sig);
	const char *source = g_hash_table_lookup(l->source, sig);
	int error = dkim_sig_geterror(sig);
	const char *said = dkim_sig_geterrorstr(error);

	s->selector = g_strdup((const char *)dkim_sig_getselector(sig));
	s->algorithm = g_strdup(algorithm(sig));
	if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) &&
	    !weak_algorithm(sig)) {
		s->state = NDR_SIG_VALID;
		s->body_verified = dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH;
		return;
	}
	s->state =
	    error == DKIM_SIGERROR_BADSIG ? NDR_SIG_FAILED : NDR_SIG_UNCHECKED;
	if (said == NULL)
		said = "libopendkim gives no reason";
	if (why != NULL)
		s->why = g_strdup(why);
	else if (weak_algorithm(sig))
		s->why = g_strdup(WEAK);
	else if (source != NULL && s->state == NDR_SIG_UNCHECKED)
		s->why = g_strdup_printf("%s is no usable DKIM key (%s)",
		                         source, said);
	else
		s->why = g_strdup(said);
}

/*
 * Every signature of ours; a DKIM-Signature field the library could not
 * attribute to a domain might be ours, and is kept as one unchecked.
 */
static void
take_signatures(ndr_original *o, const lookup *l, DKIM *dkim)
{
	DKIM_SIGINFO **sigs = NULL;
	const char *domain;
	int i, n = 0;

	if (dkim_getsiglist(dkim, &sigs, &n) != DKIM_STAT_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		domain = (const char *)dkim_sig_getdomain(sigs[i]);
		if (domain != NULL &&
		    ndr_config_listed(l->cfg->dkim_domains, domain))
			take_signature(o, l, sigs[i]);
	}
	if ((guint)n < count_fields(o->header_block->str, "DKIM-Signature")) {
		signature_new(o, NULL)->why =
		    g_strdup("a DKIM-Signature field cannot be read");
	}
}

void
ndr_dkim_check(const ndr_config *cfg, ndr_findings *f)
{
	ndr_original *o = f->original;
	lookup l = {.cfg = cfg};
	DKIM_LIB *lib;
	DKIM_STAT st;
	DKIM *dkim;
	GString *msg;

	if (cfg->dkim_domains == NULL || *cfg->dkim_domains == NULL ||
	    o == NULL || o->header_block == NULL ||
	    count_fields(o->header_block->str, "DKIM-Signature") == 0)
		return;
	lib = library();
	dkim = lib != NULL
	           ? dkim_verify(lib, (const u_char *)"ndrcheck", NULL, &st)
	           : NULL;
	if (dkim == NULL) {
		/* Unchecked, the signatures still forbid the absence rule. */
		signature_new(o, NULL)->why =
		    g_strdup("libopendkim could not be started: the "
		             "DKIM-Signature fields are not checked");
		return;
	}
	l.deadline = g_get_monotonic_time() + NDR_DKIM_DNS_MS * 1000;
	l.why = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	l.source = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	dkim_set_user_context(dkim, &l);
	msg = g_string_new(o->header_block->str);
	if (msg->len > 0 && msg->str[msg->len - 1] != '\n')
		g_string_append_c(msg, '\n');
	g_string_append_c(msg, '\n');
	if (o->body != NULL)
		g_string_append_len(msg, g_bytes_get_data(o->body, NULL),
		                    g_bytes_get_size(o->body));
	/* A failing signature is no error here: the siglist says it all. */
	if (dkim_chunk(dkim, (u_char *)msg->str, msg->len) == DKIM_STAT_OK &&
	    dkim_chunk(dkim, NULL, 0) == DKIM_STAT_OK)
		dkim_eom(dkim, NULL);
	take_signatures(o, &l, dkim);
	g_string_free(msg, TRUE);
	g_hash_table_unref(l.why);
	g_hash_table_unref(l.source);
	dkim_free(dkim);
}
