/*
 * test-import.c - importing sent mail: Maildir folders, mbox files and
 * MTA logs, idempotent and incremental.
 *
 * "Reads no message" is proven without hooks: a message file already
 * imported is changed in place to carry another Message-ID; if an import
 * read it again, that Message-ID would appear in the sent log.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <sqlite3.h>

#include "dbquery.h"
#include "error.h"
#include "import.h"
#include "ruletest.h"
#include "tmptree.h"

#define BSD  NDR_SRCDIR "/testdata/set-of-emails/maildir/bsd/"
#define LOGS NDR_SRCDIR "/testdata/mta-logs/"
/* Real messages and their own Message-IDs. */
#define SM01    BSD "lhost-sendmail-01.eml"
#define SM01_ID "201310160515.r9G5FZh9018575@smtpgw.example.jp"
#define PF03    BSD "lhost-postfix-03.eml"
#define PF03_ID "20140701045401.X0000000000000@e1.example.ne.jp"
#define PF01    BSD "lhost-postfix-01.eml"
#define PF01_ID "20130429234532.00000000000@p351355.pool.example.ne.jp"
#define EX02    BSD "lhost-exim-02.eml"
#define EX02_ID "E1X58pT-0004bZ-Co@marutamachi.example.org"

typedef struct fixture {
	char *dir;
	char *db;
	ndr_sentlog *log;
} fixture;

static void
setup(fixture *fx)
{
	GError *err = NULL;

	fx->dir = tmptree_new();
	fx->db = g_build_filename(fx->dir, "sent.db", NULL);
	fx->log = ndr_sentlog_open(fx->db, FALSE, &err);
	g_assert_no_error(err);
}

static void
teardown(fixture *fx)
{
	ndr_sentlog_close(fx->log);
	g_free(fx->db);
	tmptree_free(fx->dir);
}

static char *
slurp(const char *path, gsize *len)
{
	char *text;

	g_assert_true(g_file_get_contents(path, &text, len, NULL));
	return text;
}

/* Write (append) the contents of src to dst. */
static void
copy(const char *src, const char *dst, gboolean append)
{
	gsize len;
	char *text = slurp(src, &len);
	FILE *f = fopen(dst, append ? "ab" : "wb");

	g_assert_nonnull(f);
	g_assert_cmpuint(fwrite(text, 1, len, f), ==, len);
	g_assert_cmpint(fclose(f), ==, 0);
	g_free(text);
}

static unsigned long
import(fixture *fx, const char *path)
{
	unsigned long added = 12345;
	GError *err = NULL;

	g_assert_true(
	    ndr_import_path(fx->log, builtin_rules(), path, &added, &err));
	g_assert_no_error(err);
	return added;
}

static gboolean
has_id(fixture *fx, const char *id)
{
	GError *err = NULL;
	ndr_sent_info info;
	gboolean found;

	g_assert_true(ndr_sentlog_find_id(fx->log, id, &found, &info, &err));
	g_free(info.first_to);
	return found;
}

static gboolean
mailed(fixture *fx, const char *address)
{
	GError *err = NULL;
	gint64 when;

	g_assert_true(ndr_sentlog_find_recipient(
	    fx->log, address, 0, G_MAXINT64, FALSE, &when, &err));
	return when != 0;
}

static gint64
count(fixture *fx, const char *sql)
{
	return db_query(fx->db, sql);
}

static char *
make_maildir(fixture *fx)
{
	char *md = g_build_filename(fx->dir, "Sent", NULL), *p;
	const char *subs[] = {"cur", "new", "tmp"};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(subs); i++) {
		p = g_build_filename(md, subs[i], NULL);
		g_assert_cmpint(g_mkdir_with_parents(p, 0700), ==, 0);
		g_free(p);
	}
	return md;
}

static void
maildir_put(const char *md, const char *name, const char *src)
{
	char *p = g_build_filename(md, name, NULL);

	copy(src, p, FALSE);
	g_free(p);
}

/* Write message number i, dated date, into md/cur. */
static void
maildir_dated(const char *md, guint i, gint64 date)
{
	GDateTime *t = g_date_time_new_from_unix_utc(date);
	char *when = g_date_time_format(t, "%a, %d %b %Y %H:%M:%S +0000");
	char *name = g_strdup_printf("%s/cur/%u.dated:2,S", md, i);
	char *text = g_strdup_printf("From: me@example.org\n"
	                             "To: friend%u@example.net\n"
	                             "Message-ID: <dated-%u@example.org>\n"
	                             "Date: %s\n"
	                             "Subject: dated\n\nbody\n",
	                             i, i, when);

	g_assert_true(g_file_set_contents(name, text, -1, NULL));
	g_free(text);
	g_free(name);
	g_free(when);
	g_date_time_unref(t);
}

/*
 * A folder read to its end moves coverage back to its oldest messages,
 * but not to one dated 1970, nor to the one outlier far older than the
 * rest, nor does a far-future Date count.
 */
static void
test_maildir_coverage(void)
{
	const gint64 day = 86400, first = 1577836800; /* 2020-01-01 */
	fixture fx;
	char *md;
	GError *err = NULL;
	gint64 start;
	guint i;

	setup(&fx);
	md = make_maildir(&fx);
	for (i = 0; i < 150; i++)
		maildir_dated(md, i, first + i * day);
	maildir_dated(md, 150, 0);
	maildir_dated(md, 151, 978307200); /* 2001-01-01: one outlier */
	maildir_dated(md, 152, G_GINT64_CONSTANT(3786912000)); /* 2090 */
	g_assert_cmpuint(import(&fx, md), ==, 153);
	g_assert_true(ndr_sentlog_earliest(fx.log, &start, &err));
	g_assert_no_error(err);
	g_assert_cmpint(start, ==, first);
	g_free(md);
	teardown(&fx);
}

static void
test_maildir(void)
{
	fixture fx;
	char *md, *from, *to;

	setup(&fx);
	md = make_maildir(&fx);
	maildir_put(md, "cur/1.host:2,S", SM01);
	maildir_put(md, "new/2.host", PF03);
	maildir_put(md, "tmp/3.host", PF01); /* being delivered: not read */
	g_assert_cmpuint(import(&fx, md), ==, 2);
	g_assert_true(has_id(&fx, SM01_ID));
	g_assert_true(has_id(&fx, PF03_ID));
	g_assert_false(has_id(&fx, PF01_ID));
	g_assert_cmpuint(import(&fx, md), ==, 0);

	/* Imported files are not read again, even once the folder changed. */
	maildir_put(md, "cur/1.host:2,S", EX02);
	g_assert_cmpuint(import(&fx, md), ==, 0);
	from = g_build_filename(md, "new/2.host", NULL);
	to = g_build_filename(md, "cur/2.host:2,RS", NULL);
	g_assert_cmpint(rename(from, to), ==, 0); /* read, flags changed */
	g_assert_cmpuint(import(&fx, md), ==, 0);
	maildir_put(md, "new/4.host", PF01);
	g_assert_cmpuint(import(&fx, md), ==, 1);
	g_assert_true(has_id(&fx, PF01_ID));
	g_assert_false(has_id(&fx, EX02_ID));

	/* A message gone from the folder is forgotten by the import state. */
	g_assert_cmpint(count(&fx, "SELECT count(*) FROM import_keys"), ==, 3);
	g_assert_cmpint(unlink(to), ==, 0);
	g_assert_cmpuint(import(&fx, md), ==, 0);
	g_assert_cmpint(count(&fx, "SELECT count(*) FROM import_keys"), ==, 2);
	g_assert_true(has_id(&fx, PF03_ID)); /* the sent log keeps it */
	g_free(from);
	g_free(to);
	g_free(md);
	teardown(&fx);
}

static void
mbox_add(const char *mbox, const char *src)
{
	FILE *f = fopen(mbox, "ab");

	g_assert_nonnull(f);
	fputs("From MAILER-DAEMON  Thu Nov 20 10:00:00 2014\n", f);
	g_assert_cmpint(fclose(f), ==, 0);
	copy(src, mbox, TRUE);
	f = fopen(mbox, "ab");
	fputs("\n", f);
	g_assert_cmpint(fclose(f), ==, 0);
}

/*
 * Change one digit of the first message's Message-ID in place (same
 * inode), its size and time kept.
 */
static void
mbox_tamper(const char *mbox)
{
	struct timespec times[2];
	struct stat sb;
	GMappedFile *map = g_mapped_file_new(mbox, FALSE, NULL);
	const char *text = g_mapped_file_get_contents(map);
	const char *p =
	    g_strstr_len(text, (gssize)g_mapped_file_get_length(map), SM01_ID);
	off_t at = p != NULL ? (off_t)(p - text) + 11 : -1;
	int fd;

	g_mapped_file_unref(map);
	g_assert_cmpint(at, >, 0);
	g_assert_cmpint(stat(mbox, &sb), ==, 0);
	fd = open(mbox, O_WRONLY);
	g_assert_cmpint(fd, >=, 0);
	/* 201310160515 -> 201310160516 */
	g_assert_cmpint(pwrite(fd, "6", 1, at), ==, 1);
	g_assert_cmpint(close(fd), ==, 0);
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	g_assert_cmpint(utimensat(AT_FDCWD, mbox, times, 0), ==, 0);
}

#define SM01_TAMPERED "201310160516.r9G5FZh9018575@smtpgw.example.jp"

static void
test_mbox(void)
{
	fixture fx;
	char *mbox;

	setup(&fx);
	mbox = g_build_filename(fx.dir, "sent.mbox", NULL);
	mbox_add(mbox, SM01);
	mbox_add(mbox, PF03);
	g_assert_cmpuint(import(&fx, mbox), ==, 2);
	g_assert_true(has_id(&fx, SM01_ID));
	g_assert_true(has_id(&fx, PF03_ID));

	/* Unchanged size and time: nothing is read. */
	mbox_tamper(mbox);
	g_assert_cmpuint(import(&fx, mbox), ==, 0);
	g_assert_false(has_id(&fx, SM01_TAMPERED));

	/* Appended mail is read from the old end on. */
	mbox_add(mbox, PF01);
	g_assert_cmpuint(import(&fx, mbox), ==, 1);
	g_assert_true(has_id(&fx, PF01_ID));
	g_assert_false(has_id(&fx, SM01_TAMPERED));

	/* A rewritten file is read again from its start. */
	g_assert_cmpint(unlink(mbox), ==, 0);
	mbox_add(mbox, EX02);
	mbox_add(mbox, SM01);
	g_assert_cmpuint(import(&fx, mbox), ==, 1);
	g_assert_true(has_id(&fx, EX02_ID));
	g_assert_cmpint(count(&fx, "SELECT count(*) FROM messages"), ==, 4);
	g_free(mbox);
	teardown(&fx);
}

/* A copy of a sample log dated the day after its lines (for the year). */
static char *
log_copy(fixture *fx, const char *name)
{
	char *src = g_build_filename(LOGS, name, NULL);
	char *dst = g_build_filename(fx->dir, name, NULL);
	struct utimbuf t = {.actime = 1795219200, .modtime = 1795219200};

	copy(src, dst, FALSE);
	g_assert_cmpint(utime(dst, &t), ==, 0); /* 2026-11-21 00:00 UTC */
	g_free(src);
	return dst;
}

static void
append_line(const char *path, const char *line)
{
	FILE *f = fopen(path, "a");

	g_assert_nonnull(f);
	fputs(line, f);
	g_assert_cmpint(fclose(f), ==, 0);
}

static void
test_postfix(void)
{
	fixture fx;
	GError *err = NULL;
	ndr_sent_info info;
	gboolean found;
	char *log;

	setup(&fx);
	log = log_copy(&fx, "postfix.log");
	g_assert_cmpuint(import(&fx, log), ==, 2);
	g_assert_true(ndr_sentlog_find_id(
	    fx.log, "20261120100001.A1@example.org", &found, &info, &err));
	g_assert_true(found);
	g_assert_cmpint(info.date, ==, 1795168801); /* Nov 20 10:00:01 */
	g_assert_cmpstr(info.first_to, ==, "x@example.net");
	g_assert_cmpuint(info.n_to, ==, 2); /* sent and bounced */
	g_free(info.first_to);
	g_assert_true(mailed(&fx, "y@example.com"));
	g_assert_true(mailed(&fx, "z@slow.example")); /* deferred */
	/* Incoming mail: to a content filter on 127.0.0.1, then local. */
	g_assert_false(has_id(&fx, "incoming.1@example.net"));
	g_assert_false(mailed(&fx, "jan@example.org"));
	g_assert_cmpuint(import(&fx, log), ==, 0);

	/* Later lines: a retry of the message still queued, and a new one. */
	append_line(
	    log,
	    "Nov 20 11:07:41 mail postfix/smtp[2124]: 4Fb2aB0c1d9sWR: "
	    "to=<z2@slow.example>, relay=mx.slow.example[198.51.100.7]:25, "
	    "delay=3631, dsn=2.0.0, status=sent (250 OK)\n"
	    "Nov 20 11:10:00 mail postfix/cleanup[2114]: 4Fb2bC1d2e9sWS: "
	    "message-id=<20261120111000.C3@example.org>\n"
	    "Nov 20 11:10:01 mail postfix/smtp[2125]: 4Fb2bC1d2e9sWS: "
	    "to=<q@example.net>, relay=mx.example.net[192.0.2.10]:25, "
	    "delay=1, dsn=2.0.0, status=sent (250 OK)\n");
	g_assert_cmpuint(import(&fx, log), ==, 1);
	g_assert_true(mailed(&fx, "z2@slow.example"));
	g_assert_true(has_id(&fx, "20261120111000.C3@example.org"));
	g_free(log);
	teardown(&fx);
}

static void
test_exim(void)
{
	fixture fx;
	char *log;

	setup(&fx);
	log = log_copy(&fx, "exim_mainlog");
	g_assert_cmpuint(import(&fx, log), ==, 2);
	g_assert_true(has_id(&fx, "20261120100001.E1@example.org"));
	g_assert_true(mailed(&fx, "x@example.net"));
	g_assert_true(mailed(&fx, "w@example.net"));      /* "->" */
	g_assert_true(mailed(&fx, "nobody@example.com")); /* "**" */
	/* No id=: known by the Exim message id. */
	g_assert_true(has_id(&fx, "1tDxZb-0003Ij-Kl@exim.ndrcheck.invalid"));
	g_assert_true(mailed(&fx, "v@example.net"));
	/* Incoming, delivered locally. */
	g_assert_false(has_id(&fx, "reply.7@example.net"));
	g_assert_false(mailed(&fx, "jan@example.org"));
	g_assert_cmpuint(import(&fx, log), ==, 0);
	g_free(log);
	teardown(&fx);
}

/*
 * A log is bytes, not UTF-8: an Exim arrival whose subject (T=) is
 * Latin-1, and a delivery whose server reply (C=) is, are read all the
 * same, or the message would be lost.
 */
static void
test_8bit(void)
{
	fixture fx;
	char *log;

	setup(&fx);
	log = g_build_filename(fx.dir, "mainlog", NULL);
	append_line(log,
	            "2026-11-20 10:00:01 1tDxYz-0001Ab-Cd <= jan@example.org "
	            "U=jan P=local S=1201 id=latin1.1@example.org "
	            "T=\"Caf\xe9 on Friday\"\n"
	            "2026-11-20 10:00:02 1tDxYz-0001Ab-Cd => x@example.net "
	            "R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.10] "
	            "C=\"250 Re\xe7u\"\n"
	            "2026-11-20 10:00:03 1tDxYz-0001Ab-Cd Completed\n");
	g_assert_cmpuint(import(&fx, log), ==, 1);
	g_assert_true(has_id(&fx, "latin1.1@example.org"));
	g_assert_true(mailed(&fx, "x@example.net"));
	g_free(log);
	teardown(&fx);
}

static void
test_sendmail(void)
{
	fixture fx;
	char *log;

	setup(&fx);
	log = log_copy(&fx, "maillog");
	g_assert_cmpuint(import(&fx, log), ==, 1);
	g_assert_true(
	    has_id(&fx, "202611201000.5AKA01aB003101@mail.example.org"));
	g_assert_true(mailed(&fx, "x@example.net"));
	g_assert_true(mailed(&fx, "u@example.net"));
	g_assert_false(has_id(&fx, "in.9@example.net"));
	g_assert_false(mailed(&fx, "jan@example.org"));
	g_assert_cmpuint(import(&fx, log), ==, 0);
	g_free(log);
	teardown(&fx);
}

static void
import_fails(fixture *fx, const char *path, const char *why)
{
	unsigned long added;
	GError *err = NULL;

	g_assert_false(
	    ndr_import_path(fx->log, builtin_rules(), path, &added, &err));
	g_assert_error(err, NDR_ERROR, NDRCHECK_EUSAGE);
	g_assert_nonnull(strstr(err->message, why));
	g_error_free(err);
}

static void
test_errors(void)
{
	fixture fx;

	setup(&fx);
	import_fails(&fx, NDR_SRCDIR "/testdata/sent/README",
	             "neither an mbox file");
	import_fails(&fx, LOGS, "no Maildir");
	import_fails(&fx, LOGS "missing", "No such file");
	teardown(&fx);
}

/* Sync imports the config's folders and skips one not there (yet). */
static void
test_sync(void)
{
	ndr_config cfg = {.window_days = 30};
	GError *err = NULL;
	fixture fx;
	char *md;

	setup(&fx);
	md = make_maildir(&fx);
	maildir_put(md, "cur/1.host:2,S", SM01);
	cfg.sent_folders = g_new0(char *, 3);
	cfg.sent_folders[0] = g_build_filename(fx.dir, "Missing", NULL);
	cfg.sent_folders[1] = md;
	g_assert_true(ndr_sentlog_sync(fx.log, builtin_rules(), &cfg, &err));
	g_assert_no_error(err);
	g_assert_true(has_id(&fx, SM01_ID));
	g_strfreev(cfg.sent_folders);
	teardown(&fx);
}

/*
 * Another process writing past the busy timeout (most likely syncing the
 * same folders): the sync leaves it the work, and classification goes on.
 */
static void
test_sync_locked(void)
{
	ndr_config cfg = {.window_days = 30};
	GError *err = NULL;
	sqlite3 *other;
	fixture fx;
	char *md;

	setup(&fx);
	md = make_maildir(&fx);
	maildir_put(md, "cur/1.host:2,S", SM01);
	cfg.sent_folders = g_new0(char *, 2);
	cfg.sent_folders[0] = md;
	g_assert_cmpint(sqlite3_open(fx.db, &other), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==,
	    SQLITE_OK);
	g_assert_true(ndr_sentlog_sync(fx.log, builtin_rules(), &cfg, &err));
	g_assert_no_error(err);
	g_assert_false(has_id(&fx, SM01_ID));
	sqlite3_close(other);
	g_assert_true(ndr_sentlog_sync(fx.log, builtin_rules(), &cfg, &err));
	g_assert_true(has_id(&fx, SM01_ID));
	g_strfreev(cfg.sent_folders);
	teardown(&fx);
}

int
main(int argc, char **argv)
{
	/* The sample logs' syslog times are read as local time: UTC here. */
	g_setenv("TZ", "UTC", TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/import/maildir", test_maildir);
	g_test_add_func("/import/maildir-coverage", test_maildir_coverage);
	g_test_add_func("/import/mbox", test_mbox);
	g_test_add_func("/import/postfix", test_postfix);
	g_test_add_func("/import/exim", test_exim);
	g_test_add_func("/import/8bit", test_8bit);
	g_test_add_func("/import/sendmail", test_sendmail);
	g_test_add_func("/import/errors", test_errors);
	g_test_add_func("/import/sync", test_sync);
	g_test_add_func("/import/sync-locked", test_sync_locked);
	return g_test_run();
}
