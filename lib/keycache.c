/*
 * keycache.c - DKIM keys from DNS, kept for their time to live (see
 * keycache.h).
 *
 * One file per key in the cache folder's "dkim" folder, named as the DNS
 * name (SELECTOR._domainkey.DOMAIN), holding the Unix time it expires
 * on the first line and the record on the second.  It is written whole
 * under a temporary name and renamed (g_file_set_contents()), so that a
 * reader never sees half of one.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keycache.h"
#include "ndrlimits.h"

static char *
key_path(const char *name)
{
	char *dir = ndr_config_cache_path("dkim");
	char *path = g_build_filename(dir, name, NULL);

	g_free(dir);
	return path;
}

char *
ndr_keycache_get(const char *name)
{
	char *path = key_path(name), *text = NULL, *nl, *end, *txt = NULL;
	gsize len;
	gint64 expires;

	if (g_file_get_contents(path, &text, &len, NULL) &&
	    len <= NDR_MAX_DKIM_KEY_BYTES + 32 &&
	    (nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		expires = g_ascii_strtoll(text, &end, 10);
		if (*end == '\0' &&
		    expires > g_get_real_time() / G_USEC_PER_SEC)
			txt = g_strdup(g_strchomp(nl + 1));
	}
	g_free(text);
	g_free(path);
	return txt;
}

void
ndr_keycache_put(const char *name, const char *txt, guint ttl)
{
	char *dir = ndr_config_cache_path("dkim"), *path, *text;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (ttl > 0 && ndr_config_make_dirs(dir, 0700)) {
		path = key_path(name);
		text = g_strdup_printf("%" G_GINT64_FORMAT "\n%s\n",
		                       now + MIN(ttl, NDR_DKIM_CACHE_S), txt);
		g_file_set_contents(path, text, -1, NULL);
		g_free(text);
		g_free(path);
	}
	g_free(dir);
}
