/*
 * Signing keys.  A key is an OpenSSL EVP_PKEY of one of the supported
 * types; its id is the lower-case hex SHA-256 of its public key in PEM
 * form as OpenSSL writes it, which is also what `sha256 -q key.pub` gives
 * for a key file written by OpenSSL, the fingerprint pkg uses.
 */
#ifndef VFY_KEYS_H
#define VFY_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "util.h"

#define KEY_ID_LEN	64
#define KEY_SIG_MAX	1024	/* RSA up to 8192 bits */

enum key_type {
	KEY_ED25519,
	KEY_ECDSA_P256,
	KEY_RSA,
};

struct vkey {
	EVP_PKEY	*pkey;
	enum key_type	 type;
	char		 id[KEY_ID_LEN + 1];
	/*
	 * Ed25519 keys in libsodium's form: it signs about four times as
	 * fast as OpenSSL's EVP interface, with the same signatures.
	 */
	int		 raw;		/* 1: pk set, 2: sk set too */
	unsigned char	 pk[32];
	unsigned char	 sk[64];
};

int		 key_from_pkey(EVP_PKEY *, struct vkey *, struct err *);
int		 key_load_public(const char *, struct vkey *, struct err *);
int		 key_load_public_mem(const char *, size_t, struct vkey *,
		    struct err *);
int		 key_load_secret(const char *, struct vkey *, struct err *);
int		 key_generate(enum key_type, struct vkey *, struct err *);
int		 key_public_pem(const struct vkey *, struct buf *);
int		 key_secret_pem(const struct vkey *, struct buf *);
int		 key_sign(const struct vkey *, const void *, size_t,
		    unsigned char *, size_t *, struct err *);
int		 key_verify(const struct vkey *, const void *, size_t,
		    const unsigned char *, size_t);
const char	*key_type_name(enum key_type);
int		 key_type_parse(const char *, enum key_type *);
void		 key_free(struct vkey *);

#endif
