/*
 * maildir.c - list the message files of Maildir folders (see maildir.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "error.h"
#include "maildir.h"

static gboolean
is_dir(const char *dir, const char *sub)
{
	char *path = g_build_filename(dir, sub, NULL);
	gboolean yes = g_file_test(path, G_FILE_TEST_IS_DIR);

	g_free(path);
	return yes;
}

gboolean
ndr_maildir_is_maildir(const char *dir)
{
	return is_dir(dir, "cur") && is_dir(dir, "new");
}

/* A regular file (or a link to one); d_type saves a stat when it can. */
static gboolean
is_file(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_REG)
		return TRUE;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return FALSE;
	return fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
	       S_ISREG(st.st_mode);
}

static void
folder_error(const char *dir, GError **err)
{
	g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
	            "cannot read the folder %s: %s", dir, g_strerror(errno));
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The message files of dir: their names added to names, or (names NULL)
 * only counted in *count.  FALSE and *err if dir cannot be read.
 */
static gboolean
read_names(const char *dir, GPtrArray *names, guint64 *count, GError **err)
{
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		folder_error(dir, err);
		return FALSE;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && is_file(d, de)) {
			if (names != NULL)
				g_ptr_array_add(names, g_strdup(de->d_name));
			else
				++*count;
		}
		errno = 0;
	}
	if (errno != 0) {
		folder_error(dir, err);
		closedir(d);
		return FALSE;
	}
	closedir(d);
	return TRUE;
}

GPtrArray *
ndr_maildir_list(const char *dir, GError **err)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	if (!read_names(dir, names, NULL, err)) {
		g_ptr_array_unref(names);
		return NULL;
	}
	g_ptr_array_sort(names, by_name);
	return names;
}

gboolean
ndr_maildir_count(const char *dir, guint64 *count, GError **err)
{
	return read_names(dir, NULL, count, err);
}

/* Call fn on every file of dir; *go turns FALSE when fn says stop. */
static gboolean
each_file(const char *dir, ndr_file_fn fn, void *arg, gboolean *go,
          GError **err)
{
	GPtrArray *names;
	char *path;
	guint i;

	names = ndr_maildir_list(dir, err);
	if (names == NULL)
		return FALSE;
	for (i = 0; i < names->len && *go; i++) {
		path = g_build_filename(dir, names->pdata[i], NULL);
		*go = fn(path, arg);
		g_free(path);
	}
	g_ptr_array_unref(names);
	return TRUE;
}

static gboolean
each_message(const char *dir, ndr_file_fn fn, void *arg, gboolean *go,
             GError **err)
{
	static const char *const subs[] = {"cur", "new"};
	gboolean ok = TRUE;
	char *sub;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(subs) && ok && *go; i++) {
		sub = g_build_filename(dir, subs[i], NULL);
		ok = each_file(sub, fn, arg, go, err);
		g_free(sub);
	}
	return ok;
}

gboolean
ndr_maildir_each(const char *dir, ndr_file_fn fn, void *arg, GError **err)
{
	gboolean go = TRUE;

	return each_message(dir, fn, arg, &go, err);
}

char *
ndr_maildir_key(const char *name)
{
	const char *info = strstr(name, ":2,");

	return info != NULL ? g_strndup(name, (size_t)(info - name))
	                    : g_strdup(name);
}
