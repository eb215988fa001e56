/*
 * Tests for iddb: each test builds etc/passwd and etc/group in a fresh
 * temporary root and checks that names resolve as that root defines
 * them, never as the host does.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iddb.h"
#include "rootfs.h"

#define ROOT_TEMPLATE	"/tmp/test_iddb.XXXXXX"

static char rootdir[sizeof(ROOT_TEMPLATE)];
static int rootfd = -1;

static const char freebsd_passwd[] =
    "# $FreeBSD$\n"
    "#\n"
    "root:*:0:0:Charlie &:/root:/bin/csh\n"
    "toor:*:0:0:Bourne-again Superuser:/root:\n"
    "daemon:*:1:1:Owner of many system processes:/root:/usr/sbin/nologin\n"
    "operator:*:2:5:System &:/:/usr/sbin/nologin\n"
    "www:*:80:80:World Wide Web Owner:/nonexistent:/usr/sbin/nologin\n"
    "nobody:*:65534:65534:Unprivileged user:/nonexistent:"
    "/usr/sbin/nologin\n";

static const char freebsd_group[] =
    "# $FreeBSD$\n"
    "#\n"
    "wheel:*:0:root\n"
    "daemon:*:1:\n"
    "operator:*:5:root\n"
    "www:*:80:\n"
    "nogroup:*:65533:\n"
    "nobody:*:65534:\n";

static int
count_fds(void)
{
	int fd, n;

	n = 0;
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return (n);
}

static void
write_buf(const char *rel, const char *buf, size_t len)
{
	int fd;

	fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void
write_str(const char *rel, const char *s)
{
	write_buf(rel, s, strlen(s));
}

static void
write_freebsd(void)
{
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_str("etc/passwd", freebsd_passwd);
	write_str("etc/group", freebsd_group);
}

/* Load the database, checking that no descriptor is left behind. */
static int
load(struct iddb **db)
{
	int error, nfds;

	nfds = count_fds();
	error = iddb_load(rootfd, db);
	assert_int_equal(count_fds(), nfds);
	return (error);
}

static int
rm_rf_at(int dfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return (0);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rm_rf_at(fd, de->d_name);
	closedir(d);
	return (unlinkat(dfd, name, AT_REMOVEDIR));
}

static int
setup_root(void **state)
{
	(void)state;
	strcpy(rootdir, ROOT_TEMPLATE);
	if (mkdtemp(rootdir) == NULL)
		return (-1);
	return (rootfs_open(rootdir, &rootfd));
}

static int
teardown_root(void **state)
{
	(void)state;
	close(rootfd);
	rootfd = -1;
	return (rm_rf_at(AT_FDCWD, rootdir));
}

static void
assert_uid(const struct iddb *db, const char *name, uid_t want)
{
	uid_t uid;

	assert_int_equal(iddb_uid(db, name, &uid), 0);
	assert_int_equal(uid, want);
}

static void
assert_gid(const struct iddb *db, const char *name, gid_t want)
{
	gid_t gid;

	assert_int_equal(iddb_gid(db, name, &gid), 0);
	assert_int_equal(gid, want);
}

static void
assert_no_uid(const struct iddb *db, const char *name)
{
	uid_t uid;

	assert_int_equal(iddb_uid(db, name, &uid), -ENOENT);
}

static void
assert_no_gid(const struct iddb *db, const char *name)
{
	gid_t gid;

	assert_int_equal(iddb_gid(db, name, &gid), -ENOENT);
}

static void
test_freebsd(void **state)
{
	struct iddb *db;

	(void)state;
	write_freebsd();
	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_have_passwd(db), 1);
	assert_int_equal(iddb_have_group(db), 1);
	assert_int_equal(iddb_malformed(db), 0);

	assert_uid(db, "root", 0);
	assert_uid(db, "toor", 0);
	assert_uid(db, "operator", 2);
	assert_uid(db, "nobody", 65534);
	assert_gid(db, "wheel", 0);
	assert_gid(db, "operator", 5);
	assert_gid(db, "nogroup", 65533);
	assert_gid(db, "nobody", 65534);

	assert_no_uid(db, "nosuchuser");
	assert_no_uid(db, "wheel");
	assert_no_uid(db, "");
	assert_no_uid(db, "roo");
	assert_no_uid(db, "roots");
	assert_no_gid(db, "nosuchgroup");
	assert_no_gid(db, "root");
	iddb_free(db);
}

static void
test_malformed(void **state)
{
	static const char passwd[] =
	    "# comment\n"
	    "\n"
	    "+\n"
	    "+@netgroup::::::\n"
	    "-excluded::::::\n"
	    "short:*:1\n"
	    "noid:*::0::/:\n"
	    "alpha:*:12a:0::/:\n"
	    "neg:*:-1:0::/:\n"
	    "space:*: 12:0::/:\n"
	    "huge:*:4294967296:0::/:\n"
	    "minus1:*:4294967295:0::/:\n"
	    ":*:5:5::/:\n"
	    "nul\0name:*:8:8::/:\n"
	    "ok:*:4294967294:0::/:\n"
	    "good:*:1001:1001:Good User:/home/good:/bin/sh\n";
	static const char group[] =
	    "g1:*:\n"
	    "g2:*:abc:\n"
	    "g3:*:7\n"
	    "staff:*:20:root\n";
	struct iddb *db;
	char *buf;
	size_t len;

	(void)state;
	/* A line just over 64 KiB, otherwise valid, then one more line. */
	len = 64 * 1024 + 1;
	buf = malloc(sizeof(passwd) + len + 64);
	assert_non_null(buf);
	memcpy(buf, passwd, sizeof(passwd) - 1);
	memset(buf + sizeof(passwd) - 1, 'x', len);
	memcpy(buf + sizeof(passwd) - 1 + len - 10, ":*:7:7::/:", 10);
	memcpy(buf + sizeof(passwd) - 1 + len, "\nafter:*:9:9::/:", 16);

	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_buf("etc/passwd", buf, sizeof(passwd) - 1 + len + 16);
	write_str("etc/group", group);
	free(buf);

	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_malformed(db), 10 + 3);
	assert_uid(db, "ok", 4294967294U);
	assert_uid(db, "good", 1001);
	assert_uid(db, "after", 9);
	assert_gid(db, "staff", 20);
	assert_no_uid(db, "short");
	assert_no_uid(db, "huge");
	assert_no_uid(db, "minus1");
	assert_no_uid(db, "nul");
	assert_no_uid(db, "+@netgroup");
	assert_no_uid(db, "-excluded");
	assert_no_gid(db, "g3");
	iddb_free(db);
}

static void
test_duplicates(void **state)
{
	struct iddb *db;

	(void)state;
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_str("etc/passwd",
	    "zed:*:3:3::/:\n"
	    "dup:*:100:100::/:\n"
	    "amy:*:2:2::/:\n"
	    "dup:*:200:200::/:\n"
	    "dup:*:300:300::/:\n");
	write_str("etc/group",
	    "dup:*:10:\n"
	    "dup:*:20:\n");
	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_malformed(db), 0);
	assert_uid(db, "dup", 100);
	assert_uid(db, "amy", 2);
	assert_uid(db, "zed", 3);
	assert_gid(db, "dup", 10);
	iddb_free(db);
}

static void
test_missing_group(void **state)
{
	struct iddb *db;

	(void)state;
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_str("etc/passwd", freebsd_passwd);
	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_have_passwd(db), 1);
	assert_int_equal(iddb_have_group(db), 0);
	assert_uid(db, "root", 0);
	assert_no_gid(db, "wheel");
	iddb_free(db);
}

static void
test_missing_etc(void **state)
{
	struct iddb *db;

	(void)state;
	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_have_passwd(db), 0);
	assert_int_equal(iddb_have_group(db), 0);
	assert_int_equal(iddb_malformed(db), 0);
	assert_no_uid(db, "root");
	assert_no_gid(db, "wheel");
	iddb_free(db);
}

static void
test_symlink_refused(void **state)
{
	struct iddb *db;

	(void)state;
	/* Even if the host has no /etc/passwd, the link must be refused. */
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	assert_int_equal(symlinkat("/etc/passwd", rootfd, "etc/passwd"), 0);
	write_str("etc/group", freebsd_group);
	db = NULL;
	assert_int_equal(load(&db), -ELOOP);
	assert_null(db);

	/* Also when it points inside the root. */
	assert_int_equal(unlinkat(rootfd, "etc/passwd", 0), 0);
	write_str("etc/passwd", freebsd_passwd);
	assert_int_equal(symlinkat("passwd", rootfd, "etc/group.real"), 0);
	assert_int_equal(renameat(rootfd, "etc/group.real", rootfd,
	    "etc/group"), 0);
	assert_int_equal(load(&db), -ELOOP);
	assert_null(db);
}

static void
test_etc_symlink(void **state)
{
	struct iddb *db;

	(void)state;
	/* A symlinked etc is followed, but only inside the root. */
	assert_int_equal(mkdirat(rootfd, "private", 0755), 0);
	assert_int_equal(mkdirat(rootfd, "private/etc", 0755), 0);
	write_str("private/etc/passwd", "inside:*:42:42::/:\n");
	write_str("private/etc/group", "insiders:*:43:\n");
	assert_int_equal(symlinkat("../../../../../private/etc", rootfd,
	    "etc"), 0);
	assert_int_equal(load(&db), 0);
	assert_uid(db, "inside", 42);
	assert_gid(db, "insiders", 43);
	assert_no_uid(db, "root");
	iddb_free(db);

	/* etc -> /etc means ROOT/etc, itself: a loop, not the host. */
	assert_int_equal(unlinkat(rootfd, "etc", 0), 0);
	assert_int_equal(symlinkat("/etc", rootfd, "etc"), 0);
	assert_int_equal(load(&db), -ELOOP);
}

static void
test_not_regular(void **state)
{
	struct iddb *db;

	(void)state;
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	assert_int_equal(mkdirat(rootfd, "etc/passwd", 0755), 0);
	assert_int_equal(load(&db), -EINVAL);

	assert_int_equal(unlinkat(rootfd, "etc/passwd", AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(rootfd, "etc/passwd", 0644), 0);
	assert_int_equal(load(&db), -EINVAL);

	/* etc itself not a directory. */
	assert_int_equal(unlinkat(rootfd, "etc/passwd", 0), 0);
	assert_int_equal(unlinkat(rootfd, "etc", AT_REMOVEDIR), 0);
	write_str("etc", "not a directory\n");
	assert_int_equal(load(&db), -ENOTDIR);
}

static void
test_too_big(void **state)
{
	struct iddb *db;
	int fd;

	(void)state;
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	fd = openat(rootfd, "etc/group", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 * 1024 * 1024 + 1), 0);
	close(fd);
	assert_int_equal(load(&db), -EFBIG);
}

static void
test_no_final_newline(void **state)
{
	struct iddb *db;

	(void)state;
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_str("etc/passwd", "a:*:1:1::/:\nlast:*:2:2::/:/bin/sh");
	write_str("etc/group", "last:*:3:");
	assert_int_equal(load(&db), 0);
	assert_int_equal(iddb_malformed(db), 0);
	assert_uid(db, "a", 1);
	assert_uid(db, "last", 2);
	assert_gid(db, "last", 3);
	iddb_free(db);
}

static void
test_many(void **state)
{
	enum { N = 20000 };
	struct iddb *db;
	char *buf, name[32];
	size_t len;
	int i;

	(void)state;
	/* Written in descending order so that sorting matters. */
	buf = malloc((size_t)N * 40);
	assert_non_null(buf);
	len = 0;
	for (i = N - 1; i >= 0; i--)
		len += (size_t)sprintf(buf + len, "user%d:*:%d:%d::/:\n",
		    i, 1000 + i, 1000 + i);
	assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
	write_buf("etc/passwd", buf, len);
	free(buf);

	assert_int_equal(load(&db), 0);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		assert_uid(db, name, (uid_t)(1000 + i));
	}
	assert_no_uid(db, "user");
	assert_no_uid(db, "user20000");
	iddb_free(db);
}

static void
test_free_null(void **state)
{
	(void)state;
	iddb_free(NULL);
	assert_int_equal(iddb_load(rootfd, NULL), -EINVAL);
}

#define T(f)	cmocka_unit_test_setup_teardown((f), setup_root, \
		    teardown_root)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_freebsd),
		T(test_malformed),
		T(test_duplicates),
		T(test_missing_group),
		T(test_missing_etc),
		T(test_symlink_refused),
		T(test_etc_symlink),
		T(test_not_regular),
		T(test_too_big),
		T(test_no_final_newline),
		T(test_many),
		T(test_free_null),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
