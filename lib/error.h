/*
 * error.h - how libndrcheck reports failure inside the library.
 *
 * Internal functions take a GError **; its domain is NDR_ERROR and its
 * code is NDRCHECK_EUSAGE or NDRCHECK_ETEMP, which the public calls
 * return and the command uses as its exit status.  Messages say what
 * failed, where (file, line) and what to do.
 */
#ifndef NDR_ERROR_H
#define NDR_ERROR_H

#include <glib.h>

#include "ndrcheck.h"

#define NDR_ERROR (ndr_error_quark())
GQuark ndr_error_quark(void);

/* The status code (NDRCHECK_EUSAGE or NDRCHECK_ETEMP) an error stands for. */
int ndr_error_code(const GError *err);

#endif /* NDR_ERROR_H */
