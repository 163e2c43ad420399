/*
 * ruleliteral.h - a prefilter for the rules of a class: the literals one
 * of which every match of a rule must contain, derived from its pattern,
 * looked for in one pass over the text, so that PCRE2 only runs the
 * rules that can match there.  Internal to the rule engine (rules.c);
 * PCRE2 stays the reference: the prefilter only ever says "cannot
 * match", and only when that is certain.
 *
 * Patterns are read as the engine compiles them: UTF, UCP, caseless.
 * Literals are kept folded (ASCII lower case) and the text is folded
 * the same way, with the two non-ASCII characters that PCRE2's caseless
 * matching takes for ASCII letters (U+212A KELVIN SIGN for k, U+017F
 * LONG S for s) folded to them.  Whatever the reader does not know for
 * certain (a syntax it does not follow, a non-ASCII literal, a
 * backreference) gives the rule no literals: it always runs.
 */
#ifndef NDR_RULELITERAL_H
#define NDR_RULELITERAL_H

#include <glib.h>

/*
 * What every match of pattern needs in the subject (lookarounds
 * included): a new array of requirements, each an array of folded
 * literals of at least NDR_LITERAL_MIN bytes, one of which must be there;
 * NULL when nothing can be derived with certainty.
 */
#define NDR_LITERAL_MIN 4
GPtrArray *ndr_required_literals(const char *pattern);

/* The prefilter of one class of n rules, rule i's literals given by add. */
typedef struct ndr_litscan ndr_litscan;
ndr_litscan *ndr_litscan_new(guint n);
/* Give rule i the literals of pattern; FALSE when it has none. */
gboolean ndr_litscan_add(ndr_litscan *s, guint i, const char *pattern);
/* How many rules of s were given literals. */
guint ndr_litscan_rules(const ndr_litscan *s);
void ndr_litscan_free(ndr_litscan *s);

/*
 * Set may[i] (n bytes) to whether rule i may match somewhere in text:
 * FALSE only for a rule one of whose requirements text does not meet;
 * NDR_LITSCAN_MATCHES for a rule that is nothing but literals separated
 * by '|' and one of them is there: it matches (where, PCRE2 says).
 */
#define NDR_LITSCAN_MATCHES 2
void ndr_litscan_run(const ndr_litscan *s, const char *text, size_t len,
                     guint8 *may);

#endif /* NDR_RULELITERAL_H */
