/*
 * error.c - the NDR_ERROR domain (see error.h).
 */
#include "error.h"

G_DEFINE_QUARK(ndr - error - quark, ndr_error)

int
ndr_error_code(const GError *err)
{
	if (err != NULL && err->domain == NDR_ERROR &&
	    (err->code == NDRCHECK_EUSAGE || err->code == NDRCHECK_ETEMP))
		return err->code;
	return NDRCHECK_ETEMP;
}
