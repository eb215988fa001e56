/*
 * Package archives as pkg writes them: a tar (ustar with pax extensions)
 * compressed with zstd, xz, bzip2 or gzip, or not at all, whatever the
 * file is called.  The leading members whose names start with '+' are
 * metadata; +MANIFEST lists every file with its checksum.  Everything
 * after them is payload, with absolute path names.
 *
 * The archive is refused, with the path named, when an entry is not in
 * the manifest, a listed file or directory is not in the archive, a
 * digest, mode, owner or link target disagrees with the manifest, or the
 * archive itself is damaged.  A package that is refused is never signed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "pkgread.h"
#include "pkgsum.h"

#define READ_BLOCK	(256 * 1024)

/* What +MANIFEST says of one path. */
struct mentry {
	char		*path;
	const char	*sum;		/* NULL for a directory */
	const char	*uname;
	const char	*gname;
	const char	*perm;
	const char	*symlink_target;
	int		 dir;
	int		 config;
	int		 seen;
	size_t		 entry;		/* index in out->entries, plus 1 */
};

struct reader {
	int		 fd;
	EVP_MD_CTX	*sha;
	unsigned char	*block;
	uint64_t	 total;
	int		 error;
};

struct pkgctx {
	const char	*file;
	struct err	*err;
	json_t		*manifest;
	struct mentry	*m;
	size_t		 nm;
	struct pkg_archive *out;
	size_t		 cap;
	EVP_MD_CTX	*sha;
	EVP_MD_CTX	*alt;
};

static uint64_t	entry_max = PKG_ENTRY_MAX;

static ssize_t
reader_read(struct archive *a, void *arg, const void **buf)
{
	struct reader	*r = arg;
	ssize_t		 n;

	(void)a;
	for (;;) {
		n = read(r->fd, r->block, READ_BLOCK);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		r->error = errno;
		archive_set_error(a, errno, "read error");
		return (-1);
	}
	if (n > 0 && EVP_DigestUpdate(r->sha, r->block, (size_t)n) != 1) {
		archive_set_error(a, ENOMEM, "digest failure");
		return (-1);
	}
	r->total += (uint64_t)n;
	*buf = r->block;
	return (n);
}

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* pkg's decoding: "%xx" becomes a byte, any other '%' stays. */
int
pkg_url_decode(const char *s, struct buf *out)
{
	int	hi, lo;

	out->len = 0;
	if (buf_reserve(out, strlen(s)) == -1)
		return (-1);
	for (; *s != '\0'; s++) {
		if (s[0] == '%' && (hi = hexdigit(s[1])) >= 0 &&
		    (lo = hexdigit(s[2])) >= 0) {
			out->data[out->len++] = (char)(hi << 4 | lo);
			s += 2;
		} else
			out->data[out->len++] = *s;
	}
	out->data[out->len] = '\0';
	return (memchr(out->data, '\0', out->len) == NULL ? 0 : -1);
}

/*
 * An installed path: absolute, no empty, "." or ".." component, no
 * trailing '/', and no control character that could forge a line in a
 * report or a record.
 */
int
pkg_path_check(const char *p)
{
	const char	*c;

	if (p[0] != '/' || p[1] == '\0')
		return (-1);
	for (c = p; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r')
			return (-1);
	for (c = p; *c != '\0'; ) {
		const char	*s = c + 1, *e = strchr(s, '/');
		size_t		 n = e ? (size_t)(e - s) : strlen(s);

		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return (-1);
		c = s + n;
	}
	return (0);
}

static int
mentry_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct mentry *)a)->path,
	    ((const struct mentry *)b)->path));
}

static struct mentry *
mentry_find(struct pkgctx *c, const char *path)
{
	struct mentry	key = { 0 };

	key.path = (char *)(uintptr_t)path;
	if (c->nm == 0)
		return (NULL);
	return (bsearch(&key, c->m, c->nm, sizeof(*c->m), mentry_cmp));
}

static const char *
str_or_null(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

static int
add_mentry(struct pkgctx *c, const char *key, json_t *val, int dir)
{
	struct mentry	*m;
	struct buf	 path = { 0 };

	if (pkg_url_decode(key, &path) == -1 || pkg_path_check(path.data) ==
	    -1) {
		buf_free(&path);
		return (err_set(c->err, "%s: +MANIFEST lists an invalid path "
		    "\"%s\"", c->file, key));
	}
	m = &c->m[c->nm++];
	memset(m, 0, sizeof(*m));
	m->path = path.data;
	m->dir = dir;
	if (dir) {
		if (json_is_object(val)) {
			m->uname = str_or_null(val, "uname");
			m->gname = str_or_null(val, "gname");
			m->perm = str_or_null(val, "perm");
		}
		return (0);
	}
	if (json_is_string(val))
		m->sum = json_string_value(val);
	else if (json_is_object(val)) {
		m->sum = str_or_null(val, "sum");
		m->uname = str_or_null(val, "uname");
		m->gname = str_or_null(val, "gname");
		m->perm = str_or_null(val, "perm");
		m->symlink_target = str_or_null(val, "symlink_target");
	}
	/* pkg treats a sum shorter than two characters as "none". */
	if (m->sum == NULL || strlen(m->sum) < 2)
		return (err_set(c->err, "%s: %s: +MANIFEST gives no checksum",
		    c->file, m->path));
	return (0);
}

static int
manifest_string(struct pkgctx *c, const char *key, char **out, int need)
{
	const char	*v = str_or_null(c->manifest, key);

	if (v == NULL || *v == '\0') {
		if (!need)
			return (0);
		return (err_set(c->err, "%s: +MANIFEST has no \"%s\"", c->file,
		    key));
	}
	if ((*out = strdup(v)) == NULL)
		return (err_set(c->err, "out of memory"));
	return (0);
}

static int
load_config(struct pkgctx *c)
{
	json_t		*cfg, *v;
	struct mentry	*m;
	struct buf	 path = { 0 };
	size_t		 i;
	int		 r = 0;

	cfg = json_object_get(c->manifest, "config");
	if (cfg == NULL)
		return (0);
	if (!json_is_array(cfg))
		return (err_set(c->err, "%s: +MANIFEST \"config\" is not a "
		    "list", c->file));
	json_array_foreach(cfg, i, v) {
		if (!json_is_string(v) ||
		    pkg_url_decode(json_string_value(v), &path) == -1 ||
		    (m = mentry_find(c, path.data)) == NULL || m->dir) {
			r = err_set(c->err, "%s: +MANIFEST config entry is not "
			    "a listed file", c->file);
			break;
		}
		m->config = 1;
	}
	buf_free(&path);
	return (r);
}

static int
parse_manifest(struct pkgctx *c, const char *text, size_t len)
{
	json_error_t	 jerr;
	json_t		*files, *dirs, *v;
	const char	*k;
	size_t		 i, n;

	for (i = 0; i < len && strchr(" \t\r\n", text[i]) != NULL; i++)
		;
	if (i == len || text[i] != '{')
		return (err_set(c->err, "%s: +MANIFEST is not JSON (a UCL "
		    "manifest, as pkg create -e writes, is not supported)",
		    c->file));
	c->manifest = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->manifest == NULL || !json_is_object(c->manifest))
		return (err_set(c->err, "%s: +MANIFEST: %s (line %d)", c->file,
		    c->manifest ? "not an object" : jerr.text, jerr.line));
	if (manifest_string(c, "name", &c->out->name, 1) == -1 ||
	    manifest_string(c, "version", &c->out->version, 1) == -1 ||
	    manifest_string(c, "origin", &c->out->origin, 1) == -1 ||
	    manifest_string(c, "abi", &c->out->abi, 0) == -1)
		return (-1);
	if (c->out->abi == NULL &&
	    manifest_string(c, "arch", &c->out->abi, 1) == -1)
		return (-1);
	files = json_object_get(c->manifest, "files");
	dirs = json_object_get(c->manifest, "directories");
	if ((files != NULL && !json_is_object(files)) ||
	    (dirs != NULL && !json_is_object(dirs)))
		return (err_set(c->err, "%s: +MANIFEST \"files\" or "
		    "\"directories\" is not an object", c->file));
	n = json_object_size(files) + json_object_size(dirs);
	if (n > 0 && (c->m = calloc(n, sizeof(*c->m))) == NULL)
		return (err_set(c->err, "out of memory"));
	json_object_foreach(files, k, v)
		if (add_mentry(c, k, v, 0) == -1)
			return (-1);
	json_object_foreach(dirs, k, v)
		if (add_mentry(c, k, v, 1) == -1)
			return (-1);
	sort_array(c->m, c->nm, sizeof(*c->m), mentry_cmp);
	for (i = 1; i < c->nm; i++)
		if (strcmp(c->m[i - 1].path, c->m[i].path) == 0)
			return (err_set(c->err, "%s: %s: listed twice in "
			    "+MANIFEST", c->file, c->m[i].path));
	return (load_config(c));
}

static int
read_member(struct pkgctx *c, struct archive *a, struct archive_entry *ae,
    struct buf *out)
{
	la_int64_t	 size = archive_entry_size(ae);
	la_ssize_t	 n;

	if (size < 0 || size > PKG_MANIFEST_MAX)
		return (err_set(c->err, "%s: +MANIFEST too large", c->file));
	out->len = 0;
	if (buf_reserve(out, (size_t)size) == -1)
		return (err_set(c->err, "out of memory"));
	while ((n = archive_read_data(a, out->data + out->len,
	    out->cap - out->len - 1)) > 0) {
		out->len += (size_t)n;
		if (out->len > (size_t)size)
			return (err_set(c->err, "%s: +MANIFEST longer than its "
			    "header says", c->file));
		if (buf_reserve(out, 4096) == -1)
			return (err_set(c->err, "out of memory"));
	}
	if (n < 0)
		return (err_set(c->err, "%s: %s", c->file,
		    archive_error_string(a)));
	out->data[out->len] = '\0';
	return (0);
}

/* The entry's path as installed: absolute, without a trailing '/'. */
static int
entry_path(struct pkgctx *c, struct archive_entry *ae, struct buf *p)
{
	const char	*name;
	size_t		 n;

	if ((name = archive_entry_pathname_utf8(ae)) == NULL &&
	    (name = archive_entry_pathname(ae)) == NULL)
		return (err_set(c->err, "%s: entry without a name", c->file));
	p->len = 0;
	if ((name[0] != '/' && buf_addc(p, '/') == -1) ||
	    buf_addstr(p, name) == -1)
		return (err_set(c->err, "out of memory"));
	n = p->len;
	while (n > 1 && p->data[n - 1] == '/')
		p->data[--n] = '\0';
	p->len = n;
	if (pkg_path_check(p->data) == -1)
		return (err_set(c->err, "%s: invalid path \"%s\" in archive",
		    c->file, name));
	return (0);
}

static struct pkg_entry *
new_entry(struct pkgctx *c)
{
	struct pkg_archive	*o = c->out;
	struct pkg_entry	*e;

	if (o->nentries == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		e = reallocarray(o->entries, c->cap, sizeof(*e));
		if (e == NULL)
			return (NULL);
		o->entries = e;
	}
	e = &o->entries[o->nentries++];
	memset(e, 0, sizeof(*e));
	return (e);
}

static int
parse_perm(const char *s, unsigned int *mode)
{
	char		*end;
	unsigned long	 v;

	if (s[0] == '\0')
		return (-1);
	v = strtoul(s, &end, 8);
	if (*end != '\0' || v > 07777)
		return (-1);
	*mode = (unsigned int)v;
	return (0);
}

/*
 * Mode and owner: the manifest's when it gives them (pkg 2.4 and later),
 * else the archive header's, which is what older pkg installs from.  When
 * both exist they must agree.
 */
static int
set_meta(struct pkgctx *c, struct mentry *m, struct archive_entry *ae,
    struct pkg_entry *e)
{
	const char	*un = archive_entry_uname(ae);
	const char	*gn = archive_entry_gname(ae);
	unsigned int	 mode = archive_entry_perm(ae) & 07777;

	if (m->perm != NULL) {
		unsigned int	 mperm;

		if (parse_perm(m->perm, &mperm) == -1)
			return (err_set(c->err, "%s: %s: bad perm \"%s\" in "
			    "+MANIFEST", c->file, m->path, m->perm));
		if (mperm != mode)
			return (err_set(c->err, "%s: %s: mode %04o in archive, "
			    "%04o in +MANIFEST", c->file, m->path, mode,
			    mperm));
	}
	if (m->uname != NULL && (un == NULL || strcmp(un, m->uname) != 0))
		return (err_set(c->err, "%s: %s: owner differs between "
		    "archive and +MANIFEST", c->file, m->path));
	if (m->gname != NULL && (gn == NULL || strcmp(gn, m->gname) != 0))
		return (err_set(c->err, "%s: %s: group differs between "
		    "archive and +MANIFEST", c->file, m->path));
	if (un == NULL || *un == '\0' || gn == NULL || *gn == '\0')
		return (err_set(c->err, "%s: %s: no owner or group name",
		    c->file, m->path));
	e->mode = mode;
	if ((e->owner = strdup(un)) == NULL || (e->group = strdup(gn)) == NULL)
		return (err_set(c->err, "out of memory"));
	return (0);
}

/* Compare what we computed with the manifest's sum, in its own type. */
static int
check_sum(struct pkgctx *c, struct mentry *m, enum pkgsum_type t,
    const unsigned char *d, size_t dlen)
{
	char	mine[PKGSUM_MAX];

	if (pkgsum_format(t, d, dlen, mine, sizeof(mine)) == -1)
		return (err_set(c->err, "%s: %s: cannot format checksum",
		    c->file, m->path));
	if (strcmp(mine, m->sum) != 0)
		return (err_set(c->err, "%s: %s: content does not match the "
		    "checksum in +MANIFEST", c->file, m->path));
	return (0);
}

static int
sum_type(struct pkgctx *c, struct mentry *m, enum pkgsum_type *t)
{
	if (pkgsum_type(m->sum, t) == -1)
		return (err_set(c->err, "%s: %s: unknown checksum type \"%.8s\"",
		    c->file, m->path, m->sum));
	return (0);
}

static int
digest_init(struct pkgctx *c, enum pkgsum_type t)
{
	const EVP_MD	*md = pkgsum_md(t);

	if (EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1)
		return (-1);
	if (md != EVP_sha256() && EVP_DigestInit_ex(c->alt, md, NULL) != 1)
		return (-1);
	return (0);
}

static int
digest_update(struct pkgctx *c, enum pkgsum_type t, const void *p, size_t n)
{
	if (EVP_DigestUpdate(c->sha, p, n) != 1)
		return (-1);
	if (pkgsum_md(t) != EVP_sha256() &&
	    EVP_DigestUpdate(c->alt, p, n) != 1)
		return (-1);
	return (0);
}

/* Finish both digests; ALT receives the manifest-type digest. */
static int
digest_final(struct pkgctx *c, enum pkgsum_type t, unsigned char *sha,
    unsigned char *alt, unsigned int *altlen)
{
	unsigned int	n;

	if (EVP_DigestFinal_ex(c->sha, sha, &n) != 1)
		return (-1);
	if (pkgsum_md(t) == EVP_sha256()) {
		memcpy(alt, sha, 32);
		*altlen = 32;
		return (0);
	}
	return (EVP_DigestFinal_ex(c->alt, alt, altlen) == 1 ? 0 : -1);
}

/* Hash N zero bytes, a hole of a sparse entry. */
static int
hash_zeros(struct pkgctx *c, enum pkgsum_type t, la_int64_t n)
{
	static const unsigned char zeros[64 * 1024];
	size_t	z;

	while (n > 0) {
		z = (uint64_t)n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		if (digest_update(c, t, zeros, z) == -1)
			return (err_ssl(c->err, "digest failure"));
		n -= (la_int64_t)z;
	}
	return (0);
}

static int
hash_regular(struct pkgctx *c, struct archive *a, struct archive_entry *ae,
    struct mentry *m, struct pkg_entry *e)
{
	enum pkgsum_type	 t;
	const void		*blk;
	size_t			 len;
	la_int64_t		 off, pos = 0;
	unsigned char		 alt[64];
	unsigned int		 altlen;
	int			 r;

	if (sum_type(c, m, &t) == -1)
		return (-1);

	/*
	 * A sparse entry can claim any size in a few bytes of archive, and
	 * every byte of it must be hashed: refuse a claim past the limit
	 * before spending the time.
	 */
	if ((uint64_t)archive_entry_size(ae) > entry_max)
		return (err_set(c->err, "%s: %s: %lld bytes, more than the "
		    "limit of %llu bytes for one file", c->file, m->path,
		    (long long)archive_entry_size(ae),
		    (unsigned long long)entry_max));

	if (digest_init(c, t) == -1)
		return (err_ssl(c->err, "digest failure"));
	while ((r = archive_read_data_block(a, &blk, &len, &off)) ==
	    ARCHIVE_OK) {
		/* A sparse entry: the holes read as zero bytes. */
		if (pos < off) {
			if (hash_zeros(c, t, off - pos) == -1)
				return (-1);
			pos = off;
		}
		if (off < pos)
			return (err_set(c->err, "%s: %s: overlapping data "
			    "blocks", c->file, m->path));
		if (digest_update(c, t, blk, len) == -1)
			return (err_ssl(c->err, "digest failure"));
		pos += (la_int64_t)len;
	}
	if (r != ARCHIVE_EOF)
		return (err_set(c->err, "%s: %s: %s", c->file, m->path,
		    archive_error_string(a)));

	/*
	 * A sparse file that ends in a hole (a preallocated file) has no
	 * data block after its last one: the hole reads as zero bytes up
	 * to the size in the header.  A file that is not sparse must have
	 * all its bytes.
	 */
	if (archive_entry_sparse_count(ae) > 0 &&
	    pos < archive_entry_size(ae) &&
	    hash_zeros(c, t, archive_entry_size(ae) - pos) == -1)
		return (-1);
	if (archive_entry_sparse_count(ae) > 0 && pos < archive_entry_size(ae))
		pos = archive_entry_size(ae);
	if (pos != archive_entry_size(ae))
		return (err_set(c->err, "%s: %s: %lld bytes of data, header "
		    "says %lld", c->file, m->path, (long long)pos,
		    (long long)archive_entry_size(ae)));
	if (digest_final(c, t, e->sha256, alt, &altlen) == -1)
		return (err_ssl(c->err, "digest failure"));
	e->size = (uint64_t)pos;
	c->out->bytes_hashed += (uint64_t)pos;
	return (check_sum(c, m, t, alt, altlen));
}

static int
hash_symlink(struct pkgctx *c, struct archive_entry *ae, struct mentry *m,
    struct pkg_entry *e)
{
	enum pkgsum_type	 t;
	const char		*target;
	char			 in[4096];
	unsigned char		 alt[64];
	unsigned int		 altlen;
	size_t			 n;

	if ((target = archive_entry_symlink_utf8(ae)) == NULL &&
	    (target = archive_entry_symlink(ae)) == NULL)
		return (err_set(c->err, "%s: %s: symlink without target",
		    c->file, m->path));
	if (*target == '\0' || strchr(target, '\n') != NULL)
		return (err_set(c->err, "%s: %s: invalid symlink target",
		    c->file, m->path));
	if (m->symlink_target != NULL && strcmp(m->symlink_target, target) != 0)
		return (err_set(c->err, "%s: %s: symlink target differs "
		    "between archive and +MANIFEST", c->file, m->path));
	if (sum_type(c, m, &t) == -1)
		return (-1);
	if ((n = pkgsum_symlink_input(target, in, sizeof(in))) == (size_t)-1)
		return (err_set(c->err, "%s: %s: symlink target too long",
		    c->file, m->path));
	/* The record hashes the target itself; pkg hashes its variant. */
	if (digest_init(c, t) == -1 ||
	    EVP_DigestUpdate(c->sha, target, strlen(target)) != 1 ||
	    (pkgsum_md(t) != EVP_sha256() &&
	    EVP_DigestUpdate(c->alt, in, n) != 1) ||
	    digest_final(c, t, e->sha256, alt, &altlen) == -1)
		return (err_ssl(c->err, "digest failure"));
	if (pkgsum_md(t) == EVP_sha256() &&
	    EVP_Digest(in, n, alt, &altlen, EVP_sha256(), NULL) != 1)
		return (err_ssl(c->err, "digest failure"));
	e->size = strlen(target);
	return (check_sum(c, m, t, alt, altlen));
}

/*
 * A hard link has the content of the entry it names, which pkg always
 * writes earlier in the archive.
 */
static int
hash_hardlink(struct pkgctx *c, struct archive_entry *ae, struct mentry *m,
    struct pkg_entry *e)
{
	const char	*target;
	struct buf	 tp = { 0 };
	struct mentry	*tm;
	struct pkg_entry *te;
	enum pkgsum_type t;

	if ((target = archive_entry_hardlink_utf8(ae)) == NULL &&
	    (target = archive_entry_hardlink(ae)) == NULL)
		return (err_set(c->err, "%s: %s: hard link without target",
		    c->file, m->path));
	if ((target[0] != '/' && buf_addc(&tp, '/') == -1) ||
	    buf_addstr(&tp, target) == -1) {
		buf_free(&tp);
		return (err_set(c->err, "out of memory"));
	}
	tm = mentry_find(c, tp.data);
	buf_free(&tp);
	/* By index: the array may have moved since the target was read. */
	te = tm != NULL && tm->entry != 0 ?
	    &c->out->entries[tm->entry - 1] : NULL;
	if (te == NULL || !tm->seen || te->type != FT_FILE ||
	    tm->symlink_target != NULL)
		return (err_set(c->err, "%s: %s: hard link to \"%s\", which is "
		    "not an earlier regular file of the package", c->file,
		    m->path, target));
	memcpy(e->sha256, te->sha256, sizeof(e->sha256));
	e->size = te->size;
	if (sum_type(c, m, &t) == -1)
		return (-1);
	/* Same content: the manifest must give both names the same sum. */
	if (strcmp(tm->sum, m->sum) != 0)
		return (err_set(c->err, "%s: %s: hard link to %s but "
		    "+MANIFEST gives them different checksums", c->file,
		    m->path, tm->path));
	return (0);
}

static int
payload_entry(struct pkgctx *c, struct archive *a, struct archive_entry *ae,
    struct buf *path)
{
	struct mentry		*m;
	struct pkg_entry	*e;
	mode_t			 ft = archive_entry_filetype(ae);
	int			 hard = archive_entry_hardlink(ae) != NULL;

	if ((m = mentry_find(c, path->data)) == NULL)
		return (err_set(c->err, "%s: %s: in the archive but not in "
		    "+MANIFEST", c->file, path->data));
	if (m->seen)
		return (err_set(c->err, "%s: %s: appears twice in the archive",
		    c->file, path->data));
	m->seen = 1;
	if (m->dir != (ft == AE_IFDIR) || (hard && m->dir))
		return (err_set(c->err, "%s: %s: listed as a %s in +MANIFEST",
		    c->file, path->data, m->dir ? "directory" : "file"));
	if ((e = new_entry(c)) == NULL ||
	    (e->path = strdup(path->data)) == NULL)
		return (err_set(c->err, "out of memory"));
	m->entry = c->out->nentries;
	e->config = m->config;
	if (set_meta(c, m, ae, e) == -1)
		return (-1);
	if (hard) {
		e->type = FT_FILE;
		return (hash_hardlink(c, ae, m, e));
	}
	switch (ft) {
	case AE_IFREG:
		e->type = FT_FILE;
		if (m->symlink_target != NULL)
			return (err_set(c->err, "%s: %s: a symlink in "
			    "+MANIFEST", c->file, m->path));
		return (hash_regular(c, a, ae, m, e));
	case AE_IFLNK:
		e->type = FT_SYMLINK;
		return (hash_symlink(c, ae, m, e));
	case AE_IFDIR:
		e->type = FT_DIR;
		return (0);
	default:
		return (err_set(c->err, "%s: %s: unsupported file type (pkg "
		    "installs only files, links and directories)", c->file,
		    path->data));
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct pkg_entry *)a)->path,
	    ((const struct pkg_entry *)b)->path));
}

static int
read_entries(struct pkgctx *c, struct archive *a)
{
	struct archive_entry	*ae;
	struct buf		 path = { 0 }, text = { 0 };
	int			 r, inmeta = 1, ret = -1;

	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);

		if (inmeta && name != NULL && name[0] == '+') {
			if (strcmp(name, "+MANIFEST") != 0)
				continue;
			if (c->manifest != NULL) {
				err_set(c->err, "%s: two +MANIFEST members",
				    c->file);
				goto out;
			}
			if (archive_entry_filetype(ae) != AE_IFREG ||
			    read_member(c, a, ae, &text) == -1 ||
			    parse_manifest(c, text.data, text.len) == -1)
				goto out;
			continue;
		}
		inmeta = 0;
		if (c->manifest == NULL) {
			err_set(c->err, "%s: no +MANIFEST before the files",
			    c->file);
			goto out;
		}
		if (entry_path(c, ae, &path) == -1 ||
		    payload_entry(c, a, ae, &path) == -1)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		err_set(c->err, "%s: %s", c->file, archive_error_string(a));
		goto out;
	}
	if (c->manifest == NULL) {
		err_set(c->err, "%s: no +MANIFEST", c->file);
		goto out;
	}
	ret = 0;
out:
	buf_free(&path);
	buf_free(&text);
	return (ret);
}

static int
check_complete(struct pkgctx *c)
{
	size_t	i;

	for (i = 0; i < c->nm; i++)
		if (!c->m[i].seen)
			return (err_set(c->err, "%s: %s: listed in +MANIFEST "
			    "but not in the archive", c->file, c->m[i].path));
	sort_array(c->out->entries, c->out->nentries, sizeof(*c->out->entries),
	    entry_cmp);
	return (0);
}

static struct archive *
open_archive(void)
{
	struct archive	*a;

	if ((a = archive_read_new()) == NULL)
		return (NULL);
	/* Only what pkg writes; the filters are found by their magic. */
	if (archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return (NULL);
	}
	return (a);
}

/* Read whatever is left so that the archive digest covers the file. */
static int
drain(struct reader *rd)
{
	ssize_t	n;

	while ((n = read(rd->fd, rd->block, READ_BLOCK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (EVP_DigestUpdate(rd->sha, rd->block, (size_t)n) != 1)
			return (-1);
		rd->total += (uint64_t)n;
	}
	return (0);
}

static void
pkgctx_free(struct pkgctx *c)
{
	size_t	i;

	for (i = 0; i < c->nm; i++)
		free(c->m[i].path);
	free(c->m);
	json_decref(c->manifest);
	EVP_MD_CTX_free(c->sha);
	EVP_MD_CTX_free(c->alt);
}

/*
 * The largest file the reader hashes; set once, before any pkg_read().
 */
void
pkg_read_set_entry_max(uint64_t max)
{
	entry_max = max;
}

/*
 * Read the package DIRFD/PATH into OUT.  On failure OUT is emptied and
 * the error names the file and, where there is one, the entry.
 */
int
pkg_read(int dirfd, const char *path, struct pkg_archive *out,
    struct err *e)
{
	struct pkgctx	 c = { 0 };
	struct reader	 rd = { 0 };
	struct archive	*a = NULL;
	struct stat	 st;
	unsigned int	 n;
	int		 ret = -1;

	memset(out, 0, sizeof(*out));
	c.file = path;
	c.err = e;
	c.out = out;
	rd.fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (rd.fd == -1)
		return (err_set(e, "%s: %s", path, strerror(errno)));
	if (fstat(rd.fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		goto out;
	}
	c.sha = EVP_MD_CTX_new();
	c.alt = EVP_MD_CTX_new();
	rd.sha = EVP_MD_CTX_new();
	rd.block = malloc(READ_BLOCK);
	if (c.sha == NULL || c.alt == NULL || rd.sha == NULL ||
	    rd.block == NULL || (a = open_archive()) == NULL ||
	    EVP_DigestInit_ex(rd.sha, EVP_sha256(), NULL) != 1) {
		err_set(e, "out of memory");
		goto out;
	}
	if (archive_read_open(a, &rd, NULL, reader_read, NULL) != ARCHIVE_OK) {
		err_set(e, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	if (read_entries(&c, a) == -1 || check_complete(&c) == -1)
		goto out;
	if (drain(&rd) == -1 ||
	    EVP_DigestFinal_ex(rd.sha, out->archive_sha256, &n) != 1) {
		err_set(e, "%s: %s", path, strerror(errno));
		goto out;
	}
	out->archive_size = rd.total;
	ret = 0;
out:
	if (a != NULL)
		archive_read_free(a);
	pkgctx_free(&c);
	EVP_MD_CTX_free(rd.sha);
	free(rd.block);
	close(rd.fd);
	if (ret == -1)
		pkg_archive_free(out);
	return (ret);
}

void
pkg_archive_free(struct pkg_archive *p)
{
	size_t	i;

	for (i = 0; i < p->nentries; i++) {
		free(p->entries[i].path);
		free(p->entries[i].owner);
		free(p->entries[i].group);
	}
	free(p->entries);
	free(p->name);
	free(p->version);
	free(p->origin);
	free(p->abi);
	memset(p, 0, sizeof(*p));
}
