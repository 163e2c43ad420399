/*
 * import.c - bulk-add sent mail from Maildir folders, mbox files and MTA
 * logs, incrementally (see import.h), and sync the config's "sent"
 * folders before classification.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "import.h"
#include "ndrlimits.h"
#include "lines.h"
#include "maildir.h"
#include "mbox.h"
#include "message.h"
#include "mtalog.h"

/* Bytes before the resume offset kept to recognise the same file again. */
#define MARK_BYTES 64
/* Bytes of a message file read at a time, looking for its header's end. */
#define HEADER_CHUNK 16384
/* A directory time this close to now may hide a change in the same tick. */
#define RACY_NS G_GINT64_CONSTANT(1000000000)

typedef struct import {
	ndr_sentlog *log;
	const ndr_rules *rules; /* of class mta-log */
	gint64 deadline;        /* g_get_monotonic_time() bound, or 0 */
	unsigned long added;    /* new messages */
	guint batch;            /* messages since the last commit */
	gboolean stopped;       /* the deadline came: the rest waits */
	GArray *dates;       /* gint64 Dates of the source read in this run */
	ndr_sync_state sync; /* of the source read last (a sync's) */
} import;

static gint64
mtime_ns(const struct stat *sb)
{
	return (gint64)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Keep a message's date for what its source covers (cover()). */
static void
note_date(import *im, gint64 date)
{
	if (date != 0)
		g_array_append_val(im->dates, date);
}

static gint
by_date(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return (x > y) - (x < y);
}

/*
 * A source read to its end covers back to its oldest dates, robust to
 * outliers (see NDR_COVER_SKIP_PERMILLE in ndrlimits.h): its sane dates
 * sorted, the oldest few skipped.
 */
static gboolean
cover(import *im, GError **err)
{
	GArray *sane = g_array_new(FALSE, FALSE, sizeof(gint64));
	guint i, skip;
	gboolean ok = TRUE;

	for (i = 0; i < im->dates->len; i++) {
		gint64 d = g_array_index(im->dates, gint64, i);

		if (ndr_sentlog_sane_date(d))
			g_array_append_val(sane, d);
	}
	if (sane->len > 0) {
		g_array_sort(sane, by_date);
		skip = sane->len < 2
		           ? 0
		           : MAX(1, sane->len * NDR_COVER_SKIP_PERMILLE / 1000);
		ok = ndr_sentlog_cover(im->log,
		                       g_array_index(sane, gint64, skip), err);
	}
	g_array_unref(sane);
	return ok;
}

/* Commit every NDR_IMPORT_BATCH messages; notice the deadline. */
static gboolean
checkpoint(import *im, GError **err)
{
	if (im->deadline != 0 && g_get_monotonic_time() > im->deadline)
		im->stopped = TRUE;
	if (++im->batch < NDR_IMPORT_BATCH)
		return TRUE;
	im->batch = 0;
	return ndr_sentlog_commit(im->log, err) &&
	       ndr_sentlog_begin(im->log, err);
}

/* The length of the header block of buf, its empty line included. */
static size_t
header_len(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (size_t)(nl + 1 - buf);
		p = nl + 1;
	}
	return len;
}

/* Record the message in buf: only its header block is parsed. */
static gboolean
record(import *im, const char *buf, size_t len, GError **err)
{
	GMimeMessage *msg;
	gboolean added = FALSE, ok = TRUE;

	len = header_len(buf, MIN(len, NDR_MAX_HEADER_BYTES));
	msg = ndr_message_from_text_or_null(buf, len);
	if (msg != NULL) {
		GDateTime *date = g_mime_message_get_date(msg);

		if (date != NULL)
			note_date(im, g_date_time_to_unix(date));
		ok = ndr_sentlog_record(im->log, msg, &added, err);
		g_object_unref(msg);
	}
	im->added += added;
	return ok && checkpoint(im, err);
}

/*
 * Read fd up to the end of its header block (at most NDR_MAX_HEADER_BYTES)
 * into buf: most messages are mostly body, which is never read.
 */
static ssize_t
read_header(int fd, char *buf)
{
	size_t n = 0;
	ssize_t got;

	while (n < NDR_MAX_HEADER_BYTES) {
		got = read(fd, buf + n,
		           MIN(HEADER_CHUNK, NDR_MAX_HEADER_BYTES - n));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		n += (size_t)got;
		if (header_len(buf, n) < n)
			break;
	}
	return (ssize_t)n;
}

/*
 * Record a Maildir message file.  One that vanished since the listing
 * (the mail reader moved it) is left for the next import, under its new
 * name; *done says whether it was read.
 */
static gboolean
record_file(import *im, const char *path, gboolean *done, GError **err)
{
	char *buf;
	ssize_t n;
	int fd;
	gboolean ok;

	*done = FALSE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return TRUE;
	if (fd < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot open the message %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	buf = g_malloc(NDR_MAX_HEADER_BYTES);
	n = read_header(fd, buf);
	if (n < 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot read the message %s: %s", path,
		            g_strerror(errno));
		ok = FALSE;
	} else {
		ok = record(im, buf, (size_t)n, err);
		*done = ok;
	}
	close(fd);
	g_free(buf);
	return ok;
}

/* --- Maildir --- */

typedef struct maildir {
	import *im;
	const char *source;
	GHashTable *seen;    /* keys imported before */
	GHashTable *present; /* keys listed now */
	GArray *unread;      /* pending files listed now, not seen before */
} maildir;

/* A message file not imported yet, and its time. */
typedef struct pending {
	char *path;
	char *key;
	gint64 mtime; /* seconds */
} pending;

static void
pending_clear(gpointer p)
{
	pending *f = p;

	g_free(f->path);
	g_free(f->key);
}

/* Newest first: a cut-short sync has then read the recent mail. */
static gint
newest_first(gconstpointer a, gconstpointer b)
{
	gint64 x = ((const pending *)a)->mtime, y = ((const pending *)b)->mtime;

	return (x < y) - (x > y);
}

/* List dir/sub: the known files counted, the others kept in unread. */
static gboolean
maildir_list(maildir *md, const char *dir, const char *sub, GError **err)
{
	char *subdir = g_build_filename(dir, sub, NULL);
	GPtrArray *names = ndr_maildir_list(subdir, err);
	struct stat sb;
	pending f;
	guint i;

	for (i = 0; names != NULL && i < names->len; i++) {
		f.key = ndr_maildir_key(names->pdata[i]);
		g_hash_table_add(md->present, g_strdup(f.key));
		md->im->sync.total++;
		if (g_hash_table_contains(md->seen, f.key)) {
			md->im->sync.done++; /* flags changed, or moved */
			g_free(f.key);
			continue;
		}
		f.path = g_build_filename(subdir, names->pdata[i], NULL);
		/* (a file gone since the listing is skipped when read) */
		f.mtime = stat(f.path, &sb) == 0 ? sb.st_mtim.tv_sec : 0;
		g_array_append_val(md->unread, f);
	}
	if (names != NULL)
		g_ptr_array_unref(names);
	g_free(subdir);
	return names != NULL;
}

/*
 * Read the unread files newest first.  Cut short by the deadline, all
 * files newer than the first one left are in the log: the sync state's
 * "reached" (see NDR_SYNC_DATE_SLACK_S).
 */
static gboolean
maildir_read(maildir *md, GError **err)
{
	gboolean ok = TRUE, done;
	pending *f;
	guint i;

	g_array_sort(md->unread, newest_first);
	for (i = 0; ok && i < md->unread->len && !md->im->stopped; i++) {
		f = &g_array_index(md->unread, pending, i);
		ok = record_file(md->im, f->path, &done, err);
		if (ok && done) {
			md->im->sync.done++;
			ok = ndr_sentlog_key_put(md->im->log, md->source,
			                         f->key, err);
		}
	}
	if (i < md->unread->len)
		md->im->sync.reached =
		    g_array_index(md->unread, pending, i).mtime + 1 +
		    NDR_SYNC_DATE_SLACK_S;
	return ok;
}

/* Forget the keys of messages gone from the folder. */
static gboolean
maildir_forget(maildir *md, GError **err)
{
	GHashTableIter it;
	gpointer key;
	gboolean ok = TRUE;

	g_hash_table_iter_init(&it, md->seen);
	while (ok && g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(md->present, key))
			ok = ndr_sentlog_key_drop(md->im->log, md->source, key,
			                          err);
	return ok;
}

/*
 * The times of cur/ and new/ and the sources they are kept under; TRUE
 * in *changed if either differs from the last import.
 */
static gboolean
maildir_times(import *im, const char *dir, const char *source, gint64 times[2],
              char *keys[2], gboolean *changed, GError **err)
{
	static const char *const subs[] = {"cur", "new"};
	ndr_import_state st;
	struct stat sb;
	gboolean found;
	char *path;
	int i;

	*changed = FALSE;
	for (i = 0; i < 2; i++) {
		path = g_build_filename(dir, subs[i], NULL);
		if (stat(path, &sb) != 0) {
			g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
			            "cannot read the folder %s: %s", path,
			            g_strerror(errno));
			g_free(path);
			return FALSE;
		}
		g_free(path);
		times[i] = mtime_ns(&sb);
		keys[i] = g_build_filename(source, subs[i], NULL);
		if (!ndr_sentlog_state_get(im->log, keys[i], &st, &found, err))
			return FALSE;
		*changed = *changed || !found || st.mtime_ns != times[i];
		g_free(st.mark);
	}
	return TRUE;
}

/* Remember the times of cur/ and new/ as they were before the listing. */
static gboolean
maildir_save(import *im, gint64 times[2], char *keys[2], GError **err)
{
	gint64 now = g_get_real_time() * 1000;
	ndr_import_state st = {0};
	int i;

	for (i = 0; i < 2; i++) {
		/* Too recent a time may not show a file added in its tick. */
		st.mtime_ns = now - times[i] < RACY_NS ? 0 : times[i];
		if (!ndr_sentlog_state_put(im->log, keys[i], &st, err))
			return FALSE;
	}
	return TRUE;
}

static gboolean
import_maildir(import *im, const char *dir, const char *source, GError **err)
{
	maildir md = {.im = im, .source = source};
	char *keys[2] = {NULL, NULL};
	gint64 times[2];
	gboolean changed, ok;

	ok = maildir_times(im, dir, source, times, keys, &changed, err);
	if (ok && changed) {
		md.seen = ndr_sentlog_keys_get(im->log, source, err);
		md.present = g_hash_table_new_full(g_str_hash, g_str_equal,
		                                   g_free, NULL);
		md.unread = g_array_new(FALSE, FALSE, sizeof(pending));
		g_array_set_clear_func(md.unread, pending_clear);
		ok = md.seen != NULL && maildir_list(&md, dir, "cur", err) &&
		     maildir_list(&md, dir, "new", err) &&
		     maildir_read(&md, err);
		/* A reading cut short by the deadline proves nothing gone. */
		if (ok && !im->stopped)
			ok = maildir_forget(&md, err) &&
			     maildir_save(im, times, keys, err);
		if (md.seen != NULL)
			g_hash_table_unref(md.seen);
		g_hash_table_unref(md.present);
		g_array_unref(md.unread);
	}
	g_free(keys[0]);
	g_free(keys[1]);
	return ok;
}

/* --- files read from where the last import stopped --- */

/*
 * Read path from start; set *resume to where the next import must start
 * (messages or lines from there on may be incomplete).
 */
typedef gboolean (*file_reader)(import *im, const char *path,
                                const struct stat *sb, guint64 start,
                                guint64 *resume, GError **err);

/* The hex of the MARK_BYTES before offset, or NULL at the start. */
static char *
mark_at(const char *path, guint64 offset)
{
	guint8 buf[MARK_BYTES];
	size_t want = (size_t)MIN(offset, (guint64)MARK_BYTES);
	GString *hex;
	ssize_t n;
	size_t i;
	int fd;

	if (want == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = pread(fd, buf, want, (off_t)(offset - want));
	close(fd);
	if (n != (ssize_t)want)
		return NULL;
	hex = g_string_sized_new(2 * want);
	for (i = 0; i < want; i++)
		g_string_append_printf(hex, "%02x", buf[i]);
	return g_string_free(hex, FALSE);
}

/*
 * Where to start: the old resume offset if this is the same file grown
 * (same inode, not shorter, the same bytes before that offset), else
 * the start: the file was rotated or rewritten.
 */
static guint64
start_at(const char *path, const struct stat *sb, const ndr_import_state *st)
{
	char *mark;
	gboolean same;

	if (st->offset == 0 || st->inode != (guint64)sb->st_ino ||
	    (guint64)sb->st_size < st->offset)
		return 0;
	mark = mark_at(path, st->offset);
	same = g_strcmp0(mark, st->mark) == 0;
	g_free(mark);
	return same ? st->offset : 0;
}

static gboolean
import_file(import *im, const char *path, const char *source,
            const struct stat *sb, file_reader reader, GError **err)
{
	ndr_import_state st;
	guint64 resume = 0;
	gboolean found, ok;

	if (!ndr_sentlog_state_get(im->log, source, &st, &found, err))
		return FALSE;
	if (found && st.size == (guint64)sb->st_size &&
	    st.mtime_ns == mtime_ns(sb) && st.inode == (guint64)sb->st_ino) {
		g_free(st.mark);
		return TRUE; /* unchanged: not one byte read */
	}
	ok = reader(im, path, sb, found ? start_at(path, sb, &st) : 0, &resume,
	            err);
	g_free(st.mark);
	if (!ok)
		return FALSE;
	/* Stopped early: a size that cannot match makes the next one go on. */
	st.size = im->stopped ? G_MAXUINT64 : (guint64)sb->st_size;
	st.mtime_ns = mtime_ns(sb);
	st.inode = (guint64)sb->st_ino;
	st.offset = resume;
	st.mark = mark_at(path, resume);
	ok = ndr_sentlog_state_put(im->log, source, &st, err);
	g_free(st.mark);
	return ok;
}

/* --- mbox --- */

typedef struct mbox_read {
	import *im;
	guint64 last; /* offset of the last message read */
	GError *err;
} mbox_read;

static gboolean
mbox_one(const char *msg, size_t len, guint64 size, guint64 offset, void *arg)
{
	mbox_read *r = arg;

	r->last = offset;
	return record(r->im, msg, len, &r->err) && !r->im->stopped;
}

/* The last message is read again next time: it may have been growing. */
static gboolean
read_mbox(import *im, const char *path, const struct stat *sb, guint64 start,
          guint64 *resume, GError **err)
{
	mbox_read r = {.im = im, .last = start};

	if (!ndr_mbox_each(path, start, mbox_one, &r, err))
		return FALSE;
	if (r.err != NULL) {
		g_propagate_error(err, r.err);
		return FALSE;
	}
	*resume = r.last;
	return TRUE;
}

/* --- MTA logs --- */

typedef struct log_read {
	import *im;
	GError *err;
} log_read;

static gboolean
log_sent(const ndr_sent *s, void *arg)
{
	log_read *r = arg;
	gboolean added;

	note_date(r->im, s->date);
	if (!ndr_sentlog_add(r->im->log, s, &added, &r->err))
		return FALSE;
	r->im->added += added;
	return checkpoint(r->im, &r->err) && !r->im->stopped;
}

static gboolean
read_log(import *im, const char *path, const struct stat *sb, guint64 start,
         guint64 *resume, GError **err)
{
	log_read r = {.im = im};
	ndr_mtalog_read got;

	if (!ndr_mtalog_each(im->rules, path, start, sb->st_mtim.tv_sec,
	                     log_sent, &r, &got, err))
		return FALSE;
	*resume = got.resume;
	if (r.err != NULL) {
		g_propagate_error(err, r.err);
		return FALSE;
	}
	if (start == 0 && got.recognised == 0 && sb->st_size > 0) {
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_EUSAGE,
		    "%s is neither an mbox file (it does not start with a "
		    "\"From \" line) nor a Postfix, Exim or Sendmail log",
		    path);
		return FALSE;
	}
	return TRUE;
}

/* --- the entry points --- */

/* The name a source is kept under: its real path. */
static char *
source_name(const char *path)
{
	char *real = realpath(path, NULL), *name;

	if (real == NULL)
		return g_canonicalize_filename(path, NULL);
	name = g_strdup(real);
	free(real);
	return name;
}

static gboolean
import_one(import *im, const char *path, GError **err)
{
	struct stat sb;
	char *source;
	gboolean ok;

	if (stat(path, &sb) != 0) {
		g_set_error(err, NDR_ERROR,
		            errno == ENOENT || errno == ENOTDIR
		                ? NDRCHECK_EUSAGE
		                : NDRCHECK_ETEMP,
		            "cannot import %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode)) {
		g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
		            "cannot import %s: not a folder or a file", path);
		return FALSE;
	}
	if (S_ISDIR(sb.st_mode) && !ndr_maildir_is_maildir(path)) {
		g_set_error(
		    err, NDR_ERROR, NDRCHECK_EUSAGE,
		    "cannot import %s: a folder without cur/ and new/ is no "
		    "Maildir",
		    path);
		return FALSE;
	}
	source = source_name(path);
	g_array_set_size(im->dates, 0);
	if (S_ISDIR(sb.st_mode))
		ok = import_maildir(im, path, source, err);
	else if (ndr_mbox_is_mbox(path))
		ok = import_file(im, path, source, &sb, read_mbox, err);
	else
		ok = import_file(im, path, source, &sb, read_log, err);
	g_free(source);
	/* Only a source read to its end speaks for its oldest messages. */
	return ok && (im->stopped || cover(im, err));
}

/* Import in one transaction (committed in batches). */
static gboolean
import_run(import *im, const char *path, GError **err)
{
	if (!ndr_sentlog_begin(im->log, err))
		return FALSE;
	if (import_one(im, path, err))
		return ndr_sentlog_commit(im->log, err);
	ndr_sentlog_rollback(im->log);
	return FALSE;
}

gboolean
ndr_import_path(ndr_sentlog *log, const ndr_rules *rules, const char *path,
                unsigned long *added, GError **err)
{
import im = {.log = log, .rules = rules, .dates = g_array_new(FALSE, FALSE, sizeof(gint64)) };
	gboolean ok = import_run(&im, path, err);

	*added = im.added;
	g_array_unref(im.dates);
	return ok;
}

/*
 * Syncing is importing.  Bounded by NDR_SYNC_BUDGET_MS so that a first
 * sync of a large Sent folder cannot make a delivery overrun its time:
 * the rest is taken by the next ones (work is committed as it goes).  A
 * folder that does not exist (yet) is skipped; a database busy with
 * another writer (most likely syncing the same folders) leaves the sync
 * to it.
 */
/*
 * Keep how far the sync of source got: read to its end, or cut short (a
 * Maildir then covers from im->sync.reached on, a file nothing new).  A
 * source the deadline left unread keeps its counts and is unfinished.
 */
static gboolean
sync_save(import *im, const char *path, GError **err)
{
	/* (a file's reading counts no messages: stopped, it kept the old) */
	gboolean unread = im->sync.total == 0 && im->stopped, found, ok;
	char *source = source_name(path);
	ndr_sync_state was;

	ok = ndr_sentlog_sync_get(im->log, source, &was, &found, err);
	if (ok && im->sync.total == 0) {
		/* (an unchanged Maildir or file lists nothing anew) */
		im->sync.done = found ? was.done : 0;
		im->sync.total = found ? was.total : 0;
	}
	im->sync.when = g_get_real_time() / G_USEC_PER_SEC;
	im->sync.finished =
	    !unread &&
	    (!im->stopped ||
	     (g_file_test(path, G_FILE_TEST_IS_DIR) && im->sync.reached == 0));
	if (!im->sync.finished && im->sync.reached == 0)
		im->sync.reached = G_MAXINT64;
	if (im->sync.finished)
		im->sync.reached = 0;
	if (!ok || !ndr_sentlog_begin(im->log, err)) {
		g_free(source);
		return FALSE;
	}
	ok = ndr_sentlog_sync_put(im->log, source, &im->sync, err);
	/* What a Maildir sync cut short has read is covered (newest first:
	 * its first record would otherwise start coverage at today). */
	if (ok && !im->sync.finished && ndr_sentlog_sane_date(im->sync.reached))
		ok = ndr_sentlog_cover(im->log, im->sync.reached, err);
	if (ok)
		ok = ndr_sentlog_commit(im->log, err);
	else
		ndr_sentlog_rollback(im->log);
	g_free(source);
	return ok;
}

/* Sync one source; FALSE with *err unset when another process writes. */
static gboolean
sync_one(import *im, const char *path, GError **err)
{
	GError *e = NULL;

	memset(&im->sync, 0, sizeof(im->sync));
	if (!im->stopped && !import_run(im, path, &e)) {
		if (!ndr_sentlog_was_locked(im->log))
			g_propagate_error(err, e);
		else
			g_error_free(e);
		return FALSE;
	}
	return sync_save(im, path, err);
}

gboolean
ndr_sentlog_sync(ndr_sentlog *log, const ndr_rules *rules,
                 const ndr_config *cfg, GError **err)
{
import im = {.log = log, .rules = rules, .dates = g_array_new(FALSE, FALSE, sizeof(gint64)) };
	GError *e = NULL;
	gboolean ok = TRUE;
	char **p;

	im.deadline = g_get_monotonic_time() + cfg->sync_budget_ms * 1000;
	for (p = cfg->sent_folders; p != NULL && *p != NULL; p++) {
		if (!g_file_test(*p, G_FILE_TEST_EXISTS))
			continue;
		if (!sync_one(&im, *p, &e)) {
			ok = e == NULL; /* locked: another process syncs */
			if (e != NULL)
				g_propagate_error(err, e);
			break;
		}
	}
	g_array_unref(im.dates);
	return ok;
}

gboolean
ndr_sync_limit(ndr_sentlog *log, const ndr_config *cfg, char **source,
               ndr_sync_state *limit, GError **err)
{
	ndr_sync_state st;
	gboolean found;
	char *name;
	char **p;

	*source = NULL;
	memset(limit, 0, sizeof(*limit));
	for (p = cfg->sent_folders; p != NULL && *p != NULL; p++) {
		if (!g_file_test(*p, G_FILE_TEST_EXISTS))
			continue;
		name = source_name(*p);
		if (!ndr_sentlog_sync_get(log, name, &st, &found, err)) {
			g_free(name);
			g_free(*source);
			*source = NULL;
			return FALSE;
		}
		g_free(name);
		if (found && !st.finished && st.reached > limit->reached) {
			*limit = st;
			g_free(*source);
			*source = g_strdup(*p);
		}
	}
	return TRUE;
}
