/*
 * Tests for rootfs: build a small tree with hostile symlinks under a
 * temporary directory and check that every walk stays inside it and
 * closes every descriptor it opened.
 *
 * Layout, with TMP from mkdtemp and ROOT = TMP/root:
 *
 *	TMP/etc/hostonly		outside the root
 *	ROOT/bin/sh
 *	ROOT/etc/marker
 *	ROOT/opt/local/bin/foo
 *	ROOT/opt/local/bin/foolink	-> /etc/passwd
 *	ROOT/usr/local			-> /opt/local
 *	ROOT/usr/rel			-> ../opt/local
 *	ROOT/usr/x			-> ../../../../etc
 *	ROOT/usr/y			-> ../../etc
 *	ROOT/usr/dangling		-> /nowhere
 *	ROOT/usr/long			-> ./././... (> PATH_MAX / 2)
 *	ROOT/loop/a -> b, ROOT/loop/b -> a, ROOT/loop/self -> self
 *	ROOT/chain/cN -> cN+1 for N < 32, ROOT/chain/c32 -> /bin
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

#include "rootfs.h"

static char tmpdir[] = "/tmp/test_rootfs.XXXXXX";
static char rootdir[sizeof(tmpdir) + sizeof("/root")];
static int rootfd = -1;

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

/* Create REL under the root: a 'd'irectory, 'f'ile or 'l'ink to ARG. */
static void
mk(char type, const char *rel, const char *arg)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", rootdir, rel);
	switch (type) {
	case 'd':
		assert_int_equal(mkdir(path, 0755), 0);
		break;
	case 'f':
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(fd >= 0);
		close(fd);
		break;
	case 'l':
		assert_int_equal(symlink(arg, path), 0);
		break;
	}
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
setup_tree(void **state)
{
	char path[PATH_MAX], name[16], target[16], *longlink;
	size_t i, n;
	int fd;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/etc", tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/hostonly", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(rootdir, sizeof(rootdir), "%s/root", tmpdir);
	mkdir(rootdir, 0755);

	mk('d', "bin", NULL);
	mk('f', "bin/sh", NULL);
	mk('d', "etc", NULL);
	mk('f', "etc/marker", NULL);
	mk('d', "opt", NULL);
	mk('d', "opt/local", NULL);
	mk('d', "opt/local/bin", NULL);
	mk('f', "opt/local/bin/foo", NULL);
	mk('l', "opt/local/bin/foolink", "/etc/passwd");
	mk('d', "usr", NULL);
	mk('l', "usr/local", "/opt/local");
	mk('l', "usr/rel", "../opt/local");
	mk('l', "usr/x", "../../../../etc");
	mk('l', "usr/y", "../../etc");
	mk('l', "usr/dangling", "/nowhere");
	mk('d', "loop", NULL);
	mk('l', "loop/a", "b");
	mk('l', "loop/b", "a");
	mk('l', "loop/self", "self");
	mk('d', "chain", NULL);
	for (i = 0; i < ROOTFS_SYMLOOP_MAX; i++) {
		snprintf(name, sizeof(name), "chain/c%zu", i);
		snprintf(target, sizeof(target), "c%zu", i + 1);
		mk('l', name, target);
	}
	snprintf(name, sizeof(name), "chain/c%d", ROOTFS_SYMLOOP_MAX);
	mk('l', name, "/bin");

	n = PATH_MAX / 2 + 16;
	longlink = malloc(n + 1);
	for (i = 0; i < n; i += 2)
		memcpy(longlink + i, "./", 2);
	longlink[n] = '\0';
	mk('l', "usr/long", longlink);
	free(longlink);

	if (rootfs_open(rootdir, &rootfd) != 0)
		return (-1);
	return (0);
}

static int
teardown_tree(void **state)
{
	(void)state;
	close(rootfd);
	return (rm_rf_at(AT_FDCWD, tmpdir));
}

/* Check that FD is the directory REL under the root. */
static void
assert_is_dir(int fd, const char *rel)
{
	char path[PATH_MAX];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/%s", rootdir, rel);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* Resolve PATH, expecting its parent at REL (under the root) and NAME. */
static void
check_ok(const char *path, const char *rel, const char *want)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int dirfd, nfds;

	nfds = count_fds();
	assert_int_equal(rootfs_parent(rootfd, path, &dirfd, name,
	    sizeof(name)), 0);
	assert_string_equal(name, want);
	assert_is_dir(dirfd, rel);
	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fcntl(dirfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(dirfd);
	assert_int_equal(count_fds(), nfds);
}

static void
check_err(const char *path, int want)
{
	char name[NAME_MAX + 1];
	int dirfd, nfds;

	nfds = count_fds();
	dirfd = -1;
	assert_int_equal(rootfs_parent(rootfd, path, &dirfd, name,
	    sizeof(name)), want);
	assert_int_equal(dirfd, -1);
	assert_int_equal(count_fds(), nfds);
}

static void
test_open(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(rootfs_open(rootdir, &fd), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	assert_int_equal(rootfs_open("/nonexistent/dir", &fd), -ENOENT);
	assert_int_equal(rootfs_open("/dev/null", &fd), -ENOTDIR);
}

static void
test_plain(void **state)
{
	(void)state;
	check_ok("/opt/local/bin/foo", "opt/local/bin", "foo");
	check_ok("/bin/sh", "bin", "sh");
	check_ok("//bin//./sh", "bin", "sh");
	check_ok("/bin/", "", "bin");
}

static void
test_top_level(void **state)
{
	(void)state;
	/* The parent of a top-level entry is the root itself. */
	check_ok("/bin", "", "bin");
	check_ok("/../../bin", "", "bin");
	check_ok("/bin/../../../../bin/sh", "bin", "sh");
}

static void
test_relative_symlink(void **state)
{
	(void)state;
	check_ok("/usr/rel/bin/foo", "opt/local/bin", "foo");
}

static void
test_absolute_symlink(void **state)
{
	(void)state;
	/* Must be ROOT/opt/local, never the host's /opt/local. */
	check_ok("/usr/local/bin/foo", "opt/local/bin", "foo");
}

static void
test_escape_dotdot(void **state)
{
	char name[NAME_MAX + 1], path[PATH_MAX];
	struct stat st;
	int dirfd;

	(void)state;
	check_ok("/usr/x/marker", "etc", "marker");
	check_ok("/usr/y/marker", "etc", "marker");

	/* TMP/etc/hostonly is what usr/y would reach on the host. */
	snprintf(path, sizeof(path), "%s/usr/y/hostonly", rootdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(rootfs_parent(rootfd, "/usr/y/hostonly", &dirfd,
	    name, sizeof(name)), 0);
	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(errno, ENOENT);
	close(dirfd);

	/* usr/x would reach the host's /etc. */
	if (stat("/etc/passwd", &st) == 0) {
		assert_int_equal(rootfs_parent(rootfd, "/usr/x/passwd",
		    &dirfd, name, sizeof(name)), 0);
		assert_int_equal(fstatat(dirfd, name, &st,
		    AT_SYMLINK_NOFOLLOW), -1);
		assert_int_equal(errno, ENOENT);
		close(dirfd);
	}
}

static void
test_loop(void **state)
{
	(void)state;
	check_err("/loop/a/file", -ELOOP);
	check_err("/loop/self/file", -ELOOP);
}

static void
test_symlink_limit(void **state)
{
	(void)state;
	/* c1 .. c32 is exactly the limit; starting at c0 is one more. */
	check_ok("/chain/c1/sh", "bin", "sh");
	check_err("/chain/c0/sh", -ELOOP);
}

static void
test_missing(void **state)
{
	char name[NAME_MAX + 1];
	int dirfd;

	(void)state;
	check_err("/nonexistent/foo", -ENOENT);
	check_err("/usr/dangling/foo", -ENOENT);

	/* The final component is not looked up, so it need not exist. */
	assert_int_equal(rootfs_parent(rootfd, "/opt/local/bin/missing",
	    &dirfd, name, sizeof(name)), 0);
	assert_string_equal(name, "missing");
	assert_is_dir(dirfd, "opt/local/bin");
	close(dirfd);
}

static void
test_notdir(void **state)
{
	(void)state;
	check_err("/bin/sh/foo", -ENOTDIR);
	check_err("/opt/local/bin/foo/bar", -ENOTDIR);
}

static void
test_final_symlink(void **state)
{
	char name[NAME_MAX + 1], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int dirfd;

	(void)state;
	check_ok("/opt/local/bin/foolink", "opt/local/bin", "foolink");
	check_ok("/usr/local", "usr", "local");

	assert_int_equal(rootfs_parent(rootfd, "/usr/local/bin/foolink",
	    &dirfd, name, sizeof(name)), 0);
	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/etc/passwd");
	close(dirfd);
}

static void
test_invalid(void **state)
{
	char name[4];
	int dirfd;

	(void)state;
	check_err("", -EINVAL);
	check_err("usr/local/bin/foo", -EINVAL);
	check_err("/", -EINVAL);
	check_err("///", -EINVAL);
	check_err("/usr/..", -EINVAL);
	check_err("/usr/../", -EINVAL);
	check_err("/usr/.", -EINVAL);
	check_err("/..", -EINVAL);

	assert_int_equal(rootfs_parent(rootfd, "/bin/sh", &dirfd, name,
	    sizeof(name)), 0);
	close(dirfd);
	assert_int_equal(rootfs_parent(rootfd, "/bin/bash", &dirfd, name,
	    sizeof(name)), -ENAMETOOLONG);
}

static void
test_too_long(void **state)
{
	char *path;
	size_t i;

	(void)state;
	path = malloc(PATH_MAX + 1);
	assert_non_null(path);

	/* The path itself. */
	path[0] = '/';
	for (i = 1; i < PATH_MAX; i++)
		path[i] = 'a';
	path[PATH_MAX] = '\0';
	check_err(path, -ENAMETOOLONG);

	/* A single component longer than NAME_MAX. */
	path[NAME_MAX + 2] = '/';
	path[NAME_MAX + 3] = '\0';
	strcat(path, "x");
	check_err(path, -ENAMETOOLONG);

	/* Short before expansion, too long after. */
	strcpy(path, "/usr/long");
	for (i = strlen(path); i < PATH_MAX / 2; i += 2)
		memcpy(path + i, "/.", 2);
	strcpy(path + i, "/x");
	check_err(path, -ENAMETOOLONG);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_relative_symlink),
		cmocka_unit_test(test_absolute_symlink),
		cmocka_unit_test(test_escape_dotdot),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_symlink_limit),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_notdir),
		cmocka_unit_test(test_final_symlink),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_too_long),
	};

	return (cmocka_run_group_tests(tests, setup_tree, teardown_tree));
}
