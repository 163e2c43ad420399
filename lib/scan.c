/*
 * scan.c - classify every message of many inputs, in parallel, in order
 * (see scan.h).
 *
 * The calling thread walks the inputs and puts each message in the next
 * slot of a ring (the reorder window); a worker classifies it and marks
 * it done; the calling thread hands the slots to the caller strictly in
 * order, waiting for the oldest when the ring is full, and while it
 * waits classifies those no worker has taken yet: with --jobs N it is
 * one of the N (N - 1 workers), not an extra thread that competes for
 * the cores.  Message files are opened and read by the thread that
 * classifies them (in parallel); mbox messages are split in the calling
 * thread, which is cheap next to classifying them, and the bytes so read
 * ahead are bounded too.
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "input.h"
#include "ndrlimits.h"
#include "mbox.h"
#include "move.h"
#include "scan.h"
#include "tree.h"

typedef struct item {
	char *file;            /* as printed */
	ndrcheck_message *msg; /* an mbox message, read already */
	gboolean in_mbox;
	gboolean own; /* in one of the user's own folders: never moved */
	gint bytes;   /* of msg, while queued */
	ndrcheck_result *result;
	char *error; /* why it could not be read or classified */
	int status;  /* of classification */
	gint done;   /* atomic: classified */
	/*
	 * Atomic, and last (item_clear()): (n + 1) * 2 for the scan's nth
	 * message, + 1 once a thread has taken it to classify (claim()); 0
	 * in an empty slot.  A worker may try to claim a slot after it has
	 * moved on: nothing else of it is touched without a claim.
	 */
	guint ticket;
} item;

typedef struct scan {
	const ndr_scan_params *p;
	GThreadPool *pool;    /* NULL with one job: classify in settle() */
	GAsyncQueue *handles; /* the handles not in use */
	ndr_move *move;
	ndr_tree_opts walk; /* what the walk leaves out */
	ndr_config cfg;     /* for its sent folders */
	GMutex lock;
	GCond cond;   /* the item waited for is done */
	item *waited; /* atomic, set under lock: the item the calling
	                 thread waits for */
	item *ring;
	guint64 size;    /* of the ring */
	guint64 next;    /* items queued so far */
	guint64 pushed;  /* items handed to the pool so far */
	guint64 emitted; /* items handed to p->fn so far */
	guint64 helped;  /* the calling thread has looked for work up to here */
	gint queued;     /* atomic: bytes of mbox messages queued */
	gint held;       /* atomic: recipients in results not yet emitted */
	gint stop;       /* atomic: the caller or the sent log said stop */
	gint warm_reads; /* atomic: files read from the page cache in a row */
	int status;
	GError *error;
} scan;

/*
 * Read the message file of it, and keep count of where such files come
 * from: a streak of files found in the page cache makes prefetch() stop;
 * one that needed the disk halves it, so that a few such start it again.
 * (The counter is a hint: racing updates of it do no harm.)
 */
static gboolean
read_file(scan *s, item *it)
{
	gint warm = g_atomic_int_get(&s->warm_reads);

	if (ndrcheck_message_open_file(&it->msg, it->file) != NDRCHECK_OK) {
		it->error = g_strdup(ndrcheck_message_error());
		return FALSE;
	}
	if (it->msg->from_disk)
		g_atomic_int_set(&s->warm_reads, warm / 2);
	else if (warm < 2 * (gint)s->size)
		g_atomic_int_inc(&s->warm_reads);
	return TRUE;
}

static void
classify(scan *s, ndrcheck *h, item *it)
{
	if (!it->in_mbox && !read_file(s, it))
		return;
	it->status = ndrcheck_classify(h, it->msg, &it->result);
	if (it->status != NDRCHECK_OK)
		it->error = g_strdup(ndrcheck_error(h));
}

/*
 * Classify it with h (a handle taken from s->handles), unless stopped;
 * either way free the message it holds.
 */
static void
run(scan *s, ndrcheck *h, item *it)
{
	if (!g_atomic_int_get(&s->stop))
		classify(s, h, it);
	g_clear_pointer(&it->msg, ndrcheck_message_free);
}

static gint
recipients(const item *it)
{
	return it->result != NULL
	           ? (gint)MIN(ndrcheck_result_recipient_count(it->result),
	                       G_MAXINT16)
	           : 0;
}

/* Account for a classified item. */
static void
done(scan *s, item *it)
{
	g_atomic_int_add(&s->queued, -it->bytes);
	g_atomic_int_add(&s->held, recipients(it));
	g_atomic_int_set(&it->done, TRUE);
}

/*
 * Wake the calling thread if it waits for it, which a worker has just
 * marked done.  Without taking the lock for every message: it->done is
 * set before s->waited is read here, and wait_for() sets s->waited
 * before it reads it->done (both atomic, so ordered), so either this
 * sees the waiter or the waiter sees done; a waiter seen is woken under
 * the lock, which it holds until it sleeps.
 */
static void
wake_waiter(scan *s, item *it)
{
	if (g_atomic_pointer_get(&s->waited) != it)
		return;
	g_mutex_lock(&s->lock);
	g_cond_signal(&s->cond);
	g_mutex_unlock(&s->lock);
}

/* A worker thread's task: the ring's items first .. end - 1. */
typedef struct batch {
	guint64 first, end;
} batch;

/*
 * The ticket of the scan's nth message, not yet taken: never 0, and the
 * same again only 2^31 - 1 messages later (the ring is far smaller).
 */
static guint
ticket(guint64 n)
{
	return (guint)(n % G_MAXINT32 + 1) * 2;
}

/*
 * Take the scan's nth message, in slot it, to classify: FALSE if another
 * thread has (or it was settled when queued), or if the slot has moved
 * on to a later message or been emptied meanwhile (a batch may still
 * name a slot that the calling thread classified, handed over and
 * reused), all in one compare-and-swap.
 */
static gboolean
claim(item *it, guint64 n)
{
	return g_atomic_int_compare_and_exchange(
	    (gint *)&it->ticket, (gint)ticket(n), (gint)(ticket(n) + 1));
}

/*
 * Classify a batch of items with one handle (one task a message would
 * cost the pool's lock and a wake-up each), those the calling thread has
 * not taken meanwhile.  The calling thread is woken only when it waits
 * for one of them.
 */
static void
work(gpointer data, gpointer user_data)
{
	batch *b = data;
	scan *s = user_data;
	ndrcheck *h = g_async_queue_pop(s->handles);
	guint64 i;
	item *it;

	for (i = b->first; i < b->end; i++) {
		it = &s->ring[i % s->size];
		if (!claim(it, i))
			continue;
		run(s, h, it);
		done(s, it);
		wake_waiter(s, it);
	}
	g_async_queue_push(s->handles, h);
	g_free(b);
}

/* Hand the items queued since the last call to the pool, as one task. */
static void
flush(scan *s)
{
	batch *b;

	if (s->pool == NULL || s->pushed == s->next)
		return;
	b = g_new(batch, 1);
	b->first = s->pushed;
	b->end = s->pushed = s->next;
	g_thread_pool_push(s->pool, b, NULL);
}

/* Classify it in the calling thread, with the handle no worker holds. */
static void
classify_here(scan *s, item *it)
{
	ndrcheck *h = g_async_queue_pop(s->handles);

	run(s, h, it);
	g_async_queue_push(s->handles, h);
	done(s, it);
}

/*
 * Classify in the calling thread the oldest item queued that no worker
 * has taken; FALSE if there is none.  Each item is looked at once: the
 * workers take theirs in order too.
 */
static gboolean
help(scan *s)
{
	item *it;
	guint64 n;

	for (n = MAX(s->helped, s->emitted); n < s->next; n++) {
		it = &s->ring[n % s->size];
		if (claim(it, n)) {
			s->helped = n + 1;
			classify_here(s, it);
			return TRUE;
		}
	}
	s->helped = n;
	return FALSE;
}

/*
 * Wait until the item at the ring's index at is classified, classifying
 * meanwhile what no worker has taken (with --jobs N, the calling thread
 * is one of the N: it would otherwise sit idle on a core the workers
 * need).
 */
static void
wait_for(scan *s, guint64 at)
{
	item *it = &s->ring[at % s->size];

	flush(s);
	while (!g_atomic_int_get(&it->done) && help(s))
		;
	g_mutex_lock(&s->lock);
	g_atomic_pointer_set(&s->waited, it);
	while (!g_atomic_int_get(&it->done))
		g_cond_wait(&s->cond, &s->lock);
	g_atomic_pointer_set(&s->waited, NULL);
	g_mutex_unlock(&s->lock);
}

/*
 * Have the kernel start reading a message file that will be classified
 * soon, so that on a cold cache reading the files ahead overlaps
 * classifying the ones before them (even with one thread).  From the
 * page cache this would only open every file twice: it stops once
 * about a window of files came from there (read_file()).
 */
static void
prefetch(const scan *s, const item *it)
{
	int fd;

	if (it->in_mbox || g_atomic_int_get(&s->warm_reads) > (gint)s->size ||
	    (fd = open(it->file, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	close(fd);
}

static void
item_clear(item *it)
{
	g_free(it->file);
	g_free(it->error);
	ndrcheck_message_free(it->msg);
	if (it->result != NULL)
		ndrcheck_result_free(it->result);
	memset(it, 0, offsetof(item, ticket));
	g_atomic_int_set((gint *)&it->ticket, 0);
}

/*
 * Move it if it is backscatter and a message file (an mbox is refused
 * before the scan starts), unless it is in one of the user's own
 * folders: *kept says so then.
 */
static char *
move(scan *s, item *it, gboolean *kept, GError **err)
{
	char *dest = NULL;

	if (s->move == NULL || it->result == NULL || it->in_mbox ||
	    ndrcheck_result_verdict(it->result) != NDRCHECK_BACKSCATTER)
		return NULL;
	if (it->own)
		*kept = TRUE;
	else
		ndr_move_file(s->move, it->file, &dest, err);
	return dest;
}

/* Hand one item to the caller; a failed sent log stops the scan. */
static void
emit(scan *s, item *it)
{
	ndr_scan_entry e = {it->file, it->result, it->error, NULL, FALSE};
	GError *err = NULL;
	char *dest;

	if (it->status != NDRCHECK_OK) {
		s->status = it->status;
		g_set_error(&s->error, NDR_ERROR, it->status, "%s: %s",
		            it->file, it->error);
		g_atomic_int_set(&s->stop, TRUE);
		return;
	}
	dest = move(s, it, &e.kept, &err);
	e.moved_to = dest;
	if (err != NULL)
		e.error = err->message;
	if (!s->p->fn(&e, s->p->arg))
		g_atomic_int_set(&s->stop, TRUE);
	g_clear_error(&err);
	g_free(dest);
}

/*
 * Hand the items over in order, waiting for (and classifying) the oldest
 * ones until at least until items have been handed over.  FALSE once
 * stopped.
 */
static gboolean
settle(scan *s, guint64 until)
{
	item *it;

	while (s->emitted < s->next && !g_atomic_int_get(&s->stop)) {
		it = &s->ring[s->emitted % s->size];
		if (!g_atomic_int_get(&it->done)) {
			if (s->emitted >= until)
				break;
			wait_for(s, s->emitted);
		}
		emit(s, it);
		g_atomic_int_add(&s->held, -recipients(it));
		item_clear(it);
		s->emitted++;
	}
	return !g_atomic_int_get(&s->stop);
}

/*
 * Make room for one more item of bytes: while the ring is full, or holds
 * too many bytes of mbox messages not yet classified or too many
 * recipients not yet handed over, hand the oldest item over.  FALSE once
 * stopped.
 */
static gboolean
make_room(scan *s, gint bytes)
{
	gint queued;

	while (s->emitted < s->next) {
		queued = g_atomic_int_get(&s->queued);
		if (s->next - s->emitted < s->size &&
		    (queued == 0 ||
		     queued + bytes <= (gint)NDR_SCAN_QUEUED_BYTES) &&
		    g_atomic_int_get(&s->held) <= NDR_SCAN_HELD_RECIPIENTS)
			break;
		/*
		 * Wait for up to a quarter of the ring at once (they finish
		 * about in order): one wake-up, not one per message.
		 */
		if (s->pool != NULL)
			wait_for(s, MIN(s->emitted + s->size / 4, s->next - 1));
		if (!settle(s, s->emitted + 1))
			return FALSE;
	}
	return !g_atomic_int_get(&s->stop);
}

/*
 * Queue a message, taking file (its name) and msg (an mbox message read
 * already, or NULL); error says why it could not be read: settled at once.
 */
static gboolean
add(scan *s, char *file, gboolean own, ndrcheck_message *msg, const char *error)
{
	gint bytes = msg != NULL ? (gint)msg->head->len : 0;
	item *it;

	if (!make_room(s, bytes)) {
		g_free(file);
		ndrcheck_message_free(msg);
		return FALSE;
	}
	it = &s->ring[s->next % s->size];
	it->file = file;
	it->msg = msg;
	it->in_mbox = msg != NULL;
	it->own = own;
	if (error != NULL) {
		it->error = g_strdup(error);
		g_atomic_int_set((gint *)&it->ticket,
		                 (gint)ticket(s->next++) + 1);
		g_atomic_int_set(&it->done, TRUE);
		return settle(s, 0);
	}
	g_atomic_int_set((gint *)&it->ticket, (gint)ticket(s->next++));
	it->bytes = bytes;
	g_atomic_int_add(&s->queued, bytes);
	prefetch(s, it);
	if (s->next - s->pushed >= NDR_SCAN_BATCH)
		flush(s);
	return settle(s, 0);
}

typedef struct mbox_walk {
	scan *s;
	const char *path;
} mbox_walk;

static gboolean
mbox_message(const char *msg, size_t len, guint64 size, guint64 offset,
             void *arg)
{
	mbox_walk *w = arg;
	ndrcheck_message *m;
	char *file;

	file = g_strdup_printf("%s:%" G_GUINT64_FORMAT, w->path, offset);
	if (ndrcheck_message_from_buffer(&m, msg, len) != NDRCHECK_OK)
		return add(w->s, file, FALSE, NULL, ndrcheck_message_error());
	return add(w->s, file, FALSE, m, NULL);
}

static gboolean
split_mbox(scan *s, const char *path)
{
	mbox_walk w = {s, path};
	GError *err = NULL;

	if (!ndr_mbox_each(path, 0, mbox_message, &w, &err)) {
		add(s, g_strdup(path), FALSE, NULL, err->message);
		g_error_free(err);
	}
	return !g_atomic_int_get(&s->stop);
}

static gboolean
found(ndr_tree_what what, const char *path, gboolean own, const char *error,
      void *arg)
{
	scan *s = arg;

	if (what == NDR_TREE_MBOX)
		return split_mbox(s, path);
	return add(s, g_strdup(path), own, NULL, error);
}

static gboolean
open_one(const ndrcheck_options *o, ndrcheck **h, GError **err)
{
	int rc = ndrcheck_open(h, o);

	if (rc == NDRCHECK_OK)
		return TRUE;
	g_set_error_literal(err, NDR_ERROR, rc, ndrcheck_error(*h));
	ndrcheck_close(*h);
	return FALSE;
}

/*
 * Sync the configuration's sent folders once, with a handle that may
 * write; then one read-only handle per worker, so that the scan never
 * writes and its workers never wait for each other's locks.
 */
static gboolean
open_handles(scan *s, GError **err)
{
	ndrcheck_options o = s->p->open;
	ndrcheck *h;
	unsigned i;
	int rc;

	if (!o.read_only && !o.no_sync) {
		if (!open_one(&o, &h, err))
			return FALSE;
		rc = ndrcheck_sync(h);
		if (rc != NDRCHECK_OK)
			g_set_error_literal(err, NDR_ERROR, rc,
			                    ndrcheck_error(h));
		ndrcheck_close(h);
		if (rc != NDRCHECK_OK)
			return FALSE;
	}
	o.read_only = o.no_sync = 1;
	s->handles = g_async_queue_new_full((GDestroyNotify)ndrcheck_close);
	for (i = 0; i < s->p->jobs; i++) {
		if (!open_one(&o, &h, err))
			return FALSE;
		g_async_queue_push(s->handles, h);
	}
	return TRUE;
}

/*
 * With --move-to, refuse before anything moves: an mbox input (its
 * messages are not files) or one on another filesystem (a move would be
 * a copy).  Inputs that cannot be read are the walk's to report.
 */
static gboolean
check_inputs(scan *s, char *const *inputs, GError **err)
{
	for (; *inputs != NULL; inputs++) {
		if (strcmp(*inputs, "-") == 0)
			continue;
		if (g_file_test(*inputs, G_FILE_TEST_IS_REGULAR) &&
		    ndr_mbox_is_mbox(*inputs)) {
			g_set_error(
			    err, NDR_ERROR, NDRCHECK_EUSAGE,
			    "--move-to: %s is an mbox file: only message files "
			    "(of Maildirs or folders) can be moved",
			    *inputs);
			return FALSE;
		}
		if (!ndr_move_check_source(s->move, *inputs, err))
			return FALSE;
	}
	return TRUE;
}

/* What the walk leaves out; cfg holds the sent folders it names. */
static gboolean
walk_setup(const ndr_scan_params *p, ndr_config *cfg, ndr_tree_opts *o,
           GError **err)
{
	if (!ndr_config_load(cfg, &p->open, err))
		return FALSE;
	o->skip = p->move_to;
	o->sent = cfg->sent_folders;
	o->all_folders = p->all_folders;
	o->exclude = p->exclude;
	o->since = p->since;
	return TRUE;
}

static gboolean
start(scan *s, char *const *inputs, GError **err)
{
	if (!walk_setup(s->p, &s->cfg, &s->walk, err))
		return FALSE;
	if (s->p->move_to != NULL &&
	    ((s->move = ndr_move_new(s->p->move_to, s->p->dry_run, err)) ==
	         NULL ||
	     !check_inputs(s, inputs, err) || !ndr_move_open(s->move, err)))
		return FALSE;
	if (!open_handles(s, err))
		return FALSE;
	s->size = s->p->jobs * NDR_SCAN_WINDOW_PER_JOB;
	s->ring = g_new0(item, s->size);
	/* The calling thread is the last of the jobs (wait_for()). */
	if (s->p->jobs > 1)
		s->pool =
		    g_thread_pool_new(work, s, (gint)s->p->jobs - 1, TRUE, err);
	return s->p->jobs == 1 || s->pool != NULL;
}

/* Wait for the workers, and free what a stop left in the ring. */
static void
finish(scan *s)
{
	guint64 i;

	if (s->pool != NULL)
		g_thread_pool_free(s->pool, FALSE, TRUE);
	for (i = 0; s->ring != NULL && i < s->size; i++)
		item_clear(&s->ring[i]);
	g_free(s->ring);
	if (s->handles != NULL)
		g_async_queue_unref(s->handles);
	ndr_move_close(s->move);
	ndr_config_clear(&s->cfg);
	g_mutex_clear(&s->lock);
	g_cond_clear(&s->cond);
}

int
ndr_scan_run(const ndr_scan_params *p, char *const *inputs, GError **err)
{
	scan s = {.p = p};
	gboolean go_on;
	char *const *in;

	g_return_val_if_fail(p->jobs >= 1, NDRCHECK_EUSAGE);
	g_mutex_init(&s.lock);
	g_cond_init(&s.cond);
	if (!start(&s, inputs, &s.error)) {
		s.status = ndr_error_code(s.error);
		goto out;
	}
	for (in = inputs, go_on = TRUE; go_on && *in != NULL; in++)
		go_on = strcmp(*in, "-") == 0
		            ? ndr_tree_walk_list(0, &s.walk, found, &s)
		            : ndr_tree_walk(*in, &s.walk, found, &s);
	settle(&s, G_MAXUINT64);
out:
	finish(&s);
	if (s.error != NULL)
		g_propagate_error(err, s.error);
	return s.status;
}

gboolean
ndr_scan_count(const ndr_scan_params *p, char *const *inputs, guint64 *count)
{
	ndr_tree_opts o = {0};
	ndr_config cfg = {0};
	gboolean exact = TRUE;
	char *const *in;

	for (in = inputs; *in != NULL; in++)
		if (strcmp(*in, "-") == 0)
			return FALSE;
	if (!walk_setup(p, &cfg, &o, NULL))
		return FALSE;
	*count = 0;
	for (in = inputs; exact && *in != NULL; in++)
		exact = ndr_tree_count(*in, &o, count);
	ndr_config_clear(&cfg);
	return exact;
}
