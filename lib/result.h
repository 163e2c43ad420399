/*
 * result.h - what classification hands to the output stage.
 */
#ifndef NDR_RESULT_H
#define NDR_RESULT_H

#include "findings.h"

struct ndrcheck_result {
	ndrcheck_verdict verdict;
	ndr_findings *findings; /* kind NONE and empty for ordinary mail */
	GPtrArray *evidence;    /* of char *, strongest first */
	char *message_id;       /* the message's own Message-ID, without <>, or
	                           NULL */
};

/* A result with empty findings, no evidence and verdict unknown. */
ndrcheck_result *ndr_result_new(void);

#endif /* NDR_RESULT_H */
