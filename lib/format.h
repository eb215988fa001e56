/*
 * The signature formats: the per-file record (one signed statement per
 * line of a package's record file) and the signed index.  The man page
 * pkg-filesigs(5) is the reference; this header and format.c are its
 * only implementation.
 */
#ifndef VFY_FORMAT_H
#define VFY_FORMAT_H

#include <stdint.h>
#include <time.h>

#include "keys.h"
#include "util.h"

#define FMT_VERSION		1
#define FMT_DIR			"filesigs"
#define FMT_INDEX		"index"
#define FMT_RECORDS		"records"
#define FMT_KEYS		"keys"
#define FMT_RECORD_SUFFIX	".rec"
#define FMT_INDEX_MAGIC		"pkg-filesigs-index 1"
#define FMT_RECORD_TAG		"F1"

/* Domain strings put in front of what is signed, one per kind. */
#define FMT_RECORD_DOMAIN	"pkg-filesigs record 1"
#define FMT_INDEX_DOMAIN	"pkg-filesigs index 1"

/* Bounds a reader enforces; pkg itself produces nothing near them. */
#define FMT_INDEX_MAX		(512ULL * 1024 * 1024)
#define FMT_RECFILE_MAX		(1024ULL * 1024 * 1024)
#define FMT_LINE_MAX		(64 * 1024)

enum ftype {
	FT_FILE = 'f',
	FT_SYMLINK = 'l',
	FT_DIR = 'd',
};

/* Package-wide part of a statement. */
struct stmt_pkg {
	const char	*keyid;
	const char	*repo;
	const char	*abi;
	const char	*origin;
	const char	*name;
	const char	*version;
};

/* One file's statement, plus its signature when parsed. */
struct record {
	struct stmt_pkg	 pkg;
	const char	*path;
	const char	*owner;
	const char	*group;
	enum ftype	 type;
	unsigned int	 mode;		/* 07777 bits */
	uint64_t	 size;
	unsigned char	 sha256[32];	/* content, or symlink target */
	int		 config;
	unsigned char	 sig[KEY_SIG_MAX];
	size_t		 siglen;
};

int	record_statement(struct buf *, const struct record *);
int	record_sign(struct buf *, const struct record *, const struct vkey *,
	    struct err *);
int	record_parse(char *, size_t, struct record *, struct err *);
int	record_verify(const struct record *, const struct vkey *);

/* One package line of the index. */
struct index_pkg {
	const char	*name;
	const char	*version;
	const char	*origin;
	const char	*abi;
	const char	*archive;	/* relative to the repository */
	unsigned char	 archive_sha256[32];
	uint64_t	 archive_size;
	unsigned char	 record_sha256[32];
	uint64_t	 record_size;
	uint64_t	 nfiles;
};

struct index {
	char		 keyid[KEY_ID_LEN + 1];
	const char	*repo;
	uint64_t	 serial;
	int64_t		 created;
	int64_t		 expires;
	struct index_pkg *pkgs;
	size_t		 npkgs;
	char		*text;		/* owns every string above */
};

int	index_format(struct buf *, const struct index *, const struct vkey *,
	    struct err *);
int	index_body(struct buf *, const struct index *, const char *);
int	index_append_sig(struct buf *, const unsigned char *, size_t);
int	fmt_signed_message(struct buf *, const char *, const char *, size_t);
int	index_keyid(const char *, size_t, char *, struct err *);
int	index_check(const char *, size_t, const struct vkey *, struct err *);
int	index_parse(const char *, size_t, struct index *, struct err *);
void	index_free(struct index *);
int	index_pkg_cmp(const void *, const void *);
void	record_name(const unsigned char *, char *);

#endif
