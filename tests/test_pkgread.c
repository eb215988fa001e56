/*
 * lib/pkgread.c on every package of tests/fixtures, compared entry by
 * entry with tests/fixtures/expected/<name>.tsv, and on damaged copies:
 * truncated, a byte flipped, not an archive, a UCL manifest, and archives
 * rewritten with libarchive so that one entry no longer matches +MANIFEST.
 */
#define _GNU_SOURCE

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "helpers.h"
#include "pkgread.h"

#define PA	POUDRIERE_ALL "/"
#define HELLO102 "hello-tools", "1.0.2", "sysutils/hello-tools"
#define TINY	 "tinyconf", "0.3_1", "misc/tinyconf"
#define META	 "meta-bundle", "1.0", "misc/meta-bundle"

static const struct fixture {
	const char	*pkg;		/* relative to fixtures/ */
	const char	*tsv;		/* in expected/ */
	const char	*name, *version, *origin;
} fixtures[] = {
	{ PA "hello-tools-1.0.2.pkg",
	  "poudriere-All__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	{ PA "tinyconf-0.3_1.pkg",
	  "poudriere-All__tinyconf-0.3_1.pkg.tsv", TINY },
	{ PA "meta-bundle-1.0.pkg",
	  "poudriere-All__meta-bundle-1.0.pkg.tsv", META },
	/* Byte-identical to the poudriere copy. */
	{ "formats/tzst/hello-tools-1.0.2.pkg",
	  "poudriere-All__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	/* Byte-identical to legacy-txz-name. */
	{ "formats/txz/hello-tools-1.0.2.pkg",
	  "formats__legacy-txz-name__hello-tools-1.0.2.txz.tsv", HELLO102 },
	{ "formats/tbz/hello-tools-1.0.2.pkg",
	  "formats__tbz__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	{ "formats/tgz/hello-tools-1.0.2.pkg",
	  "formats__tgz__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	{ "formats/tar/hello-tools-1.0.2.pkg",
	  "formats__tar__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	{ "formats/legacy-txz-name/hello-tools-1.0.2.txz",
	  "formats__legacy-txz-name__hello-tools-1.0.2.txz.tsv", HELLO102 },
	{ "pkg-versions/pkg-2.7.5/All/hello-tools-1.0.2.pkg",
	  "pkg-versions__pkg-2.7.5__All__hello-tools-1.0.2.pkg.tsv",
	  HELLO102 },
	{ "pkg-versions/pkg-2.7.5/All/tinyconf-0.3_1.pkg",
	  "pkg-versions__pkg-2.7.5__All__tinyconf-0.3_1.pkg.tsv", TINY },
	/* Byte-identical to the poudriere copy. */
	{ "pkg-versions/pkg-2.7.5/All/meta-bundle-1.0.pkg",
	  "poudriere-All__meta-bundle-1.0.pkg.tsv", META },
	{ "pkg-versions/pkg-1.21.3/All/hello-tools-1.0.2.pkg",
	  "pkg-versions__pkg-1.21.3__All__hello-tools-1.0.2.pkg.tsv",
	  HELLO102 },
	{ "pkg-versions/pkg-1.21.3/All/tinyconf-0.3_1.pkg",
	  "pkg-versions__pkg-1.21.3__All__tinyconf-0.3_1.pkg.tsv", TINY },
	{ "pkg-versions/pkg-1.21.3/All/meta-bundle-1.0.pkg",
	  "pkg-versions__pkg-1.21.3__All__meta-bundle-1.0.pkg.tsv", META },
	{ "pkg-versions/older-release/All/hello-tools-1.0.1.pkg",
	  "pkg-versions__older-release__All__hello-tools-1.0.1.pkg.tsv",
	  "hello-tools", "1.0.1", "sysutils/hello-tools" },
	{ "catalogue-hashed/All/Hashed/hello-tools-1.0.2~2$prxkyyeb.pkg",
	  "poudriere-All__hello-tools-1.0.2.pkg.tsv", HELLO102 },
	{ "catalogue-hashed/All/Hashed/tinyconf-0.3_1~2$c5e1icdz.pkg",
	  "poudriere-All__tinyconf-0.3_1.pkg.tsv", TINY },
	{ "catalogue-hashed/All/Hashed/meta-bundle-1.0~2$aujd8w75.pkg",
	  "poudriere-All__meta-bundle-1.0.pkg.tsv", META },
};
#define NFIXTURES	(sizeof(fixtures) / sizeof(*fixtures))

static const char *const config_paths[] = {
	"/usr/local/etc/hello.conf",
	"/usr/local/etc/tinyconf/tinyconf.conf",
};

static int	fxfd = -1;
static char	*tmpdir;
static int	tmpfd = -1;

static int
group_setup(void **state)
{
	(void)state;
	if ((fxfd = open(fx_dir(), O_RDONLY | O_DIRECTORY)) == -1) {
		fprintf(stderr, "%s: %s\n", fx_dir(), strerror(errno));
		return (-1);
	}
	if ((tmpdir = th_mkdtemp("test_pkgread")) == NULL ||
	    (tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	close(fxfd);
	close(tmpfd);
	th_rm_rf(tmpdir);
	free(tmpdir);
	return (0);
}

static enum ftype
tsv_type(const struct tsv_row *row)
{
	if (strcmp(row->col[1], "file") == 0 ||
	    strcmp(row->col[1], "hardlink") == 0)
		return (FT_FILE);
	if (strcmp(row->col[1], "symlink") == 0)
		return (FT_SYMLINK);
	if (strcmp(row->col[1], "dir") == 0)
		return (FT_DIR);
	fail_msg("unknown type \"%s\" in table", row->col[1]);
	return (FT_FILE);
}

static int
is_config(const char *path)
{
	size_t	i;

	for (i = 0; i < sizeof(config_paths) / sizeof(*config_paths); i++)
		if (strcmp(path, config_paths[i]) == 0)
			return (1);
	return (0);
}

static const struct pkg_entry *
entry_find(const struct pkg_archive *pa, const char *path)
{
	size_t	i;

	for (i = 0; i < pa->nentries; i++)
		if (strcmp(pa->entries[i].path, path) == 0)
			return (&pa->entries[i]);
	return (NULL);
}

static void
check_fixture(const struct fixture *f)
{
	struct pkg_archive	 pa;
	struct err		 e;
	struct tsv		 t;
	unsigned char		*file, md[32];
	char			 tsvpath[4096], hex[65];
	size_t			 flen, i, payload = 0;
	uint64_t		 hashed = 0;

	snprintf(tsvpath, sizeof(tsvpath), "expected/%s", f->tsv);
	if (tsv_load(fx_path(tsvpath), &t) == -1)
		fail_msg("%s: cannot load", tsvpath);
	if (pkg_read(fxfd, f->pkg, &pa, &e) == -1)
		fail_msg("pkg_read refused %s: %s", f->pkg, e.msg);
	assert_string_equal(pa.name, f->name);
	assert_string_equal(pa.version, f->version);
	assert_string_equal(pa.origin, f->origin);
	assert_string_equal(pa.abi, "FreeBSD:14:amd64");
	/* The archive digest covers the whole file. */
	assert_int_equal(th_read_file(fx_path(f->pkg), &file, &flen), 0);
	th_sha256(file, flen, md);
	assert_memory_equal(pa.archive_sha256, md, 32);
	assert_int_equal(pa.archive_size, flen);
	free(file);
	for (i = 0; i < t.n; i++) {
		const struct tsv_row	*row = &t.rows[i];
		const struct pkg_entry	*x;
		enum ftype		 ty;
		unsigned long		 mode;
		unsigned long long	 size;

		if (row->col[0][0] == '+')
			continue;
		payload++;
		if ((x = entry_find(&pa, row->col[0])) == NULL)
			fail_msg("%s: %s missing from pkg_read", f->pkg,
			    row->col[0]);
		ty = tsv_type(row);
		mode = strtoul(row->col[2], NULL, 8);
		size = strtoull(row->col[5], NULL, 10);
		if (x->type != ty || x->mode != mode ||
		    strcmp(x->owner, row->col[3]) != 0 ||
		    strcmp(x->group, row->col[4]) != 0)
			fail_msg("%s: %s: got %c %04o %s:%s, expected %s %s "
			    "%s:%s", f->pkg, x->path, x->type, x->mode,
			    x->owner, x->group, row->col[1], row->col[2],
			    row->col[3], row->col[4]);
		assert_int_equal(x->config, is_config(x->path));
		switch (ty) {
		case FT_FILE:
			if (strcmp(row->col[1], "hardlink") == 0) {
				const struct tsv_row *target =
				    tsv_find(&t, row->col[6]);

				assert_non_null(target);
				size = strtoull(target->col[5], NULL, 10);
			} else
				hashed += size;
			assert_int_equal(x->size, size);
			th_hex(x->sha256, 32, hex);
			assert_string_equal(hex, row->col[7]);
			break;
		case FT_SYMLINK:
			/* The record hashes the link target as it is. */
			assert_int_equal(x->size, strlen(row->col[6]));
			th_sha256_hex(row->col[6], strlen(row->col[6]), hex);
			th_hex(x->sha256, 32, tsvpath);
			if (strcmp(tsvpath, hex) != 0)
				fail_msg("%s: %s: symlink digest %s, expected "
				    "sha256(\"%s\") = %s", f->pkg, x->path,
				    tsvpath, row->col[6], hex);
			break;
		case FT_DIR:
			break;
		}
	}
	assert_int_equal(pa.nentries, payload);
	assert_int_equal(pa.bytes_hashed, hashed);
	/* Sorted by path, each once. */
	for (i = 1; i < pa.nentries; i++)
		assert_true(strcmp(pa.entries[i - 1].path,
		    pa.entries[i].path) < 0);
	pkg_archive_free(&pa);
	assert_null(pa.entries);
	tsv_free(&t);
}

static void
test_every_fixture_package(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NFIXTURES; i++)
		check_fixture(&fixtures[i]);
}

/* Refused, with a message that names NAME (and WANT, if given). */
static void
expect_refused(int dirfd, const char *name, const char *want,
    const char *what)
{
	struct pkg_archive	pa;
	struct err		e = { "" };

	memset(&pa, 0x5a, sizeof(pa));
	if (pkg_read(dirfd, name, &pa, &e) != -1)
		fail_msg("%s: pkg_read accepted %s", name, what);
	if (strstr(e.msg, name) == NULL)
		fail_msg("%s (%s): message does not name the file: %s", name,
		    what, e.msg);
	if (want != NULL && strstr(e.msg, want) == NULL)
		fail_msg("%s (%s): message does not mention \"%s\": %s", name,
		    what, want, e.msg);
	/* Emptied on failure. */
	assert_null(pa.entries);
	assert_int_equal(pa.nentries, 0);
	assert_null(pa.name);
}

static void
test_ucl_manifest_refused(void **state)
{
	(void)state;
	expect_refused(fxfd, "formats/expanded-ucl-manifest/"
	    "hello-tools-1.0.2.pkg", "UCL", "a UCL +MANIFEST");
}

static const char *
base_name(const char *p)
{
	const char	*s = strrchr(p, '/');

	return (s ? s + 1 : p);
}

static void
test_truncated_refused(void **state)
{
	unsigned char	*d;
	size_t		 n, i;
	char		 path[4096];

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		const char	*name = base_name(fixtures[i].pkg);

		assert_int_equal(th_read_file(fx_path(fixtures[i].pkg), &d,
		    &n), 0);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
		assert_int_equal(th_write_file(path, d, n / 2, 0644), 0);
		expect_refused(tmpfd, name, NULL, "the first half");
		/* All but the last byte of a compressed package. */
		if (strncmp(fixtures[i].pkg, "formats/tar/", 12) != 0) {
			assert_int_equal(th_write_file(path, d, n - 1, 0644),
			    0);
			expect_refused(tmpfd, name, NULL, "one byte short");
		}
		unlink(path);
		free(d);
	}
}

/*
 * pkg writes zstd frames without a checksum, so a flipped byte is caught
 * only where it changes something pkg_read checks.  In the middle of a
 * package with files that is file data or a header; meta-bundle holds
 * nothing but two copies of its manifest, where a flip inside an unused
 * string (it turns "x86" into "}86" in "arch") is undetectable, so it is
 * left out here.
 */
static void
test_flipped_byte_refused(void **state)
{
	unsigned char	*d;
	size_t		 n, i;
	char		 path[4096];

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		const char	*name = base_name(fixtures[i].pkg);

		if (strcmp(fixtures[i].name, "meta-bundle") == 0)
			continue;
		assert_int_equal(th_read_file(fx_path(fixtures[i].pkg), &d,
		    &n), 0);
		d[n / 2] ^= 0x01;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
		assert_int_equal(th_write_file(path, d, n, 0644), 0);
		expect_refused(tmpfd, name, NULL, "a flipped byte");
		unlink(path);
		free(d);
	}
}

static void
test_not_an_archive_refused(void **state)
{
	static const char text[] = "This is not a package.\n";
	static const unsigned char zstd_junk[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x61, 0x62, 0x63, 0x64,
	};
	char	path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/text.pkg", tmpdir);
	assert_int_equal(th_write_file(path, text, sizeof(text) - 1, 0644), 0);
	expect_refused(tmpfd, "text.pkg", NULL, "a text file");
	snprintf(path, sizeof(path), "%s/empty.pkg", tmpdir);
	assert_int_equal(th_write_file(path, "", 0, 0644), 0);
	expect_refused(tmpfd, "empty.pkg", NULL, "an empty file");
	snprintf(path, sizeof(path), "%s/junk.pkg", tmpdir);
	assert_int_equal(th_write_file(path, zstd_junk, sizeof(zstd_junk),
	    0644), 0);
	expect_refused(tmpfd, "junk.pkg", NULL, "zstd magic and junk");
	/* A public key and a catalogue are files, not packages. */
	expect_refused(fxfd, "keys/repo.pub", NULL, "a PEM key");
	expect_refused(fxfd, POUDRIERE_ALL "/../meta.conf", NULL,
	    "meta.conf");
	/* Not regular files: a directory, a missing file, a symlink. */
	expect_refused(fxfd, "formats", NULL, "a directory");
	expect_refused(fxfd, "formats/nonexistent.pkg", NULL, "nothing");
	expect_refused(fxfd, "catalogue-hashed/All/hello-tools-1.0.2.pkg",
	    NULL, "a symlink");
}

/*
 * Rewritten archives: read a fixture with libarchive and write it again as
 * pax tar (zstd-compressed, as pkg 2.8 does) with one change.
 */
enum edit {
	ED_NONE,
	ED_CONTENT,	/* replace the content of PATH */
	ED_DROP,	/* leave PATH out */
	ED_EXTRA,	/* add an entry PATH after everything */
	ED_MODE,	/* chmod PATH */
	ED_UNAME,	/* change PATH's owner name */
	ED_RETARGET,	/* point symlink PATH elsewhere */
	ED_MANIFEST2,	/* a second +MANIFEST member */
	ED_DUP,		/* PATH twice */
	ED_TYPE,	/* PATH becomes a FIFO */
	ED_DOTDOT,	/* PATH renamed with a ".." component */
};

static void
write_entry(struct archive *w, struct archive_entry *ae, const void *data,
    size_t len)
{
	if (archive_write_header(w, ae) != ARCHIVE_OK)
		fail_msg("write_header: %s", archive_error_string(w));
	if (len > 0 && archive_write_data(w, data, len) != (la_ssize_t)len)
		fail_msg("write_data: %s", archive_error_string(w));
}

static void
rewrite(const char *src, const char *dst, enum edit ed, const char *path)
{
	struct archive		*r, *w;
	struct archive_entry	*ae, *copy;
	unsigned char		*data;
	size_t			 len;
	int			 rc;

	r = archive_read_new();
	archive_read_support_filter_all(r);
	archive_read_support_format_tar(r);
	if (archive_read_open_filename(r, src, 65536) != ARCHIVE_OK)
		fail_msg("%s: %s", src, archive_error_string(r));
	w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	/* Names as the bytes they are, whatever the locale. */
	if (archive_write_set_format_option(w, "pax", "hdrcharset",
	    "BINARY") != ARCHIVE_OK)
		fail_msg("hdrcharset: %s", archive_error_string(w));
	archive_write_add_filter_zstd(w);
	if (archive_write_open_filename(w, dst) != ARCHIVE_OK)
		fail_msg("%s: %s", dst, archive_error_string(w));
	while ((rc = archive_read_next_header(r, &ae)) == ARCHIVE_OK) {
		const char	*name = archive_entry_pathname(ae);
		size_t		 pl = path ? strlen(path) : 0;
		/* Directories are stored with a trailing '/'. */
		int		 hit = path != NULL &&
		    strncmp(name, path, pl) == 0 &&
		    (name[pl] == '\0' || strcmp(name + pl, "/") == 0);

		len = archive_entry_size_is_set(ae) && archive_entry_size(ae) >
		    0 ? (size_t)archive_entry_size(ae) : 0;
		data = malloc(len + 16);
		assert_non_null(data);
		if (len > 0)
			assert_int_equal(archive_read_data(r, data, len),
			    (la_ssize_t)len);
		copy = archive_entry_clone(ae);
		if (hit && ed == ED_DROP) {
			archive_entry_free(copy);
			free(data);
			continue;
		}
		if (hit && ed == ED_CONTENT) {
			assert_true(len > 0);
			data[0] ^= 0x20;
		}
		if (hit && ed == ED_MODE)
			archive_entry_set_perm(copy,
			    archive_entry_perm(copy) | 04000);
		if (hit && ed == ED_UNAME)
			archive_entry_set_uname(copy, "nobody");
		if (hit && ed == ED_RETARGET)
			archive_entry_set_symlink(copy, "hello-which");
		if (hit && ed == ED_TYPE) {
			archive_entry_set_filetype(copy, AE_IFIFO);
			archive_entry_set_size(copy, 0);
			len = 0;
		}
		if (hit && ed == ED_DOTDOT) {
			char	buf[4096];

			snprintf(buf, sizeof(buf), "/usr/local/share/../%s",
			    path + strlen("/usr/local/"));
			archive_entry_set_pathname(copy, buf);
		}
		write_entry(w, copy, data, len);
		if (hit && ed == ED_DUP)
			write_entry(w, copy, data, len);
		if (ed == ED_MANIFEST2 && strcmp(name, "+MANIFEST") == 0)
			write_entry(w, copy, data, len);
		archive_entry_free(copy);
		free(data);
	}
	if (rc != ARCHIVE_EOF)
		fail_msg("%s: %s", src, archive_error_string(r));
	if (ed == ED_EXTRA) {
		copy = archive_entry_new();
		archive_entry_set_pathname(copy, path);
		archive_entry_set_filetype(copy, AE_IFREG);
		archive_entry_set_perm(copy, 0644);
		archive_entry_set_uname(copy, "root");
		archive_entry_set_gname(copy, "wheel");
		archive_entry_set_size(copy, 6);
		write_entry(w, copy, "extra\n", 6);
		archive_entry_free(copy);
	}
	archive_read_free(r);
	if (archive_write_close(w) != ARCHIVE_OK)
		fail_msg("%s: %s", dst, archive_error_string(w));
	archive_write_free(w);
}

static void
rewritten(const char *fixture, enum edit ed, const char *path,
    const char *want, const char *what)
{
	char	dst[4096];

	snprintf(dst, sizeof(dst), "%s/%s", tmpdir, base_name(fixture));
	rewrite(fx_path(fixture), dst, ed, path);
	if (ed == ED_NONE) {
		struct pkg_archive	pa;
		struct err		e;

		if (pkg_read(tmpfd, base_name(fixture), &pa, &e) == -1)
			fail_msg("unchanged rewrite of %s refused: %s",
			    fixture, e.msg);
		pkg_archive_free(&pa);
	} else
		expect_refused(tmpfd, base_name(fixture), want, what);
	unlink(dst);
}

static void
test_rewritten_archives(void **state)
{
	static const char *const pkgs[] = {
		PA "hello-tools-1.0.2.pkg",
		"pkg-versions/pkg-2.7.5/All/hello-tools-1.0.2.pkg",
		"pkg-versions/pkg-1.21.3/All/hello-tools-1.0.2.pkg",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(pkgs) / sizeof(*pkgs); i++) {
		/* The control: the same members written again pass. */
		rewritten(pkgs[i], ED_NONE, NULL, NULL, "nothing changed");
		rewritten(pkgs[i], ED_CONTENT, "/usr/local/bin/hello-which",
		    "/usr/local/bin/hello-which", "changed content");
		rewritten(pkgs[i], ED_CONTENT, "/usr/local/share/hello/LICENSE",
		    "/usr/local/share/hello/LICENSE", "changed licence");
		rewritten(pkgs[i], ED_DROP, "/usr/local/share/hello/"
		    "services.txt", "/usr/local/share/hello/services.txt",
		    "a listed file left out");
		rewritten(pkgs[i], ED_DROP, "/usr/local/share/hello/empty-dir",
		    "/usr/local/share/hello/empty-dir",
		    "a listed directory left out");
		rewritten(pkgs[i], ED_EXTRA, "/usr/local/bin/intruder",
		    "/usr/local/bin/intruder", "an entry not in +MANIFEST");
		rewritten(pkgs[i], ED_RETARGET, "/usr/local/bin/hello-link",
		    "/usr/local/bin/hello-link", "a retargeted symlink");
		rewritten(pkgs[i], ED_DUP, "/usr/local/bin/hello-which",
		    "/usr/local/bin/hello-which", "an entry twice");
		rewritten(pkgs[i], ED_TYPE, "/usr/local/bin/hello-which",
		    "/usr/local/bin/hello-which", "a FIFO");
		rewritten(pkgs[i], ED_MANIFEST2, NULL, "+MANIFEST",
		    "two +MANIFEST members");
		rewritten(pkgs[i], ED_DOTDOT, "/usr/local/bin/hello-which",
		    "..", "a path with ..");
	}
	/* Mode and owner: pkg 2.4+ manifests carry them. */
	rewritten(PA "hello-tools-1.0.2.pkg", ED_MODE,
	    "/usr/local/bin/hello-which", "/usr/local/bin/hello-which",
	    "a setuid bit added");
	rewritten(PA "hello-tools-1.0.2.pkg", ED_UNAME,
	    "/usr/local/share/hello/LICENSE", "/usr/local/share/hello/LICENSE",
	    "another owner");
	rewritten(PA "tinyconf-0.3_1.pkg", ED_CONTENT,
	    "/usr/local/etc/tinyconf/tinyconf.conf",
	    "/usr/local/etc/tinyconf/tinyconf.conf", "changed config file");
}

static void
test_url_decode_and_path_check(void **state)
{
	struct buf	b = { 0 };

	(void)state;
	assert_int_equal(pkg_url_decode("/a/100%25done.txt", &b), 0);
	assert_string_equal(b.data, "/a/100%done.txt");
	assert_int_equal(pkg_url_decode("na%c3%afve-r%C3%A9sum%c3%a9", &b), 0);
	assert_string_equal(b.data, "na\xc3\xafve-r\xc3\xa9sum\xc3\xa9");
	/* pkg leaves a '%' that starts no escape alone. */
	assert_int_equal(pkg_url_decode("100%", &b), 0);
	assert_string_equal(b.data, "100%");
	assert_int_equal(pkg_url_decode("%zz%4", &b), 0);
	assert_string_equal(b.data, "%zz%4");
	/* A NUL cannot be smuggled into a path. */
	assert_int_equal(pkg_url_decode("/a%00b", &b), -1);
	buf_free(&b);

	assert_int_equal(pkg_path_check("/usr/local/bin/x"), 0);
	assert_int_equal(pkg_path_check("/usr/local/share/hello/file with "
	    "spaces.txt"), 0);
	assert_int_equal(pkg_path_check("/.hidden/..x/x.."), 0);
	assert_int_equal(pkg_path_check("usr/local/bin/x"), -1);
	assert_int_equal(pkg_path_check("/"), -1);
	assert_int_equal(pkg_path_check(""), -1);
	assert_int_equal(pkg_path_check("/usr//local"), -1);
	assert_int_equal(pkg_path_check("/usr/local/"), -1);
	assert_int_equal(pkg_path_check("/usr/./local"), -1);
	assert_int_equal(pkg_path_check("/usr/../etc/passwd"), -1);
	assert_int_equal(pkg_path_check("/usr/local/.."), -1);
	assert_int_equal(pkg_path_check("/usr/local/bin/x\ny"), -1);
	assert_int_equal(pkg_path_check("/usr/local/bin/x\ry"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_package),
		cmocka_unit_test(test_ucl_manifest_refused),
		cmocka_unit_test(test_truncated_refused),
		cmocka_unit_test(test_flipped_byte_refused),
		cmocka_unit_test(test_not_an_archive_refused),
		cmocka_unit_test(test_rewritten_archives),
		cmocka_unit_test(test_url_decode_and_path_check),
	};

	return (cmocka_run_group_tests_name("pkgread", tests, group_setup,
	    group_teardown));
}
