/*
 * dnstxt.h - one DNS TXT look-up that ends by a deadline.
 *
 * The system resolver (res_query) retries each name server for seconds;
 * a delivery agent gives ndrcheck well under ten seconds in all.  This
 * asks every configured name server at once over UDP and takes the first
 * answer, or gives up at the deadline.
 */
#ifndef NDR_DNSTXT_H
#define NDR_DNSTXT_H

#include <glib.h>

typedef enum ndr_dns_status {
	NDR_DNS_FOUND,    /* *txt holds the record's strings, joined */
	NDR_DNS_NOTFOUND, /* the name or a TXT record of it does not exist */
	NDR_DNS_TIMEOUT,  /* no answer came by the deadline */
	NDR_DNS_FAILED    /* no name server, a bad answer, SERVFAIL, ... */
} ndr_dns_status;

/*
 * The first TXT record of name, asking server ("ADDR" or "ADDR:PORT",
 * "[ADDR6]:PORT"; NULL for the name servers of /etc/resolv.conf) until
 * deadline (g_get_monotonic_time() microseconds), with its time to
 * live in *ttl (seconds).  *why says what went wrong, in plain words,
 * unless NDR_DNS_FOUND; g_free() both.
 */
ndr_dns_status ndr_dns_txt(const char *name, const char *server,
                           gint64 deadline, char **txt, guint *ttl, char **why);

#endif /* NDR_DNSTXT_H */
