/*
 * Reading one package archive: its +MANIFEST, and the digest of every
 * entry, each checked against the manifest.  The archive is read once,
 * streaming; memory grows with the number of entries, never with their
 * size.
 */
#ifndef VFY_PKGREAD_H
#define VFY_PKGREAD_H

#include <stdint.h>

#include "format.h"
#include "util.h"

/* A +MANIFEST larger than this is refused (pkg's largest are ~30 MiB). */
#define PKG_MANIFEST_MAX	(256 * 1024 * 1024)

/*
 * The default limit on the size of one file in a package.  Content is
 * hashed at about a gigabyte a second, and a sparse entry can claim any
 * size in a few bytes of archive.  64 GiB leaves a wide margin over the
 * largest files packages hold (a few GiB); sign-repo -M changes it.
 */
#define PKG_ENTRY_MAX		(64ULL * 1024 * 1024 * 1024)

struct pkg_entry {
	char		*path;
	char		*owner;
	char		*group;
	enum ftype	 type;
	unsigned int	 mode;
	uint64_t	 size;
	unsigned char	 sha256[32];
	int		 config;
};

struct pkg_archive {
	char		*name;
	char		*version;
	char		*origin;
	char		*abi;
	struct pkg_entry *entries;	/* sorted by path */
	size_t		 nentries;
	unsigned char	 archive_sha256[32];
	uint64_t	 archive_size;
	uint64_t	 bytes_hashed;	/* uncompressed content */
};

void	pkg_read_set_entry_max(uint64_t);
int	pkg_read(int, const char *, struct pkg_archive *, struct err *);
void	pkg_archive_free(struct pkg_archive *);
int	pkg_url_decode(const char *, struct buf *);
int	pkg_path_check(const char *);

#endif
