/*
 * Which keys are trusted: keys pinned by file, and fingerprints laid out
 * like pkg's own fingerprints directory (trusted/ and revoked/, one file
 * per key).  A trusted fingerprint names a key; the key itself comes with
 * the signatures (filesigs/keys/<id>.pub) and is used only when its
 * SHA-256 is that fingerprint.
 */
#ifndef VFY_TRUST_H
#define VFY_TRUST_H

#include "keys.h"

#define TRUST_MAX_KEYS	256

struct trust {
	struct vkey	 keys[TRUST_MAX_KEYS];	/* pinned, then fetched */
	size_t		 nkeys;
	char		(*fp)[KEY_ID_LEN + 1];	/* trusted fingerprints */
	size_t		 nfp;
	char		(*revoked)[KEY_ID_LEN + 1];
	size_t		 nrevoked;
};

int	trust_add_key_file(struct trust *, const char *, struct err *);
int	trust_add_dir(struct trust *, const char *, struct err *);
int	trust_empty(const struct trust *);
int	trust_revoked(const struct trust *, const char *);
const struct vkey *trust_resolve(struct trust *, int, const char *,
	    struct err *);
void	trust_free(struct trust *);
int	trust_parse_fingerprint(const char *, size_t, char *);

#endif
