/*
 * tree.c - the messages that scan inputs name, in a stable order (see
 * tree.h).
 *
 * One folder is read at a time (its names must all be known to be sorted,
 * so memory follows the largest folder, not the whole tree), and the
 * entry types come from readdir's d_type: a folder of 50,000 messages
 * costs a few getdents calls and no stat at all.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "maildir.h"
#include "mbox.h"
#include "ownfolder.h"
#include "tree.h"

typedef struct tree_walk {
	ndr_tree_fn fn;
	void *arg;
	gboolean skip; /* never enter the folder skip_dir */
	struct stat skip_dir;
	GArray *sent; /* of struct stat: the config's sent folders */
	gboolean all_folders;
	GPtrArray *exclude;   /* of GPatternSpec */
	GArray *exclude_path; /* of gboolean: match the whole path */
	gint64 since;
	guint64 *count; /* ndr_tree_count()'s, or NULL */
} tree_walk;

static gboolean walk_folder(tree_walk *w, const char *path, gboolean own);

static gboolean
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* One of the user's own folders: by its name, or a configured sent one. */
static gboolean
is_own(const tree_walk *w, const char *path)
{
	char *name = g_path_get_basename(path);
	gboolean own = ndr_own_folder_name(name);
	struct stat st;
	guint i;

	g_free(name);
	for (i = 0; !own && i < w->sent->len && stat(path, &st) == 0; i++)
		own = same_file(&st, &g_array_index(w->sent, struct stat, i));
	return own;
}

/*
 * Whether a path named by the user is in an own folder: the folder it
 * names, or the Maildir of the cur/ or new/ it is (or is a file of).
 */
static gboolean
named_own(const tree_walk *w, const char *path, gboolean is_dir)
{
	char *dir = is_dir ? g_strdup(path) : g_path_get_dirname(path);
	char *name = g_path_get_basename(dir), *up;
	gboolean own = is_own(w, dir);

	if (!own && (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0)) {
		up = g_path_get_dirname(dir);
		own = is_own(w, up);
		g_free(up);
	}
	g_free(name);
	g_free(dir);
	return own;
}

/* Left out by an exclude pattern: name is path's last component. */
static gboolean
excluded(const tree_walk *w, const char *name, const char *path)
{
	guint i;

	for (i = 0; i < w->exclude->len; i++)
		if (g_pattern_spec_match_string(
		        w->exclude->pdata[i],
		        g_array_index(w->exclude_path, gboolean, i) ? path
		                                                    : name))
			return TRUE;
	return FALSE;
}

/*
 * Left out as older than since.  A file that cannot be stat()ed is kept:
 * reading it will say why it cannot be read.
 */
static gboolean
too_old(const tree_walk *w, const char *path)
{
	struct stat st;

	return w->since != 0 && stat(path, &st) == 0 && st.st_mtime < w->since;
}

static gboolean
report(tree_walk *w, const char *path, const char *why)
{
	char *msg;
	gboolean go_on;

	msg = g_strdup_printf("cannot read %s: %s", path, why);
	go_on = w->fn(NDR_TREE_ERROR, path, FALSE, msg, w->arg);
	g_free(msg);
	return go_on;
}

static int
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder and not a symbolic link to one (following those could loop). */
static gboolean
is_folder(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/*
 * The names of the folders in path, sorted; names starting with "." only
 * when dots is set ("." and ".." never).  NULL with errno set if path
 * cannot be read.
 */
static GPtrArray *
list_folders(const char *path, gboolean dots)
{
	GPtrArray *names;
	struct dirent *de;
	DIR *d;
	int saved;

	if ((d = opendir(path)) == NULL)
		return NULL;
	names = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (de->d_name[0] == '.' &&
		    (!dots || strcmp(de->d_name, ".") == 0 ||
		     strcmp(de->d_name, "..") == 0))
			continue;
		if (is_folder(dirfd(d), de))
			g_ptr_array_add(names, g_strdup(de->d_name));
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		g_ptr_array_unref(names);
		errno = saved;
		return NULL;
	}
	g_ptr_array_sort(names, by_name);
	return names;
}

/* The message files of one folder, cur/ and new/ included. */
static gboolean
walk_files(tree_walk *w, const char *path, gboolean own)
{
	GPtrArray *names;
	GError *err = NULL;
	gboolean go_on = TRUE;
	char *file;
	guint i;

	if (w->count != NULL && w->exclude->len == 0 && w->since == 0 &&
	    ndr_maildir_count(path, w->count, NULL))
		return TRUE;
	if ((names = ndr_maildir_list(path, &err)) == NULL) {
		go_on =
		    w->fn(NDR_TREE_ERROR, path, FALSE, err->message, w->arg);
		g_error_free(err);
		return go_on;
	}
	for (i = 0; go_on && i < names->len; i++) {
		file = g_build_filename(path, names->pdata[i], NULL);
		if (!excluded(w, names->pdata[i], file) && !too_old(w, file))
			go_on =
			    w->fn(NDR_TREE_MESSAGE, file, own, NULL, w->arg);
		g_free(file);
	}
	g_ptr_array_unref(names);
	return go_on;
}

/*
 * The folders below path, in name order: with maildirs_only, only those
 * that are Maildirs themselves, but not cur/, new/ and tmp/.  Own
 * folders only with all_folders (or inside one an input named).
 */
static gboolean
walk_below(tree_walk *w, const char *path, gboolean maildirs_only, gboolean own)
{
	GPtrArray *names;
	gboolean go_on = TRUE, sub_own;
	const char *name;
	char *sub;
	guint i;

	if ((names = list_folders(path, maildirs_only)) == NULL)
		return report(w, path, g_strerror(errno));
	for (i = 0; go_on && i < names->len; i++) {
		name = names->pdata[i];
		if (maildirs_only &&
		    (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 ||
		     strcmp(name, "tmp") == 0))
			continue;
		sub = g_build_filename(path, name, NULL);
		sub_own = own || is_own(w, sub);
		if ((!maildirs_only || ndr_maildir_is_maildir(sub)) &&
		    (own || !sub_own || w->all_folders) &&
		    !excluded(w, name, sub))
			go_on = walk_folder(w, sub, sub_own);
		g_free(sub);
	}
	g_ptr_array_unref(names);
	return go_on;
}

/*
 * A Maildir: cur/ then new/, then the Maildirs below it (".Folder"s of
 * Maildir++, plain names of mbsync's verbatim layout; anything else there
 * belongs to the IMAP server: keyword and index folders are not mail).
 * A plain folder: its files, then its folders.
 */
static gboolean
walk_folder(tree_walk *w, const char *path, gboolean own)
{
	gboolean maildir, go_on = TRUE;
	struct stat st;
	char *sub;
	int i;

	if (w->skip && stat(path, &st) == 0 && same_file(&st, &w->skip_dir))
		return TRUE;
	if (!(maildir = ndr_maildir_is_maildir(path)))
		return walk_files(w, path, own) &&
		       walk_below(w, path, FALSE, own);
	for (i = 0; go_on && i < 2; i++) {
		sub = g_build_filename(path, i == 0 ? "cur" : "new", NULL);
		go_on = walk_files(w, sub, own);
		g_free(sub);
	}
	return go_on && walk_below(w, path, TRUE, own);
}

/* A path named by the user: on the command line (top) or in a list. */
static gboolean
walk_named(tree_walk *w, const char *path, gboolean top)
{
	char *name = g_path_get_basename(path);
	gboolean out = excluded(w, name, path);
	struct stat st;

	g_free(name);
	if (out)
		return TRUE;
	if (stat(path, &st) != 0)
		return report(w, path, g_strerror(errno));
	if (S_ISREG(st.st_mode) && w->since != 0 && st.st_mtime < w->since)
		return TRUE;
	if (S_ISDIR(st.st_mode))
		return walk_folder(w, path, named_own(w, path, TRUE));
	if (!S_ISREG(st.st_mode))
		return report(w, path, "neither a file nor a folder");
	if (top && ndr_mbox_is_mbox(path))
		return w->fn(NDR_TREE_MBOX, path, FALSE, NULL, w->arg);
	return w->fn(NDR_TREE_MESSAGE, path, named_own(w, path, FALSE), NULL,
	             w->arg);
}

static void
walk_init(tree_walk *w, const ndr_tree_opts *o, ndr_tree_fn fn, void *arg)
{
	struct stat st;
	char *const *p;

	w->fn = fn;
	w->arg = arg;
	w->skip = o->skip != NULL && stat(o->skip, &w->skip_dir) == 0;
	w->all_folders = o->all_folders;
	w->sent = g_array_new(FALSE, FALSE, sizeof(struct stat));
	for (p = o->sent; p != NULL && *p != NULL; p++)
		if (stat(*p, &st) == 0)
			g_array_append_val(w->sent, st);
	w->exclude =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_pattern_spec_free);
	w->exclude_path = g_array_new(FALSE, FALSE, sizeof(gboolean));
	for (p = o->exclude; p != NULL && *p != NULL; p++) {
		gboolean whole = strchr(*p, '/') != NULL;

		g_ptr_array_add(w->exclude, g_pattern_spec_new(*p));
		g_array_append_val(w->exclude_path, whole);
	}
	w->since = o->since;
	w->count = NULL;
}

static void
walk_clear(tree_walk *w)
{
	g_array_unref(w->sent);
	g_ptr_array_unref(w->exclude);
	g_array_unref(w->exclude_path);
}

gboolean
ndr_tree_walk(const char *input, const ndr_tree_opts *o, ndr_tree_fn fn,
              void *arg)
{
	tree_walk w;
	gboolean go_on;

	walk_init(&w, o, fn, arg);
	go_on = walk_named(&w, input, TRUE);
	walk_clear(&w);
	return go_on;
}

static gboolean
count_one(ndr_tree_what what, const char *path, gboolean own, const char *error,
          void *arg)
{
	guint64 *count = arg;

	++*count;
	return what != NDR_TREE_MBOX;
}

gboolean
ndr_tree_count(const char *input, const ndr_tree_opts *o, guint64 *count)
{
	tree_walk w;
	gboolean exact;

	walk_init(&w, o, count_one, count);
	w.count = count;
	exact = walk_named(&w, input, TRUE);
	walk_clear(&w);
	return exact;
}

gboolean
ndr_tree_walk_list(int fd, const ndr_tree_opts *o, ndr_tree_fn fn, void *arg)
{
	tree_walk w;
	GIOChannel *ch;
	GIOStatus st = G_IO_STATUS_NORMAL;
	GString *line;
	GError *err = NULL;
	gboolean go_on = TRUE;
	gsize eol;
	char *p;

	walk_init(&w, o, fn, arg);
	ch = g_io_channel_unix_new(fd);
	g_io_channel_set_encoding(ch, NULL, NULL); /* paths are bytes */
	line = g_string_new(NULL);
	while (go_on && (st = g_io_channel_read_line_string(
	                     ch, line, &eol, &err)) == G_IO_STATUS_NORMAL) {
		g_string_truncate(line, eol);
		for (p = line->str; *p == ' ' || *p == '\t'; p++)
			continue;
		if (*p != '\0')
			go_on = walk_named(&w, p, FALSE);
	}
	if (go_on && st == G_IO_STATUS_ERROR) {
		go_on = fn(NDR_TREE_ERROR, "-", FALSE, err->message, arg);
		g_error_free(err);
	}
	g_string_free(line, TRUE);
	g_io_channel_unref(ch);
	walk_clear(&w);
	return go_on;
}
