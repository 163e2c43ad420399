/*
 * rulefile.c - read rule files into classes of rules (see rulefile.h;
 * the format is ndrcheck-rules(5)).
 *
 * Every mistake is a usage error naming the file and the line, and what
 * to write instead; a class this library does not read, or a reason
 * outside its vocabulary, is a mistake too (it would silently do
 * nothing).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "ndrlimits.h"
#include "rulefile.h"
#include "ruleliteral.h"
#include "vocabulary.h"

/*
 * Every class the library reads, and what its subjects are; a class
 * named in a file but missing here is a typo that would silently do
 * nothing, so it is an error.
 */
const char *const ndr_rule_classes[] = {
    "suspect",         /* header lines: worth a full parse */
    "bounce",          /* header lines: a delivery failure report */
    "bounce-subject",  /* header lines: a subject of such a report */
    "auto-reply",      /* header lines: an automatic reply */
    "auto-reply-null", /* header lines: one from the null sender */
    "challenge",       /* header lines: challenge-response */
    "challenge-text",  /* text: challenge-response */
    "virus-notice",    /* header lines: the sender's message was infected */
    "virus-text",      /* text: the sender's message was infected */
    "filter-text",     /* text: a content filter's notice, in a DSN too */
    "feedback",        /* header lines: an abuse or unsubscribe report */
    "mdn",             /* header lines: a read receipt without its part */
    "mdn-tnef",        /* header lines: TNEF, which may hold a receipt */
    "mdn-text",        /* text: a read receipt (Outlook, TNEF) */
    "ordinary",        /* header lines: automated but ordinary mail */
    "relayed",         /* header lines: a report a list passed on */
    "ndr-text",        /* text: the prose of a non-delivery report */
    "delay-text",      /* text: delivery is still being tried */
    "failure-text",    /* text: delivery was given up */
    "recipient",       /* text: a failed recipient (addr, code, ...) */
    "separator",       /* text: the original follows */
    "reporting-mta",   /* text: the reporting MTA (mta) */
    "status",          /* text: an enhanced status code (status) */
    "reply-code",      /* text: an SMTP reply code (code) */
    "reason-phrase",   /* diagnostic text: label is a reason it speaks of */
    "reason",          /* a recipient's facts: label is its reason */
    "smtp-command",    /* diagnostic text: label is the command answered */
    "machine",         /* header lines: only a program answering mail */
    "machine-weak",    /* header lines: a program's, unless person or bulk */
    "person",          /* header lines: a person's mail client */
    "person-text",     /* text: a person forwarding or quoting */
    "bulk",            /* header lines: lists and newsletters */
    "report-subject",  /* header lines: the subject of an MTA's report */
    "mta-log",         /* MTA log lines: label is MTA.EVENT (mtalog.h) */
    NULL,
};

static void
rule_free(gpointer p)
{
	rule *ru = p;

	g_free(ru->label);
	g_free(ru->file);
	g_free(ru->pattern);
	pcre2_code_free(ru->code);
	pcre2_code_free(ru->jit);
	g_free(ru);
}

static void
class_free(gpointer p)
{
	rule_class *c = p;

	g_free(c->name);
	g_ptr_array_unref(c->rules);
	ndr_litscan_free(c->literals);
	g_free(c);
}

/* The state of reading one file. */
typedef struct reader {
	GHashTable *classes; /* name -> rule_class * */
	const char *path;
	guint line;
	rule_class *cls; /* current [class], or NULL before the first */
	char *label;     /* the rule being collected, or NULL */
	guint label_line;
	GString *pattern;
	GHashTable *macros; /* "%define" name -> pattern, this file only */
	gboolean lazy;      /* compile its rules when their class is used */
} reader;

gboolean
ndr_rulefile_fail(GError **err, const char *path, guint line, const char *fmt,
                  ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
	            "%s:%u: %s (see ndrcheck-rules(5))", path, line, what);
	g_free(what);
	return FALSE;
}

static gboolean
known_class(const char *name)
{
	guint i;

	for (i = 0; ndr_rule_classes[i] != NULL; i++)
		if (strcmp(ndr_rule_classes[i], name) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
valid_label(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && strchr("._-", *s) == NULL)
			return FALSE;
	return TRUE;
}

/*
 * Replace each %{NAME} in text by the pattern "%define NAME" gave earlier
 * in the file, so that a shape used by many rules (an address, say) is
 * written once; line is where text was written, for the error.
 */
static gboolean
expand_macros(reader *rd, GString *text, guint line, GError **err)
{
	GString *out = g_string_sized_new(text->len);
	const char *p = text->str, *open, *close, *value;
	char *name;

	while ((open = strstr(p, "%{")) != NULL) {
		close = strchr(open, '}');
		if (close == NULL)
			break;
		name = g_strndup(open + 2, close - open - 2);
		value = g_hash_table_lookup(rd->macros, name);
		if (value == NULL) {
			ndr_rulefile_fail(
			    err, rd->path, line,
			    "%%{%s} is used, but no %%define line before "
			    "it names it",
			    name);
			g_free(name);
			g_string_free(out, TRUE);
			return FALSE;
		}
		g_free(name);
		g_string_append_len(out, p, open - p);
		g_string_append(out, value);
		p = close + 1;
	}
	g_string_append(out, p);
	g_string_assign(text, out->str);
	g_string_free(out, TRUE);
	return TRUE;
}

/* Append the collected rule to its class. */
static gboolean
finish_rule(reader *rd, GError **err)
{
	rule *ru;

	if (rd->label == NULL)
		return TRUE;
	if (!expand_macros(rd, rd->pattern, rd->label_line, err))
		return FALSE;
	ru = g_new0(rule, 1);
	ru->label = rd->label;
	ru->file = g_strdup(rd->path);
	ru->line = rd->label_line;
	ru->pattern = g_strdup(rd->pattern->str);
	ru->at_offset = strstr(ru->pattern, "\\G") != NULL;
	ru->lazy = rd->lazy;
	rd->label = NULL;
	g_ptr_array_add(rd->cls->rules, ru);
	return TRUE;
}

static gboolean
start_class(reader *rd, const char *line, GError **err)
{
	const char *end = strchr(line, ']');
	char *name;

	if (end == NULL || end[1] != '\0')
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "a section line must be "
		                         "\"[class]\" alone");
	name = g_strndup(line + 1, end - line - 1);
	if (!known_class(name)) {
		ndr_rulefile_fail(err, rd->path, rd->line,
		                  "unknown class \"%s\"", name);
		g_free(name);
		return FALSE;
	}
	rd->cls = g_hash_table_lookup(rd->classes, name);
	if (rd->cls == NULL) {
		rd->cls = g_new0(rule_class, 1);
		rd->cls->name = name;
		rd->cls->rules = g_ptr_array_new_with_free_func(rule_free);
		g_hash_table_insert(rd->classes, name, rd->cls);
	} else {
		g_free(name);
	}
	return TRUE;
}

/* "LABEL PATTERN": the label is the first word, the pattern the rest. */
static gboolean
start_rule(reader *rd, const char *line, GError **err)
{
	const char *sp = line;

	while (*sp != '\0' && *sp != ' ' && *sp != '\t')
		sp++;
	rd->label = g_strndup(line, sp - line);
	rd->label_line = rd->line;
	while (*sp == ' ' || *sp == '\t')
		sp++;
	if (!valid_label(rd->label))
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "label \"%s\" must be letters, "
		                         "digits, '.', '_' or '-'",
		                         rd->label);
	if (*sp == '\0')
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "rule \"%s\" has no pattern",
		                         rd->label);
	if (rd->cls == NULL)
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "rule \"%s\" before the first "
		                         "[class] line",
		                         rd->label);
	if (g_str_has_prefix(rd->cls->name, "reason") &&
	    !ndr_reason_known(rd->label))
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "\"%s\" is not a reason of "
		                         "ndrcheck(1)'s vocabulary",
		                         rd->label);
	if (strcmp(rd->cls->name, "mta-log") == 0 &&
	    ndr_mta_event_of(rd->label) == NDR_MTA_NONE)
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "\"%s\" names no event: an mta-log "
		                         "label is MTA.EVENT, EVENT one of "
		                         "message, sender, sent, done, other",
		                         rd->label);
	g_string_assign(rd->pattern, sp);
	return TRUE;
}

/* "%define NAME PATTERN": NAME is capitals, digits and '_'. */
static gboolean
define_macro(reader *rd, const char *line, GError **err)
{
	const char *name = line, *end;
	GString *value;

	while (*name == ' ' || *name == '\t')
		name++;
	for (end = name;
	     g_ascii_isupper(*end) || g_ascii_isdigit(*end) || *end == '_';
	     end++)
		;
	if (end == name || name == line ||
	    (*end != '\0' && *end != ' ' && *end != '\t'))
		return ndr_rulefile_fail(
		    err, rd->path, rd->line,
		    "a macro line must be "
		    "\"%%define NAME PATTERN\" with NAME in capitals");
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end == '\0')
		return ndr_rulefile_fail(err, rd->path, rd->line,
		                         "macro line without a pattern");
	/* A macro may use the macros defined before it. */
	value = g_string_new(end);
	if (!expand_macros(rd, value, rd->line, err)) {
		g_string_free(value, TRUE);
		return FALSE;
	}
	g_hash_table_insert(rd->macros, g_strndup(name, strcspn(name, " \t")),
	                    g_string_free(value, FALSE));
	return TRUE;
}

static gboolean
read_line(reader *rd, char *line, GError **err)
{
	g_strchomp(line);
	if (*line == ' ' || *line == '\t') {
		if (rd->label == NULL)
			return g_strchug(line)[0] == '\0' ||
			       ndr_rulefile_fail(err, rd->path, rd->line,
			                         "continuation line "
			                         "without a rule before it");
		g_string_append(rd->pattern, g_strchug(line));
		return TRUE;
	}
	if (!finish_rule(rd, err))
		return FALSE;
	if (*line == '\0' || *line == '#')
		return TRUE;
	if (*line == '[')
		return start_class(rd, line, err);
	if (g_str_has_prefix(line, "%define"))
		return define_macro(rd, line + strlen("%define"), err);
	return start_rule(rd, line, err);
}

/*
 * The bytes of a rule file, NUL-terminated, if it is a regular file (or a
 * link to one) of at most NDR_MAX_RULE_FILE_BYTES.  Anything else is
 * refused before it is read: a FIFO would hang the read (the open does
 * not wait, O_NONBLOCK), a device such as /dev/zero would never end it.
 */
static char *
read_bounded(const char *path, gsize *len, GError **err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = 0;
	struct stat st;
	GString *text;
	char buf[8192];
	ssize_t n = 0;

	if (fd < 0 || fstat(fd, &st) != 0) {
		e = errno;
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		ndr_rulefile_fail(
		    err, path, 0,
		    "not a rule file: not a regular file (a FIFO, "
		    "a device or a folder); remove it");
		return NULL;
	}
	text = g_string_new(NULL);
	/* The size is read, not trusted from fstat: the file may grow. */
	while (e == 0 && text->len <= NDR_MAX_RULE_FILE_BYTES &&
	       (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n > 0)
			g_string_append_len(text, buf, n);
		else if (errno != EINTR)
			e = errno;
	}
	if (fd >= 0)
		close(fd);
	if (e != 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "cannot read rule file %s: %s", path,
		            g_strerror(e));
		g_string_free(text, TRUE);
		return NULL;
	}
	*len = text->len;
	return g_string_free(text, FALSE);
}

static gboolean
load_file(GHashTable *classes, const char *path, gboolean lazy, GError **err)
{
	char *text, *line, *end;
	reader rd = {.classes = classes, .path = path, .lazy = lazy};
	gboolean ok = TRUE;
	gsize len;

	if ((text = read_bounded(path, &len, err)) == NULL)
		return FALSE;
	if (len > NDR_MAX_RULE_FILE_BYTES || strlen(text) != len ||
	    !g_utf8_validate(text, len, NULL)) {
		g_free(text);
		return ndr_rulefile_fail(err, rd.path, 0,
		                         "not a rule file: larger than %u "
		                         "bytes, or not UTF-8 text",
		                         NDR_MAX_RULE_FILE_BYTES);
	}
	rd.pattern = g_string_new(NULL);
	rd.macros =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Lines are cut in place: CR-only and CRLF files too. */
	for (line = text, rd.line = 1; ok && line < text + len; rd.line++) {
		end = line + strcspn(line, "\r\n");
		if (*end == '\r' && end[1] == '\n')
			*end++ = '\0';
		*end = '\0';
		ok = read_line(&rd, line, err);
		line = end + 1;
	}
	if (ok)
		ok = finish_rule(&rd, err);
	g_free(rd.label);
	g_string_free(rd.pattern, TRUE);
	g_hash_table_unref(rd.macros);
	g_free(text);
	return ok;
}

/* A rule file to read, and whether it ships with ndrcheck. */
typedef struct rule_file {
	char *path;
	gboolean builtin;
} rule_file;

static void
rule_file_free(gpointer p)
{
	rule_file *f = p;

	g_free(f->path);
	g_free(f);
}

/*
 * name -> rule_file of every "*.rules" file, later directories winning;
 * with builtin, those of the first directory ship with ndrcheck.
 */
static GHashTable *
collect_files(const char *const *dirs, gboolean builtin)
{
	GHashTable *files = g_hash_table_new_full(g_str_hash, g_str_equal,
	                                          g_free, rule_file_free);
	const char *name;
	rule_file *f;
	guint i;
	GDir *d;

	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		d = g_dir_open(dirs[i], 0, NULL);
		if (d == NULL)
			continue; /* e.g. no user rules.d: nothing to add */
		while ((name = g_dir_read_name(d)) != NULL) {
			if (!g_str_has_suffix(name, ".rules") || name[0] == '.')
				continue;
			f = g_new0(rule_file, 1);
			f->path = g_build_filename(dirs[i], name, NULL);
			f->builtin = builtin && i == 0;
			g_hash_table_insert(files, g_strdup(name), f);
		}
		g_dir_close(d);
	}
	return files;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GHashTable *
ndr_rulefile_read(const char *const *dirs, gboolean builtin, GError **err)
{
	GHashTable *classes =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, class_free);
	GHashTable *files = collect_files(dirs, builtin);
	guint i, n;
	gpointer *names = g_hash_table_get_keys_as_array(files, &n);
	gboolean ok = TRUE;
	rule_file *f;

	qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; ok && i < n; i++) {
		f = g_hash_table_lookup(files, names[i]);
		ok = load_file(classes, f->path, f->builtin, err);
	}
	g_free(names);
	g_hash_table_unref(files);
	if (!ok)
		g_clear_pointer(&classes, g_hash_table_unref);
	return classes;
}
