/*
 * move.c - moving message files into a Maildir folder, atomically (see
 * move.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "move.h"

enum { CUR, NEW };
static const char *const part_names[] = {"cur", "new"};

struct ndr_move {
	char *folder;
	gboolean dry_run;
	gboolean moved; /* something was renamed: sync the folders */
	int fd[2];      /* cur/ and new/; -1 in a dry run if not there yet */
	struct stat dir[2];
	dev_t dev; /* the filesystem moves must stay on */
};

static gboolean
fail(GError **err, const char *folder, const char *what, int errnum)
{
	g_set_error(err, NDR_ERROR, NDRCHECK_EUSAGE,
	            "--move-to %s: %s: %s; name a Maildir folder you can write",
	            folder, what, g_strerror(errnum));
	return FALSE;
}

/*
 * Open the folder's cur/, new/ and tmp/, creating them unless in a dry
 * run (where what is missing stays -1: it would be created).
 */
static gboolean
open_parts(ndr_move *mv, GError **err)
{
	static const char *const names[] = {"cur", "new", "tmp"};
	gboolean ok = TRUE;
	int dfd, fd, i;

	dfd = open(mv->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return mv->dry_run && errno == ENOENT
		           ? TRUE
		           : fail(err, mv->folder, "cannot open it", errno);
	for (i = 0; ok && i < 3; i++) {
		if (!mv->dry_run && mkdirat(dfd, names[i], 0700) != 0 &&
		    errno != EEXIST) {
			ok = fail(err, mv->folder, names[i], errno);
			break;
		}
		fd = openat(dfd, names[i],
		            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && !(mv->dry_run && errno == ENOENT))
			ok = fail(err, mv->folder, names[i], errno);
		else if (i > NEW && fd >= 0)
			close(fd); /* never used, but a Maildir needs it */
		else if (i <= NEW && (mv->fd[i] = fd) >= 0 &&
		         fstat(fd, &mv->dir[i]) != 0)
			ok = fail(err, mv->folder, names[i], errno);
	}
	close(dfd);
	return ok;
}

/*
 * The filesystem moves will stay on: the folder's, or for a folder still
 * to be made, its nearest existing parent's.
 */
static gboolean
folder_device(ndr_move *mv, GError **err)
{
	struct stat st;
	gboolean top;
	char *p, *up;
	int saved;

	p = g_strdup(mv->folder);
	while (stat(p, &st) != 0) {
		saved = errno;
		up = g_path_get_dirname(p);
		top = strcmp(up, p) == 0;
		g_free(p);
		p = up;
		if (saved != ENOENT || top) {
			g_free(p);
			return fail(err, mv->folder, "cannot read it", saved);
		}
	}
	g_free(p);
	mv->dev = st.st_dev;
	return TRUE;
}

ndr_move *
ndr_move_new(const char *folder, gboolean dry_run, GError **err)
{
	ndr_move *mv;

	mv = g_new0(ndr_move, 1);
	mv->folder = g_strdup(folder);
	mv->dry_run = dry_run;
	mv->fd[CUR] = mv->fd[NEW] = -1;
	if (folder_device(mv, err))
		return mv;
	ndr_move_close(mv);
	return NULL;
}

gboolean
ndr_move_open(ndr_move *mv, GError **err)
{
	if (!mv->dry_run && g_mkdir_with_parents(mv->folder, 0700) != 0)
		return fail(err, mv->folder, "cannot create it", errno);
	return open_parts(mv, err);
}

void
ndr_move_close(ndr_move *mv)
{
	int i;

	if (mv == NULL)
		return;
	for (i = CUR; i <= NEW; i++) {
		if (mv->fd[i] < 0)
			continue;
		/* Make the renames durable before the scan reports them. */
		if (mv->moved)
			fsync(mv->fd[i]);
		close(mv->fd[i]);
	}
	g_free(mv->folder);
	g_free(mv);
}

static gboolean
other_filesystem(const ndr_move *mv, const char *path, GError **err)
{
	g_set_error(
	    err, NDR_ERROR, NDRCHECK_EUSAGE,
	    "%s is on another filesystem than --move-to %s: ndrcheck moves "
	    "by rename and never copies; choose a folder on the same "
	    "filesystem",
	    path, mv->folder);
	return FALSE;
}

gboolean
ndr_move_check_source(const ndr_move *mv, const char *path, GError **err)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_dev == mv->dev)
		return TRUE;
	return other_filesystem(mv, path, err);
}

/* TRUE if the file at path is in the folder's cur/ or new/ already. */
static gboolean
already_there(const ndr_move *mv, const char *path)
{
	struct stat st;
	char *dir;
	int i, found;

	dir = g_path_get_dirname(path);
	found = stat(dir, &st);
	g_free(dir);
	for (i = CUR; found == 0 && i <= NEW; i++)
		if (mv->fd[i] >= 0 && st.st_dev == mv->dir[i].st_dev &&
		    st.st_ino == mv->dir[i].st_ino)
			return TRUE;
	return FALSE;
}

static gboolean
taken(const char *path, const char *dest, GError **err)
{
	g_set_error(
	    err, NDR_ERROR, NDRCHECK_ETEMP,
	    "%s not moved: %s exists already (ndrcheck never overwrites)", path,
	    dest);
	return FALSE;
}

/* What a dry run can tell: the file is there, on the right filesystem,
 * and its new name is free. */
static gboolean
check_move(const ndr_move *mv, int fd, const char *path, const char *name,
           const char *dest, GError **err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot move %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (st.st_dev != mv->dev)
		return other_filesystem(mv, path, err);
	if (fd >= 0 && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		return taken(path, dest, err);
	}
	return TRUE;
}

/*
 * rename without replacing; where the filesystem cannot do that, a hard
 * link (which fails if the name is taken) and then removing the old name.
 */
static int
rename_noreplace(const char *path, int fd, const char *name)
{
	if (renameat2(AT_FDCWD, path, fd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(AT_FDCWD, path, fd, name, 0) != 0)
		return -1;
	return unlinkat(AT_FDCWD, path, 0);
}

gboolean
ndr_move_file(ndr_move *mv, const char *path, char **dest, GError **err)
{
	char *name;
	int part, fd;

	*dest = NULL;
	if (already_there(mv, path))
		return TRUE;
	name = g_path_get_basename(path);
	part = strstr(name, ":2,") != NULL ? CUR : NEW;
	fd = mv->fd[part];
	*dest = g_build_filename(mv->folder, part_names[part], name, NULL);
	if (mv->dry_run) {
		if (check_move(mv, fd, path, name, *dest, err))
			goto done;
	} else if (rename_noreplace(path, fd, name) == 0) {
		mv->moved = TRUE;
		goto done;
	} else if (errno == EXDEV) {
		other_filesystem(mv, path, err);
	} else if (errno == EEXIST) {
		taken(path, *dest, err);
	} else {
		g_set_error(err, NDR_ERROR, NDRCHECK_ETEMP,
		            "cannot move %s to %s: %s", path, *dest,
		            g_strerror(errno));
	}
	g_clear_pointer(dest, g_free);
done:
	g_free(name);
	return *dest != NULL;
}
