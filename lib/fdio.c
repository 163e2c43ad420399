/*
 * fdio.c - writing bytes to a descriptor, whole (see fdio.h).
 */
#include <errno.h>
#include <unistd.h>

#include "fdio.h"

gboolean
ndr_write_all(int fd, const void *buf, size_t len)
{
	const guint8 *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		if (n == 0) {
			/* Not an error by POSIX, but no progress ever will be.
			 */
			errno = EIO;
			return FALSE;
		}
		p += n;
		len -= (size_t)n;
	}
	return TRUE;
}
