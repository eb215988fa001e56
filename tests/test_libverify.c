/*
 * libverify through its public header only.  The signatures are made by
 * the built sign-repo (SIGN_REPO) over a copy of the poudriere fixture;
 * the installed root is tests/fixtures/installed-root.tar, unpacked with
 * bsdtar.  Without root privileges the root's etc/passwd and etc/group
 * name our own ids instead of 0 and 65534, so that owners still match.
 */
#define _GNU_SOURCE

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include <libverify.h>

#include "helpers.h"

static char	*tmp;		/* everything lives here */
static char	 repo[4096];	/* signed copy of the poudriere repository */
static char	 pub[4096];	/* its public key */
static char	 pub2[4096];	/* an unrelated key */
static char	 recdir[8192];	/* repo's filesigs/records */
static const char *sign_repo;	/* the built sign-repo */

#define HELLO	"hello-tools-1.0.2"
#define TINY	"tinyconf-0.3_1"
#define META	"meta-bundle-1.0"

/*
 * Collected results
 */

struct res {
	enum vfy_verdict v;
	char		*path;
	char		*pkg;
	char		*detail;
};

struct results {
	struct res	*v;
	size_t		 n;
	int		 stop_after;	/* 0: never */
};

static int
collect(const struct vfy_result *r, void *arg)
{
	struct results	*rs = arg;
	struct res	*x;

	rs->v = realloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
	if (rs->v == NULL)
		abort();
	x = &rs->v[rs->n++];
	x->v = r->verdict;
	x->path = strdup(r->path);
	x->pkg = r->package ? strdup(r->package) : NULL;
	x->detail = strdup(r->detail);
	return (rs->stop_after != 0 && (int)rs->n >= rs->stop_after);
}

static void
results_free(struct results *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].path);
		free(rs->v[i].pkg);
		free(rs->v[i].detail);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static const struct res *
result_for(const struct results *rs, const char *path)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].path, path) == 0)
			return (&rs->v[i]);
	return (NULL);
}

/* Every result OK but those listed (path, verdict), which must be there. */
static void
expect_results(const struct results *rs, size_t n, ...)
{
	va_list		 ap;
	size_t		 i, j, hits = 0;
	const char	*p;
	int		 v;

	for (i = 0; i < rs->n; i++) {
		enum vfy_verdict want = VFY_OK;

		va_start(ap, n);
		for (j = 0; j < n; j++) {
			p = va_arg(ap, const char *);
			v = va_arg(ap, int);
			if (strcmp(p, rs->v[i].path) == 0) {
				want = (enum vfy_verdict)v;
				hits++;
			}
		}
		va_end(ap);
		if (rs->v[i].v != want)
			fail_msg("%s: %s (%s), expected %s", rs->v[i].path,
			    vfy_verdict_name(rs->v[i].v), rs->v[i].detail,
			    vfy_verdict_name(want));
	}
	if (hits != n)
		fail_msg("%zu of %zu expected paths reported", hits, n);
}

/*
 * Fixture set-up
 */

static int
make_root(const char *dir)
{
	char	path[8192];
	FILE	*fp;

	if (th_run("rm -rf '%s' && mkdir -p '%s' && bsdtar -xpf '%s' -C '%s'",
	    dir, dir, fx_path("installed-root.tar"), dir) != 0)
		return (-1);
	if (geteuid() == 0)
		return (0);
	/* Name our ids; restore the modes an ordinary user loses. */
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(fp, "root:*:%u:%u::/root:/bin/sh\n"
	    "nobody:*:%u:%u::/nonexistent:/usr/sbin/nologin\n",
	    (unsigned)getuid(), (unsigned)getgid(), (unsigned)getuid(),
	    (unsigned)getgid());
	fclose(fp);
	snprintf(path, sizeof(path), "%s/etc/group", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(fp, "wheel:*:%u:\nnogroup:*:%u:\n", (unsigned)getgid(),
	    (unsigned)getgid());
	fclose(fp);
	snprintf(path, sizeof(path), "%s/usr/local/sbin/hello-suid", dir);
	if (chmod(path, 04755) == -1)
		return (-1);
	snprintf(path, sizeof(path), "%s/usr/local/share/hello/sub/owned.txt",
	    dir);
	return (chmod(path, 0640));
}

/* A fresh installed root of the given name under tmp. */
static const char *
fresh_root(const char *name)
{
	static char	path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	if (make_root(path) == -1)
		fail_msg("cannot unpack installed-root.tar into %s", path);
	return (path);
}

static int
group_setup(void **state)
{
	const char	*sr = getenv("SIGN_REPO");

	(void)state;
	sign_repo = sr;
	if (sr == NULL || *sr == '\0') {
		fprintf(stderr, "SIGN_REPO is not set\n");
		return (-1);
	}
	if ((tmp = th_mkdtemp("test_libverify")) == NULL)
		return (-1);
	snprintf(repo, sizeof(repo), "%s/141amd64-default", tmp);
	snprintf(pub, sizeof(pub), "%s/k.pub", tmp);
	snprintf(pub2, sizeof(pub2), "%s/k2.pub", tmp);
	snprintf(recdir, sizeof(recdir), "%s/filesigs/records", repo);
	if (th_run("cp -a '%s' '%s'", fx_path("poudriere/141amd64-default"),
	    repo) != 0 ||
	    th_run("'%s' keygen '%s/k.sec' '%s' >/dev/null", sr, tmp,
	    pub) != 0 ||
	    th_run("'%s' keygen -t ecdsa '%s/k2.sec' '%s' >/dev/null", sr,
	    tmp, pub2) != 0 ||
	    th_run("'%s' sign -q -k '%s/k.sec' '%s'", sr, tmp, repo) != 0) {
		fprintf(stderr, "cannot sign a copy of the fixture\n");
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	th_rm_rf(tmp);
	free(tmp);
	return (0);
}

static vfy_ctx *
new_ctx(const char *root, const char *key)
{
	vfy_ctx	*c = vfy_new();

	assert_non_null(c);
	if (vfy_trust_key_file(c, key) == -1)
		fail_msg("trust %s: %s", key, vfy_error(c));
	if (root != NULL && vfy_set_root(c, root) == -1)
		fail_msg("root %s: %s", root, vfy_error(c));
	if (vfy_load(c, repo) == -1)
		fail_msg("load %s: %s", repo, vfy_error(c));
	return (c);
}

/* Check all three packages; returns the OR of the check results. */
static int
check_all(vfy_ctx *c, struct results *rs)
{
	static const char *const pkgs[] = { "hello-tools", "tinyconf",
	    "meta-bundle" };
	size_t	i;
	int	r, any = 0;

	for (i = 0; i < 3; i++) {
		r = vfy_check_package(c, pkgs[i], collect, rs);
		if (r == -1)
			fail_msg("%s: %s", pkgs[i], vfy_error(c));
		any |= r;
	}
	return (any);
}

/*
 * Tests
 */

static void
test_version(void **state)
{
	(void)state;
	assert_string_equal(vfy_version(), VFY_VERSION_STRING);
	assert_int_equal(vfy_version_number(), VFY_VERSION_NUMBER);
	assert_int_equal(VFY_VERSION_NUMBER, VFY_VERSION_MAJOR * 10000 +
	    VFY_VERSION_MINOR * 100 + VFY_VERSION_PATCH);
	assert_string_equal(VFY_VERSION_STRING, "0.1.0");
}

static void
test_verdict_names(void **state)
{
	static const char *const names[] = {
		"OK", "MODIFIED", "MISSING", "METADATA", "NOT_SIGNED",
		"BAD_SIGNATURE", "CONFIG_CHANGED", "UNREADABLE",
		"VERSION_MISMATCH", "PACKAGE_NOT_SIGNED",
	};
	int	v;

	(void)state;
	for (v = VFY_OK; v <= VFY_PACKAGE_NOT_SIGNED; v++)
		assert_string_equal(vfy_verdict_name((enum vfy_verdict)v),
		    names[v]);
	assert_int_equal(VFY_PACKAGE_NOT_SIGNED, 9);
	assert_string_equal(vfy_verdict_name((enum vfy_verdict)10),
	    "UNKNOWN");
	assert_string_equal(vfy_verdict_name((enum vfy_verdict)-1),
	    "UNKNOWN");
}

static void
test_errors(void **state)
{
	struct results	 rs = { 0 };
	vfy_ctx		*c;

	(void)state;
	c = vfy_new();
	assert_non_null(c);
	assert_int_equal(vfy_load(c, repo), -1);
	assert_non_null(strstr(vfy_error(c), "no trusted key"));
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/hello-which",
	    collect, &rs), -1);
	assert_int_equal(vfy_check_package(c, "hello-tools", collect, &rs),
	    -1);
	assert_int_equal(rs.n, 0);
	assert_int_equal(vfy_trust_key_file(c, "/nonexistent/key.pub"), -1);
	assert_non_null(strstr(vfy_error(c), "/nonexistent/key.pub"));
	assert_int_equal(vfy_trust_key_file(c, fx_path("keys/ecdsa.pub")), -1);
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	/* The same key twice is a mistake worth reporting. */
	assert_int_equal(vfy_trust_key_file(c, pub), -1);
	assert_non_null(strstr(vfy_error(c), pub));
	assert_int_equal(vfy_set_root(c, "/nonexistent/root"), -1);
	/* Walk directories are paths as installed: absolute. */
	assert_int_equal(vfy_add_walk_dir(c, "usr/local"), -1);
	assert_non_null(strstr(vfy_error(c), "usr/local"));
	assert_int_equal(vfy_add_walk_dir(c, NULL), -1);
	assert_int_equal(vfy_add_walk_dir(c, "/usr/local/"), 0);
	assert_int_equal(vfy_load(c, "/nonexistent/repo"), -1);
	assert_int_equal(vfy_load(c, tmp), -1);	/* no filesigs there */
	assert_int_equal(vfy_load(c, repo), 0);
	vfy_free(c);
	vfy_free(NULL);
}

static void
test_all_ok(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-ok");
	vfy_ctx		*c;
	size_t		 i, nh = 0, nt = 0;

	(void)state;
	c = new_ctx(root, pub);
	assert_int_equal(check_all(c, &rs), 0);
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].v != VFY_OK)
			fail_msg("%s: %s (%s)", rs.v[i].path,
			    vfy_verdict_name(rs.v[i].v), rs.v[i].detail);
		assert_non_null(rs.v[i].pkg);
		if (strcmp(rs.v[i].pkg, HELLO) == 0)
			nh++;
		else if (strcmp(rs.v[i].pkg, TINY) == 0)
			nt++;
		else
			fail_msg("package %s", rs.v[i].pkg);
	}
	/* 17 files and links plus 3 directories; 3 files plus 2 dirs. */
	assert_int_equal(nh, 20);
	assert_int_equal(nt, 5);
	assert_non_null(result_for(&rs, "/usr/local/sbin/hello-suid"));
	assert_non_null(result_for(&rs,
	    "/usr/local/share/hello/na\xc3\xafve-r\xc3\xa9sum\xc3\xa9.txt"));
	assert_non_null(result_for(&rs, "/usr/local/share/hello/100%done.txt"));
	assert_non_null(result_for(&rs, "/usr/local/share/hello/empty-dir"));
	results_free(&rs);
	/* By name-version too. */
	assert_int_equal(vfy_check_package(c, HELLO, collect, &rs), 0);
	assert_int_equal(rs.n, 20);
	results_free(&rs);
	vfy_free(c);
}

static void
test_store_locations(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-loc");
	char		 dir[8192];
	vfy_ctx		*c;

	(void)state;
	c = vfy_new();
	assert_non_null(c);
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_root(c, root), 0);
	/* The committed build, its filesigs and an offline copy of it. */
	snprintf(dir, sizeof(dir), "%s/.latest", repo);
	assert_int_equal(vfy_load(c, dir), 0);
	snprintf(dir, sizeof(dir), "%s/.real_1700000000/filesigs", repo);
	assert_int_equal(vfy_load(c, dir), 0);
	assert_int_equal(th_run("cp -a '%s' '%s/offline-copy'", dir, tmp), 0);
	snprintf(dir, sizeof(dir), "%s/offline-copy", tmp);
	assert_int_equal(vfy_load(c, dir), 0);
	assert_int_equal(check_all(c, &rs), 0);
	assert_int_equal(rs.n, 25);
	results_free(&rs);
	vfy_free(c);
}

static void
test_check_path(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-path");
	vfy_ctx		*c;

	(void)state;
	c = new_ctx(root, pub);
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/hello-which",
	    collect, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_OK);
	assert_string_equal(rs.v[0].pkg, HELLO);
	assert_string_equal(rs.v[0].path, "/usr/local/bin/hello-which");
	results_free(&rs);
	assert_int_equal(vfy_check_path(c, "/usr/local/share/hello", collect,
	    &rs), 0);
	assert_int_equal(rs.v[0].v, VFY_OK);
	results_free(&rs);
	assert_int_equal(vfy_check_path(c, "/usr/local/libexec/tinyconf-run",
	    collect, &rs), 0);
	assert_string_equal(rs.v[0].pkg, TINY);
	results_free(&rs);
	/* A file of the root no package signs, and one that is not there. */
	assert_int_equal(vfy_check_path(c, "/var/db/pkg/local.sqlite",
	    collect, &rs), 1);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_NOT_SIGNED);
	assert_null(rs.v[0].pkg);
	results_free(&rs);
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/not-there",
	    collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_NOT_SIGNED);
	results_free(&rs);
	/* Parent directories are not package entries. */
	assert_int_equal(vfy_check_path(c, "/usr/local/bin", collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_NOT_SIGNED);
	results_free(&rs);
	/* Unknown packages. */
	assert_int_equal(vfy_check_package(c, "no-such-package", collect,
	    &rs), 1);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_PACKAGE_NOT_SIGNED);
	results_free(&rs);
	assert_int_equal(vfy_check_package(c, "hello-tools-1.0.1", collect,
	    &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_PACKAGE_NOT_SIGNED);
	results_free(&rs);
	vfy_free(c);
}

static void
tamper(const char *root, const char *what)
{
	if (th_run("cd '%s' && %s", root, what) != 0)
		fail_msg("in %s: %s failed", root, what);
}

static void
test_tampered_root(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-tampered");
	vfy_ctx		*c;

	(void)state;
	tamper(root, "echo 'echo pwned' >> usr/local/bin/hello-which");
	tamper(root, "chmod 4644 usr/local/share/hello/LICENSE");
	tamper(root, "rm usr/local/share/hello/services.txt");
	tamper(root, "ln -sf hello-which usr/local/bin/hello-link");
	tamper(root, "rm usr/local/share/hello/empty.txt && "
	    "ln -s LICENSE usr/local/share/hello/empty.txt");
	tamper(root, "cp usr/local/bin/hello-true "
	    "usr/local/share/hello/file\\ with\\ spaces.txt");
	tamper(root, "rmdir usr/local/share/hello/empty-dir && "
	    "touch usr/local/share/hello/empty-dir");
	/* Same bytes elsewhere: tinyconf-run gets hello-which's content. */
	tamper(root, "cp usr/local/bin/hello-which "
	    "usr/local/libexec/tinyconf-run");
	c = new_ctx(root, pub);
	assert_int_equal(check_all(c, &rs), 1);
	expect_results(&rs, 8,
	    "/usr/local/bin/hello-which", VFY_MODIFIED,
	    "/usr/local/share/hello/LICENSE", VFY_METADATA,
	    "/usr/local/share/hello/services.txt", VFY_MISSING,
	    "/usr/local/bin/hello-link", VFY_MODIFIED,
	    "/usr/local/share/hello/empty.txt", VFY_METADATA,
	    "/usr/local/share/hello/file with spaces.txt", VFY_MODIFIED,
	    "/usr/local/share/hello/empty-dir", VFY_METADATA,
	    "/usr/local/libexec/tinyconf-run", VFY_MODIFIED);
	assert_int_equal(rs.n, 25);
	results_free(&rs);
	/* The same through path checks. */
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/hello-link",
	    collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_MODIFIED);
	results_free(&rs);
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/hello-true",
	    collect, &rs), 0);
	results_free(&rs);
	vfy_free(c);
}

static void
test_config_changed(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-config");
	vfy_ctx		*c;

	(void)state;
	tamper(root, "echo 'debug=1' >> usr/local/etc/hello.conf");
	tamper(root, "sed -i 's/=/ = /' usr/local/etc/tinyconf/tinyconf.conf");
	c = new_ctx(root, pub);
	assert_int_equal(vfy_is_problem(c, VFY_CONFIG_CHANGED), 0);
	assert_int_equal(vfy_is_problem(c, VFY_OK), 0);
	assert_int_equal(vfy_is_problem(c, VFY_MODIFIED), 1);
	assert_int_equal(check_all(c, &rs), 0);
	expect_results(&rs, 2,
	    "/usr/local/etc/hello.conf", VFY_CONFIG_CHANGED,
	    "/usr/local/etc/tinyconf/tinyconf.conf", VFY_CONFIG_CHANGED);
	results_free(&rs);
	/* The sample next to it is no config file. */
	tamper(root, "echo 'debug=1' >> usr/local/etc/hello.conf.sample");
	vfy_set_flags(c, VFY_F_CONFIG_IS_TAMPER);
	assert_int_equal(vfy_is_problem(c, VFY_CONFIG_CHANGED), 1);
	assert_int_equal(check_all(c, &rs), 1);
	expect_results(&rs, 3,
	    "/usr/local/etc/hello.conf", VFY_CONFIG_CHANGED,
	    "/usr/local/etc/hello.conf.sample", VFY_MODIFIED,
	    "/usr/local/etc/tinyconf/tinyconf.conf", VFY_CONFIG_CHANGED);
	results_free(&rs);
	vfy_set_flags(c, 0);
	assert_int_equal(vfy_check_path(c, "/usr/local/etc/hello.conf",
	    collect, &rs), 0);
	assert_int_equal(rs.v[0].v, VFY_CONFIG_CHANGED);
	results_free(&rs);
	vfy_free(c);
}

/* The escape hatch: a symlinked directory pointing out of the root. */
static void
test_root_confinement(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-escape");
	char		 outside[4096];
	vfy_ctx		*c;

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	assert_int_equal(th_run("rm -rf '%s' && mkdir '%s' && cp -a "
	    "'%s/usr/local/share/hello' '%s/' && rm -rf "
	    "'%s/usr/local/share/hello' && ln -s '%s/hello' "
	    "'%s/usr/local/share/hello'", outside, outside, root, outside,
	    root, outside, root), 0);
	c = new_ctx(root, pub);
	assert_int_equal(vfy_check_package(c, "hello-tools", collect, &rs), 1);
	/* Nothing under the link is found: it is resolved inside ROOT. */
	expect_results(&rs, 12,
	    "/usr/local/share/hello", VFY_METADATA,
	    "/usr/local/share/hello/100%done.txt", VFY_MISSING,
	    "/usr/local/share/hello/LICENSE", VFY_MISSING,
	    "/usr/local/share/hello/empty.txt", VFY_MISSING,
	    "/usr/local/share/hello/empty-dir", VFY_MISSING,
	    "/usr/local/share/hello/file with spaces.txt", VFY_MISSING,
	    "/usr/local/share/hello/na\xc3\xafve-r\xc3\xa9sum\xc3\xa9.txt",
	    VFY_MISSING,
	    "/usr/local/share/hello/services.txt", VFY_MISSING,
	    "/usr/local/share/hello/sub", VFY_MISSING,
	    "/usr/local/share/hello/sub/owned.txt", VFY_MISSING,
	    /* The dangling link now resolves nowhere either way. */
	    "/usr/local/bin/hello-dangling", VFY_OK,
	    "/usr/local/bin/hello-true", VFY_OK);
	results_free(&rs);
	vfy_free(c);
}

/* The line of the record file for PATH (malloc'd, with its newline). */
static char *
record_line(const char *path)
{
	unsigned char	*d;
	size_t		 n;
	char		 cmd[16384], *file, *line = NULL, *s, *e;
	FILE		*fp;

	snprintf(cmd, sizeof(cmd), "grep -l -F ' %s ' '%s'/*.rec", path,
	    recdir);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	file = calloc(1, 4096);
	assert_non_null(fgets(file, 4096, fp));
	pclose(fp);
	file[strcspn(file, "\n")] = '\0';
	assert_int_equal(th_read_file(file, &d, &n), 0);
	snprintf(cmd, sizeof(cmd), " %s ", path);
	s = strstr((char *)d, cmd);
	assert_non_null(s);
	while (s > (char *)d && s[-1] != '\n')
		s--;
	e = strchr(s, '\n');
	assert_non_null(e);
	line = strndup(s, (size_t)(e - s + 1));
	free(d);
	free(file);
	return (line);
}

/* Flip one bit of the decoded signature and encode it again. */
static char *
flip_signature(const char *line, size_t byte)
{
	unsigned char	 sig[1024], enc[2048];
	const char	*sp = strrchr(line, ' ') + 1;
	size_t		 blen = strcspn(sp, "\n"), pad, n;
	char		*out;
	int		 r;

	pad = (sp[blen - 1] == '=') + (sp[blen - 2] == '=');
	r = EVP_DecodeBlock(sig, (const unsigned char *)sp, (int)blen);
	assert_true(r > 0);
	n = (size_t)r - pad;
	assert_true(byte < n);
	sig[byte] ^= 0x10;
	r = EVP_EncodeBlock(enc, sig, (int)n);
	assert_int_equal(r, (int)blen);
	out = strdup(line);
	memcpy(out + (sp - line), enc, blen);
	return (out);
}

static void
test_check_record(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-record");
	char		*line, *bad, *copy;
	vfy_ctx		*c, *c2;

	(void)state;
	line = record_line("/usr/local/bin/hello-which");
	/* No vfy_load needed: the record speaks for itself. */
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_root(c, root), 0);
	assert_int_equal(vfy_check_record(c, line, collect, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_OK);
	assert_string_equal(rs.v[0].path, "/usr/local/bin/hello-which");
	assert_string_equal(rs.v[0].pkg, HELLO);
	results_free(&rs);
	/* Without its newline too. */
	copy = strndup(line, strlen(line) - 1);
	assert_int_equal(vfy_check_record(c, copy, collect, &rs), 0);
	assert_int_equal(rs.v[0].v, VFY_OK);
	results_free(&rs);
	free(copy);
	/* A flipped signature bit, first and last byte. */
	bad = flip_signature(line, 0);
	assert_int_equal(vfy_check_record(c, bad, collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	results_free(&rs);
	free(bad);
	bad = flip_signature(line, 63);
	assert_int_equal(vfy_check_record(c, bad, collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	results_free(&rs);
	free(bad);
	/* A changed statement: the mode, as a setuid bit. */
	bad = strdup(line);
	memcpy(strstr(bad, " 0755 "), " 4755 ", 6);
	assert_int_equal(vfy_check_record(c, bad, collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	results_free(&rs);
	free(bad);
	/* Not a record at all. */
	assert_int_equal(vfy_check_record(c, "F1 garbage", collect, &rs), -1);
	assert_true(vfy_error(c)[0] != '\0');
	assert_int_equal(rs.n, 0);
	/* The file changed: the record catches it. */
	tamper(root, "echo x >> usr/local/bin/hello-which");
	assert_int_equal(vfy_check_record(c, line, collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_MODIFIED);
	results_free(&rs);
	/* A context that trusts another key only. */
	c2 = vfy_new();
	assert_int_equal(vfy_trust_key_file(c2, pub2), 0);
	assert_int_equal(vfy_set_root(c2, root), 0);
	assert_int_equal(vfy_check_record(c2, line, collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	results_free(&rs);
	vfy_free(c2);
	vfy_free(c);
	free(line);
}

static void
test_wrong_key(void **state)
{
	vfy_ctx	*c;

	(void)state;
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub2), 0);
	assert_int_equal(vfy_load(c, repo), -1);
	assert_non_null(strstr(vfy_error(c), "not trusted"));
	/* The fixture's RSA key is no better. */
	assert_int_equal(vfy_trust_key_file(c, fx_path("keys/repo.pub")), 0);
	assert_int_equal(vfy_load(c, repo), -1);
	/* Adding the right one makes it load. */
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_load(c, repo), 0);
	vfy_free(c);
}

static void
copy_repo(const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", tmp, name);
	if (th_run("rm -rf '%s' && cp -a '%s' '%s'", out, repo, out) != 0)
		fail_msg("cannot copy %s", repo);
}

static void
test_damaged_store(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-damaged");
	char		 dir[4096];
	vfy_ctx		*c;

	(void)state;
	/* A record line of hello-tools changed by one byte. */
	copy_repo("repo-flipped", dir, sizeof(dir));
	assert_int_equal(th_run("cd '%s/filesigs/records' && f=$(grep -l "
	    "hello-which *.rec) && sed -i 's/ 0755 / 4755 /' \"$f\"", dir), 0);
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_root(c, root), 0);
	assert_int_equal(vfy_load(c, dir), 0);
	assert_int_equal(vfy_check_package(c, "hello-tools", collect, &rs), 1);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	assert_string_equal(rs.v[0].pkg, HELLO);
	results_free(&rs);
	/* A path it may claim: BAD_SIGNATURE, not NOT_SIGNED. */
	assert_int_equal(vfy_check_path(c, "/usr/local/bin/hello-which",
	    collect, &rs), 1);
	assert_int_equal(rs.v[0].v, VFY_BAD_SIGNATURE);
	results_free(&rs);
	/* Other packages are unaffected. */
	assert_int_equal(vfy_check_package(c, "tinyconf", collect, &rs), 0);
	assert_int_equal(rs.n, 5);
	results_free(&rs);
	vfy_free(c);
	/* The index damaged: nothing loads. */
	copy_repo("repo-index", dir, sizeof(dir));
	assert_int_equal(th_run("sed -i 's/^serial \\([0-9]*\\)$/serial \\12/' "
	    "'%s/filesigs/index' && grep -q '^serial [0-9]*2$' "
	    "'%s/filesigs/index'", dir, dir), 0);
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	assert_non_null(strstr(vfy_error(c), "index"));
	vfy_free(c);
}

/*
 * Two contexts in two threads at once.
 */

struct worker {
	pthread_t	 tid;
	const char	*root;
	struct results	 rs;
	int		 rounds;
	int		 failed;
};

static void *
worker(void *arg)
{
	struct worker	*w = arg;
	vfy_ctx		*c;
	int		 i;

	if ((c = vfy_new()) == NULL || vfy_trust_key_file(c, pub) == -1 ||
	    vfy_set_root(c, w->root) == -1 || vfy_load(c, repo) == -1) {
		w->failed = 1;
		vfy_free(c);
		return (NULL);
	}
	for (i = 0; i < w->rounds; i++) {
		if (vfy_check_package(c, "hello-tools", collect, &w->rs) != 1 ||
		    vfy_check_package(c, "tinyconf", collect, &w->rs) != 0 ||
		    vfy_check_path(c, "/usr/local/etc/hello.secret", collect,
		    &w->rs) != 0 ||
		    vfy_check_path(c, "/etc/passwd", collect, &w->rs) != 1)
			w->failed = 1;
		/* Reload now and then: contexts own all their state. */
		if (i % 7 == 3 && vfy_load(c, repo) == -1)
			w->failed = 1;
	}
	vfy_free(c);
	return (NULL);
}

static void
test_threads(void **state)
{
	const char	*root = fresh_root("root-threads");
	struct worker	 w[2];
	size_t		 i, j;

	(void)state;
	tamper(root, "echo changed > usr/local/share/hello/LICENSE");
	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].root = root;
		w[i].rounds = 40;
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker,
		    &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(w[i].failed, 0);
	assert_int_equal(w[0].rs.n, 40 * (20 + 5 + 2));
	assert_int_equal(w[0].rs.n, w[1].rs.n);
	for (j = 0; j < w[0].rs.n; j++) {
		const struct res *a = &w[0].rs.v[j], *b = &w[1].rs.v[j];

		assert_int_equal(a->v, b->v);
		assert_string_equal(a->path, b->path);
		assert_string_equal(a->detail, b->detail);
		if (strcmp(a->path, "/usr/local/share/hello/LICENSE") == 0)
			assert_int_equal(a->v, VFY_MODIFIED);
		else if (strcmp(a->path, "/etc/passwd") == 0)
			assert_int_equal(a->v, VFY_NOT_SIGNED);
		else
			assert_int_equal(a->v, VFY_OK);
	}
	for (i = 0; i < 2; i++)
		results_free(&w[i].rs);
}

static void
test_stop_early(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-stop");
	vfy_ctx		*c;

	(void)state;
	tamper(root, "rm usr/local/bin/hello-abslink");
	c = new_ctx(root, pub);
	rs.stop_after = 1;
	/* The first record (sorted by path) is the deleted link. */
	assert_int_equal(vfy_check_package(c, "hello-tools", collect, &rs), 1);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].v, VFY_MISSING);
	assert_string_equal(rs.v[0].path, "/usr/local/bin/hello-abslink");
	results_free(&rs);
	vfy_free(c);
}


/*
 * Freshness, rollback and fingerprint trust (libverify(3), "Loading
 * signatures" and "Keys").
 */

/* Sign a fresh copy of the fixture as NAME with extra sign-repo ARGS. */
static void
signed_copy(const char *name, const char *keyfile, const char *args,
    char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", tmp, name);
	if (th_run("rm -rf '%s' && cp -a '%s' '%s' && '%s' sign -q -k '%s' "
	    "%s '%s'", out, fx_path("poudriere/141amd64-default"), out,
	    sign_repo, keyfile, args, out) != 0)
		fail_msg("cannot sign %s", out);
}

static void
key_id_of(const char *pubfile, char out[65])
{
	unsigned char	*d;
	size_t		 n;

	assert_int_equal(th_read_file(pubfile, &d, &n), 0);
	th_sha256_hex(d, n, out);
	free(d);
}

static void
test_expiry_and_info(void **state)
{
	struct vfy_index_info	 info;
	char			 dir[8192], sec[8192], id[65];
	vfy_ctx			*c;

	(void)state;
	snprintf(sec, sizeof(sec), "%s/k.sec", tmp);
	signed_copy("repo-expired", sec, "-t 1700000000 -e 1 -n expired-test",
	    dir, sizeof(dir));
	c = vfy_new();
	assert_string_equal(vfy_error(c), "");
	assert_int_equal(vfy_index_info(c, &info), -1);
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	assert_non_null(strstr(vfy_error(c), "expired"));
	assert_int_equal(vfy_index_info(c, &info), -1);
	vfy_set_flags(c, VFY_F_ALLOW_EXPIRED);
	if (vfy_load(c, dir) == -1)
		fail_msg("VFY_F_ALLOW_EXPIRED: %s", vfy_error(c));
	assert_int_equal(vfy_index_info(c, &info), 0);
	assert_int_equal(info.expired, 1);
	assert_int_equal(info.created, 1700000000);
	assert_int_equal(info.expires, 1700000000 + 86400);
	assert_true(info.serial >= 1700000000ULL);
	key_id_of(pub, id);
	assert_string_equal(info.key_id, id);
	assert_string_equal(info.repository, "expired-test");
	assert_int_equal(info.packages, 3);
	vfy_free(c);
	/* A fresh index: not expired, default name from the directory. */
	c = new_ctx(NULL, pub);
	assert_int_equal(vfy_index_info(c, &info), 0);
	assert_int_equal(info.expired, 0);
	assert_string_equal(info.repository, "141amd64-default");
	assert_true(info.expires > info.created);
	assert_true(info.expires - info.created == 90LL * 86400);
	vfy_free(c);
}

static void
test_state_rollback(void **state)
{
	struct vfy_index_info	 info;
	char			 dir[8192], sec[8192], statef[8192];
	char			 saved[8192], other[16384];
	unsigned long long	 s1, s2;
	struct stat		 st;
	vfy_ctx			*c;

	(void)state;
	snprintf(sec, sizeof(sec), "%s/k.sec", tmp);
	snprintf(statef, sizeof(statef), "%s/state.json", tmp);
	snprintf(saved, sizeof(saved), "%s/saved-index", tmp);
	unlink(statef);
	signed_copy("repo-state", sec, "", dir, sizeof(dir));
	assert_int_equal(th_run("cp '%s/filesigs/index' '%s'", dir, saved), 0);
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_state_file(c, statef), 0);
	if (vfy_load(c, dir) == -1)
		fail_msg("%s", vfy_error(c));
	assert_int_equal(vfy_index_info(c, &info), 0);
	s1 = info.serial;
	assert_int_equal(stat(statef, &st), 0);
	/* The same index again is fine. */
	assert_int_equal(vfy_load(c, dir), 0);
	/* Signed again: a higher serial. */
	assert_int_equal(th_run("'%s' sign -q -k '%s' '%s'", sign_repo, sec,
	    dir), 0);
	if (vfy_load(c, dir) == -1)
		fail_msg("%s", vfy_error(c));
	assert_int_equal(vfy_index_info(c, &info), 0);
	s2 = info.serial;
	assert_true(s2 > s1);
	/* The old index put back: a rollback. */
	assert_int_equal(th_run("cp '%s' '%s/filesigs/index'", saved, dir), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	assert_non_null(strstr(vfy_error(c), "rollback"));
	/* Without the state file the old (unexpired) index loads. */
	assert_int_equal(vfy_set_state_file(c, NULL), 0);
	assert_int_equal(vfy_load(c, dir), 0);
	/* Another context with the same state file remembers. */
	vfy_free(c);
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_state_file(c, statef), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	/*
	 * A different index with a serial already accepted: two fresh
	 * signings of one repository name at the same time, with different
	 * lifetimes.  (Serials are kept per key and repository name, so two
	 * names do not collide; see test_state_per_repository.)
	 */
	{
		char	args[128], a[8192], b[8192];
		unsigned long long sa;

		snprintf(args, sizeof(args), "-t %lld -n same -e 30",
		    (long long)time(NULL) - 1000);
		signed_copy("repo-same-a", sec, args, a, sizeof(a));
		args[strlen(args) - 1] = '1';
		signed_copy("repo-same-b", sec, args, b, sizeof(b));
		assert_int_equal(vfy_set_state_file(c, NULL), 0);
		assert_int_equal(vfy_load(c, a), 0);
		assert_int_equal(vfy_index_info(c, &info), 0);
		sa = info.serial;
		assert_int_equal(vfy_load(c, b), 0);
		assert_int_equal(vfy_index_info(c, &info), 0);
		assert_true(info.serial == sa);
		snprintf(other, sizeof(other), "%s/state2.json", tmp);
		assert_int_equal(vfy_set_state_file(c, other), 0);
		assert_int_equal(vfy_load(c, a), 0);
		assert_int_equal(vfy_load(c, a), 0);
		assert_int_equal(vfy_load(c, b), -1);
		assert_non_null(strstr(vfy_error(c), "different index"));
	}
	/* A state file that is not one is refused, not overwritten. */
	assert_int_equal(th_write_file(statef, "garbage", 7, 0644), 0);
	assert_int_equal(vfy_set_state_file(c, statef), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	assert_non_null(strstr(vfy_error(c), statef));
	{
		unsigned char	*d;
		size_t		 n;

		assert_int_equal(th_read_file(statef, &d, &n), 0);
		assert_int_equal(n, 7);
		free(d);
	}
	vfy_free(c);
}

static void
make_fp_dir(const char *dir, const char *trusted_id, const char *revoked_id)
{
	char	path[8192], text[256];

	assert_int_equal(th_run("rm -rf '%s' && mkdir -p '%s/trusted' "
	    "'%s/revoked'", dir, dir, dir), 0);
	if (trusted_id != NULL) {
		snprintf(path, sizeof(path), "%s/trusted/key.1", dir);
		snprintf(text, sizeof(text), "function: \"sha256\"\n"
		    "fingerprint: \"%s\"\n", trusted_id);
		assert_int_equal(th_write_file(path, text, strlen(text), 0644),
		    0);
	}
	if (revoked_id != NULL) {
		snprintf(path, sizeof(path), "%s/revoked/key.1", dir);
		snprintf(text, sizeof(text), "function: sha256\n"
		    "fingerprint: \"%s\"\n", revoked_id);
		assert_int_equal(th_write_file(path, text, strlen(text), 0644),
		    0);
	}
}

/*
 * One key signing two repositories: their serials are unrelated, and a
 * host may check both with one state file; a pinned name refuses the
 * other repository's index.
 */
static void
test_state_per_repository(void **state)
{
	char	 sec[8192], statef[8192], a[8192], b[8192], args[128];
	vfy_ctx	*c;

	(void)state;
	snprintf(sec, sizeof(sec), "%s/k.sec", tmp);
	snprintf(statef, sizeof(statef), "%s/state-repos.json", tmp);
	unlink(statef);
	snprintf(args, sizeof(args), "-t %lld -n repo-one",
	    (long long)time(NULL) - 10);
	signed_copy("repo-one", sec, args, a, sizeof(a));
	snprintf(args, sizeof(args), "-t %lld -n repo-two",
	    (long long)time(NULL) - 5000);
	signed_copy("repo-two", sec, args, b, sizeof(b));
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_set_state_file(c, statef), 0);
	assert_int_equal(vfy_load(c, a), 0);
	if (vfy_load(c, b) == -1)
		fail_msg("%s", vfy_error(c));
	assert_int_equal(vfy_set_repository(c, "repo-one"), 0);
	assert_int_equal(vfy_load(c, a), 0);
	assert_int_equal(vfy_load(c, b), -1);
	assert_non_null(strstr(vfy_error(c), "repo-two"));
	vfy_free(c);
}

static void
test_trust_dir(void **state)
{
	struct results	 rs = { 0 };
	const char	*root = fresh_root("root-trustdir");
	char		 dir[8192], rsadir[8192], fpdir[8192], id[65], key[8192];
	vfy_ctx		*c;

	(void)state;
	key_id_of(pub, id);
	snprintf(fpdir, sizeof(fpdir), "%s/fingerprints", tmp);
	/* Trusted by fingerprint; the key comes from filesigs/keys/. */
	make_fp_dir(fpdir, id, NULL);
	c = vfy_new();
	assert_int_equal(vfy_trust_dir(c, fpdir), 0);
	assert_int_equal(vfy_set_root(c, root), 0);
	if (vfy_load(c, repo) == -1)
		fail_msg("%s", vfy_error(c));
	assert_int_equal(check_all(c, &rs), 0);
	assert_int_equal(rs.n, 25);
	results_free(&rs);
	vfy_free(c);
	/* Revoked wins over trusted, also over a pinned key. */
	make_fp_dir(fpdir, id, id);
	c = vfy_new();
	assert_int_equal(vfy_trust_dir(c, fpdir), 0);
	assert_int_equal(vfy_load(c, repo), -1);
	assert_non_null(strstr(vfy_error(c), "revoked"));
	vfy_free(c);
	make_fp_dir(fpdir, NULL, id);
	c = vfy_new();
	assert_int_equal(vfy_trust_key_file(c, pub), 0);
	assert_int_equal(vfy_trust_dir(c, fpdir), 0);
	assert_int_equal(vfy_load(c, repo), -1);
	assert_non_null(strstr(vfy_error(c), "revoked"));
	vfy_free(c);
	/* A fingerprint listed twice is an error. */
	make_fp_dir(fpdir, id, NULL);
	assert_int_equal(th_run("cp '%s/trusted/key.1' '%s/trusted/key.2'",
	    fpdir, fpdir), 0);
	c = vfy_new();
	assert_int_equal(vfy_trust_dir(c, fpdir), -1);
	vfy_free(c);
	/* pkg's own fingerprint file for the fixture RSA key. */
	snprintf(key, sizeof(key), "%s/repo.key", tmp);
	assert_int_equal(th_copy_file(fx_path("keys/repo.key"), key), 0);
	assert_int_equal(chmod(key, 0600), 0);
	signed_copy("repo-rsa", key, "", rsadir, sizeof(rsadir));
	c = vfy_new();
	assert_int_equal(vfy_trust_dir(c,
	    fx_path("keys/fingerprints/sign-repo-test")), 0);
	assert_int_equal(vfy_set_root(c, root), 0);
	if (vfy_load(c, rsadir) == -1)
		fail_msg("%s", vfy_error(c));
	assert_int_equal(check_all(c, &rs), 0);
	assert_int_equal(rs.n, 25);
	results_free(&rs);
	/* That fingerprint does not make our Ed25519 repository trusted. */
	assert_int_equal(vfy_load(c, repo), -1);
	vfy_free(c);
	/* A key file in filesigs/keys/ that is not the fingerprinted key. */
	snprintf(dir, sizeof(dir), "%s/repo-swapped-key", tmp);
	assert_int_equal(th_run("rm -rf '%s' && cp -a '%s' '%s' && cp '%s' "
	    "'%s/filesigs/keys/%s.pub'", dir, repo, dir, pub2, dir, id), 0);
	make_fp_dir(fpdir, id, NULL);
	c = vfy_new();
	assert_int_equal(vfy_trust_dir(c, fpdir), 0);
	assert_int_equal(vfy_load(c, dir), -1);
	vfy_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_ok),
		cmocka_unit_test(test_store_locations),
		cmocka_unit_test(test_check_path),
		cmocka_unit_test(test_tampered_root),
		cmocka_unit_test(test_config_changed),
		cmocka_unit_test(test_root_confinement),
		cmocka_unit_test(test_check_record),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_damaged_store),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_stop_early),
		cmocka_unit_test(test_expiry_and_info),
		cmocka_unit_test(test_state_rollback),
		cmocka_unit_test(test_state_per_repository),
		cmocka_unit_test(test_trust_dir),
	};

	return (cmocka_run_group_tests_name("libverify", tests, group_setup,
	    group_teardown));
}
