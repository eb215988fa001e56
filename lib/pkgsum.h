/*
 * pkg's per-file checksum strings, as found in the "sum" of a +MANIFEST
 * file entry: "<type>$<digest text>", or bare SHA-256 hex from pkg 1.5
 * and older.
 */
#ifndef VFY_PKGSUM_H
#define VFY_PKGSUM_H

#include <stddef.h>

#include <openssl/evp.h>

enum pkgsum_type {
	PKGSUM_SHA256_BARE = -1,	/* no "$": lower-case hex */
	PKGSUM_SHA256_BASE32 = 0,
	PKGSUM_SHA256_HEX = 1,
	PKGSUM_BLAKE2B_BASE32 = 2,
	PKGSUM_BLAKE2S_BASE32 = 5,
};

#define PKGSUM_MAX	160	/* longest string, with its NUL */

int		 pkgsum_type(const char *, enum pkgsum_type *);
const EVP_MD	*pkgsum_md(enum pkgsum_type);
int		 pkgsum_format(enum pkgsum_type, const unsigned char *, size_t,
		    char *, size_t);
void		 pkgsum_base32(const unsigned char *, size_t, char *);
size_t		 pkgsum_symlink_input(const char *, char *, size_t);

#endif
