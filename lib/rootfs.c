/*
 * rootfs: walk a package's installed paths inside a root directory.
 *
 * A verifier that checks a jail or a mounted disk must see files the
 * way a process chrooted there would, and a symlink in the root must
 * never lead it back to the host: usr/local -> /opt/local means
 * ROOT/opt/local, not the host's /opt/local.  The kernel cannot do
 * this portably (openat2's RESOLVE_IN_ROOT is Linux only), so each
 * component is opened with O_NOFOLLOW and symlinks are expanded here.
 * ".." pops a stack of open directories instead of using
 * openat(fd, ".."), which could escape if a directory were moved out
 * of the root during the walk.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"

/*
 * Each open level adds at least "/x" to the resolved path, so a deeper
 * stack would name a path longer than PATH_MAX anyway.
 */
#define WALK_DEPTH_MAX	(PATH_MAX / 2)

struct walk {
	int	 fds[WALK_DEPTH_MAX];	/* [0] is rootfd, not ours */
	size_t	 depth;
	char	 path[PATH_MAX];	/* rewritten by symlinks */
	char	*cur;			/* what is left to walk */
	char	 link[PATH_MAX];
	int	 nlinks;
};

int
rootfs_open(const char *root, int *rootfd)
{
	int fd;

	if (root == NULL || rootfd == NULL)
		return (-EINVAL);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return (-errno);
	*rootfd = fd;
	return (0);
}

static bool
is_dot(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.');
}

static bool
is_dotdot(const char *s, size_t len)
{
	return (len == 2 && s[0] == '.' && s[1] == '.');
}

/*
 * Check PATH and locate its final component, so that bad input fails
 * before any I/O.  Symlink expansion only rewrites what comes before
 * it, so it stays the last component of the walk.
 */
static int
split_final(const char *path, const char **final, size_t *finallen)
{
	size_t start, end;

	if (path[0] != '/')
		return (-EINVAL);
	end = strnlen(path, PATH_MAX);
	if (end == PATH_MAX)
		return (-ENAMETOOLONG);
	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end == start || is_dot(path + start, end - start) ||
	    is_dotdot(path + start, end - start))
		return (-EINVAL);
	*final = path + start;
	*finallen = end - start;
	return (0);
}

static void
walk_init(struct walk *w, int rootfd, const char *path)
{
	w->fds[0] = rootfd;
	w->depth = 1;
	/* split_final() checked that it fits. */
	strcpy(w->path, path);
	w->cur = w->path;
	w->nlinks = 0;
}

static int
walk_cur(const struct walk *w)
{
	return (w->fds[w->depth - 1]);
}

static int
walk_push(struct walk *w, int fd)
{
	if (w->depth == WALK_DEPTH_MAX) {
		(void)close(fd);
		return (-ENAMETOOLONG);
	}
	w->fds[w->depth++] = fd;
	return (0);
}

/* ".." at the root stays at the root, as it does after chroot(2). */
static void
walk_pop(struct walk *w)
{
	if (w->depth > 1)
		(void)close(w->fds[--w->depth]);
}

static void
walk_reset(struct walk *w)
{
	while (w->depth > 1)
		walk_pop(w);
}

/*
 * Split off the next component.  Returns false when it is the final
 * one, which the walk must not open.
 */
static bool
walk_next(struct walk *w, const char **comp, size_t *len)
{
	char *p;

	p = w->cur;
	while (*p == '/')
		p++;
	*comp = p;
	*len = strcspn(p, "/");
	p += *len;
	while (*p == '/')
		p++;
	w->cur = p;
	return (*p != '\0');
}

/*
 * NAME in the current directory did not open as a directory.  If it
 * is a symlink, splice its target in front of the rest of the path.
 */
static int
walk_expand(struct walk *w, const char *name, int openerr)
{
	ssize_t n;
	size_t rest;

	n = readlinkat(walk_cur(w), name, w->link, sizeof(w->link));
	if (n < 0) {
		if (errno != EINVAL)
			return (-errno);
		/* Not a symlink (any more): report the open failure. */
		return (openerr == ENOTDIR ? -ENOTDIR : -ELOOP);
	}
	if (++w->nlinks > ROOTFS_SYMLOOP_MAX)
		return (-ELOOP);
	if ((size_t)n == sizeof(w->link))
		return (-ENAMETOOLONG);
	if (n == 0)
		return (-ENOENT);
	rest = strlen(w->cur);
	if ((size_t)n + 1 + rest >= sizeof(w->path))
		return (-ENAMETOOLONG);
	memmove(w->path + n + 1, w->cur, rest + 1);
	w->path[n] = '/';
	memcpy(w->path, w->link, (size_t)n);
	w->cur = w->path;
	if (w->link[0] == '/')
		walk_reset(w);
	return (0);
}

/* Move into one intermediate component. */
static int
walk_step(struct walk *w, const char *comp, size_t len)
{
	char name[NAME_MAX + 1];
	int error, fd;

	if (len == 0 || is_dot(comp, len))
		return (0);
	if (is_dotdot(comp, len)) {
		walk_pop(w);
		return (0);
	}
	if (len > NAME_MAX)
		return (-ENAMETOOLONG);
	/* Copy first: expanding a symlink rewrites the buffer under comp. */
	memcpy(name, comp, len);
	name[len] = '\0';
	fd = openat(walk_cur(w), name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return (walk_push(w, fd));
	error = errno;
	/* A symlink gives ELOOP on Linux, EMLINK or ENOTDIR on FreeBSD. */
	if (error != ELOOP && error != EMLINK && error != ENOTDIR)
		return (-error);
	return (walk_expand(w, name, error));
}

int
rootfs_parent(int rootfd, const char *path, int *dirfd, char *name,
    size_t namesz)
{
	struct walk w;
	const char *comp, *final;
	size_t len, finallen;
	int error, fd;

	if (path == NULL || dirfd == NULL || name == NULL)
		return (-EINVAL);
	if ((error = split_final(path, &final, &finallen)) != 0)
		return (error);
	if (finallen >= namesz)
		return (-ENAMETOOLONG);

	walk_init(&w, rootfd, path);
	while (walk_next(&w, &comp, &len)) {
		if ((error = walk_step(&w, comp, len)) != 0) {
			walk_reset(&w);
			return (error);
		}
	}

	/* The caller always owns the result, even when it is the root. */
	if (w.depth == 1) {
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return (-errno);
	} else
		fd = w.fds[--w.depth];
	walk_reset(&w);

	memcpy(name, final, finallen);
	name[finallen] = '\0';
	*dirfd = fd;
	return (0);
}
