/*
 * fdio.h - writing bytes to a descriptor, whole.
 *
 * The one write loop of the library: input.c spools a piped message
 * with it, passthrough.c writes the message back.  A file of its own so
 * that reading the input needs nothing of the output stage.
 */
#ifndef NDR_FDIO_H
#define NDR_FDIO_H

#include <stddef.h>

#include <glib.h>

/*
 * Write all len bytes of buf to fd, retrying after signals and short
 * writes.  FALSE with errno set (EPIPE, ENOSPC, ...) if it could not.
 */
gboolean ndr_write_all(int fd, const void *buf, size_t len);

#endif /* NDR_FDIO_H */
