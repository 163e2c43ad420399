/*
 * rules.h - the PCRE2 rule engine: mailer knowledge as data.
 *
 * Rule files (ndrcheck-rules(5)) live in rules/ (installed under
 * $(PREFIX)/share/ndrcheck/rules), with user files in
 * $XDG_CONFIG_HOME/ndrcheck/rules.d adding to or overriding them by file
 * name.  Each rule has a class (what it is for), a label and a pattern,
 * compiled once per process with JIT.  The C code asks "does any rule of
 * this class match here?"; it never knows a mailer by name.
 */
#ifndef NDR_RULES_H
#define NDR_RULES_H

#include <glib.h>

typedef struct ndr_rules ndr_rules;

typedef struct ndr_rule_match {
	const char *label;	/* the matching rule's label (e.g. a reason) */
	size_t start, end;	/* of the whole match, in bytes */
	const void *priv;	/* engine's own data for ndr_rule_group() */
	const char *subject;
} ndr_rule_match;

/*
 * Load every "*.rules" file of the directories, later directories
 * overriding files of the same name in earlier ones.  A broken file is a
 * usage error naming file and line.
 */
ndr_rules *ndr_rules_load(const char *const *dirs, GError **err);
void ndr_rules_free(ndr_rules *r);

/*
 * The first rule of class cls (in file and line order) matching subject
 * at or after offset from; TRUE and *m filled on a match.
 */
gboolean ndr_rules_match(const ndr_rules *r, const char *cls,
    const char *subject, size_t len, size_t from, ndr_rule_match *m);

/* A named group of a match as a new string, or NULL if it did not take part. */
char *ndr_rule_group(const ndr_rule_match *m, const char *name);

#endif /* NDR_RULES_H */
