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
#include "tree.h"

typedef struct tree_walk {
	ndr_tree_fn fn;
	void *arg;
	gboolean skip; /* never enter the folder skip_dir */
	struct stat skip_dir;
} tree_walk;

static gboolean walk_folder(tree_walk *w, const char *path);

static gboolean
report(tree_walk *w, const char *path, const char *why)
{
	char *msg;
	gboolean go_on;

	msg = g_strdup_printf("cannot read %s: %s", path, why);
	go_on = w->fn(NDR_TREE_ERROR, path, msg, w->arg);
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
walk_files(tree_walk *w, const char *path)
{
	GPtrArray *names;
	GError *err = NULL;
	gboolean go_on = TRUE;
	char *file;
	guint i;

	if ((names = ndr_maildir_list(path, &err)) == NULL) {
		go_on = w->fn(NDR_TREE_ERROR, path, err->message, w->arg);
		g_error_free(err);
		return go_on;
	}
	for (i = 0; go_on && i < names->len; i++) {
		file = g_build_filename(path, names->pdata[i], NULL);
		go_on = w->fn(NDR_TREE_MESSAGE, file, NULL, w->arg);
		g_free(file);
	}
	g_ptr_array_unref(names);
	return go_on;
}

/*
 * The folders below path, in name order: with maildirs_only, only those
 * that are Maildirs themselves, but not cur/, new/ and tmp/.
 */
static gboolean
walk_below(tree_walk *w, const char *path, gboolean maildirs_only)
{
	GPtrArray *names;
	gboolean go_on = TRUE;
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
		if (!maildirs_only || ndr_maildir_is_maildir(sub))
			go_on = walk_folder(w, sub);
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
walk_folder(tree_walk *w, const char *path)
{
	gboolean maildir, go_on = TRUE;
	struct stat st;
	char *sub;
	int i;

	if (w->skip && stat(path, &st) == 0 &&
	    st.st_dev == w->skip_dir.st_dev && st.st_ino == w->skip_dir.st_ino)
		return TRUE;
	if (!(maildir = ndr_maildir_is_maildir(path)))
		return walk_files(w, path) && walk_below(w, path, FALSE);
	for (i = 0; go_on && i < 2; i++) {
		sub = g_build_filename(path, i == 0 ? "cur" : "new", NULL);
		go_on = walk_files(w, sub);
		g_free(sub);
	}
	return go_on && walk_below(w, path, TRUE);
}

/* A path named by the user: on the command line (top) or in a list. */
static gboolean
walk_named(tree_walk *w, const char *path, gboolean top)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return report(w, path, g_strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk_folder(w, path);
	if (!S_ISREG(st.st_mode))
		return report(w, path, "neither a file nor a folder");
	if (top && ndr_mbox_is_mbox(path))
		return w->fn(NDR_TREE_MBOX, path, NULL, w->arg);
	return w->fn(NDR_TREE_MESSAGE, path, NULL, w->arg);
}

static void
walk_init(tree_walk *w, const char *skip, ndr_tree_fn fn, void *arg)
{
	w->fn = fn;
	w->arg = arg;
	w->skip = skip != NULL && stat(skip, &w->skip_dir) == 0;
}

gboolean
ndr_tree_walk(const char *input, const char *skip, ndr_tree_fn fn, void *arg)
{
	tree_walk w;

	walk_init(&w, skip, fn, arg);
	return walk_named(&w, input, TRUE);
}

gboolean
ndr_tree_walk_list(int fd, const char *skip, ndr_tree_fn fn, void *arg)
{
	tree_walk w;
	GIOChannel *ch;
	GIOStatus st = G_IO_STATUS_NORMAL;
	GString *line;
	GError *err = NULL;
	gboolean go_on = TRUE;
	gsize eol;
	char *p;

	walk_init(&w, skip, fn, arg);
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
		go_on = fn(NDR_TREE_ERROR, "-", err->message, arg);
		g_error_free(err);
	}
	g_string_free(line, TRUE);
	g_io_channel_unref(ch);
	return go_on;
}
