/*
 * pkg's checksum strings.  pkg compares them as text, so rather than
 * decoding a manifest's sum we compute the digest of the same type,
 * format it exactly as pkg would, and compare the strings.
 */
#include <stdlib.h>
#include <string.h>

#include "pkgsum.h"
#include "util.h"

/*
 * The z-base-32 letters, but the bits of each 5-byte group are taken
 * least significant first, unlike RFC 4648 or z-base-32 proper.
 */
static const char b32alpha[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

void
pkgsum_base32(const unsigned char *in, size_t n, char *out)
{
	unsigned int	 acc = 0;
	int		 bits = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		acc |= (unsigned int)in[i] << bits;
		bits += 8;
		while (bits >= 5) {
			*out++ = b32alpha[acc & 31];
			acc >>= 5;
			bits -= 5;
		}
	}
	if (bits > 0)
		*out++ = b32alpha[acc & 31];
	*out = '\0';
}

int
pkgsum_type(const char *sum, enum pkgsum_type *type)
{
	const char	*dollar;
	size_t		 n;

	if ((dollar = strchr(sum, '$')) == NULL) {
		if (strlen(sum) != 64 || strspn(sum, "0123456789abcdef") != 64)
			return (-1);
		*type = PKGSUM_SHA256_BARE;
		return (0);
	}
	n = (size_t)(dollar - sum);
	if (n != 1)
		return (-1);
	switch (sum[0]) {
	case '0':
		*type = PKGSUM_SHA256_BASE32;
		break;
	case '1':
		*type = PKGSUM_SHA256_HEX;
		break;
	case '2':
		*type = PKGSUM_BLAKE2B_BASE32;
		break;
	case '5':
		*type = PKGSUM_BLAKE2S_BASE32;
		break;
	default:
		return (-1);
	}
	return (0);
}

const EVP_MD *
pkgsum_md(enum pkgsum_type type)
{
	switch (type) {
	case PKGSUM_SHA256_BARE:
	case PKGSUM_SHA256_BASE32:
	case PKGSUM_SHA256_HEX:
		return (EVP_sha256());
	case PKGSUM_BLAKE2B_BASE32:
		return (EVP_blake2b512());
	case PKGSUM_BLAKE2S_BASE32:
		return (EVP_blake2s256());
	}
	return (NULL);
}

int
pkgsum_format(enum pkgsum_type type, const unsigned char *d, size_t n,
    char *out, size_t outsz)
{
	if (outsz < PKGSUM_MAX || n > 64)
		return (-1);
	switch (type) {
	case PKGSUM_SHA256_BARE:
		hex_encode(d, n, out);
		break;
	case PKGSUM_SHA256_HEX:
		out[0] = '1';
		out[1] = '$';
		hex_encode(d, n, out + 2);
		break;
	case PKGSUM_SHA256_BASE32:
	case PKGSUM_BLAKE2B_BASE32:
	case PKGSUM_BLAKE2S_BASE32:
		out[0] = (char)('0' + (int)type);
		out[1] = '$';
		pkgsum_base32(d, n, out + 2);
		break;
	default:
		return (-1);
	}
	return (0);
}

/*
 * The bytes pkg hashes for a symlink: the target with its leading '/'
 * characters skipped, but as many bytes as the whole target has.  For an
 * absolute target that takes in the terminating NUL; pkg keeps this for
 * compatibility.  With more than one leading '/', pkg reads past the NUL
 * into undefined memory; we use NUL bytes there, which is what pkg reads
 * in practice from a zeroed buffer.
 */
size_t
pkgsum_symlink_input(const char *target, char *out, size_t outsz)
{
	size_t	len, skip;

	len = strlen(target);
	if (len > outsz)
		return ((size_t)-1);
	for (skip = 0; target[skip] == '/'; skip++)
		;
	memset(out, 0, len);
	memcpy(out, target + skip, len - skip);
	return (len);
}
