/*
 * rulecache.h - the file of compiled built-in rules (ndrcheck-rules(5),
 * CACHE).
 *
 * Compiling the rules that ship with ndrcheck costs a process a few
 * milliseconds; decoding the codes PCRE2 serialized earlier costs a
 * fraction of that.  The file, $XDG_CACHE_HOME/ndrcheck/rules.pcre2,
 * holds per class the patterns of its built-in rules, in order, and
 * their codes: a class's codes are used only when its patterns are
 * byte for byte the ones just read from the rule files, so the file is
 * never stale in effect, only useless until rewritten.  It is only an
 * optimisation: any trouble reading or writing it means "compile as
 * before", never an error.
 */
#ifndef NDR_RULECACHE_H
#define NDR_RULECACHE_H

#include <glib.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

typedef struct ndr_rulecache ndr_rulecache;
typedef struct ndr_rulecache_writer ndr_rulecache_writer;

/* One class as the file holds it: n patterns and their n codes. */
typedef struct ndr_cached_class {
	const char *name;
	guint n;
	const char *const *patterns;
	pcre2_code **codes;
} ndr_cached_class;

/*
 * Where the file is for this process's environment: under
 * $XDG_CACHE_HOME, else ~/.cache (read on every call, as config.c
 * reads the home directory).
 */
char *ndr_rulecache_path(void);

/*
 * Map the file at path if it is safe to trust: a regular file (not a
 * symbolic link) of the effective user, writable by nobody else, of at
 * most NDR_MAX_RULE_CACHE_BYTES, written for these compile options and
 * this PCRE2 library.  NULL when it is not (or is missing).
 */
ndr_rulecache *ndr_rulecache_open(const char *path, uint32_t options);
void ndr_rulecache_close(ndr_rulecache *rc);

/*
 * Fill cls->codes (NULL on entry) from the file when it holds class
 * cls->name with exactly the patterns of cls; FALSE (and no codes)
 * otherwise.  The codes are the caller's to free.  Thread-safe.
 */
gboolean ndr_rulecache_get(const ndr_rulecache *rc, ndr_cached_class *cls);

/*
 * Writing a new file: begin checks that the folder is the user's own
 * (making it, mode 0700, if missing) or returns NULL, so that nothing is
 * compiled for a file that could not be written; add serializes one
 * class; finish writes the file in one go (g_file_set_contents_full(),
 * a temporary file renamed over path) and frees w.
 */
ndr_rulecache_writer *ndr_rulecache_begin(const char *path, uint32_t options);
void ndr_rulecache_add(ndr_rulecache_writer *w, const ndr_cached_class *cls);
void ndr_rulecache_finish(ndr_rulecache_writer *w);

#endif /* NDR_RULECACHE_H */
