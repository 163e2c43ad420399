/*
 * author.h - who wrote a bounce-like message: a machine answering mail,
 * a person passing a bounce on, or a sender of bulk mail.
 *
 * Only a machine's report can be backscatter or genuine: a bounce that a
 * person forwarded, quoted, pasted or attached is that person's message,
 * and bulk mail that talks about bounces is bulk mail.  Asked only of a
 * message already read in full as bounce-like, so that ordinary mail
 * keeps to its header block.  What mailers write is in
 * rules/author.rules; the order of the questions is ndrcheck(1)'s
 * "HOW IT DECIDES".
 */
#ifndef NDR_AUTHOR_H
#define NDR_AUTHOR_H

#include <gmime/gmime.h>

#include "rules.h"

typedef enum ndr_author {
	NDR_AUTHOR_MACHINE, /* made by a program answering mail */
	NDR_AUTHOR_PERSON,  /* a person's message carrying a bounce */
	NDR_AUTHOR_BULK,    /* a list's or a newsletter's */
	NDR_AUTHOR_UNSURE,  /* nothing shows who wrote it */
} ndr_author;

/*
 * Who wrote msg, whose header text (ndr_header_text()) is hdr and own
 * text (ndr_detect_own_text()) body.  For a
 * person's or bulk mail *why is set to the evidence sentence (g_free
 * it), else to NULL.
 */
ndr_author ndr_author_decide(const ndr_rules *rules, GMimeMessage *msg,
                             const GString *hdr, const GString *body,
                             char **why);

#endif /* NDR_AUTHOR_H */
