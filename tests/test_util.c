/*
 * lib/util.c: field encoding, hex, strict base64, parse_u64,
 * write_atomic and read_whole.
 */
#define _GNU_SOURCE

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

#include "helpers.h"
#include "util.h"

/*
 * Field encoding
 */

static int
must_escape(unsigned char c)
{
	return (c < 0x21 || c > 0x7e || c == '%');
}

static void
test_field_every_byte(void **state)
{
	struct buf	enc = { 0 }, dec = { 0 };
	char		s[3], want[4];
	int		b;

	(void)state;
	for (b = 0; b < 256; b++) {
		/* The byte alone, and between two plain bytes. */
		enc.len = 0;
		s[0] = (char)b;
		assert_int_equal(field_encode(&enc, s, 1), 0);
		if (must_escape((unsigned char)b))
			snprintf(want, sizeof(want), "%%%02x", b);
		else
			snprintf(want, sizeof(want), "%c", b);
		assert_string_equal(enc.data, want);
		assert_int_equal(field_decode(enc.data, enc.len, &dec), 0);
		assert_int_equal(dec.len, 1);
		assert_int_equal((unsigned char)dec.data[0], b);

		enc.len = 0;
		s[0] = 'a';
		s[1] = (char)b;
		s[2] = 'z';
		assert_int_equal(field_encode(&enc, s, 3), 0);
		assert_int_equal(field_decode(enc.data, enc.len, &dec), 0);
		assert_int_equal(dec.len, 3);
		assert_memory_equal(dec.data, s, 3);
	}
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_field_all_bytes_at_once(void **state)
{
	struct buf	enc = { 0 }, dec = { 0 };
	char		all[256];
	size_t		i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	assert_int_equal(field_encode(&enc, all, sizeof(all)), 0);
	/* No white space and nothing outside printable ASCII. */
	for (i = 0; i < enc.len; i++) {
		assert_true((unsigned char)enc.data[i] >= 0x21);
		assert_true((unsigned char)enc.data[i] <= 0x7e);
	}
	/* 94 printable bytes less '%' stand for themselves. */
	assert_int_equal(enc.len, 93 + 3 * (256 - 93));
	assert_int_equal(field_decode(enc.data, enc.len, &dec), 0);
	assert_int_equal(dec.len, sizeof(all));
	assert_memory_equal(dec.data, all, sizeof(all));
	/* Appending keeps what the buffer held. */
	enc.len = 0;
	assert_int_equal(buf_addstr(&enc, "x "), 0);
	assert_int_equal(field_encode(&enc, "a b", 3), 0);
	assert_string_equal(enc.data, "x a%20b");
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_field_rejects_noncanonical(void **state)
{
	static const char *const bad[] = {
		"%41",		/* 'A' needs no escape */
		"a%2fb",	/* '/' needs no escape */
		"%7e",		/* '~' needs no escape */
		"%0A",		/* upper-case hex */
		"%Ff",
		"%FF",
		"%2A",
		"a b",		/* raw space */
		" ",
		"\t",
		"a\nb",
		"\x7f",		/* raw DEL */
		"\x80",		/* raw high byte */
		"na\xc3\xafve",
		"%",		/* truncated escapes */
		"%2",
		"abc%",
		"abc%4",
		"%g0",		/* not hex */
		"%0g",
		"%-1",
		"% 1",
	};
	struct buf	dec = { 0 };
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errno = 0;
		if (field_decode(bad[i], strlen(bad[i]), &dec) != -1)
			fail_msg("field_decode accepted \"%s\"", bad[i]);
		assert_int_equal(errno, EINVAL);
	}
	/* Empty: an empty value would vanish between separators. */
	assert_int_equal(field_decode("", 0, &dec), -1);
	dec.len = 0;
	assert_int_equal(field_encode(&dec, "", 0), -1);
	/* The length given is what is decoded, not up to the NUL. */
	assert_int_equal(field_decode("ab%", 2, &dec), 0);
	assert_string_equal(dec.data, "ab");
	assert_int_equal(field_decode("%25%20%00", 9, &dec), 0);
	assert_int_equal(dec.len, 3);
	assert_memory_equal(dec.data, "% \0", 3);
	buf_free(&dec);
}

/*
 * Hex
 */

static void
test_hex(void **state)
{
	unsigned char	d[4] = { 0x00, 0x9f, 0xa0, 0xff }, out[4];
	char		h[9];

	(void)state;
	hex_encode(d, 4, h);
	assert_string_equal(h, "009fa0ff");
	assert_int_equal(hex_decode(h, 8, out, 4), 0);
	assert_memory_equal(out, d, 4);
	assert_int_equal(hex_decode("009FA0FF", 8, out, 4), -1);
	assert_int_equal(hex_decode("009fa0f", 7, out, 4), -1);
	assert_int_equal(hex_decode("009fa0ff00", 10, out, 4), -1);
	assert_int_equal(hex_decode("009fa0fg", 8, out, 4), -1);
	assert_int_equal(hex_decode(" 09fa0ff", 8, out, 4), -1);
}

/*
 * Base64
 */

static void
test_b64_round_trip(void **state)
{
	unsigned char	in[200], out[200];
	struct buf	b = { 0 };
	size_t		n, len, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (n = 1; n <= sizeof(in); n++) {
		b.len = 0;
		assert_int_equal(b64_encode(in, n, &b), 0);
		assert_int_equal(b.len, 4 * ((n + 2) / 3));
		assert_int_equal(strlen(b.data), b.len);
		assert_int_equal(b64_decode(b.data, b.len, out, sizeof(out),
		    &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, in, n);
		/* One byte short of room is refused. */
		assert_int_equal(b64_decode(b.data, b.len, out, n - 1, &len),
		    -1);
	}
	buf_free(&b);
}

static void
test_b64_strict(void **state)
{
	static const char *const bad[] = {
		"QR==",		/* 'A' with non-zero padding bits */
		"QX==",
		"QUJ=",		/* "AB" with non-zero padding bits */
		"QUL=",
		"QQ",		/* padding missing */
		"QUI",
		"QQ=",
		"Q===",
		"====",
		"QQ=A",		/* data after padding */
		"Q=Q=",
		"QQ==QQ==",	/* padding in the middle */
		"QQ==\n",	/* white space */
		"Q Q=",
		" QQ=",
		"QUJD\n",
		"QUJ\tD",
		"QU-D",		/* URL-safe alphabet */
		"QU_D",
		"QU*D",
		"",
	};
	unsigned char	out[16];
	size_t		i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (b64_decode(bad[i], strlen(bad[i]), out, sizeof(out),
		    &len) != -1)
			fail_msg("b64_decode accepted \"%s\"", bad[i]);
	assert_int_equal(b64_decode("QQ==", 4, out, sizeof(out), &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(b64_decode("QUI=", 4, out, sizeof(out), &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "AB", 2);
	assert_int_equal(b64_decode("QUJD", 4, out, sizeof(out), &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(b64_decode("+/+/", 4, out, sizeof(out), &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\xfb\xff\xbf", 3);
}

/*
 * parse_u64
 */

static void
test_parse_u64(void **state)
{
	static const char *const bad[] = {
		"", "00", "01", "007", "-1", "+1", " 1", "1 ", "1a", "0x10",
		"18446744073709551616",		/* 2^64 */
		"18446744073709551620",
		"99999999999999999999",
		"184467440737095516150",	/* 21 digits */
		"000000000000000000001",
	};
	uint64_t	v;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		v = 12345;
		if (parse_u64(bad[i], strlen(bad[i]), &v) != -1)
			fail_msg("parse_u64 accepted \"%s\"", bad[i]);
		assert_int_equal(v, 12345);
	}
	assert_int_equal(parse_u64("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("10", 2, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u64("1700000000", 10, &v), 0);
	assert_int_equal(v, 1700000000ULL);
	assert_int_equal(parse_u64("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551614", 20, &v), 0);
	assert_true(v == UINT64_MAX - 1);
	/* Only N bytes count. */
	assert_int_equal(parse_u64("123x", 3, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(parse_u64("0123", 1, &v), 0);
	assert_int_equal(v, 0);
}

/*
 * write_atomic and read_whole
 */

struct dir_state {
	char	*dir;
	int	 fd;
};

static int
dir_setup(void **state)
{
	struct dir_state	*s = calloc(1, sizeof(*s));

	if (s == NULL || (s->dir = th_mkdtemp("test_util")) == NULL)
		return (-1);
	if ((s->fd = open(s->dir, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	*state = s;
	return (0);
}

static int
dir_teardown(void **state)
{
	struct dir_state	*s = *state;

	close(s->fd);
	th_rm_rf(s->dir);
	free(s->dir);
	free(s);
	return (0);
}

/* Names in the directory, other than "." and "..", sorted, ' '-joined. */
static char *
listing(int dirfd)
{
	struct dirent	**v;
	char		 *out, path[64];
	size_t		  cap = 1;
	int		  n, i;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	n = scandir(path, &v, NULL, alphasort);
	if (n < 0)
		return (strdup("?"));
	for (i = 0; i < n; i++)
		cap += strlen(v[i]->d_name) + 1;
	out = calloc(1, cap);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") != 0 &&
		    strcmp(v[i]->d_name, "..") != 0) {
			if (out[0] != '\0')
				strcat(out, " ");
			strcat(out, v[i]->d_name);
		}
		free(v[i]);
	}
	free(v);
	return (out);
}

static void
assert_file(int dirfd, const char *name, const char *content, int mode)
{
	struct stat	st;
	struct buf	b = { 0 };

	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(read_whole(dirfd, name, 1 << 20, &b), 0);
	assert_int_equal(b.len, strlen(content));
	assert_memory_equal(b.data, content, b.len);
	buf_free(&b);
}

static void
test_write_atomic(void **state)
{
	struct dir_state	*s = *state;
	char			*l;
	mode_t			 old;

	old = umask(022);
	/* New file; the mode is exact despite the umask. */
	assert_int_equal(write_atomic(s->fd, "f", "first\n", 6, 0664), 0);
	assert_file(s->fd, "f", "first\n", 0664);
	/* Replace: new content and mode, nothing else left behind. */
	assert_int_equal(write_atomic(s->fd, "f", "second", 6, 0600), 0);
	assert_file(s->fd, "f", "second", 0600);
	assert_int_equal(write_atomic(s->fd, "f", "", 0, 0644), 0);
	assert_file(s->fd, "f", "", 0644);
	l = listing(s->fd);
	assert_string_equal(l, "f");
	free(l);
	umask(old);
}

static void
test_write_atomic_replaces_symlink_not_target(void **state)
{
	struct dir_state	*s = *state;
	struct stat		 st;
	char			*l;

	assert_int_equal(mkdirat(s->fd, "sub", 0755), 0);
	assert_int_equal(symlinkat("victim", s->fd, "link"), 0);
	{
		int	fd = openat(s->fd, "victim", O_WRONLY | O_CREAT, 0644);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "keep", 4), 4);
		close(fd);
	}
	assert_int_equal(write_atomic(s->fd, "link", "new", 3, 0644), 0);
	/* The link itself was replaced; its old target is untouched. */
	assert_int_equal(fstatat(s->fd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_file(s->fd, "link", "new", 0644);
	assert_file(s->fd, "victim", "keep", 0644);
	l = listing(s->fd);
	assert_string_equal(l, "link sub victim");
	free(l);
}

static void
test_write_atomic_failure_leaves_nothing(void **state)
{
	struct dir_state	*s = *state;
	char			*l;
	int			 fd;

	/* A non-empty directory cannot be renamed over. */
	assert_int_equal(mkdirat(s->fd, "d", 0755), 0);
	fd = openat(s->fd, "d/x", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(write_atomic(s->fd, "d", "data", 4, 0644), -1);
	assert_true(errno != 0);
	l = listing(s->fd);
	assert_string_equal(l, "d");
	free(l);
	/* A name too long for the directory: the rename fails. */
	{
		char	name[NAME_MAX + 2];

		memset(name, 'n', NAME_MAX + 1);
		name[NAME_MAX + 1] = '\0';
		assert_int_equal(write_atomic(s->fd, name, "x", 1, 0644), -1);
		l = listing(s->fd);
		assert_string_equal(l, "d");
		free(l);
	}
}

static void
test_read_whole(void **state)
{
	struct dir_state	*s = *state;
	struct buf		 b = { 0 };
	char			 big[100];

	memset(big, 'x', sizeof(big));
	assert_int_equal(write_atomic(s->fd, "hundred", big, 100, 0644), 0);
	assert_int_equal(read_whole(s->fd, "hundred", 100, &b), 0);
	assert_int_equal(b.len, 100);
	assert_int_equal(b.data[100], '\0');
	assert_memory_equal(b.data, big, 100);
	errno = 0;
	assert_int_equal(read_whole(s->fd, "hundred", 99, &b), -1);
	assert_int_equal(errno, EFBIG);
	/* Empty file. */
	assert_int_equal(write_atomic(s->fd, "empty", "", 0, 0644), 0);
	assert_int_equal(read_whole(s->fd, "empty", 0, &b), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	/* Missing. */
	errno = 0;
	assert_int_equal(read_whole(s->fd, "nothere", 100, &b), -1);
	assert_int_equal(errno, ENOENT);
	buf_free(&b);
}

static void
test_read_whole_nofollow(void **state)
{
	struct dir_state	*s = *state;
	struct buf		 b = { 0 };

	assert_int_equal(write_atomic(s->fd, "real", "data", 4, 0644), 0);
	assert_int_equal(symlinkat("real", s->fd, "link"), 0);
	errno = 0;
	assert_int_equal(read_whole(s->fd, "link", 100, &b), -1);
	assert_int_equal(errno, ELOOP);
	/* A dangling link too. */
	assert_int_equal(symlinkat("nowhere", s->fd, "dangling"), 0);
	errno = 0;
	assert_int_equal(read_whole(s->fd, "dangling", 100, &b), -1);
	assert_int_equal(errno, ELOOP);
	/* A directory and a FIFO are not regular files; no hang. */
	assert_int_equal(mkdirat(s->fd, "dir", 0755), 0);
	errno = 0;
	assert_int_equal(read_whole(s->fd, "dir", 100, &b), -1);
	assert_int_equal(errno, EFTYPE_COMPAT);
	assert_int_equal(mkfifoat(s->fd, "fifo", 0644), 0);
	errno = 0;
	assert_int_equal(read_whole(s->fd, "fifo", 100, &b), -1);
	assert_int_equal(errno, EFTYPE_COMPAT);
	/* Through a symlinked directory the last component still counts. */
	assert_int_equal(symlinkat(".", s->fd, "here"), 0);
	assert_int_equal(read_whole(s->fd, "here/real", 100, &b), 0);
	assert_string_equal(b.data, "data");
	buf_free(&b);
}

/*
 * Buffers and errors
 */

static void
test_buf_and_err(void **state)
{
	struct buf	b = { 0 };
	struct err	e;
	size_t		i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%zu,", i), 0);
	assert_int_equal(strlen(b.data), b.len);
	assert_memory_equal(b.data, "0,1,2,", 6);
	assert_memory_equal(b.data + b.len - 4, "999,", 4);
	assert_int_equal(buf_add(&b, "\0x", 2), 0);
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(err_set(&e, "a %s %d", "b", 3), -1);
	assert_string_equal(e.msg, "a b 3");
	assert_int_equal(err_set(NULL, "x"), -1);
	/* Long messages are cut, not overflowed. */
	memset(&e, 'z', sizeof(e));
	assert_int_equal(err_set(&e, "%2000d", 1), -1);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_every_byte),
		cmocka_unit_test(test_field_all_bytes_at_once),
		cmocka_unit_test(test_field_rejects_noncanonical),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_b64_round_trip),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test_setup_teardown(test_write_atomic,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_replaces_symlink_not_target,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_failure_leaves_nothing,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_whole,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_whole_nofollow,
		    dir_setup, dir_teardown),
		cmocka_unit_test(test_buf_and_err),
	};

	return (cmocka_run_group_tests_name("util", tests, NULL, NULL));
}
