/*
 * Opening a signature store and loading the records of its packages.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store.h"

/*
 * A poudriere package directory has ".latest" pointing at the committed
 * build; that build is the repository.  Otherwise DIR itself is.
 */
int
store_resolve_repo(const char *dir, int *repofd, struct err *e)
{
	struct stat	 st;
	int		 fd, latest;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return (err_set(e, "%s: %s", dir, strerror(errno)));
	if (fstatat(fd, ".latest", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		latest = openat(fd, ".latest", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (latest == -1) {
			err_set(e, "%s/.latest: %s", dir, strerror(errno));
			close(fd);
			return (-1);
		}
		close(fd);
		fd = latest;
	}
	*repofd = fd;
	return (0);
}

/*
 * DIR is a repository (or poudriere package directory) holding
 * filesigs/, or a filesigs directory itself, such as an offline copy.
 */
static int
open_dirs(struct store *s, const char *dir, struct err *e)
{
	struct stat	st;

	if (store_resolve_repo(dir, &s->repofd, e) == -1)
		return (-1);
	if (fstatat(s->repofd, FMT_INDEX, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		s->dirfd = s->repofd;
		s->repofd = -1;
	} else {
		s->dirfd = openat(s->repofd, FMT_DIR, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (s->dirfd == -1)
			return (err_set(e, "%s/%s: %s", dir, FMT_DIR,
			    strerror(errno)));
	}
	s->recfd = openat(s->dirfd, FMT_RECORDS, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (s->recfd == -1)
		return (err_set(e, "%s: %s directory: %s", dir, FMT_RECORDS,
		    strerror(errno)));
	return (0);
}

int
store_open(struct store *s, const char *dir, struct trust *t, struct err *e)
{
	struct buf	 text = { 0 };
	struct err	 sub;
	char		 keyid[KEY_ID_LEN + 1];

	memset(s, 0, sizeof(*s));
	s->repofd = s->dirfd = s->recfd = -1;
	if (open_dirs(s, dir, e) == -1)
		goto fail;
	if (read_whole(s->dirfd, FMT_INDEX, FMT_INDEX_MAX, &text) == -1) {
		err_set(e, "%s: index: %s", dir, strerror(errno));
		goto fail;
	}
	if (index_keyid(text.data, text.len, keyid, &sub) == -1) {
		err_set(e, "%s: index: %s", dir, sub.msg);
		goto fail;
	}
	if ((s->key = trust_resolve(t, s->dirfd, keyid, &sub)) == NULL) {
		err_set(e, "%s: index: %s", dir, sub.msg);
		goto fail;
	}
	if (index_check(text.data, text.len, s->key, &sub) == -1 ||
	    index_parse(text.data, text.len, &s->idx, &sub) == -1) {
		err_set(e, "%s: index: %s", dir, sub.msg);
		goto fail;
	}
	EVP_Digest(text.data, text.len, s->index_sha256, NULL, EVP_sha256(),
	    NULL);
	buf_free(&text);
	return (0);
fail:
	buf_free(&text);
	store_close(s);
	return (-1);
}

const struct index_pkg *
store_find(const struct store *s, const char *name, const char *version)
{
	struct index_pkg	key = { 0 };
	size_t			i;

	if (version != NULL) {
		key.name = name;
		key.version = version;
		return (bsearch(&key, s->idx.pkgs, s->idx.npkgs,
		    sizeof(key), index_pkg_cmp));
	}
	for (i = 0; i < s->idx.npkgs; i++)
		if (strcmp(s->idx.pkgs[i].name, name) == 0)
			return (&s->idx.pkgs[i]);
	return (NULL);
}

/* Every record must speak for the package the index lists it under. */
static int
record_matches(const struct store *s, const struct index_pkg *p,
    const struct record *r)
{
	return (strcmp(r->pkg.keyid, s->idx.keyid) == 0 &&
	    strcmp(r->pkg.repo, s->idx.repo) == 0 &&
	    strcmp(r->pkg.name, p->name) == 0 &&
	    strcmp(r->pkg.version, p->version) == 0 &&
	    strcmp(r->pkg.origin, p->origin) == 0 &&
	    strcmp(r->pkg.abi, p->abi) == 0);
}

static int
parse_records(const struct store *s, const struct index_pkg *p,
    struct recfile *rf, int verify, struct err *e)
{
	char	*cur = rf->text, *end = rf->text + p->record_size, *nl;
	size_t	 i;

	if (p->nfiles > p->record_size / 32 + 1)
		return (err_set(e, "%s-%s: impossible file count", p->name,
		    p->version));
	if (p->nfiles > 0 &&
	    (rf->recs = calloc((size_t)p->nfiles, sizeof(*rf->recs))) == NULL)
		return (err_set(e, "out of memory"));
	for (i = 0; i < p->nfiles; i++) {
		if ((nl = memchr(cur, '\n', (size_t)(end - cur))) == NULL)
			return (err_set(e, "%s-%s: record file ends early",
			    p->name, p->version));
		if (record_parse(cur, (size_t)(nl - cur), &rf->recs[i],
		    e) == -1)
			return (-1);
		cur = nl + 1;
		if (!record_matches(s, p, &rf->recs[i]))
			return (err_set(e, "%s-%s: record for another package "
			    "or key", p->name, p->version));
		if (i > 0 && strcmp(rf->recs[i - 1].path,
		    rf->recs[i].path) >= 0)
			return (err_set(e, "%s-%s: records out of order",
			    p->name, p->version));
		if (verify && !record_verify(&rf->recs[i], s->key))
			return (err_set(e, "%s-%s: %s: bad signature",
			    p->name, p->version, rf->recs[i].path));
		rf->n++;
	}
	if (cur != end)
		return (err_set(e, "%s-%s: record file has trailing data",
		    p->name, p->version));
	return (0);
}

/*
 * Whether the index in the store is no longer the one that was read: a
 * signer replaced it, and removes the record files of old indexes some
 * time after.
 */
static int
index_replaced(const struct store *s)
{
	struct buf	 b = { 0 };
	unsigned char	 md[32];
	unsigned int	 mdlen;
	int		 r = 1;

	if (read_whole(s->dirfd, FMT_INDEX, FMT_INDEX_MAX, &b) == 0 &&
	    EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) == 1)
		r = memcmp(md, s->index_sha256, 32) != 0;
	buf_free(&b);
	return (r);
}

/*
 * Load the records of P.  VERIFY also checks each record's own
 * signature; the index already vouches for the file as a whole.
 */
int
store_load_records(const struct store *s, const struct index_pkg *p,
    struct recfile *rf, int verify, struct err *e)
{
	struct buf	 b = { 0 };
	unsigned char	 md[32];
	unsigned int	 mdlen;
	char		 name[80];

	memset(rf, 0, sizeof(*rf));
	record_name(p->record_sha256, name);
	if (p->record_size > FMT_RECFILE_MAX) {
		err_set(e, "%s-%s: record file larger than %llu bytes",
		    p->name, p->version, (unsigned long long)FMT_RECFILE_MAX);
		return (STORE_BAD);
	}
	if (read_whole(s->recfd, name, p->record_size, &b) == -1) {
		int	saved = errno;

		buf_free(&b);
		if (saved == ENOENT) {
			if (index_replaced(s))
				err_set(e, "%s-%s: record file %s is missing: "
				    "the signatures were replaced while they "
				    "were read; check again", p->name,
				    p->version, name);
			else
				err_set(e, "%s-%s: record file %s is missing",
				    p->name, p->version, name);
			return (STORE_MISSING);
		}
		err_set(e, "%s-%s: record file %s: %s", p->name, p->version,
		    name, saved == EFBIG ? "larger than the index says" :
		    strerror(saved));
		return (STORE_BAD);
	}
	if (b.len != p->record_size ||
	    EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    memcmp(md, p->record_sha256, 32) != 0) {
		buf_free(&b);
		err_set(e, "%s-%s: record file %s does not match the signed "
		    "index", p->name, p->version, name);
		return (STORE_BAD);
	}
	rf->text = b.data;
	if (parse_records(s, p, rf, verify, e) == -1) {
		recfile_free(rf);
		return (STORE_BAD);
	}
	return (0);
}

void
recfile_free(struct recfile *rf)
{
	free(rf->recs);
	free(rf->text);
	memset(rf, 0, sizeof(*rf));
}

void
store_close(struct store *s)
{
	if (s->repofd != -1)
		close(s->repofd);
	if (s->dirfd != -1)
		close(s->dirfd);
	if (s->recfd != -1)
		close(s->recfd);
	index_free(&s->idx);
	s->repofd = s->dirfd = s->recfd = -1;
}
