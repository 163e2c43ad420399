/*
 * passthrough.h - writing bytes out whole.
 *
 * ndrcheck_message_write() (ndrcheck.h) is the public half of
 * passthrough.c; this is the helper it shares with the rest of the
 * library and with the command.
 */
#ifndef NDR_PASSTHROUGH_H
#define NDR_PASSTHROUGH_H

#include <stddef.h>

#include <glib.h>

/*
 * Write all len bytes of buf to fd, retrying after signals and short
 * writes.  FALSE with errno set (EPIPE, ENOSPC, ...) if it could not.
 */
gboolean ndr_write_all(int fd, const void *buf, size_t len);

#endif /* NDR_PASSTHROUGH_H */
