/*
 * dnstxt.c - one DNS TXT look-up that ends by a deadline (see dnstxt.h).
 *
 * The query is built and the answer parsed by the system's resolver
 * library (res_nmkquery, ns_initparse); only the sending is done here,
 * to every name server at once over connected UDP sockets (which take
 * datagrams from that server alone), waiting with poll() no longer than
 * the deadline.  An answer cut short (TC) is not retried over TCP: DKIM
 * keys fit a UDP answer, and the wait would outlast the deadline.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <string.h>
#include <unistd.h>

#include "dnstxt.h"
#include "ndrlimits.h"

/* Name servers asked at once (resolv.conf allows MAXNS). */
#define MAX_SERVERS MAXNS

typedef struct servers {
	int fd[MAX_SERVERS];
	int n;
} servers;

/* A UDP socket connected to addr, added to s; FALSE on failure. */
static gboolean
add_server(servers *s, const struct sockaddr *addr, socklen_t len)
{
	int fd;

	if (s->n >= MAX_SERVERS)
		return FALSE;
	fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	if (connect(fd, addr, len) != 0) {
		close(fd);
		return FALSE;
	}
	s->fd[s->n++] = fd;
	return TRUE;
}

/* "ADDR", "ADDR:PORT" or "[ADDR6]:PORT", numeric only. */
static gboolean
server_from_spec(servers *s, const char *spec)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char *host = g_strdup(spec), *port = NULL, *colon;
	gboolean ok;

	if (host[0] == '[' && (colon = strstr(host, "]")) != NULL) {
		*colon = '\0';
		port = colon[1] == ':' ? colon + 2 : NULL;
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strchr(host, ':')) != NULL &&
	           strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		port = colon + 1;
	}
	ok = getaddrinfo(host, port != NULL ? port : "53", &hints, &ai) == 0 &&
	     add_server(s, ai->ai_addr, ai->ai_addrlen);
	if (ai != NULL)
		freeaddrinfo(ai);
	g_free(host);
	return ok;
}

/* The IPv4 name servers of resolv.conf, as res_ninit() read them. */
static void
servers_from_resolver(servers *s, const struct __res_state *st)
{
	int i;

	for (i = 0; i < st->nscount && i < MAX_SERVERS; i++)
		if (st->nsaddr_list[i].sin_family == AF_INET)
			add_server(s,
			           (const struct sockaddr *)&st->nsaddr_list[i],
			           sizeof(st->nsaddr_list[i]));
}

static void
servers_close(servers *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		close(s->fd[i]);
	s->n = 0;
}

/* The character-strings of one TXT RDATA, joined (RFC 6376 3.6.2.2). */
static char *
txt_strings(const unsigned char *rdata, size_t len)
{
	GString *out = g_string_new(NULL);
	size_t i = 0, n;

	while (i < len) {
		n = rdata[i++];
		n = MIN(n, len - i);
		g_string_append_len(out, (const char *)rdata + i, n);
		i += n;
	}
	return g_string_free(out, FALSE);
}

/* Read one answer of ours: FOUND, NOTFOUND or FAILED. */
static ndr_dns_status
parse_answer(const unsigned char *ans, int len, char **txt, guint *ttl,
             char **why)
{
	ns_msg msg;
	ns_rr rr;
	int i, rcode;

	if (ns_initparse(ans, len, &msg) != 0) {
		*why = g_strdup("the DNS answer is malformed");
		return NDR_DNS_FAILED;
	}
	rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return NDR_DNS_NOTFOUND;
	if (rcode != ns_r_noerror) {
		*why =
		    g_strdup_printf("the DNS server answered rcode %d", rcode);
		return NDR_DNS_FAILED;
	}
	if (ns_msg_getflag(msg, ns_f_tc)) {
		*why = g_strdup("the DNS answer was truncated");
		return NDR_DNS_FAILED;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			break;
		if (ns_rr_type(rr) != ns_t_txt)
			continue;
		*txt = txt_strings(ns_rr_rdata(rr), ns_rr_rdlen(rr));
		*ttl = ns_rr_ttl(rr);
		return NDR_DNS_FOUND;
	}
	return NDR_DNS_NOTFOUND;
}

/* Send query to every server; the first answer with its id wins. */
static ndr_dns_status
exchange(servers *s, const unsigned char *query, int qlen, gint64 deadline,
         char **txt, guint *ttl, char **why)
{
	struct pollfd pfd[MAX_SERVERS];
	unsigned char ans[NDR_DNS_ANSWER_BYTES];
	gint64 left;
	ssize_t n;
	int i, sent = 0;

	for (i = 0; i < s->n; i++) {
		pfd[i] = (struct pollfd){.fd = s->fd[i], .events = POLLIN};
		sent += send(s->fd[i], query, qlen, 0) == qlen;
	}
	while (sent > 0 && (left = deadline - g_get_monotonic_time()) > 0 &&
	       poll(pfd, s->n, (int)((left + 999) / 1000)) > 0) {
		for (i = 0; i < s->n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			n = recv(s->fd[i], ans, sizeof(ans), 0);
			/* Refused (ICMP) or short: that server is out. */
			if (n < HFIXEDSZ) {
				pfd[i].fd = -1;
				sent--;
				continue;
			}
			if (memcmp(ans, query, 2) == 0 && (ans[2] & 0x80))
				return parse_answer(ans, (int)n, txt, ttl, why);
		}
	}
	*why = g_strdup(sent > 0 ? "no DNS answer came in time"
	                         : "no DNS server could be asked");
	return sent > 0 ? NDR_DNS_TIMEOUT : NDR_DNS_FAILED;
}

ndr_dns_status
ndr_dns_txt(const char *name, const char *server, gint64 deadline, char **txt,
            guint *ttl, char **why)
{
	struct __res_state st;
	unsigned char query[NS_PACKETSZ];
	servers s = {.n = 0};
	ndr_dns_status status = NDR_DNS_FAILED;
	int qlen;

	*txt = *why = NULL;
	*ttl = 0;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0) {
		*why = g_strdup("the resolver could not be set up");
		return NDR_DNS_FAILED;
	}
	qlen = res_nmkquery(&st, ns_o_query, name, ns_c_in, ns_t_txt, NULL, 0,
	                    NULL, query, sizeof(query));
	if (server != NULL)
		server_from_spec(&s, server);
	else
		servers_from_resolver(&s, &st);
	if (qlen < 0)
		*why = g_strdup_printf("%s is no DNS name", name);
	else if (s.n == 0)
		*why = g_strdup(server != NULL
		                    ? "dkim_nameserver is no numeric address"
		                    : "resolv.conf names no IPv4 name server");
	else
		status = exchange(&s, query, qlen, deadline, txt, ttl, why);
	servers_close(&s);
	res_nclose(&st);
	return status;
}
