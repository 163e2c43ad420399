/*
 * rulefile.h - read rule files (ndrcheck-rules(5)) into classes of
 * rules not yet compiled: the part of the rule engine that knows the
 * file format.  Internal to the engine (rules.c, which compiles and
 * matches them); the rest of the library uses rules.h.
 */
#ifndef NDR_RULEFILE_H
#define NDR_RULEFILE_H

#include <glib.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* A rule as read, with room for what the engine makes of it. */
typedef struct rule {
	char *label;
	char *file; /* for messages: where the rule was written */
	guint line;
	char *pattern;      /* macros expanded (the cache compares them) */
	gboolean at_offset; /* has \G: what matches depends on where a
	                       search starts (or \\G, to be safe) */
	gboolean lazy;      /* ships with ndrcheck: compiled on first use */
	pcre2_code *code;   /* NULL until compiled, or when it does not */
	pcre2_code *jit;    /* JIT-compiled copy, published atomically */
} rule;

typedef struct rule_class {
	char *name;                   /* also its key in the table of classes */
	GPtrArray *rules;             /* of rule *, in file and line order */
	gsize compiled;               /* g_once flag: every rule tried */
	struct ndr_litscan *literals; /* the prefilter, published with the
	                                 JIT copies; NULL: all rules run */
	gint spent_us; /* interpreted matching, up to the JIT threshold */
	gsize jitted;  /* g_once flag */
} rule_class;

/* Every class the library reads, NULL-terminated (see rulefile.c). */
extern const char *const ndr_rule_classes[];

/*
 * Read every "*.rules" file of the directories (NULL-terminated; missing
 * ones are skipped), later directories overriding files of the same name
 * in earlier ones, files in name order: a table of class name ->
 * rule_class *, its rules in file and line order, patterns with their
 * macros expanded.  With builtin, the rules of the first directory are
 * marked lazy.  NULL and a usage error naming file and line when a file
 * is broken.
 */
GHashTable *ndr_rulefile_read(const char *const *dirs, gboolean builtin,
                              GError **err);

/* A usage error naming the file and line where a rule's mistake is. */
gboolean ndr_rulefile_fail(GError **err, const char *path, guint line,
                           const char *fmt, ...) G_GNUC_PRINTF(4, 5);

#endif /* NDR_RULEFILE_H */
