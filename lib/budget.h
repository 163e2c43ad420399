/*
 * budget.h - what reading one message may cost: the structure handed to
 * GMime, and the time.
 *
 * GMime builds an object of a few hundred bytes for every header field,
 * MIME part and address it parses, all at once: six megabytes of empty
 * MIME parts, of "a:b" header lines or of "a@b," in a To field cost it
 * a gigabyte and seconds to tens of seconds.  So the parse stages hand
 * GMime only the prefix of a message that stays within
 * NDR_MAX_PARSE_ITEMS such constructs (ndr_budget_extent()); a message
 * past that is classified on its prefix, as one larger than
 * NDR_MAX_PARSE_BYTES is, and its passthrough copy stays whole.
 *
 * Time: ndrcheck_classify() starts a deadline NDR_MAX_MESSAGE_MS ahead
 * for the calling thread; the MIME walker and the rule engine stop once
 * it has passed, and the verdict is reached on what was read by then.
 */
#ifndef NDR_BUDGET_H
#define NDR_BUDGET_H

#include <glib.h>

/*
 * The length of the longest prefix of text, ending at a line end, that
 * GMime may parse: each line counts one item, each ',' ';' or '@' one
 * more (an address or group), and a line starting with "--" (a MIME
 * delimiter) NDR_PARSE_PART_ITEMS more.
 */
size_t ndr_budget_extent(const char *text, size_t len);

/* Start, and end, the deadline of the calling thread. */
void ndr_budget_start(void);
void ndr_budget_stop(void);
/* TRUE once a started deadline has passed. */
gboolean ndr_budget_expired(void);

#endif /* NDR_BUDGET_H */
