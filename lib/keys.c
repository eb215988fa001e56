/*
 * Key handling on top of OpenSSL's EVP interface, so that every key type
 * takes the same path: Ed25519 signs the message itself, ECDSA P-256 and
 * RSA (PKCS#1 v1.5) sign its SHA-256.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>
#endif
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

#ifdef HAVE_SODIUM
#include <sodium.h>
#endif

#include "keys.h"

#define KEY_FILE_MAX	(1024 * 1024)

const char *
key_type_name(enum key_type t)
{
	switch (t) {
	case KEY_ED25519:
		return ("ed25519");
	case KEY_ECDSA_P256:
		return ("ecdsa");
	case KEY_RSA:
		return ("rsa");
	}
	return ("unknown");
}

int
key_type_parse(const char *s, enum key_type *t)
{
	if (strcmp(s, "ed25519") == 0)
		*t = KEY_ED25519;
	else if (strcmp(s, "ecdsa") == 0)
		*t = KEY_ECDSA_P256;
	else if (strcmp(s, "rsa") == 0)
		*t = KEY_RSA;
	else
		return (-1);
	return (0);
}

static int
classify(EVP_PKEY *pk, enum key_type *t, struct err *e)
{
	char	group[64];
	size_t	glen;

	if (EVP_PKEY_is_a(pk, "ED25519")) {
		*t = KEY_ED25519;
		return (0);
	}
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (EVP_PKEY_get_bits(pk) < 2048)
			return (err_set(e, "RSA key of %d bits; at least 2048 "
			    "are required", EVP_PKEY_get_bits(pk)));
		*t = KEY_RSA;
		return (0);
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1 || strcmp(group, "prime256v1") != 0)
			return (err_set(e, "ECDSA key not on curve P-256"));
		*t = KEY_ECDSA_P256;
		return (0);
	}
	return (err_set(e, "unsupported key type %s",
	    EVP_PKEY_get0_type_name(pk)));
}

int
key_public_pem(const struct vkey *k, struct buf *out)
{
	BIO	*bio;
	char	*p;
	long	 n;
	int	 r = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return (-1);
	if (PEM_write_bio_PUBKEY(bio, k->pkey) == 1 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0) {
		out->len = 0;
		r = buf_add(out, p, (size_t)n);
	}
	BIO_free(bio);
	return (r);
}

int
key_secret_pem(const struct vkey *k, struct buf *out)
{
	BIO	*bio;
	char	*p;
	long	 n;
	int	 r = -1;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return (-1);
	if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL,
	    NULL) == 1 && (n = BIO_get_mem_data(bio, &p)) > 0) {
		out->len = 0;
		r = buf_add(out, p, (size_t)n);
		secure_wipe(p, (size_t)n);
	}
	BIO_free(bio);
	return (r);
}

/*
 * Keep an Ed25519 key in libsodium's form as well, where that is built
 * in; without it, or on any failure, OpenSSL does the work.
 */
static void
key_raw(struct vkey *k)
{
#ifdef HAVE_SODIUM
	unsigned char	seed[32];
	size_t		n = sizeof(seed);

	if (k->type != KEY_ED25519 || sodium_init() < 0)
		return;
	if (EVP_PKEY_get_raw_public_key(k->pkey, k->pk, &n) != 1 || n != 32) {
		ERR_clear_error();
		return;
	}
	k->raw = 1;
	n = sizeof(seed);
	if (EVP_PKEY_get_raw_private_key(k->pkey, seed, &n) == 1 && n == 32) {
		unsigned char	pk[32];

		if (crypto_sign_seed_keypair(pk, k->sk, seed) == 0 &&
		    memcmp(pk, k->pk, 32) == 0)
			k->raw = 2;
	}
	secure_wipe(seed, sizeof(seed));
	ERR_clear_error();
#else
	(void)k;
#endif
}

/* Take ownership of PK and compute the key id. */
int
key_from_pkey(EVP_PKEY *pk, struct vkey *k, struct err *e)
{
	struct buf	 pem = { 0 };
	unsigned char	 md[32];
	unsigned int	 mdlen;

	memset(k, 0, sizeof(*k));
	if (classify(pk, &k->type, e) == -1) {
		EVP_PKEY_free(pk);
		return (-1);
	}
	k->pkey = pk;
	if (key_public_pem(k, &pem) == -1 ||
	    EVP_Digest(pem.data, pem.len, md, &mdlen, EVP_sha256(),
	    NULL) != 1) {
		buf_free(&pem);
		key_free(k);
		return (err_ssl(e, "cannot encode public key"));
	}
	hex_encode(md, sizeof(md), k->id);
	buf_free(&pem);
	key_raw(k);
	return (0);
}

int
key_load_public_mem(const char *pem, size_t len, struct vkey *k,
    struct err *e)
{
	EVP_PKEY	*pk;
	BIO		*bio;

	if (len > INT32_MAX)
		return (err_set(e, "public key too large"));
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return (err_ssl(e, "out of memory"));
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL)
		return (err_ssl(e, "not a PEM public key"));
	return (key_from_pkey(pk, k, e));
}

int
key_load_public(const char *path, struct vkey *k, struct err *e)
{
	struct buf	b = { 0 };
	struct err	sub;
	int		r;

	if (read_whole(AT_FDCWD, path, KEY_FILE_MAX, &b) == -1)
		return (err_set(e, "%s: %s", path, strerror(errno)));
	r = key_load_public_mem(b.data, b.len, k, &sub);
	buf_free(&b);
	if (r == -1)
		return (err_set(e, "%s: %s", path, sub.msg));
	return (0);
}

#ifndef OPENSSL_NO_ENGINE
/*
 * OpenSSL 3.0 has no store loader for pkcs11: URIs unless a PKCS#11
 * provider is installed; the pkcs11 engine (libp11), configured through
 * OPENSSL_CONF, is what FreeBSD and Debian ship.  XXX The ENGINE interface
 * is deprecated in OpenSSL 3; move to the provider once it is packaged.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static EVP_PKEY *
engine_key(const char *uri, struct err *e)
{
	ENGINE		*eng;
	EVP_PKEY	*pk;

	ENGINE_load_builtin_engines();
	if ((eng = ENGINE_by_id("pkcs11")) == NULL) {
		err_ssl(e, "%s: the pkcs11 engine is not available", uri);
		return (NULL);
	}
	if (ENGINE_init(eng) != 1) {
		ENGINE_free(eng);
		err_ssl(e, "%s: cannot initialise the pkcs11 engine", uri);
		return (NULL);
	}
	pk = ENGINE_load_private_key(eng, uri, NULL, NULL);
	ENGINE_finish(eng);
	ENGINE_free(eng);
	if (pk == NULL)
		err_ssl(e, "%s: no private key found", uri);
	return (pk);
}
#pragma GCC diagnostic pop
#endif

/*
 * A key named by a URI (pkcs11:, or any scheme an OpenSSL store loader
 * handles), for keys that live in a token or an HSM.
 */
static int
key_load_uri(const char *uri, struct vkey *k, struct err *e)
{
	OSSL_STORE_CTX	*sc;
	OSSL_STORE_INFO	*info;
	EVP_PKEY	*pk = NULL;
	struct err	 sub;

#ifndef OPENSSL_NO_ENGINE
	if (strncmp(uri, "pkcs11:", 7) == 0) {
		if ((pk = engine_key(uri, e)) == NULL)
			return (-1);
		if (key_from_pkey(pk, k, &sub) == -1)
			return (err_set(e, "%s: %s", uri, sub.msg));
		return (0);
	}
#endif
	if ((sc = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL)) == NULL)
		return (err_ssl(e, "%s: cannot open key store", uri));
	while (pk == NULL && !OSSL_STORE_eof(sc)) {
		if ((info = OSSL_STORE_load(sc)) == NULL)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pk = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(sc);
	if (pk == NULL)
		return (err_ssl(e, "%s: no private key found", uri));
	if (key_from_pkey(pk, k, &sub) == -1)
		return (err_set(e, "%s: %s", uri, sub.msg));
	return (0);
}

/*
 * A secret key file must not be readable by anyone but its owner: a key
 * that others could have copied no longer proves who signed.
 */
int
key_load_secret(const char *path, struct vkey *k, struct err *e)
{
	struct stat	 st;
	struct buf	 b = { 0 };
	struct err	 sub;
	EVP_PKEY	*pk;
	BIO		*bio;
	int		 fd;

	/* A file: URI is a file, and gets the same scrutiny. */
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	else if (strncmp(path, "file:", 5) == 0)
		path += 5;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT && strchr(path, ':') != NULL)
		return (key_load_uri(path, k, e));
	if (fd == -1)
		return (err_set(e, "%s: %s", path, strerror(errno)));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (err_set(e, "%s: not a regular file", path));
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return (err_set(e, "%s: secret key is accessible by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)st.st_mode & 07777));
	}
	close(fd);
	if (read_whole(AT_FDCWD, path, KEY_FILE_MAX, &b) == -1)
		return (err_set(e, "%s: %s", path, strerror(errno)));
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	secure_wipe(b.data, b.len);
	buf_free(&b);
	if (pk == NULL)
		return (err_ssl(e, "%s: not a PEM private key", path));
	if (key_from_pkey(pk, k, &sub) == -1)
		return (err_set(e, "%s: %s", path, sub.msg));
	return (0);
}

int
key_generate(enum key_type t, struct vkey *k, struct err *e)
{
	EVP_PKEY	*pk = NULL;

	switch (t) {
	case KEY_ED25519:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case KEY_ECDSA_P256:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_RSA:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	}
	if (pk == NULL)
		return (err_ssl(e, "key generation failed"));
	return (key_from_pkey(pk, k, e));
}

static const EVP_MD *
key_md(const struct vkey *k)
{
	return (k->type == KEY_ED25519 ? NULL : EVP_sha256());
}

int
key_sign(const struct vkey *k, const void *msg, size_t len,
    unsigned char *sig, size_t *siglen, struct err *e)
{
	EVP_MD_CTX	*ctx;
	size_t		 n = KEY_SIG_MAX;
	int		 ok;

#ifdef HAVE_SODIUM
	if (k->raw == 2) {
		unsigned long long	sl;

		if (crypto_sign_detached(sig, &sl, msg, len, k->sk) != 0)
			return (err_set(e, "signing failed"));
		*siglen = (size_t)sl;
		return (0);
	}
#endif
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (err_ssl(e, "out of memory"));
	ok = EVP_DigestSignInit_ex(ctx, NULL,
	    key_md(k) ? EVP_MD_get0_name(key_md(k)) : NULL, NULL, NULL,
	    k->pkey, NULL) == 1 &&
	    EVP_DigestSign(ctx, NULL, &n, msg, len) == 1 && n <= KEY_SIG_MAX &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (err_ssl(e, "signing failed"));
	*siglen = n;
	return (0);
}

/* Returns 1 for a good signature, 0 for anything else. */
int
key_verify(const struct vkey *k, const void *msg, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*ctx;
	int		 ok;

#ifdef HAVE_SODIUM
	if (k->raw != 0)
		return (siglen == 64 &&
		    crypto_sign_verify_detached(sig, msg, len, k->pk) == 0);
#endif
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (0);
	ok = EVP_DigestVerifyInit_ex(ctx, NULL,
	    key_md(k) ? EVP_MD_get0_name(key_md(k)) : NULL, NULL, NULL,
	    k->pkey, NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return (ok);
}

void
key_free(struct vkey *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	secure_wipe(k->sk, sizeof(k->sk));
	k->raw = 0;
}
