/*
 * iddb: user and group names as a root directory's own etc/passwd and
 * etc/group define them, independent of the host's databases.
 */
#ifndef IDDB_H
#define IDDB_H

#include <sys/types.h>

#include <stddef.h>

struct iddb;

/*
 * Read etc/passwd and etc/group under ROOTFD (see rootfs_parent()).
 *
 * A missing file is not an error; iddb_have_passwd() and
 * iddb_have_group() tell whether each was there.  Fail closed on
 * anything suspicious: a file that is a symlink gives -ELOOP (even one
 * pointing inside the root), one that is not a regular file -EINVAL,
 * one larger than 64 MiB -EFBIG.
 *
 * Lines are "name:password:uid:gid:..." and "name:password:gid:members"
 * (at least four fields each).  Empty lines, "#" comments and NIS
 * "+"/"-" lines are ignored.  Lines with too few fields, an empty name,
 * an id that is not a decimal number below (uid_t)-1 or (gid_t)-1, or
 * longer than 64 KiB are skipped and counted by iddb_malformed().
 * When a name is defined twice the first definition wins, as with
 * getpwnam(3).
 *
 * Returns 0 and sets *out, or a negative errno and leaves *out alone.
 */
int	iddb_load(int rootfd, struct iddb **out);

/* Free DB; NULL is allowed. */
void	iddb_free(struct iddb *db);

/* Whether etc/passwd and etc/group existed: 1 or 0. */
int	iddb_have_passwd(const struct iddb *db);
int	iddb_have_group(const struct iddb *db);

/* Number of lines skipped as malformed, both files together. */
size_t	iddb_malformed(const struct iddb *db);

/* Look NAME up: 0 and the id, or -ENOENT.  O(log n). */
int	iddb_uid(const struct iddb *db, const char *name, uid_t *uid);
int	iddb_gid(const struct iddb *db, const char *name, gid_t *gid);

#endif /* !IDDB_H */
