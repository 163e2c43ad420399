/*
 * keycache.h - DKIM keys from DNS, kept in the user's cache folder for
 * their time to live, so that one process per delivered message does not
 * ask DNS each time.  Nothing here fails: a cache that cannot be read or
 * written is only a cache missed.
 */
#ifndef NDR_KEYCACHE_H
#define NDR_KEYCACHE_H

#include <glib.h>

/* The record of name (a checked DNS name) while it lives, else NULL. */
char *ndr_keycache_get(const char *name);

/* Keep txt as name's record for ttl seconds (at most NDR_DKIM_CACHE_S). */
void ndr_keycache_put(const char *name, const char *txt, guint ttl);

#endif /* NDR_KEYCACHE_H */
