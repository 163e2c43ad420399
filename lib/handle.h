/*
 * handle.h - what the library's entry points outside handle.c (correct.c,
 * status.c) need of a handle: its configuration, rules and sent log, and a
 * failure kept for ndrcheck_error().
 */
#ifndef NDR_HANDLE_H
#define NDR_HANDLE_H

#include <glib.h>

#include "config.h"
#include "ndrcheck.h"
#include "rules.h"
#include "sentlog.h"

const ndr_config *ndr_handle_config(const ndrcheck *h);
const ndr_rules *ndr_handle_rules(const ndrcheck *h);

/* The handle's sent log, opened read-write when writable; NULL on error. */
ndr_sentlog *ndr_handle_sentlog(ndrcheck *h, gboolean writable, GError **err);
/* Keep err's message for ndrcheck_error() and return its status code. */
int ndr_handle_fail(ndrcheck *h, GError *err);

#endif /* NDR_HANDLE_H */
