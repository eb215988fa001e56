/*
 * Helpers shared by every part of the project.  Nothing here prints or
 * exits; errors come back as -1 with errno set, or as a negative errno.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util.h"

int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 ncap;
	char	*p;

	if (more > SIZE_MAX - b->len - 1) {
		errno = ENOMEM;
		return (-1);
	}
	if (b->len + more + 1 <= b->cap)
		return (0);
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + more + 1) {
		if (ncap > SIZE_MAX / 2) {
			ncap = b->len + more + 1;
			break;
		}
		ncap *= 2;
	}
	if ((p = realloc(b->data, ncap)) == NULL)
		return (-1);
	b->data = p;
	b->cap = ncap;
	return (0);
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (0);
}

int
buf_addstr(struct buf *b, const char *s)
{
	return (buf_add(b, s, strlen(s)));
}

int
buf_addc(struct buf *b, char c)
{
	return (buf_add(b, &c, 1));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return (0);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static const char hexdigits[] = "0123456789abcdef";

static int
needs_escape(unsigned char c)
{
	return (c < 0x21 || c > 0x7e || c == '%');
}

int
field_encode(struct buf *b, const char *s, size_t n)
{
	size_t		 i, need;
	unsigned char	 c;
	char		*d;

	/* An empty value would vanish between two separators. */
	if (n == 0) {
		errno = EINVAL;
		return (-1);
	}

	/* Room for the encoded text first: an escape takes three bytes. */
	need = n;
	for (i = 0; i < n; i++)
		if (needs_escape((unsigned char)s[i]))
			need += 2;
	if (need < n || buf_reserve(b, need) == -1)
		return (-1);

	d = b->data + b->len;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!needs_escape(c)) {
			*d++ = (char)c;
			continue;
		}
		*d++ = '%';
		*d++ = hexdigits[c >> 4];
		*d++ = hexdigits[c & 15];
	}
	b->len += need;
	b->data[b->len] = '\0';
	return (0);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

int
field_decode(const char *s, size_t n, struct buf *out)
{
	size_t	i;
	int	hi, lo;
	char	c;

	out->len = 0;
	if (n == 0 || buf_reserve(out, n) == -1) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c != '%') {
			if (needs_escape((unsigned char)c))
				goto bad;
			out->data[out->len++] = c;
			continue;
		}
		if (n - i < 3)
			goto bad;
		if ((hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
			goto bad;
		c = (char)(hi << 4 | lo);
		/* Only the canonical form is accepted. */
		if (!needs_escape((unsigned char)c))
			goto bad;
		out->data[out->len++] = c;
		i += 2;
	}
	out->data[out->len] = '\0';
	return (0);
bad:
	errno = EINVAL;
	return (-1);
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_decode(const char *s, size_t n, unsigned char *out, size_t outlen)
{
	size_t	i;
	int	hi, lo;

	if (n != 2 * outlen)
		return (-1);
	for (i = 0; i < outlen; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

int
b64_encode(const unsigned char *in, size_t n, struct buf *b)
{
	size_t	need;
	int	r;

	if (n > INT_MAX / 2) {
		errno = EINVAL;
		return (-1);
	}
	need = 4 * ((n + 2) / 3);
	if (buf_reserve(b, need) == -1)
		return (-1);
	r = EVP_EncodeBlock((unsigned char *)b->data + b->len, in, (int)n);
	b->len += (size_t)r;
	b->data[b->len] = '\0';
	return (0);
}

/*
 * Strict base64: padded, no white space, and it must re-encode to the same
 * text, so that every signature has exactly one spelling.
 */
int
b64_decode(const char *s, size_t n, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	unsigned char	*tmp;
	struct buf	 re = { 0 };
	size_t		 len, pad;
	int		 r, ok;

	if (n == 0 || n % 4 != 0 || n > INT_MAX / 2)
		return (-1);
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	len = n / 4 * 3 - pad;
	if (len > outsz)
		return (-1);
	if ((tmp = malloc(n)) == NULL)
		return (-1);
	r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	ok = r >= 0 && (size_t)r == n / 4 * 3 &&
	    b64_encode(tmp, len, &re) == 0 && re.len == n &&
	    memcmp(re.data, s, n) == 0;
	if (ok) {
		memcpy(out, tmp, len);
		*outlen = len;
	}
	free(tmp);
	buf_free(&re);
	return (ok ? 0 : -1);
}

/* Decimal without sign, leading zeros or overflow. */
int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return (0);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		c += w;
		n -= (size_t)w;
	}
	return (0);
}

int
write_atomic(int dirfd, const char *name, const void *data, size_t len,
    int mode)
{
	char		 tmp[NAME_MAX + 1];
	unsigned char	 rnd[8];
	char		 rhex[17];
	int		 fd, saved;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		errno = EIO;
		return (-1);
	}
	hex_encode(rnd, sizeof(rnd), rhex);
	if (snprintf(tmp, sizeof(tmp), ".tmp.%s.%.200s", rhex, name) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd == -1)
		return (-1);
	if (fchmod(fd, (mode_t)mode) == -1 || write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) == -1)
		goto fail;
	/* Make the rename itself durable before anyone relies on it. */
	if (fsync(dirfd) == -1 && errno != EINVAL && errno != EBADF)
		return (-1);
	return (0);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return (-1);
}

/*
 * Read a whole regular file of at most MAX bytes, without following a
 * symlink in its last component.
 */
int
read_whole(int dirfd, const char *name, size_t max, struct buf *out)
{
	struct stat	 st;
	ssize_t		 r;
	int		 fd, saved;

	out->len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EFTYPE_COMPAT;
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	if (buf_reserve(out, (size_t)st.st_size + 1) == -1)
		goto fail;
	for (;;) {
		if (buf_reserve(out, 65536) == -1)
			goto fail;
		r = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		if (out->len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	out->data[out->len] = '\0';
	close(fd);
	return (0);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/* SHA-256 of a regular file, read without following a final symlink. */
int
file_sha256(int dirfd, const char *name, unsigned char *md, uint64_t *size)
{
	EVP_MD_CTX	*ctx;
	struct stat	 st;
	unsigned char	*blk;
	ssize_t		 n;
	int		 fd, ret = -1;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd == -1)
		return (-1);
	ctx = EVP_MD_CTX_new();
	blk = malloc(256 * 1024);
	if (ctx == NULL || blk == NULL || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	*size = 0;
	while ((n = read(fd, blk, 256 * 1024)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (EVP_DigestUpdate(ctx, blk, (size_t)n) != 1)
			goto out;
		*size += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, NULL) == 1)
		ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(blk);
	close(fd);
	return (ret);
}

int
file_sha256_is(int dirfd, const char *name, const unsigned char *want)
{
	unsigned char	md[32];
	uint64_t	size;

	return (file_sha256(dirfd, name, md, &size) == 0 &&
	    memcmp(md, want, 32) == 0);
}

int
file_sha256_is_text(int dirfd, const char *name, const void *data,
    size_t len)
{
	unsigned char	md[32];

	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1)
		return (0);
	return (file_sha256_is(dirfd, name, md));
}

void
secure_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list	ap;

	if (e != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* As err_set(), with OpenSSL's reason for the latest failure appended. */
int
err_ssl(struct err *e, const char *fmt, ...)
{
	va_list		 ap;
	unsigned long	 code;
	size_t		 n;

	code = ERR_peek_last_error();
	if (e != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		n = strlen(e->msg);
		if (code != 0 && n + 3 < sizeof(e->msg)) {
			memcpy(e->msg + n, ": ", 3);
			ERR_error_string_n(code, e->msg + n + 2,
			    sizeof(e->msg) - n - 2);
		}
	}
	ERR_clear_error();
	return (-1);
}

/*
 * qsort(3) with no elements may be handed a null base, which the C
 * standard does not allow even then.
 */
void
sort_array(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}
