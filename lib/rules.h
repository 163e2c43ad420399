/*
 * rules.h - the PCRE2 rule engine: mailer knowledge as data.
 *
 * Rule files (ndrcheck-rules(5)) live in rules/ (installed under
 * $(PREFIX)/share/ndrcheck/rules), with user files in
 * $XDG_CONFIG_HOME/ndrcheck/rules.d adding to or overriding them by file
 * name.  Each rule has a class (what it is for), a label and a pattern,
 * compiled once per process.  The C code asks "does any rule of this
 * class match here?"; it never knows a mailer by name.
 *
 * A loaded ndr_rules is shared freely between threads: matching keeps
 * its state in the caller's ndr_rule_match, a class compiled on first
 * use is compiled once (other threads wait for it), and the one-time JIT
 * compilation of a busy class publishes a finished copy atomically.
 */
#ifndef NDR_RULES_H
#define NDR_RULES_H

#include <glib.h>

#include "ndrlimits.h" /* NDR_RULE_MAX_GROUPS */

typedef struct ndr_rules ndr_rules;

/*
 * One match, self-contained: the group offsets are copied out of the
 * PCRE2 match data, so nothing needs freeing and subject must only
 * outlive the calls of ndr_rule_group() on it.
 */
typedef struct ndr_rule_match {
	const char *label; /* the matching rule's label (e.g. a reason) */
	size_t start, end; /* of the whole match, in bytes */
	const void *priv;  /* the rule, for ndr_rule_group() */
	const char *subject;
	size_t ovector[2 * NDR_RULE_MAX_GROUPS];
	unsigned int groups; /* pairs set in ovector */
} ndr_rule_match;

/*
 * Load every "*.rules" file of the directories (NULL-terminated list;
 * missing directories are skipped), later directories overriding files
 * of the same name in earlier ones; files are read in name order.  A
 * broken file is a usage error naming file and line.
 */
ndr_rules *ndr_rules_load(const char *const *dirs, GError **err);

/*
 * The same, where the first directory holds the rules that ship with
 * ndrcheck: their patterns are compiled class by class on first use
 * instead of at load (a few milliseconds that ordinary mail, which never
 * gets past the header classes, does not pay).  The tests compile every
 * one of them; should one not compile all the same (a damaged
 * installation), it is left out with a warning.  Files of the other
 * directories (a user's rules.d) are compiled at load, so that their
 * mistakes are usage errors naming file and line.  The compiled built-in
 * classes are kept for the next processes in a file under
 * $XDG_CACHE_HOME (rulecache.h), decoded class by class on first use;
 * the first process that has to compile a built-in class writes it anew
 * with every built-in class.
 */
ndr_rules *ndr_rules_load_builtin(const char *const *dirs, GError **err);
void ndr_rules_free(ndr_rules *r);

/*
 * How many classes of r were taken, compiled, from the cache file of the
 * built-in rules (ndrcheck-rules(5), CACHE) instead of being compiled:
 * for the tests.
 */
guint ndr_rules_cached_classes(const ndr_rules *r);

/* One rule file in use, for ndrcheck status. */
typedef struct ndr_rule_file {
	char *path;
	gboolean builtin; /* ships with ndrcheck (else a user's, rules.d) */
	guint rules;
} ndr_rule_file;

/* What ndrcheck status shows of the rules; ndr_rules_info_clear() it. */
typedef struct ndr_rules_info {
	GPtrArray *files;     /* of ndr_rule_file *, built-in first, by path */
	char *cache_path;     /* of the compiled built-in rules; NULL: none */
	gboolean cache_found; /* there, and safe to trust */
	guint classes;        /* built-in classes */
	guint cached;         /* of them, held by the file as they are now */
} ndr_rules_info;

/*
 * The files r was read from and the state of the cache file (without
 * compiling anything): the cache is valid when it holds every built-in
 * class (cached == classes).
 */
void ndr_rules_describe(const ndr_rules *r, ndr_rules_info *info);
void ndr_rules_info_clear(ndr_rules_info *info);

/* How many rules of class cls there are (0 for an unknown class). */
guint ndr_rules_count(const ndr_rules *r, const char *cls);

/*
 * Whether any rule of the classes named in classes (one name, or several
 * separated by spaces) matches subject anywhere.  Classes whose rules
 * have no capturing groups (those of the header block) are matched as
 * one alternation: one pass over the text instead of one a rule, which
 * is most of what ordinary mail costs.
 */
gboolean ndr_rules_any(const ndr_rules *r, const char *classes,
                       const char *subject, size_t len);

/*
 * The first rule of class cls (in file and line order) that matches
 * subject at or after offset from; TRUE and *m filled on a match.
 * For deciding questions where rule order is a priority (reasons).
 */
gboolean ndr_rules_match(const ndr_rules *r, const char *cls,
                         const char *subject, size_t len, size_t from,
                         ndr_rule_match *m);

/*
 * The leftmost match at or after from of any rule of class cls (ties go
 * to the earlier rule); TRUE and *m filled on a match.  For walking
 * text from one finding to the next.
 */
gboolean ndr_rules_find(const ndr_rules *r, const char *cls,
                        const char *subject, size_t len, size_t from,
                        ndr_rule_match *m);

/*
 * The same, for walking text from one finding to the next: a finder
 * keeps each rule's leftmost match while it still lies ahead, so that a
 * walk tries each rule again only once the walk has passed its match,
 * instead of every rule from every finding to the end of the text.
 * ndr_rule_finder_next() answers as ndr_rules_find() would; subject must
 * outlive the finder.
 */
typedef struct ndr_rule_finder ndr_rule_finder;
ndr_rule_finder *ndr_rule_finder_new(const ndr_rules *r, const char *cls,
                                     const char *subject, size_t len);
gboolean ndr_rule_finder_next(ndr_rule_finder *f, size_t from,
                              ndr_rule_match *m);
void ndr_rule_finder_free(ndr_rule_finder *f);

/*
 * Append to labels (of const char *, owned by the rules) the label of
 * every rule of class cls that matches subject, each label once, in rule
 * order.  For sets of findings (the reasons whose phrases a diagnostic
 * has).
 */
void ndr_rules_labels(const ndr_rules *r, const char *cls, const char *subject,
                      size_t len, GPtrArray *labels);

/* A named group of a match as a new string, or NULL if it did not take part. */
char *ndr_rule_group(const ndr_rule_match *m, const char *name);

#endif /* NDR_RULES_H */
