/*
 * Trusted and revoked keys.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format.h"
#include "trust.h"

#define FP_FILE_MAX	4096

static int
has_id(char (*v)[KEY_ID_LEN + 1], size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return (1);
	return (0);
}

static const struct vkey *
find_key(const struct trust *t, const char *id)
{
	size_t	i;

	for (i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i].id, id) == 0)
			return (&t->keys[i]);
	return (NULL);
}

int
trust_add_key_file(struct trust *t, const char *path, struct err *e)
{
	struct vkey	k;

	if (t->nkeys == TRUST_MAX_KEYS)
		return (err_set(e, "%s: too many keys", path));
	if (key_load_public(path, &k, e) == -1)
		return (-1);
	if (find_key(t, k.id) != NULL || has_id(t->fp, t->nfp, k.id)) {
		key_free(&k);
		return (err_set(e, "%s: key %s is given twice", path, k.id));
	}
	t->keys[t->nkeys++] = k;
	return (0);
}

static void
skip_space(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/*
 * The fingerprint files pkg reads are UCL; the ones that exist hold two
 * settings, `function: "sha256"` and `fingerprint: "<hex>"`.  This reads
 * that subset: "key", ':' or '=', a quoted or bare value, an optional
 * ';', one setting per line, '#' comments.  Anything else is refused.
 */
int
trust_parse_fingerprint(const char *text, size_t len, char *fp)
{
	const char	*p = text, *end = text + len, *k, *v;
	size_t		 kl, vl;
	int		 havefn = 0, havefp = 0;

	while (p < end) {
		skip_space(&p, end);
		if (p < end && (*p == '\n' || *p == '\r' || *p == '#')) {
			while (p < end && *p != '\n')
				p++;
			p++;
			continue;
		}
		for (k = p; p < end && (*p == '_' || (*p >= 'a' && *p <= 'z'));
		    p++)
			;
		kl = (size_t)(p - k);
		skip_space(&p, end);
		if (kl == 0 || p == end || (*p != ':' && *p != '='))
			return (-1);
		p++;
		skip_space(&p, end);
		if (p < end && *p == '"') {
			for (v = ++p; p < end && *p != '"' && *p != '\n'; p++)
				;
			if (p == end || *p != '"')
				return (-1);
			vl = (size_t)(p++ - v);
		} else {
			for (v = p; p < end && *p != ';' && *p != '\n' &&
			    *p != ' ' && *p != '\r'; p++)
				;
			vl = (size_t)(p - v);
		}
		skip_space(&p, end);
		if (p < end && *p == ';')
			p++;
		skip_space(&p, end);
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p != '\n')
			return (-1);
		p++;
		if (kl == 8 && memcmp(k, "function", 8) == 0) {
			if (havefn++ || vl != 6 || memcmp(v, "sha256", 6) != 0)
				return (-1);
		} else if (kl == 11 && memcmp(k, "fingerprint", 11) == 0) {
			unsigned char	tmp[32];
			size_t		i;

			if (havefp++ || vl != KEY_ID_LEN ||
			    hex_decode(v, vl, tmp, sizeof(tmp)) == -1)
				return (-1);
			for (i = 0; i < vl; i++)
				fp[i] = v[i];
			fp[vl] = '\0';
		} else
			return (-1);
	}
	return (havefn && havefp ? 0 : -1);
}

static int
add_fp(char (**v)[KEY_ID_LEN + 1], size_t *n, const char *fp)
{
	char	(*nv)[KEY_ID_LEN + 1];

	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return (-1);
	*v = nv;
	memcpy(nv[*n], fp, KEY_ID_LEN + 1);
	(*n)++;
	return (0);
}

static int
load_fp_dir(struct trust *t, const char *dir, const char *sub, int revoked,
    struct err *e)
{
	DIR		*d;
	struct dirent	*de;
	struct buf	 b = { 0 };
	char		 fp[KEY_ID_LEN + 1];
	int		 fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return (err_set(e, "%s: %s", dir, strerror(errno)));
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (err_set(e, "%s: %s", dir, strerror(errno)));
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (read_whole(fd, de->d_name, FP_FILE_MAX, &b) == -1) {
			ret = err_set(e, "%s/%s: %s", dir, de->d_name,
			    strerror(errno));
			break;
		}
		if (trust_parse_fingerprint(b.data, b.len, fp) == -1) {
			ret = err_set(e, "%s/%s: not a sha256 fingerprint "
			    "file", dir, de->d_name);
			break;
		}
		if (revoked) {
			if (!has_id(t->revoked, t->nrevoked, fp) &&
			    add_fp(&t->revoked, &t->nrevoked, fp) == -1)
				ret = err_set(e, "out of memory");
			continue;
		}
		if (has_id(t->fp, t->nfp, fp) || find_key(t, fp) != NULL)
			ret = err_set(e, "%s/%s: key %s is listed twice in the "
			    "%s store", dir, de->d_name, fp, sub);
		else if (add_fp(&t->fp, &t->nfp, fp) == -1)
			ret = err_set(e, "out of memory");
	}
	closedir(d);
	buf_free(&b);
	return (ret);
}

int
trust_add_dir(struct trust *t, const char *dir, struct err *e)
{
	char		path[4096];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/trusted", dir);
	if (load_fp_dir(t, path, "trusted", 0, e) == -1)
		return (-1);
	snprintf(path, sizeof(path), "%s/revoked", dir);
	if (stat(path, &st) == -1 && errno == ENOENT)
		return (0);
	return (load_fp_dir(t, path, "revoked", 1, e));
}

int
trust_empty(const struct trust *t)
{
	return (t->nkeys == 0 && t->nfp == 0);
}

int
trust_revoked(const struct trust *t, const char *id)
{
	return (has_id(t->revoked, t->nrevoked, id));
}

/*
 * The key with id ID, if it is trusted and not revoked.  A key known only
 * by its fingerprint is read from STOREFD/keys/<id>.pub.
 */
const struct vkey *
trust_resolve(struct trust *t, int storefd, const char *id, struct err *e)
{
	const struct vkey	*k;
	struct buf		 b = { 0 };
	struct vkey		 nk;
	struct err		 sub;
	char			 name[KEY_ID_LEN + 16];
	int			 fd;

	if (trust_revoked(t, id)) {
		err_set(e, "signed by key %s, which is revoked", id);
		return (NULL);
	}
	if ((k = find_key(t, id)) != NULL)
		return (k);
	if (!has_id(t->fp, t->nfp, id)) {
		err_set(e, "signed by key %s, which is not trusted", id);
		return (NULL);
	}
	if (t->nkeys == TRUST_MAX_KEYS) {
		err_set(e, "too many keys");
		return (NULL);
	}
	if (storefd == -1) {
		err_set(e, "key %s is trusted by fingerprint, but no "
		    "signatures are loaded to take the key from", id);
		return (NULL);
	}
	snprintf(name, sizeof(name), "%s.pub", id);
	fd = openat(storefd, FMT_KEYS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || read_whole(fd, name, FP_FILE_MAX, &b) == -1) {
		err_set(e, "%s/%s: %s", FMT_KEYS, name, strerror(errno));
		goto fail;
	}
	if (key_load_public_mem(b.data, b.len, &nk, &sub) == -1) {
		err_set(e, "%s/%s: %s", FMT_KEYS, name, sub.msg);
		goto fail;
	}
	/* The id is the digest of the canonical PEM; the file must be it. */
	if (strcmp(nk.id, id) != 0) {
		key_free(&nk);
		err_set(e, "%s/%s: key does not match its fingerprint",
		    FMT_KEYS, name);
		goto fail;
	}
	close(fd);
	buf_free(&b);
	t->keys[t->nkeys] = nk;
	return (&t->keys[t->nkeys++]);
fail:
	if (fd != -1)
		close(fd);
	buf_free(&b);
	return (NULL);
}

void
trust_free(struct trust *t)
{
	size_t	i;

	for (i = 0; i < t->nkeys; i++)
		key_free(&t->keys[i]);
	free(t->fp);
	free(t->revoked);
	memset(t, 0, sizeof(*t));
}
