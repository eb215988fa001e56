/*
 * A signature store: the filesigs directory of a repository, or a copy of
 * it.  Opening one verifies the index signature before anything in it is
 * parsed; a package's record file is used only when its size and SHA-256
 * are the ones the signed index gives.
 */
#ifndef VFY_STORE_H
#define VFY_STORE_H

#include "format.h"
#include "trust.h"

struct store {
	int		 repofd;	/* repository, or -1 for a bare copy */
	int		 dirfd;		/* the filesigs directory */
	int		 recfd;		/* its records directory */
	struct index	 idx;
	unsigned char	 index_sha256[32];
	const struct vkey *key;		/* the key that signed idx */
};

struct recfile {
	char		*text;
	struct record	*recs;		/* sorted by path */
	size_t		 n;
};

/* store_load_records() results besides 0. */
#define STORE_MISSING	(-2)	/* record file absent */
#define STORE_BAD	(-3)	/* present but not what the index signed */

int	store_resolve_repo(const char *, int *, struct err *);
int	store_open(struct store *, const char *, struct trust *,
	    struct err *);
int	store_load_records(const struct store *, const struct index_pkg *,
	    struct recfile *, int, struct err *);
const struct index_pkg *store_find(const struct store *, const char *,
	    const char *);
void	recfile_free(struct recfile *);
void	store_close(struct store *);

#endif
