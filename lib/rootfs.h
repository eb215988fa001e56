/*
 * rootfs: resolve installed absolute paths inside a root directory
 * (a jail, a mounted disk image, or "/" for the host) without ever
 * leaving that root.
 */
#ifndef ROOTFS_H
#define ROOTFS_H

#include <stddef.h>

/* Symlink expansions allowed while walking one path. */
#define ROOTFS_SYMLOOP_MAX	32

/*
 * Open ROOT as a directory (O_RDONLY | O_DIRECTORY | O_CLOEXEC) and
 * store the descriptor in *rootfd.  Returns 0 or a negative errno.
 */
int	rootfs_open(const char *root, int *rootfd);

/*
 * Find the directory that holds the final component of PATH, walking
 * from ROOTFD as if ROOTFD were "/" (the way chroot(2) would).
 *
 * PATH must be absolute; it must not be "/" and its final component
 * must not be "." or "..", or -EINVAL is returned.  Trailing slashes
 * are ignored.  Symlinks met on the way are followed inside the root:
 * an absolute target restarts at ROOTFD, and ".." never climbs above
 * ROOTFD.  More than ROOTFS_SYMLOOP_MAX expansions give -ELOOP; a path
 * that grows past PATH_MAX gives -ENAMETOOLONG.
 *
 * The final component is never followed or even looked up.  On
 * success *dirfd is a new descriptor for its directory (the caller
 * closes it) and NAME (of size NAMESZ) holds the component, or
 * -ENAMETOOLONG if it does not fit.  Callers then inspect it with
 * fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW),
 * openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
 * or readlinkat(dirfd, name, ...).
 *
 * Returns 0 or a negative errno; no descriptor is left open on error.
 */
int	rootfs_parent(int rootfd, const char *path, int *dirfd, char *name,
	    size_t namesz);

#endif /* !ROOTFS_H */
