/*
 * lib/pkgsum.c: pkg's checksum strings.  The expected values are the
 * "+MANIFEST sum" column of the tables in tests/fixtures/expected, written by the
 * real pkg 2.8.4, 2.7.5 and 1.21.3 and re-derived independently when the
 * samples were made.  The file contents are read here straight from the
 * fixture packages with libarchive, not through lib/pkgread.c.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "helpers.h"
#include "pkgsum.h"

/* Every table with checksums: pkg 2.8.4 (2$), 2.7.5 and 1.21.3 (1$). */
static const char *const tables[] = {
	"poudriere-All__hello-tools-1.0.2.pkg.tsv",
	"poudriere-All__tinyconf-0.3_1.pkg.tsv",
	"formats__tar__hello-tools-1.0.2.pkg.tsv",
	"formats__tbz__hello-tools-1.0.2.pkg.tsv",
	"formats__tgz__hello-tools-1.0.2.pkg.tsv",
	"formats__legacy-txz-name__hello-tools-1.0.2.txz.tsv",
	"pkg-versions__older-release__All__hello-tools-1.0.1.pkg.tsv",
	"pkg-versions__pkg-2.7.5__All__hello-tools-1.0.2.pkg.tsv",
	"pkg-versions__pkg-2.7.5__All__tinyconf-0.3_1.pkg.tsv",
	"pkg-versions__pkg-1.21.3__All__hello-tools-1.0.2.pkg.tsv",
	"pkg-versions__pkg-1.21.3__All__tinyconf-0.3_1.pkg.tsv",
};

/* One member of a package, read with libarchive. */
struct member {
	char		*name;
	unsigned char	*data;		/* regular files */
	size_t		 len;
	char		*symlink;
	char		*hardlink;
};

struct members {
	struct member	*v;
	size_t		 n;
};

static void
members_free(struct members *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].data);
		free(m->v[i].symlink);
		free(m->v[i].hardlink);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static void
members_load(const char *path, struct members *m)
{
	struct archive		*a;
	struct archive_entry	*ae;
	struct member		*x;
	la_ssize_t		 r;
	int			 rc;

	memset(m, 0, sizeof(*m));
	a = archive_read_new();
	assert_non_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		fail_msg("%s: %s", path, archive_error_string(a));
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		m->v = realloc(m->v, (m->n + 1) * sizeof(*m->v));
		assert_non_null(m->v);
		x = &m->v[m->n++];
		memset(x, 0, sizeof(*x));
		x->name = strdup(archive_entry_pathname(ae));
		if (archive_entry_hardlink(ae) != NULL)
			x->hardlink = strdup(archive_entry_hardlink(ae));
		else if (archive_entry_filetype(ae) == AE_IFLNK)
			x->symlink = strdup(archive_entry_symlink(ae));
		else if (archive_entry_filetype(ae) == AE_IFREG) {
			x->len = (size_t)archive_entry_size(ae);
			x->data = malloc(x->len + 1);
			assert_non_null(x->data);
			r = archive_read_data(a, x->data, x->len);
			assert_int_equal(r, (la_ssize_t)x->len);
		}
	}
	if (rc != ARCHIVE_EOF)
		fail_msg("%s: %s", path, archive_error_string(a));
	archive_read_free(a);
}

static const struct member *
member_find(const struct members *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return (&m->v[i]);
	return (NULL);
}

static void
digest(const EVP_MD *md, const void *p, size_t n, unsigned char *out,
    unsigned int *outlen)
{
	assert_int_equal(EVP_Digest(p, n, out, outlen, md, NULL), 1);
}

/* The sum pkg would write for bytes P[N] of the given type. */
static void
expected_form(enum pkgsum_type t, const void *p, size_t n, char *out)
{
	unsigned char	d[64];
	unsigned int	dlen;

	digest(pkgsum_md(t), p, n, d, &dlen);
	assert_int_equal(pkgsum_format(t, d, dlen, out, PKGSUM_MAX), 0);
}

static void
test_sums_of_every_fixture_file(void **state)
{
	size_t	ti, ri, checked = 0, b2 = 0, hex = 0, links = 0;

	(void)state;
	for (ti = 0; ti < sizeof(tables) / sizeof(*tables); ti++) {
		struct tsv		 t;
		struct members		 m;
		char			*pkg, tsvpath[4096];

		snprintf(tsvpath, sizeof(tsvpath), "expected/%s", tables[ti]);
		if (tsv_load(fx_path(tsvpath), &t) == -1)
			fail_msg("%s: cannot load", tsvpath);
		pkg = tsv_fixture(tables[ti]);
		members_load(fx_path(pkg), &m);
		for (ri = 0; ri < t.n; ri++) {
			const struct tsv_row	*row = &t.rows[ri];
			const struct member	*x;
			const char		*sum = row->col[8];
			enum pkgsum_type	 ty;
			char			 mine[PKGSUM_MAX], hexd[65];
			char			 in[4096];
			size_t			 n;

			if (row->col[0][0] == '+' || sum[0] == '\0')
				continue;
			if ((x = member_find(&m, row->col[0])) == NULL)
				fail_msg("%s: %s not in archive", pkg,
				    row->col[0]);
			assert_int_equal(pkgsum_type(sum, &ty), 0);
			if (ty == PKGSUM_BLAKE2B_BASE32)
				b2++;
			else if (ty == PKGSUM_SHA256_HEX)
				hex++;
			else
				fail_msg("%s: unexpected sum type in fixture",
				    row->col[0]);
			if (x->hardlink != NULL)
				x = member_find(&m, x->hardlink);
			assert_non_null(x);
			if (x->symlink != NULL) {
				n = pkgsum_symlink_input(x->symlink, in,
				    sizeof(in));
				assert_true(n != (size_t)-1);
				expected_form(ty, in, n, mine);
				links++;
			} else {
				assert_non_null(x->data);
				/* The table's sha256 is of the same bytes. */
				th_sha256_hex(x->data, x->len, hexd);
				assert_string_equal(hexd, row->col[7]);
				expected_form(ty, x->data, x->len, mine);
			}
			if (strcmp(mine, sum) != 0)
				fail_msg("%s %s:\n  pkg:  %s\n  ours: %s", pkg,
				    row->col[0], sum, mine);
			checked++;
		}
		members_free(&m);
		free(pkg);
		tsv_free(&t);
	}
	/* Both kinds, symlinks included, and nothing skipped silently. */
	assert_true(b2 >= 60);
	assert_true(hex >= 30);
	assert_true(links >= 20);
	assert_int_equal(checked, b2 + hex);
}

/* Known values that need no archive. */
static void
test_base32_vectors(void **state)
{
	char		out[PKGSUM_MAX];
	unsigned char	d[64];
	unsigned int	dlen;

	(void)state;
	pkgsum_base32((const unsigned char *)"", 0, out);
	assert_string_equal(out, "");
	/* Least significant bits first: 0x00 -> 0,0; 0xff -> 31,7. */
	pkgsum_base32((const unsigned char *)"\x00", 1, out);
	assert_string_equal(out, "yy");
	pkgsum_base32((const unsigned char *)"\xff", 1, out);
	assert_string_equal(out, "98");
	pkgsum_base32((const unsigned char *)"\x01", 1, out);
	assert_string_equal(out, "by");
	pkgsum_base32((const unsigned char *)"\x20", 1, out);
	assert_string_equal(out, "yb");
	pkgsum_base32((const unsigned char *)"\xff\xff\xff\xff\xff", 5, out);
	assert_string_equal(out, "99999999");
	/* empty.txt of hello-tools: BLAKE2b-512 of nothing. */
	digest(EVP_blake2b512(), "", 0, d, &dlen);
	assert_int_equal(dlen, 64);
	pkgsum_base32(d, dlen, out);
	assert_int_equal(strlen(out), 103);
	assert_string_equal(out, "au4ro5mebesgyd5a7xbmnjj41mr91dbeb8sqwojtgwaxt"
	    "59dwkgrpxbnt3m7qcpkuenjgnp1qnczrek8e5sebr7siki9gajd69gfq8d");
	assert_int_equal(pkgsum_format(PKGSUM_BLAKE2B_BASE32, d, dlen, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "2$au4ro5mebesgyd5a7xbmnjj41mr91dbeb8sqwojtgwa"
	    "xt59dwkgrpxbnt3m7qcpkuenjgnp1qnczrek8e5sebr7siki9gajd69gfq8d");
}

static void
test_format(void **state)
{
	unsigned char	d[64];
	char		out[PKGSUM_MAX];
	unsigned int	dlen;

	(void)state;
	digest(EVP_sha256(), "hello-true", 10, d, &dlen);
	assert_int_equal(pkgsum_format(PKGSUM_SHA256_HEX, d, dlen, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "1$c5cfbe223cd6395e9af8da9f9d810a566cfd8ce134"
	    "0f841b32956a6c0c4c0182");
	assert_int_equal(pkgsum_format(PKGSUM_SHA256_BARE, d, dlen, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "c5cfbe223cd6395e9af8da9f9d810a566cfd8ce1340f"
	    "841b32956a6c0c4c0182");
	assert_int_equal(pkgsum_format(PKGSUM_SHA256_BASE32, d, dlen, out,
	    sizeof(out)), 0);
	assert_memory_equal(out, "0$", 2);
	assert_int_equal(strlen(out), 2 + (32 * 8 + 4) / 5);
	digest(EVP_blake2s256(), "x", 1, d, &dlen);
	assert_int_equal(pkgsum_format(PKGSUM_BLAKE2S_BASE32, d, dlen, out,
	    sizeof(out)), 0);
	assert_memory_equal(out, "5$", 2);
	/* Too little room, too long a digest, unknown type. */
	assert_int_equal(pkgsum_format(PKGSUM_SHA256_HEX, d, 32, out,
	    PKGSUM_MAX - 1), -1);
	assert_int_equal(pkgsum_format(PKGSUM_SHA256_HEX, d, 65, out,
	    sizeof(out)), -1);
	assert_int_equal(pkgsum_format((enum pkgsum_type)3, d, 32, out,
	    sizeof(out)), -1);
	assert_ptr_equal(pkgsum_md(PKGSUM_SHA256_BARE), EVP_sha256());
	assert_ptr_equal(pkgsum_md(PKGSUM_SHA256_BASE32), EVP_sha256());
	assert_ptr_equal(pkgsum_md(PKGSUM_SHA256_HEX), EVP_sha256());
	assert_ptr_equal(pkgsum_md(PKGSUM_BLAKE2B_BASE32), EVP_blake2b512());
	assert_ptr_equal(pkgsum_md(PKGSUM_BLAKE2S_BASE32), EVP_blake2s256());
	assert_null(pkgsum_md((enum pkgsum_type)4));
}

static void
test_type(void **state)
{
	static const char *const garbage[] = {
		"", "1", "$", "$abc", "3$abc", "4$abc", "6$abc", "9$abc",
		"a$abc", "12$abc", "01$abc", " 1$abc", "abc",
		/* 63 and 65 hex digits */
		"c5cfbe223cd6395e9af8da9f9d810a566cfd8ce1340f841b32956a6c0c4c018",
		"c5cfbe223cd6395e9af8da9f9d810a566cfd8ce1340f841b32956a6c0c4c01820",
	};
	enum pkgsum_type	t;
	size_t			i;

	(void)state;
	assert_int_equal(pkgsum_type("c5cfbe223cd6395e9af8da9f9d810a566cfd8ce1"
	    "340f841b32956a6c0c4c0182", &t), 0);
	assert_int_equal(t, PKGSUM_SHA256_BARE);
	assert_int_equal(pkgsum_type("0$abc", &t), 0);
	assert_int_equal(t, PKGSUM_SHA256_BASE32);
	assert_int_equal(pkgsum_type("1$c5cfbe223cd6395e9af8da9f9d810a566cfd8c"
	    "e1340f841b32956a6c0c4c0182", &t), 0);
	assert_int_equal(t, PKGSUM_SHA256_HEX);
	assert_int_equal(pkgsum_type("2$au4ro5", &t), 0);
	assert_int_equal(t, PKGSUM_BLAKE2B_BASE32);
	assert_int_equal(pkgsum_type("5$abc", &t), 0);
	assert_int_equal(t, PKGSUM_BLAKE2S_BASE32);
	for (i = 0; i < sizeof(garbage) / sizeof(*garbage); i++) {
		t = (enum pkgsum_type)77;
		if (pkgsum_type(garbage[i], &t) != -1)
			fail_msg("pkgsum_type accepted \"%s\"", garbage[i]);
		assert_int_equal(t, 77);
	}
}

static void
symlink_case(const char *target, const char *bytes, size_t nbytes,
    const char *sha256hex)
{
	char	out[256], hex[65];
	size_t	n;

	memset(out, 'X', sizeof(out));
	n = pkgsum_symlink_input(target, out, sizeof(out));
	assert_int_equal(n, nbytes);
	assert_memory_equal(out, bytes, nbytes);
	if (sha256hex != NULL) {
		th_sha256_hex(out, n, hex);
		assert_string_equal(hex, sha256hex);
	}
}

static void
test_symlink_input(void **state)
{
	char	small[8];

	(void)state;
	/* Relative targets hash as they are. */
	symlink_case("hello-true", "hello-true", 10,
	    "c5cfbe223cd6395e9af8da9f9d810a566cfd8ce1340f841b32956a6c0c4c0182");
	symlink_case("../share/hello/missing-target",
	    "../share/hello/missing-target", 29,
	    "4553462d23f8c150f4c4464b2c700dbc06f427c501c08009fdc92d88bbc475be");
	/* Absolute: '/' dropped, a NUL appended, same length. */
	symlink_case("/usr/local/bin/hello-true",
	    "usr/local/bin/hello-true\0", 25,
	    "02b05e18818197137eb3c3d48bfe910af9c3597c415fbf33110138d270ee054c");
	/* Several leading slashes: NUL bytes fill up to the length. */
	symlink_case("//x", "x\0\0", 3, NULL);
	symlink_case("/", "\0", 1, NULL);
	/* Does not fit. */
	assert_int_equal(pkgsum_symlink_input("123456789", small,
	    sizeof(small)), (size_t)-1);
	assert_int_equal(pkgsum_symlink_input("12345678", small,
	    sizeof(small)), 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_of_every_fixture_file),
		cmocka_unit_test(test_base32_vectors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_symlink_input),
	};

	return (cmocka_run_group_tests_name("pkgsum", tests, NULL, NULL));
}
