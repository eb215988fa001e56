/*
 * Small helpers shared by the library and the tools: a growable byte
 * buffer, the field encoding of the signature formats, hex and base64,
 * and the atomic file write that every writer in this project uses.
 */
#ifndef VFY_UTIL_H
#define VFY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <errno.h>

/* "Not a regular file": FreeBSD has EFTYPE, Linux does not. */
#ifdef EFTYPE
#define EFTYPE_COMPAT	EFTYPE
#else
#define EFTYPE_COMPAT	EINVAL
#endif

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

int	buf_reserve(struct buf *, size_t);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addstr(struct buf *, const char *);
int	buf_addc(struct buf *, char);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_free(struct buf *);

/*
 * Field encoding: a byte that is below 0x21, above 0x7e, or is '%' is
 * written as '%' and two lower-case hex digits; every other byte stands
 * for itself.  The encoding of a byte string is therefore unique, holds
 * no white space and can be split on spaces.  field_decode() refuses any
 * text that field_encode() would not have produced.
 */
int	field_encode(struct buf *, const char *, size_t);
int	field_decode(const char *, size_t, struct buf *);

void	hex_encode(const unsigned char *, size_t, char *);
int	hex_decode(const char *, size_t, unsigned char *, size_t);
int	b64_encode(const unsigned char *, size_t, struct buf *);
int	b64_decode(const char *, size_t, unsigned char *, size_t, size_t *);

int	parse_u64(const char *, size_t, uint64_t *);

/*
 * Replace DIRFD/NAME with DATA: write a temporary file in the same
 * directory, fsync it, rename it over NAME and fsync the directory, so
 * that a reader sees either the old file or the new one.
 */
int	write_atomic(int, const char *, const void *, size_t, int);

int	read_whole(int, const char *, size_t, struct buf *);
int	file_sha256(int, const char *, unsigned char *, uint64_t *);
int	file_sha256_is(int, const char *, const unsigned char *);
int	file_sha256_is_text(int, const char *, const void *, size_t);

void	secure_wipe(void *, size_t);
void	sort_array(void *, size_t, size_t, int (*)(const void *, const void *));

/*
 * Error detail travels in a caller-owned struct err: the library keeps one
 * on each context, the tools one per operation.  err_set() returns -1 so
 * that a failing function can end with "return (err_set(...));".
 */
struct err {
	char	msg[1024];
};

int	err_set(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	err_ssl(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
