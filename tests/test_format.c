/*
 * lib/format.c (records and the index) with real keys from lib/keys.c:
 * Ed25519, ECDSA P-256 and RSA, generated here, plus the RSA test key of
 * the fixtures.
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

#include "format.h"
#include "helpers.h"
#include "keys.h"
#include "util.h"

struct keys {
	struct vkey	k[3];		/* by enum key_type */
	struct vkey	other[3];	/* a second key of each type */
};

static struct keys *K;

static int
keys_setup(void **state)
{
	struct err	e;
	int		t;

	(void)state;
	if ((K = calloc(1, sizeof(*K))) == NULL)
		return (-1);
	for (t = KEY_ED25519; t <= KEY_RSA; t++) {
		if (key_generate((enum key_type)t, &K->k[t], &e) == -1 ||
		    key_generate((enum key_type)t, &K->other[t], &e) == -1) {
			fprintf(stderr, "key_generate: %s\n", e.msg);
			return (-1);
		}
	}
	return (0);
}

static int
keys_teardown(void **state)
{
	int	t;

	(void)state;
	for (t = KEY_ED25519; t <= KEY_RSA; t++) {
		key_free(&K->k[t]);
		key_free(&K->other[t]);
	}
	free(K);
	return (0);
}

/*
 * Records
 */

static void
sample_record(struct record *r, const struct vkey *k)
{
	static const unsigned char digest[32] = {
		0x3a, 0x3d, 0xae, 0x50, 0xe6, 0xaf, 0x7a, 0x9d, 0xd7, 0x5e,
		0xa1, 0x11, 0x54, 0xc7, 0x8a, 0xeb, 0x86, 0x2c, 0xcb, 0x01,
		0x4f, 0x88, 0x96, 0x7c, 0xb1, 0x5d, 0x60, 0x3a, 0x92, 0x1d,
		0x75, 0x2e,
	};

	memset(r, 0, sizeof(*r));
	r->pkg.keyid = k->id;
	r->pkg.repo = "my repo 100%";
	r->pkg.abi = "FreeBSD:14:amd64";
	r->pkg.origin = "sysutils/hello-tools";
	r->pkg.name = "hello-tools";
	r->pkg.version = "1.0.2";
	r->path = "/usr/local/share/hello/na\xc3\xafve r\xc3\xa9sum\xc3\xa9 "
	    "100%.txt";
	r->owner = "root";
	r->group = "wheel";
	r->type = FT_FILE;
	r->mode = 04755;
	r->size = 8720;
	memcpy(r->sha256, digest, 32);
	r->config = 1;
}

/* Sign R with K; returns the line without its newline (malloc'd). */
static char *
signed_line(const struct record *r, const struct vkey *k, size_t *len)
{
	struct buf	out = { 0 };
	struct err	e;

	if (record_sign(&out, r, k, &e) == -1)
		fail_msg("record_sign: %s", e.msg);
	assert_true(out.len > 1);
	assert_int_equal(out.data[out.len - 1], '\n');
	assert_null(memchr(out.data, '\n', out.len - 1));
	out.data[--out.len] = '\0';
	*len = out.len;
	return (out.data);
}

static void
assert_same_record(const struct record *a, const struct record *b)
{
	assert_string_equal(a->pkg.keyid, b->pkg.keyid);
	assert_string_equal(a->pkg.repo, b->pkg.repo);
	assert_string_equal(a->pkg.abi, b->pkg.abi);
	assert_string_equal(a->pkg.origin, b->pkg.origin);
	assert_string_equal(a->pkg.name, b->pkg.name);
	assert_string_equal(a->pkg.version, b->pkg.version);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->owner, b->owner);
	assert_string_equal(a->group, b->group);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->mode, b->mode);
	if (a->type != FT_DIR) {
		assert_int_equal(a->size, b->size);
		assert_memory_equal(a->sha256, b->sha256, 32);
	}
	assert_int_equal(a->config, b->config);
}

static void
round_trip(enum key_type t)
{
	const struct vkey	*k = &K->k[t];
	struct record		 r, p;
	struct err		 e;
	struct buf		 st = { 0 };
	char			*line, *copy;
	size_t			 len;
	int			 ty;

	for (ty = 0; ty < 3; ty++) {
		sample_record(&r, k);
		if (ty == 1) {
			r.type = FT_SYMLINK;
			r.mode = 0777;
			r.size = 25;
			r.config = 0;
		} else if (ty == 2) {
			r.type = FT_DIR;
			r.mode = 0755;
			r.size = 0;
			memset(r.sha256, 0, 32);
			r.config = 0;
		}
		line = signed_line(&r, k, &len);
		/* The statement is the line without its last field. */
		assert_int_equal(record_statement(&st, &r), 0);
		assert_true(len > st.len + 1);
		assert_memory_equal(line, st.data, st.len);
		assert_int_equal(line[st.len], ' ');
		assert_null(strchr(st.data, '\n'));
		copy = strdup(line);
		if (record_parse(copy, len, &p, &e) == -1)
			fail_msg("record_parse: %s\n%s", e.msg, line);
		assert_same_record(&r, &p);
		assert_int_equal(record_verify(&p, k), 1);
		/* The other key of the same type does not verify it. */
		assert_int_equal(record_verify(&p, &K->other[t]), 0);
		free(copy);
		free(line);
	}
	buf_free(&st);
}

static void
test_record_round_trip_ed25519(void **state)
{
	(void)state;
	round_trip(KEY_ED25519);
}

static void
test_record_round_trip_ecdsa(void **state)
{
	(void)state;
	round_trip(KEY_ECDSA_P256);
}

static void
test_record_round_trip_rsa(void **state)
{
	(void)state;
	round_trip(KEY_RSA);
}

enum field_change {
	CH_PATH, CH_TYPE, CH_MODE, CH_OWNER, CH_GROUP, CH_SIZE, CH_DIGEST,
	CH_CONFIG, CH_NAME, CH_VERSION, CH_ORIGIN, CH_ABI, CH_REPO, CH_KEYID,
	CH_NCHANGES
};

static const char *const change_names[] = {
	"path", "type", "mode", "owner", "group", "size", "digest", "config",
	"name", "version", "origin", "abi", "repo", "keyid",
};

static void
every_change(enum key_type t)
{
	const struct vkey	*k = &K->k[t];
	struct record		 r, p;
	struct err		 e;
	char			*line, *copy;
	size_t			 len, i;
	int			 c;

	sample_record(&r, k);
	line = signed_line(&r, k, &len);
	for (c = 0; c < CH_NCHANGES; c++) {
		copy = strdup(line);
		assert_int_equal(record_parse(copy, len, &p, &e), 0);
		assert_int_equal(record_verify(&p, k), 1);
		switch (c) {
		case CH_PATH:
			p.path = "/usr/local/share/hello/other.txt";
			break;
		case CH_TYPE:
			p.type = FT_SYMLINK;
			break;
		case CH_MODE:
			p.mode = 0755;		/* setuid bit dropped */
			break;
		case CH_OWNER:
			p.owner = "nobody";
			break;
		case CH_GROUP:
			p.group = "nogroup";
			break;
		case CH_SIZE:
			p.size++;
			break;
		case CH_DIGEST:
			p.sha256[31] ^= 1;
			break;
		case CH_CONFIG:
			p.config = !p.config;
			break;
		case CH_NAME:
			p.pkg.name = "hello-tool";
			break;
		case CH_VERSION:
			p.pkg.version = "1.0.1";
			break;
		case CH_ORIGIN:
			p.pkg.origin = "sysutils/hello";
			break;
		case CH_ABI:
			p.pkg.abi = "FreeBSD:13:amd64";
			break;
		case CH_REPO:
			p.pkg.repo = "my repo 100";
			break;
		case CH_KEYID:
			p.pkg.keyid = K->other[t].id;
			break;
		}
		if (record_verify(&p, k) != 0)
			fail_msg("%s key: record with changed %s verifies",
			    key_type_name(t), change_names[c]);
		/* Not with the key the changed id names either. */
		if (c == CH_KEYID)
			assert_int_equal(record_verify(&p, &K->other[t]), 0);
		free(copy);
	}
	/* Every byte of the signature, one at a time, and its length. */
	copy = strdup(line);
	assert_int_equal(record_parse(copy, len, &p, &e), 0);
	assert_true(p.siglen >= 64);
	for (i = 0; i < p.siglen; i++) {
		p.sig[i] ^= 0x01;
		if (record_verify(&p, k) != 0)
			fail_msg("%s: flipped signature byte %zu verifies",
			    key_type_name(t), i);
		p.sig[i] ^= 0x01;
		p.sig[i] ^= 0x80;
		assert_int_equal(record_verify(&p, k), 0);
		p.sig[i] ^= 0x80;
	}
	assert_int_equal(record_verify(&p, k), 1);
	p.siglen--;
	assert_int_equal(record_verify(&p, k), 0);
	p.siglen = 0;
	assert_int_equal(record_verify(&p, k), 0);
	free(copy);
	free(line);
}

static void
test_record_every_change_ed25519(void **state)
{
	(void)state;
	every_change(KEY_ED25519);
}

static void
test_record_every_change_ecdsa(void **state)
{
	(void)state;
	every_change(KEY_ECDSA_P256);
}

static void
test_record_every_change_rsa(void **state)
{
	(void)state;
	every_change(KEY_RSA);
}

/* LINE with field I (0-based, space-separated) replaced by VAL. */
static char *
with_field(const char *line, int idx, const char *val)
{
	struct buf	 b = { 0 };
	const char	*s = line, *sp;
	int		 i = 0;

	for (;;) {
		sp = strchr(s, ' ');
		if (i > 0)
			buf_addc(&b, ' ');
		if (i == idx)
			buf_addstr(&b, val);
		else
			buf_add(&b, s, sp ? (size_t)(sp - s) : strlen(s));
		if (sp == NULL)
			break;
		s = sp + 1;
		i++;
	}
	return (b.data);
}

static void
expect_parse_fails(const char *text, const char *why)
{
	struct record	 p;
	struct err	 e = { "" };
	char		*copy = strdup(text);

	if (record_parse(copy, strlen(copy), &p, &e) != -1)
		fail_msg("record_parse accepted a record with %s:\n%s", why,
		    text);
	assert_true(e.msg[0] != '\0');
	free(copy);
}

static void
test_record_parse_rejects(void **state)
{
	const struct vkey	*k = &K->k[KEY_ED25519];
	struct record		 r, p;
	struct err		 e;
	struct buf		 b = { 0 };
	char			*line, *v, *copy;
	size_t			 len;
	static const struct {
		int		 field;
		const char	*val;
		const char	*why;
	} bad[] = {
		{ 0, "F2", "an unknown tag" },
		{ 0, "f1", "a lower-case tag" },
		{ 1, "ABCDEF", "a short key id" },
		{ 2, "my%20repo%2", "a truncated escape" },
		{ 2, "my%20repo%4", "a truncated escape" },
		{ 3, "FreeBSD%3a14", "a needless escape" },
		{ 4, "sysutils%2Fhello", "an upper-case needless escape" },
		{ 5, "hello%00x", "an encoded NUL" },
		{ 7, "usr/local/x", "a relative path" },
		{ 8, "x", "an unknown type" },
		{ 8, "ff", "a two-letter type" },
		{ 8, "F", "an upper-case type" },
		{ 9, "755", "a three-digit mode" },
		{ 9, "04755", "a five-digit mode" },
		{ 9, "0855", "a non-octal mode" },
		{ 9, "-755", "a signed mode" },
		{ 9, "+755", "a signed mode" },
		{ 9, "0x1f", "a hex mode" },
		{ 12, "08720", "a size with a leading zero" },
		{ 12, "-1", "a negative size" },
		{ 12, "18446744073709551616", "an overflowing size" },
		{ 12, "-", "a file without a size" },
		{ 13, "3A3DAE50E6AF7A9DD75EA11154C78AEB862CCB014F88967CB15D603A"
		    "921D752E", "an upper-case digest" },
		{ 13, "3a3dae50", "a short digest" },
		{ 14, "C", "an upper-case config flag" },
		{ 14, "x", "an unknown config flag" },
		{ 15, "not base64!", "a bad signature encoding" },
		{ 15, "QR==", "non-canonical base64" },
	};
	size_t	i;

	(void)state;
	sample_record(&r, k);
	line = signed_line(&r, k, &len);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		v = with_field(line, bad[i].field, bad[i].val);
		expect_parse_fails(v, bad[i].why);
		free(v);
	}
	/* Wrong field counts and separators. */
	v = with_field(line, 15, "");			/* trailing space */
	expect_parse_fails(v, "a trailing space");
	free(v);
	b.len = 0;
	buf_printf(&b, " %s", line);
	expect_parse_fails(b.data, "a leading space");
	b.len = 0;
	buf_printf(&b, "%s x", line);
	expect_parse_fails(b.data, "17 fields");
	b.len = 0;
	buf_add(&b, line, (size_t)(strrchr(line, ' ') - line));
	expect_parse_fails(b.data, "15 fields");
	v = with_field(line, 4, "sysutils/hello-tools ");	/* double space */
	expect_parse_fails(v, "a double space");
	free(v);
	v = with_field(line, 8, "f\tf");
	expect_parse_fails(v, "a tab");
	free(v);
	b.len = 0;
	buf_printf(&b, "%s\n", line);
	expect_parse_fails(b.data, "its newline");
	b.len = 0;
	buf_printf(&b, "%s\r", line);
	expect_parse_fails(b.data, "a carriage return");
	expect_parse_fails("", "nothing");
	/* An embedded NUL within the given length. */
	copy = strdup(line);
	copy[10] = '\0';
	assert_int_equal(record_parse(copy, len, &p, &e), -1);
	free(copy);
	/* A directory must not carry size or digest, a file must. */
	v = with_field(line, 8, "d");
	expect_parse_fails(v, "a directory with a digest");
	free(v);
	/* The unchanged line still parses. */
	copy = strdup(line);
	assert_int_equal(record_parse(copy, len, &p, &e), 0);
	assert_int_equal(record_verify(&p, k), 1);
	free(copy);
	free(line);
	buf_free(&b);
}

/*
 * Index
 */

static void
sample_index(struct index *idx, struct index_pkg *pkgs)
{
	static const char *const names[3][3] = {
		{ "hello-tools", "1.0.2", "All/Hashed/hello-tools-1.0.2~2$prxkyyeb.pkg" },
		{ "meta-bundle", "1.0", "All/meta-bundle-1.0.pkg" },
		{ "tinyconf", "0.3_1", "All/tinyconf 0.3_1.pkg" },
	};
	size_t	i, j;

	memset(idx, 0, sizeof(*idx));
	idx->repo = "141amd64-default";
	idx->serial = 42;
	idx->created = 1700000000;
	idx->expires = 1700000000 + 90 * 86400;
	idx->pkgs = pkgs;
	idx->npkgs = 3;
	for (i = 0; i < 3; i++) {
		memset(&pkgs[i], 0, sizeof(pkgs[i]));
		pkgs[i].name = names[i][0];
		pkgs[i].version = names[i][1];
		pkgs[i].origin = "misc/x";
		pkgs[i].abi = "FreeBSD:14:amd64";
		pkgs[i].archive = names[i][2];
		for (j = 0; j < 32; j++) {
			pkgs[i].archive_sha256[j] = (unsigned char)(i * 32 + j);
			pkgs[i].record_sha256[j] = (unsigned char)(255 - j - i);
		}
		pkgs[i].archive_size = 24839 + i;
		pkgs[i].record_size = i == 1 ? 0 : 6592 + i;
		pkgs[i].nfiles = i == 1 ? 0 : 20 + i;
	}
}

static char *
signed_index(const struct index *idx, const struct vkey *k, size_t *len)
{
	struct buf	out = { 0 };
	struct err	e;

	if (index_format(&out, idx, k, &e) == -1)
		fail_msg("index_format: %s", e.msg);
	*len = out.len;
	return (out.data);
}

/* 1 when TEXT[LEN] passes both index_check and index_parse. */
static int
accepted(const char *text, size_t len, const struct vkey *k)
{
	struct index	 idx;
	struct err	 e;
	char		*copy;
	int		 ok;

	/* An exact-size copy, so that a read past LEN is caught by ASan. */
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	ok = index_check(copy, len, k, &e) == 0 &&
	    index_parse(copy, len, &idx, &e) == 0;
	if (ok)
		index_free(&idx);
	free(copy);
	return (ok);
}

static void
index_round_trip(enum key_type t)
{
	const struct vkey	*k = &K->k[t];
	struct index		 idx, got;
	struct index_pkg	 pkgs[3];
	struct err		 e;
	char			*text, keyid[KEY_ID_LEN + 1];
	size_t			 len, i;

	sample_index(&idx, pkgs);
	text = signed_index(&idx, k, &len);
	assert_int_equal(strlen(text), len);
	assert_memory_equal(text, FMT_INDEX_MAGIC "\n",
	    strlen(FMT_INDEX_MAGIC) + 1);
	assert_int_equal(index_keyid(text, len, keyid, &e), 0);
	assert_string_equal(keyid, k->id);
	if (index_check(text, len, k, &e) == -1)
		fail_msg("index_check: %s", e.msg);
	if (index_parse(text, len, &got, &e) == -1)
		fail_msg("index_parse: %s", e.msg);
	assert_string_equal(got.keyid, k->id);
	assert_string_equal(got.repo, idx.repo);
	assert_int_equal(got.serial, idx.serial);
	assert_int_equal(got.created, idx.created);
	assert_int_equal(got.expires, idx.expires);
	assert_int_equal(got.npkgs, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(got.pkgs[i].name, pkgs[i].name);
		assert_string_equal(got.pkgs[i].version, pkgs[i].version);
		assert_string_equal(got.pkgs[i].origin, pkgs[i].origin);
		assert_string_equal(got.pkgs[i].abi, pkgs[i].abi);
		assert_string_equal(got.pkgs[i].archive, pkgs[i].archive);
		assert_memory_equal(got.pkgs[i].archive_sha256,
		    pkgs[i].archive_sha256, 32);
		assert_int_equal(got.pkgs[i].archive_size,
		    pkgs[i].archive_size);
		assert_memory_equal(got.pkgs[i].record_sha256,
		    pkgs[i].record_sha256, 32);
		assert_int_equal(got.pkgs[i].record_size,
		    pkgs[i].record_size);
		assert_int_equal(got.pkgs[i].nfiles, pkgs[i].nfiles);
	}
	index_free(&got);
	/* Wrong key of the same type. */
	assert_int_equal(index_check(text, len, &K->other[t], &e), -1);
	assert_non_null(strstr(e.msg, k->id));
	free(text);
	/* No packages at all. */
	idx.npkgs = 0;
	text = signed_index(&idx, k, &len);
	assert_int_equal(accepted(text, len, k), 1);
	assert_int_equal(index_parse(text, len, &got, &e), 0);
	assert_int_equal(got.npkgs, 0);
	index_free(&got);
	free(text);
}

static void
test_index_round_trip_ed25519(void **state)
{
	(void)state;
	index_round_trip(KEY_ED25519);
}

static void
test_index_round_trip_ecdsa(void **state)
{
	(void)state;
	index_round_trip(KEY_ECDSA_P256);
}

static void
test_index_round_trip_rsa(void **state)
{
	(void)state;
	index_round_trip(KEY_RSA);
}

static void
index_damage(enum key_type t)
{
	const struct vkey	*k = &K->k[t];
	struct index		 idx;
	struct index_pkg	 pkgs[3];
	struct buf		 b = { 0 };
	char			*text, *copy, *lines[32];
	size_t			 len, i, j, n, nl;
	static const unsigned char bits[] = { 0x01, 0x02, 0x20, 0x80 };

	sample_index(&idx, pkgs);
	text = signed_index(&idx, k, &len);
	assert_int_equal(accepted(text, len, k), 1);
	/* Every truncation. */
	for (n = 0; n < len; n++)
		if (accepted(text, n, k))
			fail_msg("%s: index cut to %zu of %zu bytes accepted",
			    key_type_name(t), n, len);
	/* Anything appended. */
	b.len = 0;
	buf_printf(&b, "%s\n", text);
	assert_int_equal(accepted(b.data, b.len, k), 0);
	b.len = 0;
	buf_printf(&b, "%ssig AAAA\n", text);
	assert_int_equal(accepted(b.data, b.len, k), 0);
	/* CRLF line ends. */
	b.len = 0;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, text[i]);
	}
	assert_int_equal(accepted(b.data, b.len, k), 0);
	/* Every bit flip we try, at every byte. */
	copy = malloc(len);
	memcpy(copy, text, len);
	for (i = 0; i < len; i++)
		for (j = 0; j < sizeof(bits); j++) {
			copy[i] ^= (char)bits[j];
			if (accepted(copy, len, k))
				fail_msg("%s: index with byte %zu ^ 0x%02x "
				    "accepted", key_type_name(t), i, bits[j]);
			copy[i] ^= (char)bits[j];
		}
	free(copy);
	/* Lines swapped, each pair that differs. */
	copy = strdup(text);
	for (nl = 0, lines[0] = strtok(copy, "\n"); lines[nl] != NULL;
	    lines[++nl] = strtok(NULL, "\n"))
		assert_true(nl < 31);
	assert_int_equal(nl, 11);	/* 7 header, 3 packages, sig */
	for (i = 0; i < nl; i++)
		for (j = i + 1; j < nl; j++) {
			size_t	m;

			b.len = 0;
			for (m = 0; m < nl; m++)
				buf_printf(&b, "%s\n", lines[m == i ? j :
				    m == j ? i : m]);
			assert_int_equal(b.len, len);
			if (accepted(b.data, b.len, k))
				fail_msg("%s: index with lines %zu and %zu "
				    "swapped accepted", key_type_name(t), i, j);
		}
	free(copy);
	/* The key line names another key: the signature does not fit. */
	copy = strdup(text);
	memcpy(strstr(copy, "\nkey ") + 5, K->other[t].id, KEY_ID_LEN);
	assert_int_equal(accepted(copy, len, &K->other[t]), 0);
	assert_int_equal(accepted(copy, len, k), 0);
	free(copy);
	/* Signed by another key altogether. */
	assert_int_equal(accepted(text, len, &K->other[t]), 0);
	free(text);
	buf_free(&b);
}

static void
test_index_damage_ed25519(void **state)
{
	(void)state;
	index_damage(KEY_ED25519);
}

static void
test_index_damage_rsa(void **state)
{
	(void)state;
	index_damage(KEY_RSA);
}

/* A signed index is still refused when its packages are not in order. */
static void
test_index_order_enforced(void **state)
{
	const struct vkey	*k = &K->k[KEY_ED25519];
	struct index		 idx, got;
	struct index_pkg	 pkgs[3], tmp;
	struct err		 e;
	char			*text;
	size_t			 len;

	sample_index(&idx, pkgs);
	tmp = pkgs[0];
	pkgs[0] = pkgs[1];
	pkgs[1] = tmp;
	text = signed_index(&idx, k, &len);
	assert_int_equal(index_check(text, len, k, &e), 0);
	assert_int_equal(index_parse(text, len, &got, &e), -1);
	free(text);
	/* A duplicate name and version. */
	sample_index(&idx, pkgs);
	pkgs[1] = pkgs[0];
	text = signed_index(&idx, k, &len);
	assert_int_equal(index_check(text, len, k, &e), 0);
	assert_int_equal(index_parse(text, len, &got, &e), -1);
	free(text);
	/* Same name, versions in order: fine. */
	sample_index(&idx, pkgs);
	pkgs[1].name = "hello-tools";
	pkgs[1].version = "1.0.3";
	text = signed_index(&idx, k, &len);
	assert_int_equal(accepted(text, len, k), 1);
	free(text);
}

/*
 * Keys
 */

static void
test_fixture_rsa_key(void **state)
{
	struct vkey	 pub, sec;
	struct err	 e;
	struct record	 r, p;
	char		*dir, path[4096], *line;
	size_t		 len;

	(void)state;
	/* The key id is pkg's fingerprint of the same file. */
	if (key_load_public(fx_path("keys/repo.pub"), &pub, &e) == -1)
		fail_msg("%s", e.msg);
	assert_int_equal(pub.type, KEY_RSA);
	assert_string_equal(pub.id,
	    "0bba75dc0f58695204ee78d4e252600b0f4a756f58d5699145364fe8d3ab8ab3");
	/* A secret key readable by others is refused; 0600 is used. */
	dir = th_mkdtemp("test_format");
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/repo.key", dir);
	assert_int_equal(th_copy_file(fx_path("keys/repo.key"), path), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(key_load_secret(path, &sec, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	if (key_load_secret(path, &sec, &e) == -1)
		fail_msg("%s", e.msg);
	assert_string_equal(sec.id, pub.id);
	sample_record(&r, &sec);
	line = signed_line(&r, &sec, &len);
	assert_int_equal(record_parse(line, len, &p, &e), 0);
	assert_int_equal(record_verify(&p, &pub), 1);
	assert_int_equal(record_verify(&p, &K->k[KEY_RSA]), 0);
	free(line);
	key_free(&sec);
	key_free(&pub);
	/* pkg's other key types are not ours: secp256k1 DER, pkg eddsa. */
	assert_int_equal(key_load_public(fx_path("keys/ecdsa.pub"), &pub, &e),
	    -1);
	assert_int_equal(key_load_public(fx_path("keys/eddsa.pub"), &pub, &e),
	    -1);
	th_rm_rf(dir);
	free(dir);
}

static void
test_key_pem_round_trip(void **state)
{
	struct buf	pem = { 0 };
	struct vkey	k;
	struct err	e;
	int		t;

	(void)state;
	for (t = KEY_ED25519; t <= KEY_RSA; t++) {
		assert_int_equal(key_public_pem(&K->k[t], &pem), 0);
		assert_int_equal(key_load_public_mem(pem.data, pem.len, &k,
		    &e), 0);
		assert_string_equal(k.id, K->k[t].id);
		assert_int_equal(k.type, t);
		key_free(&k);
		assert_string_not_equal(K->k[t].id, K->other[t].id);
	}
	buf_free(&pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip_ed25519),
		cmocka_unit_test(test_record_round_trip_ecdsa),
		cmocka_unit_test(test_record_round_trip_rsa),
		cmocka_unit_test(test_record_every_change_ed25519),
		cmocka_unit_test(test_record_every_change_ecdsa),
		cmocka_unit_test(test_record_every_change_rsa),
		cmocka_unit_test(test_record_parse_rejects),
		cmocka_unit_test(test_index_round_trip_ed25519),
		cmocka_unit_test(test_index_round_trip_ecdsa),
		cmocka_unit_test(test_index_round_trip_rsa),
		cmocka_unit_test(test_index_damage_ed25519),
		cmocka_unit_test(test_index_damage_rsa),
		cmocka_unit_test(test_index_order_enforced),
		cmocka_unit_test(test_fixture_rsa_key),
		cmocka_unit_test(test_key_pem_round_trip),
	};

	return (cmocka_run_group_tests_name("format", tests, keys_setup,
	    keys_teardown));
}
