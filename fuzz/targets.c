/*
 * targets.c - the fuzz targets: what a stranger's bytes can reach.
 *
 * One function per target, each taking arbitrary bytes.  fuzz/entry.c
 * makes one of them a libFuzzer entry point; tests/test-fuzz-regressions.c
 * includes this file to replay the inputs that once crashed a target.
 * Besides "no crash, no leak, no undefined behaviour" (the sanitizers),
 * each target aborts when the library breaks a promise it makes in its
 * headers, so that the fuzzer finds wrong answers as well as crashes.
 *
 * NDR_SRCDIR (the repository root) locates rules/.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dsn.h"
#include "findings.h"
#include "smtpcode.h"
#include "input.h"
#include "ndrlimits.h"
#include "mbox.h"
#include "message.h"
#include "ndrcheck.h"
#include "reason.h"
#include "rules.h"
#include "textndr.h"

#include "../tests/passthrough-oracle.h"
#include "../tests/tmptree.h"

/* What every target shares, set up once per process. */
static struct fuzz_env {
	char *dir;        /* temporary HOME, XDG_* and sent log */
	char *db;         /* the sent log */
	ndrcheck *h;      /* handle on the repository's rules */
	ndr_rules *rules; /* the same rules, for the text path */
	int out_fd;       /* memfd receiving passthrough output */
	int mem_fd;       /* memfd holding the mbox target's file */
	char *mem_path;   /* its /proc/self/fd path */
} env;

/* Stop with a message naming the broken promise: the fuzzer keeps the input. */
static void
fuzz_fail(const char *what)
{
	g_printerr("fuzz: %s\n", what);
	abort();
}

/*
 * Point HOME and XDG_* at a private directory so that no target reads or
 * writes the user's configuration, rules or sent log.
 */
static void
fuzz_setup_dirs(void)
{
	char *sub;

	env.dir = tmptree_new();
	g_setenv("HOME", env.dir, TRUE);
	g_setenv("XDG_CONFIG_HOME", env.dir, TRUE);
	sub = g_build_filename(env.dir, "data", NULL);
	g_setenv("XDG_DATA_HOME", sub, TRUE);
	g_free(sub);
	g_unsetenv("NDRCHECK_DB");
}

/*
 * A sent log holding one message, so that the verdict stage has something
 * to find (genuine) and something not to find (backscatter), not only the
 * "empty log: unknown" branch.
 */
static void
fuzz_setup_sentlog(void)
{
	static const char sent[] = "From: Jan <jan@example.org>\r\n"
	                           "To: x@example.net\r\n"
	                           "Subject: fuzz\r\n"
	                           "Date: Thu, 20 Nov 2026 10:00:00 +0000\r\n"
	                           "Message-ID: <fuzz.1@example.org>\r\n"
	                           "\r\n"
	                           "hello\r\n";
	ndrcheck_message *m;

	if (ndrcheck_message_from_buffer(&m, sent, sizeof(sent) - 1) != 0)
		fuzz_fail(ndrcheck_message_error());
	if (ndrcheck_record(env.h, m) != 0)
		fuzz_fail(ndrcheck_error(env.h));
	ndrcheck_message_free(m);
}

static void
fuzz_cleanup(void)
{
	ndrcheck_close(env.h);
	ndr_rules_free(env.rules);
	close(env.out_fd);
	close(env.mem_fd);
	tmptree_free(env.dir);
	g_free(env.db);
	g_free(env.mem_path);
}

static void
fuzz_setup(void)
{
	const char *dirs[] = {NDR_SRCDIR "/rules", NULL};
	ndrcheck_options opts = {0};
	GError *err = NULL;

	if (env.dir != NULL)
		return;
	fuzz_setup_dirs();
	atexit(fuzz_cleanup);
	env.db = g_build_filename(env.dir, "sent.db", NULL);
	opts.db_path = env.db;
	opts.rules_dir = dirs[0];
	opts.no_sync = 1;
	if (ndrcheck_open(&env.h, &opts) != 0)
		fuzz_fail(ndrcheck_error(env.h));
	fuzz_setup_sentlog();
	ndr_gmime_init();
	env.rules = ndr_rules_load(dirs, &err);
	if (env.rules == NULL)
		fuzz_fail(err->message);
	env.out_fd = memfd_create("ndrcheck-fuzz-out", MFD_CLOEXEC);
	env.mem_fd = memfd_create("ndrcheck-fuzz-mbox", MFD_CLOEXEC);
	if (env.out_fd < 0 || env.mem_fd < 0)
		fuzz_fail("cannot create a memfd");
	env.mem_path = g_strdup_printf("/proc/self/fd/%d", env.mem_fd);
}

/* Read every byte of a string the library handed out, for ASan to check. */
static void
fuzz_touch(const char *s)
{
	if (s != NULL && !g_utf8_validate(s, -1, NULL))
		fuzz_fail("a string handed out is not UTF-8");
}

static void
fuzz_check_findings(const ndr_findings *f)
{
	guint i;

	if (f->kind > NDRCHECK_KIND_FEEDBACK)
		fuzz_fail("kind out of range");
	if (f->recipients->len > NDR_MAX_RECIPIENTS)
		fuzz_fail("more recipients than NDR_MAX_RECIPIENTS");
	for (i = 0; i < f->recipients->len; i++) {
		const ndr_recipient *r = g_ptr_array_index(f->recipients, i);

		if (r->address == NULL || *r->address == '\0')
			fuzz_fail("a recipient without an address");
		if (!g_utf8_validate(r->address, -1, NULL) ||
		    (r->diagnostic != NULL &&
		     !g_utf8_validate(r->diagnostic, -1, NULL)))
			fuzz_fail("a recipient field is not UTF-8");
		if (r->diagnostic != NULL &&
		    strlen(r->diagnostic) > NDR_MAX_FIELD_BYTES)
			fuzz_fail(
			    "a diagnostic longer than NDR_MAX_FIELD_BYTES");
	}
	if (f->original != NULL)
		fuzz_touch(f->original->message_id);
	fuzz_touch(f->reporting_mta);
}

/*
 * Passthrough into a memory file, held to tests/passthrough-oracle.h:
 * the input byte for byte, its verdict and kind added, forgeries gone.
 */
static void
fuzz_check_passthrough(const uint8_t *data, size_t size,
                       const ndrcheck_message *m, const ndrcheck_result *r)
{
	char *verdict, *kind;
	const char *fault;
	guint8 *out;
	off_t len;

	if (ftruncate(env.out_fd, 0) != 0 ||
	    lseek(env.out_fd, 0, SEEK_SET) != 0)
		fuzz_fail("cannot empty the output memfd");
	if (ndrcheck_message_write(m, r, env.out_fd) != 0)
		fuzz_fail("passthrough into memory failed");
	len = lseek(env.out_fd, 0, SEEK_CUR);
	out = g_malloc(len + 1);
	if (pread(env.out_fd, out, len, 0) != len)
		fuzz_fail("cannot read the output memfd");
	fault = passthrough_fault(data, size, out, len, &verdict, &kind);
	if (fault == NULL &&
	    (g_strcmp0(verdict, ndrcheck_verdict_name(
	                            ndrcheck_result_verdict(r))) != 0 ||
	     g_strcmp0(kind, ndrcheck_kind_name(ndrcheck_result_kind(r))) != 0))
		fault = "X-NDR-Verdict or X-NDR-Kind is not the result's";
	if (fault != NULL)
		fuzz_fail(fault);
	g_free(verdict);
	g_free(kind);
	g_free(out);
}

/*
 * The whole path a delivery takes: bytes, classification against the
 * sent log, JSON and passthrough output.
 */
int ndr_fuzz_classify(const uint8_t *data, size_t size);
int
ndr_fuzz_classify(const uint8_t *data, size_t size)
{
	ndrcheck_message *m;
	ndrcheck_result *r;
	char *json;
	size_t i;

	fuzz_setup();
	if (ndrcheck_message_from_buffer(&m, data, size) != 0)
		fuzz_fail("a buffer could not be read");
	if (ndrcheck_classify(env.h, m, &r) != 0)
		fuzz_fail(ndrcheck_error(env.h));
	if ((unsigned)ndrcheck_result_verdict(r) > NDRCHECK_UNKNOWN)
		fuzz_fail("verdict out of range");
	if (ndrcheck_kind_name(ndrcheck_result_kind(r)) == NULL)
		fuzz_fail("kind without a name");
	if (ndrcheck_result_evidence(r, 0) == NULL &&
	    ndrcheck_result_verdict(r) != NDRCHECK_NOT_BOUNCE)
		fuzz_fail("a bounce-like verdict without evidence");
	fuzz_touch(ndrcheck_result_message_id(r));
	for (i = 0; i < ndrcheck_result_recipient_count(r); i++)
		fuzz_touch(ndrcheck_result_recipient(r, i, "diagnostic"));
	json = ndrcheck_result_json(r, "fuzz");
	if (json == NULL || json[0] != '{')
		fuzz_fail("no JSON object");
	free(json);
	fuzz_check_passthrough(data, size, m, r);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	return 0;
}

/* Whether s is NULL or a whole match of the pattern (anchored). */
static gboolean
fuzz_shape(const char *s, const char *pattern)
{
	return s == NULL ||
	       g_regex_match_simple(pattern, s, G_REGEX_ANCHORED, 0);
}

/*
 * The delivery-status field parser, on the bytes as a report body (made
 * valid UTF-8 first, as its callers do), and its helpers on each line.
 */
int ndr_fuzz_dsn(const uint8_t *data, size_t size);
int
ndr_fuzz_dsn(const uint8_t *data, size_t size)
{
	ndr_findings *f;
	char *text, **lines, **l;

	fuzz_setup();
	text = g_utf8_make_valid((const char *)data, (gssize)size);
	f = ndr_findings_new();
	(void)ndr_dsn_looks_like(text, strlen(text));
	ndr_dsn_read(text, strlen(text), f);
	fuzz_check_findings(f);
	ndr_findings_free(f);
	lines = g_strsplit(text, "\n", 64);
	for (l = lines; *l != NULL; l++) {
		char *addr = ndr_dsn_address(*l);
		char *status = ndr_smtp_find_status(*l);
		char *code = ndr_smtp_find_reply_code(*l);

		if (addr != NULL && *addr == '\0')
			fuzz_fail("ndr_dsn_address() gave an empty address");
		if (!fuzz_shape(status, "[0-9]\\.[0-9]{1,3}\\.[0-9]{1,3}$"))
			fuzz_fail("ndr_smtp_find_status() gave no status code");
		if (!fuzz_shape(code, "[0-9]{3}$"))
			fuzz_fail(
			    "ndr_smtp_find_reply_code() gave no reply code");
		g_free(addr);
		g_free(status);
		g_free(code);
	}
	g_strfreev(lines);
	g_free(text);
	return 0;
}

/*
 * The rule engine's text path: a text part (made valid UTF-8 first, as
 * ndr_part_text() promises textndr.c) read for recipients, diagnostics
 * and the quoted original, then the reasons given by the rules.
 */
int ndr_fuzz_textndr(const uint8_t *data, size_t size);
int
ndr_fuzz_textndr(const uint8_t *data, size_t size)
{
	ndr_findings *f;
	char *text;

	fuzz_setup();
	text = g_utf8_make_valid((const char *)data, (gssize)size);
	f = ndr_findings_new();
	ndr_textndr_read(env.rules, text, strlen(text), f);
	ndr_reason_fill(env.rules, f);
	fuzz_check_findings(f);
	ndr_findings_free(f);
	g_free(text);
	return 0;
}

/* What the mbox target checks of each message it is handed. */
struct mbox_walk {
	size_t size;    /* of the file */
	guint64 last;   /* offset of the previous message */
	guint64 second; /* offset of the second message, 0 if none */
	guint count;
	guint8 sum; /* of every byte handed over: ASan checks each read */
};

static gboolean
fuzz_mbox_message(const char *msg, size_t len, guint64 size, guint64 offset,
                  void *arg)
{
	struct mbox_walk *w = arg;
	size_t i;

	if (offset >= w->size || size > w->size - offset)
		fuzz_fail("an mbox message outside the file");
	if (len > size || len > NDR_MAX_PARSE_BYTES)
		fuzz_fail("an mbox message longer than promised");
	if (w->count > 0 && offset <= w->last)
		fuzz_fail("mbox offsets not increasing");
	for (i = 0; i < len; i++)
		w->sum ^= (guint8)msg[i];
	if (w->count == 1)
		w->second = offset;
	w->last = offset;
	w->count++;
	return TRUE;
}

/*
 * The mbox splitter, on the bytes as a file; once from the start and once
 * resuming at the second message, as an incremental import does.
 */
int ndr_fuzz_mbox(const uint8_t *data, size_t size);
int
ndr_fuzz_mbox(const uint8_t *data, size_t size)
{
	struct mbox_walk w = {size, 0, 0, 0, 0};
	guint64 second;
	GError *err = NULL;

	fuzz_setup();
	if (ftruncate(env.mem_fd, 0) != 0 ||
	    pwrite(env.mem_fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("cannot write the memfd");
	(void)ndr_mbox_is_mbox(env.mem_path);
	if (!ndr_mbox_each(env.mem_path, 0, fuzz_mbox_message, &w, &err))
		g_clear_error(&err);
	if (w.second == 0)
		return 0;
	second = w.second;
	w = (struct mbox_walk){size, 0, 0, 0, 0};
	if (!ndr_mbox_each(env.mem_path, second, fuzz_mbox_message, &w, &err))
		g_clear_error(&err);
	if (w.count == 0 || w.last < second)
		fuzz_fail("resuming at a message's offset did not find it");
	return 0;
}
