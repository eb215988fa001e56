/*
 * Reading and writing the signature formats described in pkg-filesigs(5).
 *
 * Every field is written with field_encode(), so a line splits on single
 * spaces, and the parsers accept only what the writers produce: one
 * spelling per value.  That lets a reader check a record's signature by
 * encoding the parsed statement again instead of keeping its raw text.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format.h"

#define REC_NFIELDS	16

static int
add_field(struct buf *b, const char *s)
{
	if (b->len > 0 && b->data[b->len - 1] != '\n' &&
	    buf_addc(b, ' ') == -1)
		return (-1);
	return (field_encode(b, s, strlen(s)));
}

static int
add_raw(struct buf *b, const char *s)
{
	if (b->len > 0 && b->data[b->len - 1] != '\n' &&
	    buf_addc(b, ' ') == -1)
		return (-1);
	return (buf_addstr(b, s));
}

static int
add_u64(struct buf *b, uint64_t v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return (add_raw(b, num));
}

static int
add_hex(struct buf *b, const unsigned char *d, size_t n)
{
	char	hex[129];

	hex_encode(d, n, hex);
	return (add_raw(b, hex));
}

/*
 * The statement of a record: every field but the signature, on one line
 * without its newline.  The signed message is the domain string, a NUL,
 * then this text.
 */
int
record_statement(struct buf *b, const struct record *r)
{
	char	ty[2] = { (char)r->type, '\0' };
	char	mode[8];

	b->len = 0;
	snprintf(mode, sizeof(mode), "%04o", r->mode & 07777);
	if (add_raw(b, FMT_RECORD_TAG) == -1 ||
	    add_raw(b, r->pkg.keyid) == -1 ||
	    add_field(b, r->pkg.repo) == -1 ||
	    add_field(b, r->pkg.abi) == -1 ||
	    add_field(b, r->pkg.origin) == -1 ||
	    add_field(b, r->pkg.name) == -1 ||
	    add_field(b, r->pkg.version) == -1 ||
	    add_field(b, r->path) == -1 ||
	    add_raw(b, ty) == -1 ||
	    add_raw(b, mode) == -1 ||
	    add_field(b, r->owner) == -1 ||
	    add_field(b, r->group) == -1)
		return (-1);
	if (r->type == FT_DIR) {
		if (add_raw(b, "-") == -1 || add_raw(b, "-") == -1)
			return (-1);
	} else if (add_u64(b, r->size) == -1 ||
	    add_hex(b, r->sha256, sizeof(r->sha256)) == -1)
		return (-1);
	return (add_raw(b, r->config ? "c" : "-"));
}

int
fmt_signed_message(struct buf *m, const char *domain, const char *text,
    size_t len)
{
	m->len = 0;
	if (buf_add(m, domain, strlen(domain) + 1) == -1 ||
	    buf_add(m, text, len) == -1)
		return (-1);
	return (0);
}

/* Append the signed line of R, with its newline, to OUT. */
int
record_sign(struct buf *out, const struct record *r, const struct vkey *k,
    struct err *e)
{
	struct buf	 st = { 0 }, msg = { 0 };
	unsigned char	 sig[KEY_SIG_MAX];
	size_t		 siglen;
	int		 ret = -1;

	if (record_statement(&st, r) == -1 ||
	    fmt_signed_message(&msg, FMT_RECORD_DOMAIN, st.data, st.len) == -1) {
		err_set(e, "%s: cannot encode record", r->path);
		goto out;
	}
	if (key_sign(k, msg.data, msg.len, sig, &siglen, e) == -1)
		goto out;
	if (buf_add(out, st.data, st.len) == -1 || buf_addc(out, ' ') == -1 ||
	    b64_encode(sig, siglen, out) == -1 || buf_addc(out, '\n') == -1) {
		err_set(e, "out of memory");
		goto out;
	}
	ret = 0;
out:
	buf_free(&st);
	buf_free(&msg);
	return (ret);
}

/* Decode a field in place; a decoded NUL would cut the string short. */
static int
decode_inplace(char *s, const char **out)
{
	struct buf	b = { 0 };
	size_t		n = strlen(s);
	int		ok;

	ok = field_decode(s, n, &b) == 0 && strlen(b.data) == b.len;
	if (ok) {
		memcpy(s, b.data, b.len + 1);
		*out = s;
	}
	buf_free(&b);
	return (ok ? 0 : -1);
}

static int
split(char *line, size_t len, char **f, size_t nf)
{
	size_t	i, k = 0;

	if (len == 0 || memchr(line, '\0', len) != NULL)
		return (-1);
	f[k++] = line;
	for (i = 0; i < len; i++) {
		if (line[i] != ' ')
			continue;
		if (k == nf)
			return (-1);
		line[i] = '\0';
		f[k++] = line + i + 1;
	}
	line[len] = '\0';
	for (i = 0; i < k; i++)
		if (f[i][0] == '\0')
			return (-1);
	return (k == nf ? 0 : -1);
}

static int
parse_mode(const char *s, unsigned int *mode)
{
	unsigned int	v = 0;
	int		i;

	if (strlen(s) != 4)
		return (-1);
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '7')
			return (-1);
		v = v << 3 | (unsigned int)(s[i] - '0');
	}
	*mode = v;
	return (0);
}

static int
is_keyid(const char *s)
{
	unsigned char	tmp[32];

	return (hex_decode(s, strlen(s), tmp, sizeof(tmp)) == 0);
}

/*
 * Parse one record line (without its newline) in place.  The strings of
 * R point into LINE.
 */
int
record_parse(char *line, size_t len, struct record *r, struct err *e)
{
	char	*f[REC_NFIELDS];

	memset(r, 0, sizeof(*r));
	if (len > FMT_LINE_MAX)
		return (err_set(e, "record longer than %d bytes",
		    FMT_LINE_MAX));
	if (split(line, len, f, REC_NFIELDS) == -1)
		return (err_set(e, "record does not have %d fields",
		    REC_NFIELDS));
	if (strcmp(f[0], FMT_RECORD_TAG) != 0)
		return (err_set(e, "unknown record version"));
	if (!is_keyid(f[1]))
		return (err_set(e, "bad key id in record"));
	r->pkg.keyid = f[1];
	if (decode_inplace(f[2], &r->pkg.repo) == -1 ||
	    decode_inplace(f[3], &r->pkg.abi) == -1 ||
	    decode_inplace(f[4], &r->pkg.origin) == -1 ||
	    decode_inplace(f[5], &r->pkg.name) == -1 ||
	    decode_inplace(f[6], &r->pkg.version) == -1 ||
	    decode_inplace(f[7], &r->path) == -1 ||
	    decode_inplace(f[10], &r->owner) == -1 ||
	    decode_inplace(f[11], &r->group) == -1)
		return (err_set(e, "badly encoded field in record"));
	if (r->path[0] != '/')
		return (err_set(e, "record path is not absolute"));
	if (strlen(f[8]) != 1 || (f[8][0] != FT_FILE &&
	    f[8][0] != FT_SYMLINK && f[8][0] != FT_DIR))
		return (err_set(e, "unknown file type in record"));
	r->type = (enum ftype)f[8][0];
	if (parse_mode(f[9], &r->mode) == -1)
		return (err_set(e, "bad mode in record"));
	if (r->type == FT_DIR) {
		if (strcmp(f[12], "-") != 0 || strcmp(f[13], "-") != 0)
			return (err_set(e, "directory record with a digest"));
	} else if (parse_u64(f[12], strlen(f[12]), &r->size) == -1 ||
	    hex_decode(f[13], strlen(f[13]), r->sha256,
	    sizeof(r->sha256)) == -1)
		return (err_set(e, "bad size or digest in record"));
	if (strcmp(f[14], "c") == 0)
		r->config = 1;
	else if (strcmp(f[14], "-") != 0)
		return (err_set(e, "bad config flag in record"));
	if (b64_decode(f[15], strlen(f[15]), r->sig, sizeof(r->sig),
	    &r->siglen) == -1)
		return (err_set(e, "bad signature encoding in record"));
	return (0);
}

/* 1 when R carries K's valid signature over its statement, else 0. */
int
record_verify(const struct record *r, const struct vkey *k)
{
	struct buf	st = { 0 }, msg = { 0 };
	int		ok;

	ok = strcmp(r->pkg.keyid, k->id) == 0 &&
	    record_statement(&st, r) == 0 &&
	    fmt_signed_message(&msg, FMT_RECORD_DOMAIN, st.data, st.len) == 0 &&
	    key_verify(k, msg.data, msg.len, r->sig, r->siglen);
	buf_free(&st);
	buf_free(&msg);
	return (ok);
}

void
record_name(const unsigned char *sha256, char *out)
{
	hex_encode(sha256, 32, out);
	strcat(out, FMT_RECORD_SUFFIX);
}

int
index_pkg_cmp(const void *a, const void *b)
{
	const struct index_pkg	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return (strcmp(x->version, y->version));
}

/*
 * Write IDX, signed by K, to OUT.  The packages must be sorted with
 * index_pkg_cmp() and unique by name and version.
 */
int
index_body(struct buf *out, const struct index *idx, const char *keyid)
{
	const struct index_pkg	*p;
	size_t			 i;

	out->len = 0;
	if (buf_printf(out, "%s\nkey %s\nrepo ", FMT_INDEX_MAGIC,
	    keyid) == -1 || field_encode(out, idx->repo,
	    strlen(idx->repo)) == -1 ||
	    buf_printf(out, "\nserial %llu\ncreated %lld\nexpires %lld\n"
	    "packages %zu\n", (unsigned long long)idx->serial,
	    (long long)idx->created, (long long)idx->expires,
	    idx->npkgs) == -1)
		return (-1);
	for (i = 0; i < idx->npkgs; i++) {
		p = &idx->pkgs[i];
		if (add_raw(out, "P") == -1 || add_field(out, p->name) == -1 ||
		    add_field(out, p->version) == -1 ||
		    add_field(out, p->origin) == -1 ||
		    add_field(out, p->abi) == -1 ||
		    add_field(out, p->archive) == -1 ||
		    add_hex(out, p->archive_sha256, 32) == -1 ||
		    add_u64(out, p->archive_size) == -1 ||
		    add_hex(out, p->record_sha256, 32) == -1 ||
		    add_u64(out, p->record_size) == -1 ||
		    add_u64(out, p->nfiles) == -1 || buf_addc(out, '\n') == -1)
			return (-1);
	}
	return (0);
}

/* Finish an index body with its signature line. */
int
index_append_sig(struct buf *out, const unsigned char *sig, size_t siglen)
{
	if (buf_addstr(out, "sig ") == -1 || b64_encode(sig, siglen,
	    out) == -1 || buf_addc(out, '\n') == -1)
		return (-1);
	return (0);
}

int
index_format(struct buf *out, const struct index *idx, const struct vkey *k,
    struct err *e)
{
	struct buf	 msg = { 0 };
	unsigned char	 sig[KEY_SIG_MAX];
	size_t		 siglen;
	int		 ret = -1;

	if (index_body(out, idx, k->id) == -1 ||
	    fmt_signed_message(&msg, FMT_INDEX_DOMAIN, out->data,
	    out->len) == -1) {
		err_set(e, "cannot encode index");
		goto out;
	}
	if (key_sign(k, msg.data, msg.len, sig, &siglen, e) == -1)
		goto out;
	if (index_append_sig(out, sig, siglen) == -1) {
		err_set(e, "cannot encode index");
		goto out;
	}
	ret = 0;
out:
	buf_free(&msg);
	return (ret);
}

/*
 * Locate the signature line: the last line, "sig <base64>\n".  Returns
 * the length of the signed text.
 */
static int
find_sig(const char *text, size_t len, size_t *signedlen,
    unsigned char *sig, size_t *siglen)
{
	size_t	start;

	if (len < 6 || text[len - 1] != '\n')
		return (-1);
	start = len - 1;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	if (start == 0 || len - start < 6 ||
	    memcmp(text + start, "sig ", 4) != 0)
		return (-1);
	if (b64_decode(text + start + 4, len - start - 5, sig, KEY_SIG_MAX,
	    siglen) == -1)
		return (-1);
	*signedlen = start;
	return (0);
}

/* The key id an index claims, read before anything else is trusted. */
int
index_keyid(const char *text, size_t len, char *keyid, struct err *e)
{
	size_t	m = strlen(FMT_INDEX_MAGIC);

	if (len < m + 1 || memcmp(text, FMT_INDEX_MAGIC, m) != 0 ||
	    text[m] != '\n')
		return (err_set(e, "not a pkg-filesigs index of version %d",
		    FMT_VERSION));
	text += m + 1;
	len -= m + 1;
	if (len < 4 + KEY_ID_LEN + 1 || memcmp(text, "key ", 4) != 0 ||
	    text[4 + KEY_ID_LEN] != '\n')
		return (err_set(e, "index has no key line"));
	memcpy(keyid, text + 4, KEY_ID_LEN);
	keyid[KEY_ID_LEN] = '\0';
	if (!is_keyid(keyid))
		return (err_set(e, "index has a malformed key id"));
	return (0);
}

/* Check the signature of an index with K before any of it is parsed. */
int
index_check(const char *text, size_t len, const struct vkey *k,
    struct err *e)
{
	struct buf	 msg = { 0 };
	unsigned char	 sig[KEY_SIG_MAX];
	char		 keyid[KEY_ID_LEN + 1];
	size_t		 signedlen, siglen;
	int		 ok;

	if (index_keyid(text, len, keyid, e) == -1)
		return (-1);
	if (strcmp(keyid, k->id) != 0)
		return (err_set(e, "index is signed by key %s, not by %s",
		    keyid, k->id));
	if (find_sig(text, len, &signedlen, sig, &siglen) == -1)
		return (err_set(e, "index has no well-formed signature line"));
	if (fmt_signed_message(&msg, FMT_INDEX_DOMAIN, text, signedlen) == -1)
		return (err_set(e, "out of memory"));
	ok = key_verify(k, msg.data, msg.len, sig, siglen);
	buf_free(&msg);
	if (!ok)
		return (err_set(e, "index signature does not verify with "
		    "key %s", k->id));
	return (0);
}

static char *
next_line(char **cur, char *end)
{
	char	*s = *cur, *nl;

	if (s >= end || (nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
		return (NULL);
	*nl = '\0';
	*cur = nl + 1;
	return (s);
}

static int
keyword(char *line, const char *kw, char **val)
{
	size_t	n = strlen(kw);

	if (strncmp(line, kw, n) != 0 || line[n] != ' ' || line[n + 1] == '\0')
		return (-1);
	*val = line + n + 1;
	return (0);
}

static int
parse_i64(const char *s, int64_t *v)
{
	uint64_t	u;

	if (parse_u64(s, strlen(s), &u) == -1 || u > INT64_MAX)
		return (-1);
	*v = (int64_t)u;
	return (0);
}

static int
parse_pkg_line(char *line, struct index_pkg *p)
{
	char	*f[11];

	if (split(line, strlen(line), f, 11) == -1 || strcmp(f[0], "P") != 0)
		return (-1);
	if (decode_inplace(f[1], &p->name) == -1 ||
	    decode_inplace(f[2], &p->version) == -1 ||
	    decode_inplace(f[3], &p->origin) == -1 ||
	    decode_inplace(f[4], &p->abi) == -1 ||
	    decode_inplace(f[5], &p->archive) == -1)
		return (-1);
	if (hex_decode(f[6], strlen(f[6]), p->archive_sha256, 32) == -1 ||
	    parse_u64(f[7], strlen(f[7]), &p->archive_size) == -1 ||
	    hex_decode(f[8], strlen(f[8]), p->record_sha256, 32) == -1 ||
	    parse_u64(f[9], strlen(f[9]), &p->record_size) == -1 ||
	    parse_u64(f[10], strlen(f[10]), &p->nfiles) == -1)
		return (-1);
	return (0);
}

/*
 * Parse an index whose signature index_check() has accepted.  The text is
 * copied; IDX owns the copy.
 */
int
index_parse(const char *text, size_t len, struct index *idx, struct err *e)
{
	char		*cur, *end, *line, *val;
	uint64_t	 n;
	size_t		 i;

	memset(idx, 0, sizeof(*idx));
	if (index_keyid(text, len, idx->keyid, e) == -1)
		return (-1);
	/* The lines are C strings below: a NUL would end one early. */
	if (memchr(text, '\0', len) != NULL)
		return (err_set(e, "index holds a NUL byte"));
	if ((idx->text = malloc(len + 1)) == NULL)
		return (err_set(e, "out of memory"));
	memcpy(idx->text, text, len);
	idx->text[len] = '\0';
	cur = idx->text;
	end = idx->text + len;
	next_line(&cur, end);
	next_line(&cur, end);
	if ((line = next_line(&cur, end)) == NULL ||
	    keyword(line, "repo", &val) == -1 ||
	    decode_inplace(val, &idx->repo) == -1)
		goto bad;
	if ((line = next_line(&cur, end)) == NULL ||
	    keyword(line, "serial", &val) == -1 ||
	    parse_u64(val, strlen(val), &idx->serial) == -1)
		goto bad;
	if ((line = next_line(&cur, end)) == NULL ||
	    keyword(line, "created", &val) == -1 ||
	    parse_i64(val, &idx->created) == -1)
		goto bad;
	if ((line = next_line(&cur, end)) == NULL ||
	    keyword(line, "expires", &val) == -1 ||
	    parse_i64(val, &idx->expires) == -1)
		goto bad;
	if ((line = next_line(&cur, end)) == NULL ||
	    keyword(line, "packages", &val) == -1 ||
	    parse_u64(val, strlen(val), &n) == -1 || n > len / 16)
		goto bad;
	if (n > 0 && (idx->pkgs = calloc((size_t)n, sizeof(*idx->pkgs))) ==
	    NULL) {
		index_free(idx);
		return (err_set(e, "out of memory"));
	}
	idx->npkgs = (size_t)n;
	for (i = 0; i < idx->npkgs; i++) {
		if ((line = next_line(&cur, end)) == NULL ||
		    parse_pkg_line(line, &idx->pkgs[i]) == -1)
			goto bad;
		/* Sorted and unique, so that there is one spelling. */
		if (i > 0 && index_pkg_cmp(&idx->pkgs[i - 1],
		    &idx->pkgs[i]) >= 0)
			goto bad;
	}
	if ((line = next_line(&cur, end)) == NULL ||
	    strncmp(line, "sig ", 4) != 0 || cur != end)
		goto bad;
	return (0);
bad:
	index_free(idx);
	return (err_set(e, "malformed index"));
}

void
index_free(struct index *idx)
{
	free(idx->pkgs);
	free(idx->text);
	memset(idx, 0, sizeof(*idx));
}
