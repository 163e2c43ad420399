/*
 * rulecache.c - read and write the file of compiled built-in rules (see
 * rulecache.h).
 *
 * The file, in the byte order of the machine that wrote it:
 *
 *	"ndrrc01\n"  u32 0x0a0b0c0d  u32 compile options
 *	u32 n, the PCRE2 version string (n bytes)   u32 number of classes
 *	per class: u32 n, name (n bytes)  u32 n, body (n bytes)
 *	body: u32 rules, per rule u32 n, pattern (n bytes);
 *	      u32 n, zeros up to a multiple of 8 from the start of the file,
 *	      the rules' codes as pcre2_serialize_encode() gave them (n bytes)
 *
 * PCRE2 reads the serialized codes through a struct, hence the
 * alignment.  It checks their magic, version and configuration itself,
 * but nothing else: decoding crafted data is unsafe (pcre2serialize(3)).
 * So the file is trusted exactly as far as the user's own files are (a
 * regular file of the effective user that nobody else may write), every
 * length of the framing is checked before it is used, and the version
 * string of the library, which changes whenever the code layout may,
 * must be the one running.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "config.h"
#include "ndrlimits.h"
#include "rulecache.h"

#define MAGIC           "ndrrc01\n"
#define BYTE_ORDER_MARK 0x0a0b0c0du
/* What pcre2_serialize_get_number_of_codes() reads: 4 32-bit words. */
#define SERIAL_HEADER_BYTES 16
/* Room for PCRE2_CONFIG_VERSION ("10.42 2022-12-11"). */
#define VERSION_BYTES 64

/* A class's place in the mapped file. */
typedef struct entry {
	const guchar *name;
	guint32 name_len;
	const guchar *body;
	guint32 body_len;
} entry;

struct ndr_rulecache {
	GMappedFile *map;
	const guchar *base;
	uint32_t options;
	GArray *entries; /* of entry */
};

struct ndr_rulecache_writer {
	char *path;
	GByteArray *out; /* the whole file, written at the end */
	guint count_at;  /* offset of the number of classes */
	guint32 classes;
};

/* Reading: every take checks that the bytes are there. */
typedef struct cursor {
	const guchar *base, *p, *end;
} cursor;

static gboolean
take(cursor *c, guint32 len, const guchar **out)
{
	if ((size_t)(c->end - c->p) < len)
		return FALSE;
	*out = c->p;
	c->p += len;
	return TRUE;
}

static gboolean
take_u32(cursor *c, guint32 *v)
{
	const guchar *p;

	if (!take(c, sizeof(*v), &p))
		return FALSE;
	memcpy(v, p, sizeof(*v));
	return TRUE;
}

/* Take a u32 length and that many bytes after it. */
static gboolean
take_counted(cursor *c, const guchar **out, guint32 *len)
{
	return take_u32(c, len) && take(c, *len, out);
}

/* Skip the zeros that align what follows to 8 bytes from the start. */
static gboolean
take_padding(cursor *c)
{
	const guchar *pad;

	return take(c, (8 - (c->p - c->base) % 8) % 8, &pad);
}

static gboolean
same_text(const guchar *bytes, guint32 len, const char *text)
{
	return len == strlen(text) && memcmp(bytes, text, len) == 0;
}

static const char *
pcre2_version(char *buf)
{
	if (pcre2_config(PCRE2_CONFIG_VERSION, buf) < 0)
		buf[0] = '\0';
	return buf;
}

char *
ndr_rulecache_path(void)
{
	return ndr_config_cache_path("rules.pcre2");
}

void
ndr_rulecache_close(ndr_rulecache *rc)
{
	if (rc == NULL)
		return;
	g_mapped_file_unref(rc->map);
	g_array_unref(rc->entries);
	g_free(rc);
}

/* Check the header and note where each class is. */
static gboolean
read_index(ndr_rulecache *rc, gsize len)
{
	cursor c = {rc->base, rc->base, rc->base + len};
	char version[VERSION_BYTES];
	const guchar *magic, *v;
	guint32 bom, options, vlen, n, i;
	entry e;

	if (!take(&c, strlen(MAGIC), &magic) ||
	    memcmp(magic, MAGIC, strlen(MAGIC)) != 0 || !take_u32(&c, &bom) ||
	    bom != BYTE_ORDER_MARK || !take_u32(&c, &options) ||
	    options != rc->options || !take_counted(&c, &v, &vlen) ||
	    !same_text(v, vlen, pcre2_version(version)) || !take_u32(&c, &n))
		return FALSE;
	for (i = 0; i < n; i++) {
		if (!take_counted(&c, &e.name, &e.name_len) ||
		    !take_counted(&c, &e.body, &e.body_len))
			return FALSE;
		g_array_append_val(rc->entries, e);
	}
	return c.p == c.end;
}

ndr_rulecache *
ndr_rulecache_open(const char *path, uint32_t options)
{
	/* Non-blocking: a FIFO put there must not hang the process. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	ndr_rulecache *rc;
	GMappedFile *map;
	struct stat st;

	if (fd < 0) {
		g_debug("%s: not used: %s", path, g_strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    st.st_size == 0 || st.st_size > NDR_MAX_RULE_CACHE_BYTES) {
		g_debug("%s: not used: not a regular file of this user only, "
		        "or empty, or larger than %u bytes",
		        path, NDR_MAX_RULE_CACHE_BYTES);
		close(fd);
		return NULL;
	}
	map = g_mapped_file_new_from_fd(fd, FALSE, NULL);
	close(fd);
	if (map == NULL)
		return NULL;
	rc = g_new0(ndr_rulecache, 1);
	rc->map = map;
	rc->base = (const guchar *)g_mapped_file_get_contents(map);
	rc->options = options;
	rc->entries = g_array_new(FALSE, FALSE, sizeof(entry));
	if (rc->base == NULL ||
	    !read_index(rc, g_mapped_file_get_length(map))) {
		g_debug("%s: not used: not a cache of these rules' "
		        "compile options and PCRE2 version",
		        path);
		ndr_rulecache_close(rc);
		return NULL;
	}
	return rc;
}

static const entry *
find_entry(const ndr_rulecache *rc, const char *name)
{
	const entry *e;
	guint i;

	for (i = 0; i < rc->entries->len; i++) {
		e = &g_array_index(rc->entries, entry, i);
		if (same_text(e->name, e->name_len, name))
			return e;
	}
	return NULL;
}

/*
 * What no decoded code may differ in from a compiled one: its compile
 * options, its groups, and its size, which must fit in what the file
 * gave for it.
 */
static gboolean
plausible(const ndr_rulecache *rc, pcre2_code **codes, guint n, guint32 len)
{
	uint32_t options, groups;
	size_t size, total = SERIAL_HEADER_BYTES;
	guint i;

	for (i = 0; i < n; i++) {
		if (pcre2_pattern_info(codes[i], PCRE2_INFO_ARGOPTIONS,
		                       &options) != 0 ||
		    pcre2_pattern_info(codes[i], PCRE2_INFO_CAPTURECOUNT,
		                       &groups) != 0 ||
		    pcre2_pattern_info(codes[i], PCRE2_INFO_SIZE, &size) != 0 ||
		    options != rc->options || groups + 1 > NDR_RULE_MAX_GROUPS)
			return FALSE;
		total += size;
	}
	return total <= len;
}

/* Decode n codes from a blob of len bytes; on failure none are kept. */
static gboolean
decode(const ndr_rulecache *rc, const guchar *blob, guint32 len,
       ndr_cached_class *cls)
{
	guint i;

	if (len < SERIAL_HEADER_BYTES ||
	    pcre2_serialize_get_number_of_codes(blob) != (int32_t)cls->n)
		return FALSE;
	if (pcre2_serialize_decode(cls->codes, cls->n, blob, NULL) ==
	        (int32_t)cls->n &&
	    plausible(rc, cls->codes, cls->n, len))
		return TRUE;
	/* PCRE2 frees what it decoded before some errors, not all. */
	for (i = 0; i < cls->n; i++)
		g_clear_pointer(&cls->codes[i], pcre2_code_free);
	return FALSE;
}

gboolean
ndr_rulecache_get(const ndr_rulecache *rc, ndr_cached_class *cls)
{
	const entry *e = find_entry(rc, cls->name);
	const guchar *s, *blob;
	guint32 n, len, i;
	cursor c;

	if (e == NULL || cls->n == 0)
		return FALSE;
	c = (cursor){rc->base, e->body, e->body + e->body_len};
	if (!take_u32(&c, &n) || n != cls->n)
		return FALSE;
	for (i = 0; i < n; i++)
		if (!take_counted(&c, &s, &len) ||
		    !same_text(s, len, cls->patterns[i]))
			return FALSE; /* the rule files changed since */
	return take_u32(&c, &len) && take_padding(&c) && take(&c, len, &blob) &&
	       c.p == c.end && decode(rc, blob, len, cls);
}

/* Writing. */
static void
put_u32(GByteArray *out, guint32 v)
{
	g_byte_array_append(out, (const guint8 *)&v, sizeof(v));
}

static void
put_counted(GByteArray *out, const void *bytes, guint32 len)
{
	put_u32(out, len);
	g_byte_array_append(out, bytes, len);
}

static void
set_u32(GByteArray *out, guint at, guint32 v)
{
	memcpy(out->data + at, &v, sizeof(v));
}

/*
 * Is dir a folder of the effective user that nobody else may write,
 * made (mode 0700) if missing below such a folder, and not the home
 * directory (config.h)?  A process running under another user's HOME
 * (sudo) must not leave there a folder that user could not write.
 */
static gboolean
own_dir(const char *dir)
{
	GStatBuf st;
	char *parent;
	gboolean ok;

	if (g_stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
		       (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
	if (errno != ENOENT)
		return FALSE;
	parent = g_path_get_dirname(dir);
	ok = !ndr_config_holds_home(dir) && own_dir(parent) &&
	     (g_mkdir(dir, 0700) == 0 || errno == EEXIST);
	g_free(parent);
	return ok;
}

ndr_rulecache_writer *
ndr_rulecache_begin(const char *path, uint32_t options)
{
	char *dir = g_path_get_dirname(path);
	char version[VERSION_BYTES];
	ndr_rulecache_writer *w;

	if (!own_dir(dir)) {
		g_debug("%s: not written: %s is not a folder of this user "
		        "only, and cannot be made one",
		        path, dir);
		g_free(dir);
		return NULL;
	}
	g_free(dir);
	w = g_new0(ndr_rulecache_writer, 1);
	w->path = g_strdup(path);
	w->out = g_byte_array_new();
	g_byte_array_append(w->out, (const guint8 *)MAGIC, strlen(MAGIC));
	put_u32(w->out, BYTE_ORDER_MARK);
	put_u32(w->out, options);
	pcre2_version(version);
	put_counted(w->out, version, strlen(version));
	w->count_at = w->out->len;
	put_u32(w->out, 0);
	return w;
}

void
ndr_rulecache_add(ndr_rulecache_writer *w, const ndr_cached_class *cls)
{
	static const guint8 zeros[8];
	PCRE2_SIZE size;
	guint8 *bytes;
	guint body_at;
	guint i;

	if (pcre2_serialize_encode((const pcre2_code **)cls->codes, cls->n,
	                           &bytes, &size, NULL) < 0) {
		g_debug("class %s: cannot serialize its rules", cls->name);
		return;
	}
	if (size > NDR_MAX_RULE_CACHE_BYTES) {
		pcre2_serialize_free(bytes);
		return; /* too large to be read back: compiled every time */
	}
	put_counted(w->out, cls->name, strlen(cls->name));
	body_at = w->out->len;
	put_u32(w->out, 0);
	put_u32(w->out, cls->n);
	for (i = 0; i < cls->n; i++)
		put_counted(w->out, cls->patterns[i], strlen(cls->patterns[i]));
	put_u32(w->out, (guint32)size);
	g_byte_array_append(w->out, zeros, (8 - w->out->len % 8) % 8);
	g_byte_array_append(w->out, bytes, size);
	set_u32(w->out, body_at, w->out->len - body_at - sizeof(guint32));
	w->classes++;
	pcre2_serialize_free(bytes);
}

void
ndr_rulecache_finish(ndr_rulecache_writer *w)
{
	GError *err = NULL;

	set_u32(w->out, w->count_at, w->classes);
	/* CONSISTENT: a temporary file renamed over the old one, so that
	 * readers see the old file or the new one, never half. */
	if (w->out->len > NDR_MAX_RULE_CACHE_BYTES)
		g_debug("%s: not written: larger than %u bytes", w->path,
		        NDR_MAX_RULE_CACHE_BYTES);
	else if (!g_file_set_contents_full(
	             w->path, (const char *)w->out->data, w->out->len,
	             G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err)) {
		g_debug("%s: not written: %s", w->path, err->message);
		g_error_free(err);
	}
	g_byte_array_unref(w->out);
	g_free(w->path);
	g_free(w);
}
