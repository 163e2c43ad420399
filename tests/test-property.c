/*
 * test-property.c - mail is never lost, whatever the bytes.
 *
 * Every file of testdata/ and thousands of variants of them, mutated
 * with fixed seeds (truncated, bits flipped, line endings changed, mixed
 * or doubled, NUL bytes, 1 MB lines, broken MIME boundaries, wrong charsets,
 * forged X-NDR-* headers), go through classification and passthrough.
 * For each one the passthrough output must be the input byte for byte,
 * with X-NDR-Verdict, X-NDR-Kind and X-NDR-Evidence added at the top
 * (after an mbox "From " line) in the line ending the agent reads, and
 * the X-NDR-* fields of the input's header block removed, so that no
 * reader, however it splits lines, finds an X-NDR-Verdict but ours
 * (ndrcheck(1) OPTIONS).
 * The library is checked on every case; bin/ndrcheck on a sample of them
 * (through a pipe, as delivery agents run it: exit status, output, the
 * whole input read, at most one line on stderr).
 *
 * Then the ways delivery goes wrong around the command: stdout closed
 * early (SIGPIPE), stdout on a full disk (/dev/full), and a sent log that
 * is unreadable, locked past its busy timeout, or corrupt.  Passthrough
 * must still deliver the message (exit 0) or report a temporary failure
 * (exit 75); it must never exit 0 without the whole message written.
 *
 * A failing case's input is kept under $TMPDIR/ndrcheck-property/ and
 * named in the failure message.  Under VALGRIND=1 (tests/run) fewer
 * variants are made: the point there is memory errors, not coverage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ndrcheck.h"
#include "passthrough-oracle.h"
#include "tmptree.h"

/* Variants made of each testdata file (VALGRIND_VARIANTS under valgrind). */
#define VARIANTS          40
#define VALGRIND_VARIANTS 2
/* One case in CLI_EVERY also goes through bin/ndrcheck. */
#define CLI_EVERY 12
/* The length of the long lines some variants get. */
#define LONG_LINE (1024 * 1024)

static struct {
	char *dir; /* HOME, XDG_* and the sent log */
	char *db;
	char *rules;
	const char *bin;
	ndrcheck *h;
	GPtrArray *files; /* of char *, every file of testdata/ */
	guint cases, cli_cases;
	guint verdicts[NDRCHECK_UNKNOWN + 1]; /* cases per verdict */
} t;

/* --- mutations --------------------------------------------------------- */

/* Offsets of the starts of lines in b (0 included). */
static GArray *
line_starts(const GByteArray *b)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(guint));
	const guint8 *p = b->data, *end = b->data + b->len;
	guint o = 0;

	while (p < end) {
		g_array_append_val(a, o);
		p = line_end(p, end);
		o = p - b->data;
	}
	if (a->len == 0)
		g_array_append_val(a, o);
	return a;
}

static guint
random_line_start(GRand *r, const GByteArray *b)
{
	GArray *a = line_starts(b);
	guint o = g_array_index(a, guint, g_rand_int_range(r, 0, a->len));

	g_array_unref(a);
	return o;
}

static void
insert(GByteArray *b, guint at, const void *data, guint len)
{
	g_byte_array_set_size(b, b->len + len);
	memmove(b->data + at + len, b->data + at, b->len - len - at);
	memcpy(b->data + at, data, len);
}

static void
mutate_truncate(GRand *r, GByteArray *b)
{
	g_byte_array_set_size(b, g_rand_int_range(r, 0, b->len + 1));
}

static void
mutate_bitflip(GRand *r, GByteArray *b)
{
	int i, n = g_rand_int_range(r, 1, 17);

	for (i = 0; i < n && b->len > 0; i++)
		b->data[g_rand_int_range(r, 0, b->len)] ^=
		    1u << g_rand_int_range(r, 0, 8);
}

/*
 * Rewrite every line ending as LF, CRLF, CR or CR CR LF (a doubled CR),
 * a random mix of them, LF with one line in CRLF (a CRLF line among LF
 * ones is empty to some readers and not to others), or LF after a first
 * line in CR CR LF.
 */
static void
mutate_eol(GRand *r, GByteArray *b)
{
	static const char *const eols[] = {"\n", "\r\n", "\r", "\r\r\n"};
	GByteArray *out = g_byte_array_sized_new(b->len + b->len / 16);
	const guint8 *p = b->data, *end = b->data + b->len;
	int style = g_rand_int_range(r, 0, 7); /* 4: mixed */
	int line = 0, odd = g_rand_int_range(r, 0, 12);

	while (p < end) {
		const guint8 *next = line_end(p, end);
		size_t el = closing_eol(p, next);
		const char *eol;

		g_byte_array_append(out, p, next - p - el);
		if (style < 4)
			eol = eols[style];
		else if (style == 4)
			eol = eols[g_rand_int_range(r, 0, 12) / 3];
		else if (style == 5)
			eol = line == odd ? "\r\n" : "\n";
		else
			eol = line == 0 ? "\r\r\n" : "\n";
		if (el > 0)
			g_byte_array_append(out, (const guint8 *)eol,
			                    strlen(eol));
		p = next;
		line++;
	}
	g_byte_array_set_size(b, 0);
	g_byte_array_append(b, out->data, out->len);
	g_byte_array_unref(out);
}

static void
mutate_nul(GRand *r, GByteArray *b)
{
	int i, n = g_rand_int_range(r, 1, 9);

	for (i = 0; i < n; i++) {
		guint at = g_rand_int_range(r, 0, b->len + 1);

		if (g_rand_boolean(r) && at < b->len)
			b->data[at] = '\0';
		else
			insert(b, at, "", 1);
	}
}

/* A 1 MB line: a header field, a continuation line or a body line. */
static void
mutate_long_line(GRand *r, GByteArray *b)
{
	static const char *const starts[] = {"X-Long: ", "\t", "", "Subject: "};
	const char *s = starts[g_rand_int_range(r, 0, 4)];
	size_t sl = strlen(s);
	guint8 *line = g_malloc(LONG_LINE + 1);

	memcpy(line, s, sl);
	memset(line + sl, g_rand_boolean(r) ? 'a' : '<', LONG_LINE - sl);
	line[LONG_LINE] = '\n';
	insert(b, random_line_start(r, b), line, LONG_LINE + 1);
	g_free(line);
}

/* The first MIME boundary declared in b, or NULL. */
static char *
find_boundary(const GByteArray *b)
{
	const char *key = "boundary=";
	const guint8 *p = b->data, *end = b->data + b->len, *v, *e;

	for (; (size_t)(end - p) > strlen(key); p++)
		if (g_ascii_strncasecmp((const char *)p, key, strlen(key)) == 0)
			break;
	if ((size_t)(end - p) <= strlen(key))
		return NULL;
	v = p + strlen(key);
	if (*v == '"')
		v++;
	for (e = v; e < end && *e != '"' && *e != ';' && *e != '\r' &&
	            *e != '\n' && *e != ' ';
	     e++)
		;
	return e > v ? g_strndup((const char *)v, e - v) : NULL;
}

/*
 * Break one use of the first boundary: drop a delimiter line, change a
 * byte of it, cut off its closing "--", or repeat it.
 */
static void
mutate_boundary(GRand *r, GByteArray *b)
{
	char *bnd = find_boundary(b), *delim;
	GPtrArray *hits = g_ptr_array_new();
	guint8 *p, *hit;
	size_t dl;

	if (bnd == NULL || *bnd == '\0') { /* nothing to break: flip bits */
		g_free(bnd);
		mutate_bitflip(r, b);
		g_ptr_array_unref(hits);
		return;
	}
	delim = g_strconcat("--", bnd, NULL);
	dl = strlen(delim);
	for (p = b->data; p + dl <= b->data + b->len; p++)
		if (memcmp(p, delim, dl) == 0)
			g_ptr_array_add(hits, p);
	if (hits->len > 0) {
		hit =
		    g_ptr_array_index(hits, g_rand_int_range(r, 0, hits->len));
		switch (g_rand_int_range(r, 0, 4)) {
		case 0: /* gone */
			g_byte_array_remove_range(b, hit - b->data, dl);
			break;
		case 1: /* one byte off */
			hit[g_rand_int_range(r, 2, dl)] ^= 0x20;
			break;
		case 2: /* closing "--" cut, or the delimiter cut short */
			g_byte_array_set_size(b, hit - b->data + dl - 1);
			break;
		default: /* twice */
			insert(b, hit - b->data, (const guint8 *)delim, dl);
			break;
		}
	}
	g_ptr_array_unref(hits);
	g_free(delim);
	g_free(bnd);
}

/*
 * Wrong charsets: a charset parameter replaced by one that lies or does
 * not exist, or raw 8-bit bytes and a bogus encoded-word in a header.
 */
static void
mutate_charset(GRand *r, GByteArray *b)
{
	static const char *const charsets[] = {
	    "utf-16",    "utf-32",   "iso-2022-jp", "x-no-such-charset",
	    "utf-7",     "\"\"",     "ucs-4",       "gb18030",
	    "ebcdic-us", "shift_jis"};
	static const guint8 raw[] = "Subject: \x8e\xa1\xff\xfe =?x-bogus?B?"
	                            "////?= =?utf-8?Q?=FF=C3?=\n";
	const char *key = "charset=";
	size_t kl = strlen(key), at, end;

	/* Offsets, not pointers: insert() may move the data. */
	for (at = 0; at + kl < b->len; at++) {
		const char *cs;

		if (g_ascii_strncasecmp((const char *)b->data + at, key, kl) !=
		    0)
			continue;
		at += kl;
		for (end = at;
		     end < b->len && !strchr(";\r\n \t", b->data[end]); end++)
			;
		g_byte_array_remove_range(b, at, end - at);
		cs = charsets[g_rand_int_range(r, 0, G_N_ELEMENTS(charsets))];
		insert(b, at, (const guint8 *)cs, strlen(cs));
	}
	insert(b, 0, raw, sizeof(raw) - 1);
}

/* Forged X-NDR-* fields anywhere in the header block, in any case. */
static void
mutate_forge(GRand *r, GByteArray *b)
{
	static const char *const forged[] = {
	    "X-NDR-Verdict: backscatter\n", "x-ndr-kind: dsn\n",
	    "X-NDR-Evidence: forged\n\tand folded\n", "X-NDR-Verdict:genuine\n",
	    "X-Ndr-Something: else\n",
	    /* A CRLF line: empty to Dovecot, not to procmail. */
	    "\r\nX-NDR-Verdict: backscatter\n",
	    "X-NDR-Verdict: backscatter\r\r\n"};
	int i, n = g_rand_int_range(r, 1, 4);

	for (i = 0; i < n; i++) {
		const char *f =
		    forged[g_rand_int_range(r, 0, G_N_ELEMENTS(forged))];
		GArray *a = line_starts(b);
		guint at = g_array_index(
		    a, guint, g_rand_int_range(r, 0, MIN(a->len, 12)));

		g_array_unref(a);
		if (at == 0 && b->len >= 5 && memcmp(b->data, "From ", 5) == 0)
			continue; /* before a From line it would be body */
		insert(b, at, (const guint8 *)f, strlen(f));
	}
}

typedef void (*mutator)(GRand *, GByteArray *);

static const struct {
	const char *name;
	mutator fn;
} mutators[] = {
    {"truncate", mutate_truncate},
    {"bitflip", mutate_bitflip},
    {"eol", mutate_eol},
    {"nul", mutate_nul},
    {"longline", mutate_long_line},
    {"boundary", mutate_boundary},
    {"charset", mutate_charset},
    {"forge", mutate_forge},
};

/* Variant k of file number i: one to three mutations, named in *desc. */
static GByteArray *
make_variant(const GBytes *orig, guint i, guint k, GString *desc)
{
	GRand *r = g_rand_new_with_seed(0x6e6472u + i * 1000u + k);
	GByteArray *b = g_byte_array_new();
	gsize len;
	const guint8 *data = g_bytes_get_data((GBytes *)orig, &len);
	int m, n = g_rand_int_range(r, 1, 4);

	g_byte_array_append(b, data, len);
	g_string_printf(desc, "variant %u (seed %u):", k,
	                0x6e6472u + i * 1000u + k);
	for (m = 0; m < n; m++) {
		guint which = g_rand_int_range(r, 0, G_N_ELEMENTS(mutators));

		/* long lines are costly: at most one variant in four has one */
		if (which == 4 && k % 4 != 0)
			which = 0;
		mutators[which].fn(r, b);
		g_string_append_printf(desc, " %s", mutators[which].name);
	}
	g_rand_free(r);
	return b;
}

/* --- running a case ---------------------------------------------------- */

/* Keep a failing input where a developer can find it; return its path. */
static char *
keep_failure(const guint8 *data, size_t len)
{
	char *dir =
	    g_build_filename(g_get_tmp_dir(), "ndrcheck-property", NULL);
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA1, data, len);
	char *path = g_build_filename(dir, sum, NULL);

	g_mkdir_with_parents(dir, 0700);
	g_file_set_contents(path, (const char *)data, len, NULL);
	g_free(dir);
	g_free(sum);
	return path;
}

static void
case_failed(const char *what, const char *name, const char *desc,
            const guint8 *data, size_t len)
{
	char *kept = keep_failure(data, len);

	g_test_message("%s: %s: %s (input kept in %s)", name, desc, what, kept);
	g_test_fail();
	g_free(kept);
}

/* Passthrough through the library into a memory file; the output bytes. */
static GBytes *
write_to_memory(const ndrcheck_message *m, const ndrcheck_result *r)
{
	int fd = memfd_create("ndrcheck-property", MFD_CLOEXEC);
	struct stat st;
	guint8 *buf;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ndrcheck_message_write(m, r, fd), ==, NDRCHECK_OK);
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	buf = g_malloc(st.st_size + 1);
	g_assert_cmpint(pread(fd, buf, st.st_size, 0), ==, st.st_size);
	close(fd);
	return g_bytes_new_take(buf, st.st_size);
}

/* The library's verdict on one input, with its passthrough checked. */
static ndrcheck_verdict
check_library(const char *name, const char *desc, const guint8 *data,
              size_t len)
{
	ndrcheck_message *m;
	ndrcheck_result *r;
	ndrcheck_verdict v;
	GBytes *out;
	gsize outlen;
	const guint8 *o;
	char *verdict, *kind;
	const char *fault;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, data, len), ==, 0);
	g_assert_cmpint(ndrcheck_classify(t.h, m, &r), ==, NDRCHECK_OK);
	v = ndrcheck_result_verdict(r);
	g_assert_cmpuint(v, <=, NDRCHECK_UNKNOWN);
	t.verdicts[v]++;
	out = write_to_memory(m, r);
	o = g_bytes_get_data(out, &outlen);
	fault = passthrough_fault(data, len, o, outlen, &verdict, &kind);
	if (fault == NULL &&
	    (g_strcmp0(verdict, ndrcheck_verdict_name(v)) != 0 ||
	     g_strcmp0(kind, ndrcheck_kind_name(ndrcheck_result_kind(r))) != 0))
		fault = "X-NDR-Verdict or X-NDR-Kind is not the result's";
	/* What matters most, said first: no agent reads a forged verdict. */
	if (!reader_sees_ours(o, outlen, FALSE, ndrcheck_verdict_name(v)) ||
	    !reader_sees_ours(o, outlen, TRUE, ndrcheck_verdict_name(v)))
		fault = "a delivery agent reads an X-NDR-Verdict not ours";
	if (fault != NULL)
		case_failed(fault, name, desc, data, len);
	g_free(verdict);
	g_free(kind);
	g_bytes_unref(out);
	ndrcheck_result_free(r);
	ndrcheck_message_free(m);
	t.cases++;
	return v;
}

/* Restore SIGPIPE for the child: this test ignores it, ndrcheck must not. */
static void
child_setup(gpointer unused)
{
	signal(SIGPIPE, SIG_DFL);
}

/* A launcher for bin/ndrcheck in the test's private environment. */
static GSubprocessLauncher *
launcher(GSubprocessFlags flags)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(flags);
	const char *const env[] = {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"};
	guint i;

	g_subprocess_launcher_set_environ(l, (char *[]){NULL});
	for (i = 0; i < G_N_ELEMENTS(env); i++)
		g_subprocess_launcher_setenv(l, env[i], t.dir, TRUE);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	return l;
}

struct run {
	int status;        /* exit status, or -signal */
	GBytes *out;       /* stdout, when captured */
	GBytes *err;       /* stderr */
	gboolean read_all; /* stdin was read to its end */
};

static void
run_clear(struct run *res)
{
	g_clear_pointer(&res->out, g_bytes_unref);
	g_clear_pointer(&res->err, g_bytes_unref);
}

/*
 * Run bin/ndrcheck with options opt (NULL-terminated) and the sent log
 * db, feeding input on a pipe; l says where stdout goes.
 */
static void
run_ndrcheck(GSubprocessLauncher *l, const char *db, const char *const *opt,
             GBytes *input, struct run *res)
{
	GPtrArray *argv = g_ptr_array_new();
	GSubprocess *p;
	GError *err = NULL;
	char *dbopt = g_strconcat("--db=", db, NULL);
	char *rulesopt = g_strconcat("--rules=", t.rules, NULL);

	g_ptr_array_add(argv, (char *)t.bin);
	g_ptr_array_add(argv, dbopt);
	g_ptr_array_add(argv, rulesopt);
	for (; *opt != NULL; opt++)
		g_ptr_array_add(argv, (char *)*opt);
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata,
	                                 &err);
	g_assert_no_error(err);
	res->out = res->err = NULL;
	res->read_all = g_subprocess_communicate(p, input, NULL, &res->out,
	                                         &res->err, &err);
	if (!res->read_all) { /* ndrcheck left input unread: still reap it */
		g_test_message("communicate: %s", err->message);
		g_clear_error(&err);
		g_subprocess_wait(p, NULL, NULL);
	}
	res->status = g_subprocess_get_if_signaled(p)
	                  ? -g_subprocess_get_term_sig(p)
	                  : g_subprocess_get_exit_status(p);
	g_object_unref(p);
	g_ptr_array_unref(argv);
	g_free(dbopt);
	g_free(rulesopt);
}

/* The faults every run of the command is checked for. */
static const char *
run_fault(const struct run *res)
{
	gsize len;
	const char *e =
	    res->err != NULL ? g_bytes_get_data(res->err, &len) : NULL;

	if (res->status < 0)
		return "killed by a signal";
	if (!res->read_all)
		return "exited without reading all of its input";
	if (e != NULL && len > 0 &&
	    (memchr(e, '\n', len) != e + len - 1 || len > 400))
		return "more than one short line on stderr";
	return NULL;
}

/* bin/ndrcheck on one input: same verdict as the library, same output. */
static void
check_cli(const char *name, const char *desc, GBytes *input,
          ndrcheck_verdict expected)
{
	GSubprocessLauncher *l = launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                  G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	const char *const pass[] = {"-p", NULL}, *const plain[] = {NULL};
	struct run res;
	const char *fault;
	char *verdict, *kind;
	gsize inlen, outlen;
	const guint8 *in = g_bytes_get_data(input, &inlen), *out;

	run_ndrcheck(l, t.db, plain, input, &res);
	fault = run_fault(&res);
	if (fault == NULL && res.status != (int)expected)
		fault =
		    "the command's exit status is not the library's verdict";
	run_clear(&res);
	if (fault == NULL) {
		run_ndrcheck(l, t.db, pass, input, &res);
		fault = run_fault(&res);
		if (fault == NULL && res.status != 0)
			fault = "passthrough did not exit 0";
		out = g_bytes_get_data(res.out, &outlen);
		if (fault == NULL)
			fault = passthrough_fault(in, inlen, out, outlen,
			                          &verdict, &kind);
		if (fault == NULL &&
		    g_strcmp0(verdict, ndrcheck_verdict_name(expected)) != 0)
			fault = "passthrough's X-NDR-Verdict is not the "
			        "library's";
		if (fault == NULL) {
			g_free(verdict);
			g_free(kind);
		}
		run_clear(&res);
	}
	if (fault != NULL)
		case_failed(fault, name, desc, in, inlen);
	t.cli_cases++;
	g_object_unref(l);
}

/* --- set-up ------------------------------------------------------------ */

static void
collect_files(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			collect_files(path);
		else if (strcmp(name, "LICENSE") != 0 &&
		         strcmp(name, "README") != 0 &&
		         !g_str_has_suffix(name, ".md"))
			g_ptr_array_add(t.files, g_steal_pointer(&path));
		g_free(path);
	}
	g_dir_close(d);
}

static void
open_handle(void)
{
	ndrcheck_options opts = {0};

	opts.db_path = t.db;
	opts.rules_dir = t.rules;
	opts.no_sync = 1;
	g_assert_cmpint(ndrcheck_open(&t.h, &opts), ==, NDRCHECK_OK);
}

static void
record(const char *data, size_t len)
{
	ndrcheck_message *m;

	g_assert_cmpint(ndrcheck_message_from_buffer(&m, data, len), ==, 0);
	g_assert_cmpint(ndrcheck_record(t.h, m), ==, NDRCHECK_OK);
	ndrcheck_message_free(m);
}

/*
 * A sent log going back to 1990 that holds the originals of the bounces
 * in testdata/delivery/: so that variants come out genuine, backscatter
 * (an original not in the log), unknown and not-bounce.
 */
static void
setup_sentlog(void)
{
	static const char old[] = "From: Jan <jan@example.org>\n"
	                          "To: x@example.net\n"
	                          "Subject: property\n"
	                          "Date: Mon, 1 Jan 1990 10:00:00 +0000\n"
	                          "Message-ID: <property.1@example.org>\n"
	                          "\n"
	                          "hello\n";
	const char *dir = NDR_SRCDIR "/testdata/delivery";
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	open_handle();
	record(old, sizeof(old) - 1);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL), *data;
		gsize len;

		if (g_str_has_suffix(name, ".sent.eml") &&
		    g_file_get_contents(path, &data, &len, NULL)) {
			record(data, len);
			g_free(data);
		}
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
}

static void
setup(void)
{
	t.dir = tmptree_new();
	g_setenv("HOME", t.dir, TRUE);
	g_setenv("XDG_CONFIG_HOME", t.dir, TRUE);
	g_setenv("XDG_DATA_HOME", t.dir, TRUE);
	g_unsetenv("NDRCHECK_DB");
	t.db = g_build_filename(t.dir, "sent.db", NULL);
	t.rules = g_build_filename(NDR_SRCDIR, "rules", NULL);
	t.bin = g_getenv("NDRCHECK");
	if (t.bin == NULL)
		t.bin = NDR_SRCDIR "/bin/ndrcheck";
	t.files = g_ptr_array_new_with_free_func(g_free);
	collect_files(NDR_SRCDIR "/testdata");
	g_ptr_array_sort(t.files, (GCompareFunc)g_strcmp0);
	setup_sentlog();
	signal(SIGPIPE, SIG_IGN); /* a child that stops reading is a result */
}

/* --- the tests --------------------------------------------------------- */

static GBytes *
read_file(const char *path)
{
	GError *err = NULL;
	char *data;
	gsize len;

	g_file_get_contents(path, &data, &len, &err);
	g_assert_no_error(err);
	return g_bytes_new_take(data, len);
}

/* Every testdata file and its variants, through library and command. */
static void
test_mutations(void)
{
	guint variants =
	    g_getenv("VALGRIND") != NULL ? VALGRIND_VARIANTS : VARIANTS;
	gboolean cli = g_file_test(t.bin, G_FILE_TEST_IS_EXECUTABLE) &&
	               g_getenv("VALGRIND") == NULL;
	GString *desc = g_string_new(NULL);
	guint i, k;

	g_assert_cmpuint(t.files->len, >, 0);
	for (i = 0; i < t.files->len; i++) {
		const char *name = g_ptr_array_index(t.files, i);
		GBytes *orig = read_file(name);

		for (k = 0; k <= variants; k++) {
			GByteArray *b;
			GBytes *input;
			ndrcheck_verdict v;

			if (k == 0) {
				g_string_assign(desc, "as it is");
				b = g_byte_array_new();
				g_byte_array_append(
				    b, g_bytes_get_data(orig, NULL),
				    g_bytes_get_size(orig));
			} else {
				b = make_variant(orig, i, k, desc);
			}
			input = g_byte_array_free_to_bytes(b);
			v = check_library(name, desc->str,
			                  g_bytes_get_data(input, NULL),
			                  g_bytes_get_size(input));
			if (cli && (t.cases % CLI_EVERY == 0 || k == 0))
				check_cli(name, desc->str, input, v);
			g_bytes_unref(input);
		}
		g_bytes_unref(orig);
	}
	g_test_message("%u cases through the library (%u backscatter, %u "
	               "genuine, %u not-bounce, %u unknown), %u through %s",
	               t.cases, t.verdicts[NDRCHECK_BACKSCATTER],
	               t.verdicts[NDRCHECK_GENUINE],
	               t.verdicts[NDRCHECK_NOT_BOUNCE],
	               t.verdicts[NDRCHECK_UNKNOWN], t.cli_cases, t.bin);
	g_string_free(desc, TRUE);
}

/* --- delivery going wrong around the command -------------------------- */

/* A real DSN, so that classification consults the sent log. */
#define DSN                                                                    \
	NDR_SRCDIR "/testdata/set-of-emails/maildir/bsd/lhost-postfix-01.eml"

/* The DSN padded to over a megabyte: more than a pipe holds. */
static GBytes *
big_dsn(void)
{
	static const char pad[] = "padding padding padding padding padding "
	                          "padding padding padding\n";
	GBytes *dsn = read_file(DSN);
	GByteArray *b = g_byte_array_new();
	guint i;

	g_byte_array_append(b, g_bytes_get_data(dsn, NULL),
	                    g_bytes_get_size(dsn));
	for (i = 0; i < 20000; i++)
		g_byte_array_append(b, (const guint8 *)pad, sizeof(pad) - 1);
	g_bytes_unref(dsn);
	return g_byte_array_free_to_bytes(b);
}

/* Check a run that could not write stdout: exit 75, input read to its end. */
static void
assert_tempfail(const struct run *res, const char *what)
{
	const char *fault = run_fault(res);

	if (fault != NULL || res->status != 75) {
		g_test_message("%s: exit %d%s%s", what, res->status,
		               fault != NULL ? ", " : "",
		               fault != NULL ? fault : "");
		g_test_fail();
	}
}

/* Passthrough into a pipe whose reader is gone: EPIPE is exit 75. */
static void
test_stdout_closed(void)
{
	const char *const pass[] = {"-p", NULL};
	GBytes *inputs[2] = {read_file(DSN), big_dsn()};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
		GSubprocessLauncher *l =
		    launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE |
		             G_SUBPROCESS_FLAGS_STDERR_PIPE);
		struct run res;
		int fds[2];

		g_assert_cmpint(pipe(fds), ==, 0);
		close(fds[0]);
		g_subprocess_launcher_take_stdout_fd(l, fds[1]);
		run_ndrcheck(l, t.db, pass, inputs[i], &res);
		assert_tempfail(&res, "stdout closed before the start");
		run_clear(&res);
		g_object_unref(l);
		g_bytes_unref(inputs[i]);
	}
}

/* Read a little of the pipe, then close it: the reader gave up early. */
static gpointer
read_then_close(gpointer arg)
{
	int fd = GPOINTER_TO_INT(arg);
	char buf[4096];

	(void)read(fd, buf, sizeof(buf));
	close(fd);
	return NULL;
}

static void
test_stdout_closed_early(void)
{
	const char *const pass[] = {"-p", NULL};
	GSubprocessLauncher *l = launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	GBytes *input = big_dsn();
	struct run res;
	GThread *reader;
	int fds[2];

	g_assert_cmpint(pipe(fds), ==, 0);
	g_subprocess_launcher_take_stdout_fd(l, fds[1]);
	reader =
	    g_thread_new("reader", read_then_close, GINT_TO_POINTER(fds[0]));
	run_ndrcheck(l, t.db, pass, input, &res);
	g_thread_join(reader);
	assert_tempfail(&res, "stdout closed after 4 KiB");
	run_clear(&res);
	g_object_unref(l);
	g_bytes_unref(input);
}

/* A full disk under stdout: whatever the mode, exit 75. */
static void
test_stdout_full(void)
{
	static const char *const modes[][2] = {
	    {"-p", NULL}, {"--json", NULL}, {"-v", NULL}};
	GBytes *input = read_file(DSN);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(modes); i++) {
		GSubprocessLauncher *l =
		    launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE |
		             G_SUBPROCESS_FLAGS_STDERR_PIPE);
		struct run res;

		g_subprocess_launcher_set_stdout_file_path(l, "/dev/full");
		run_ndrcheck(l, t.db, modes[i], input, &res);
		assert_tempfail(&res, modes[i][0]);
		run_clear(&res);
		g_object_unref(l);
	}
	g_bytes_unref(input);
}

/*
 * A sent log that cannot be consulted: classification is a temporary
 * failure (75); passthrough still delivers the whole message (exit 0,
 * the input unchanged or with the X-NDR-* fields).
 */
static void
assert_db_failure(const char *db, const char *what)
{
	GSubprocessLauncher *l = launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                  G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	const char *const pass[] = {"-p", NULL}, *const plain[] = {NULL};
	GBytes *input = read_file(DSN);
	const char *fault;
	char *verdict, *kind;
	struct run res;

	run_ndrcheck(l, db, plain, input, &res);
	assert_tempfail(&res, what);
	run_clear(&res);
	run_ndrcheck(l, db, pass, input, &res);
	fault = run_fault(&res);
	if (fault == NULL && res.status != 0)
		fault = "passthrough did not exit 0";
	if (fault == NULL && !g_bytes_equal(input, res.out)) {
		fault = passthrough_fault(
		    g_bytes_get_data(input, NULL), g_bytes_get_size(input),
		    g_bytes_get_data(res.out, NULL), g_bytes_get_size(res.out),
		    &verdict, &kind);
		g_free(verdict);
		g_free(kind);
	}
	if (fault != NULL) {
		g_test_message("%s: passthrough: %s", what, fault);
		g_test_fail();
	}
	run_clear(&res);
	g_bytes_unref(input);
	g_object_unref(l);
}

static void
test_db_unreadable(void)
{
	char *dir = g_build_filename(t.dir, "directory.db", NULL);
	char *file = g_build_filename(t.dir, "mode000.db", NULL);

	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	assert_db_failure(dir, "sent log is a directory");
	/* root reads a mode 000 file all the same: only others can test it */
	if (getuid() != 0) {
		g_assert_true(g_file_set_contents(file, "", 0, NULL));
		g_assert_cmpint(g_chmod(file, 0), ==, 0);
		assert_db_failure(file, "sent log mode 000");
	}
	g_free(dir);
	g_free(file);
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", sql, msg);
}

/*
 * Locked past the busy timeout: an exclusive lock held by this process
 * (WAL lets readers past anything less) for the whole run.
 */
static void
test_db_locked(void)
{
	sqlite3 *db;

	ndrcheck_close(t.h); /* its connection would keep the lock from us */
	g_assert_cmpint(sqlite3_open(t.db, &db), ==, SQLITE_OK);
	exec_sql(db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
	             "CREATE TABLE lock_held_by_test_property(x)");
	assert_db_failure(t.db, "sent log locked");
	exec_sql(db, "ROLLBACK");
	sqlite3_close(db);
	open_handle();
}

/*
 * A sent log of several pages, complete on disk: closing the last
 * connection checkpoints the WAL into the database file.
 */
static GBytes *
full_log(void)
{
	char *path = g_build_filename(t.dir, "full.db", NULL), *msg;
	ndrcheck_options opts = {0};
	ndrcheck *h;
	GBytes *bytes;
	guint i;

	opts.db_path = path;
	opts.rules_dir = t.rules;
	opts.no_sync = 1;
	g_assert_cmpint(ndrcheck_open(&h, &opts), ==, NDRCHECK_OK);
	for (i = 0; i < 200; i++) {
		ndrcheck_message *m;

		msg =
		    g_strdup_printf("From: jan@example.org\n"
		                    "To: someone-%u@example.net\n"
		                    "Message-ID: <full.%u@example.org>\n"
		                    "Date: Mon, 1 Jan 1990 10:00:00 +0000\n\n",
		                    i, i);
		g_assert_cmpint(
		    ndrcheck_message_from_buffer(&m, msg, strlen(msg)), ==, 0);
		g_assert_cmpint(ndrcheck_record(h, m), ==, NDRCHECK_OK);
		ndrcheck_message_free(m);
		g_free(msg);
	}
	ndrcheck_close(h);
	bytes = read_file(path);
	g_free(path);
	return bytes;
}

/*
 * Random bytes, a SQLite header followed by junk, and a real log cut
 * after its first page (the schema is there, the tables it names are not).
 */
static void
test_db_corrupt(void)
{
	char *path = g_build_filename(t.dir, "corrupt.db", NULL);
	GRand *r = g_rand_new_with_seed(75);
	GBytes *full = full_log();
	const guint8 *log = g_bytes_get_data(full, NULL);
	guint8 junk[8192];
	size_t page;
	guint i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = g_rand_int_range(r, 0, 256);
	g_assert_true(
	    g_file_set_contents(path, (char *)junk, sizeof(junk), NULL));
	assert_db_failure(path, "sent log of random bytes");
	memcpy(junk, "SQLite format 3", 16);
	g_assert_true(
	    g_file_set_contents(path, (char *)junk, sizeof(junk), NULL));
	assert_db_failure(path, "sent log with a SQLite header and junk");
	page = (size_t)log[16] << 8 | log[17]; /* big-endian at offset 16 */
	g_assert_cmpuint(g_bytes_get_size(full), >, 2 * page);
	g_assert_true(
	    g_file_set_contents(path, (const char *)log, page + 100, NULL));
	assert_db_failure(path, "sent log cut after its first page");
	g_bytes_unref(full);
	g_rand_free(r);
	g_free(path);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	setup();
	g_test_add_func("/property/mutations", test_mutations);
	if (g_file_test(t.bin, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_add_func("/property/stdout-closed", test_stdout_closed);
		g_test_add_func("/property/stdout-closed-early",
		                test_stdout_closed_early);
		g_test_add_func("/property/stdout-full", test_stdout_full);
		g_test_add_func("/property/db-unreadable", test_db_unreadable);
		g_test_add_func("/property/db-locked", test_db_locked);
		g_test_add_func("/property/db-corrupt", test_db_corrupt);
	}
	rc = g_test_run();
	ndrcheck_close(t.h);
	tmptree_free(t.dir);
	g_free(t.db);
	g_free(t.rules);
	g_ptr_array_unref(t.files);
	return rc;
}
