/*
 * verdict.h - ndrcheck.conf(5) "HOW THE KEYS ARE USED": from findings and
 * the sent log to a verdict.
 *
 * Appends the evidence sentences (g_malloc'ed strings), strongest first.
 * log may be NULL (no sent log): every bounce-like message is then
 * unknown.
 */
#ifndef NDR_VERDICT_H
#define NDR_VERDICT_H

#include "config.h"
#include "findings.h"
#include "sentlog.h"

gboolean ndr_verdict_decide(ndr_sentlog *log, const ndr_config *cfg,
    const ndr_findings *f, ndrcheck_verdict *verdict, GPtrArray *evidence,
    GError **err);

#endif /* NDR_VERDICT_H */
