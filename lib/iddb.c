/*
 * iddb: name-to-id maps read from a root directory's etc/passwd and
 * etc/group.
 *
 * Packages record owners by name, and what a name means depends on the
 * system the files were installed into, not on the machine running the
 * check: a FreeBSD jail maps "wheel" to gid 0 even when inspected from
 * Linux.  So the host's getpwnam(3) and getgrnam(3) are never asked.
 * The files are opened through rootfs, without following a symlink at
 * the end, so the root cannot substitute the host's copies.  Each file
 * becomes a sorted array searched with bsearch(3), since a scan looks
 * up the owner of every installed file.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iddb.h"
#include "util.h"
#include "rootfs.h"

#define IDDB_FILE_MAX	(64 * 1024 * 1024)
#define IDDB_LINE_MAX	(64 * 1024)

/* (uid_t)-1 and (gid_t)-1 mean "no id" to chown(2); never accept them. */
_Static_assert((uid_t)-1 > 0 && (gid_t)-1 > 0, "ids must be unsigned");
#define UID_LIMIT	((unsigned long long)(uid_t)-1 - 1)
#define GID_LIMIT	((unsigned long long)(gid_t)-1 - 1)

struct iddb_ent {
	const char		*name;	/* inside iddb_tab.buf */
	unsigned long long	 id;
	size_t			 seq;	/* line order: first wins */
};

struct iddb_tab {
	char		*buf;		/* file contents */
	struct iddb_ent	*ents;	/* sorted, unique names */
	size_t		 n;
	size_t		 cap;
	int		 present;
};

struct iddb {
	struct iddb_tab	 passwd;
	struct iddb_tab	 group;
	size_t		 malformed;
};

enum line_kind {
	LINE_ENTRY,
	LINE_IGNORED,
	LINE_MALFORMED,
};

/* Open PATH under ROOTFD without following a symlink anywhere outside. */
static int
open_in_root(int rootfd, const char *path, int *fdp)
{
	char name[NAME_MAX + 1];
	int dirfd, error, fd;

	error = rootfs_parent(rootfd, path, &dirfd, name, sizeof(name));
	if (error != 0)
		return (error);
	fd = openat(dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	error = fd < 0 ? errno : 0;
	(void)close(dirfd);
	/* O_NOFOLLOW on a symlink fails with ELOOP, or EMLINK on FreeBSD. */
	if (error != 0)
		return (error == EMLINK ? -ELOOP : -error);
	*fdp = fd;
	return (0);
}

/*
 * Read all of FD.  The size from fstat is only a hint, as the file may
 * change while we read it; the cap is enforced on what is read.
 */
static int
read_all(int fd, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf, *nbuf;
	size_t cap, len;
	ssize_t n;
	int error;

	if (fstat(fd, &st) != 0)
		return (-errno);
	if (!S_ISREG(st.st_mode))
		return (-EINVAL);
	if (st.st_size > IDDB_FILE_MAX)
		return (-EFBIG);
	/* One spare byte, so that the read that sees EOF has room. */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		return (-ENOMEM);
	len = 0;
	for (;;) {
		if (len == cap) {
			error = -EFBIG;
			if (len > IDDB_FILE_MAX)
				goto fail;
			cap = cap > IDDB_FILE_MAX / 2 ? IDDB_FILE_MAX + 1 :
			    cap * 2;
			error = -ENOMEM;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return (0);
fail:
	free(buf);
	return (error);
}

/* A decimal id no larger than MAX, with no sign or spaces. */
static int
parse_id(const char *s, size_t len, unsigned long long max,
    unsigned long long *id)
{
	unsigned long long v;
	unsigned d;
	size_t i;

	if (len == 0)
		return (-EINVAL);
	v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-EINVAL);
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return (-ERANGE);
		v = v * 10 + d;
	}
	*id = v;
	return (0);
}

/*
 * Parse one line.  Passwd and group lines both start with
 * name:password:id: and need at least one more field after that.
 * The name is terminated in place.
 */
static enum line_kind
parse_line(char *line, size_t len, unsigned long long idmax,
    struct iddb_ent *ent)
{
	char *end, *c1, *c2, *c3;

	if (len > IDDB_LINE_MAX)
		return (LINE_MALFORMED);
	if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
		return (LINE_IGNORED);
	if (memchr(line, '\0', len) != NULL)
		return (LINE_MALFORMED);
	end = line + len;
	if ((c1 = memchr(line, ':', len)) == NULL ||
	    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) == NULL ||
	    (c3 = memchr(c2 + 1, ':', (size_t)(end - c2 - 1))) == NULL)
		return (LINE_MALFORMED);
	if (c1 == line ||
	    parse_id(c2 + 1, (size_t)(c3 - c2 - 1), idmax, &ent->id) != 0)
		return (LINE_MALFORMED);
	*c1 = '\0';
	ent->name = line;
	return (LINE_ENTRY);
}

static int
tab_add(struct iddb_tab *t, const struct iddb_ent *ent)
{
	struct iddb_ent *nents;
	size_t ncap;

	if (t->n == t->cap) {
		ncap = t->cap == 0 ? 64 : t->cap * 2;
		if (ncap > SIZE_MAX / sizeof(*nents))
			return (-ENOMEM);
		nents = realloc(t->ents, ncap * sizeof(*nents));
		if (nents == NULL)
			return (-ENOMEM);
		t->ents = nents;
		t->cap = ncap;
	}
	t->ents[t->n++] = *ent;
	return (0);
}

static int
tab_parse(struct iddb_tab *t, size_t len, unsigned long long idmax,
    size_t *malformed)
{
	struct iddb_ent ent;
	char *line, *end, *nl;
	size_t seq;
	int error;

	end = t->buf + len;
	seq = 0;
	for (line = t->buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		switch (parse_line(line, (size_t)(nl - line), idmax, &ent)) {
		case LINE_IGNORED:
			break;
		case LINE_MALFORMED:
			(*malformed)++;
			break;
		case LINE_ENTRY:
			ent.seq = seq++;
			if ((error = tab_add(t, &ent)) != 0)
				return (error);
			break;
		}
	}
	return (0);
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct iddb_ent *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return ((x->seq > y->seq) - (x->seq < y->seq));
}

/* Sort by name, keeping only the earliest line for each name. */
static void
tab_sort(struct iddb_tab *t)
{
	size_t i, j;

	if (t->n == 0)
		return;
	sort_array(t->ents, t->n, sizeof(*t->ents), ent_cmp);
	for (i = 1, j = 1; i < t->n; i++)
		if (strcmp(t->ents[j - 1].name, t->ents[i].name) != 0)
			t->ents[j++] = t->ents[i];
	t->n = j;
}

/* A missing file leaves T empty and not present. */
static int
tab_load(int rootfd, const char *path, unsigned long long idmax,
    struct iddb_tab *t, size_t *malformed)
{
	size_t len = 0;
	int error, fd;

	if ((error = open_in_root(rootfd, path, &fd)) != 0)
		return (error == -ENOENT ? 0 : error);
	error = read_all(fd, &t->buf, &len);
	(void)close(fd);
	if (error != 0)
		return (error);
	t->present = 1;
	if ((error = tab_parse(t, len, idmax, malformed)) != 0)
		return (error);
	tab_sort(t);
	return (0);
}

static int
key_cmp(const void *key, const void *elem)
{
	const struct iddb_ent *ent = elem;

	return (strcmp(key, ent->name));
}

static const struct iddb_ent *
tab_find(const struct iddb_tab *t, const char *name)
{
	if (t->n == 0)
		return (NULL);
	return (bsearch(name, t->ents, t->n, sizeof(*t->ents), key_cmp));
}

int
iddb_load(int rootfd, struct iddb **out)
{
	struct iddb *db;
	int error;

	if (out == NULL)
		return (-EINVAL);
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return (-ENOMEM);
	error = tab_load(rootfd, "/etc/passwd", UID_LIMIT, &db->passwd,
	    &db->malformed);
	if (error == 0)
		error = tab_load(rootfd, "/etc/group", GID_LIMIT, &db->group,
		    &db->malformed);
	if (error != 0) {
		iddb_free(db);
		return (error);
	}
	*out = db;
	return (0);
}

void
iddb_free(struct iddb *db)
{
	if (db == NULL)
		return;
	free(db->passwd.ents);
	free(db->passwd.buf);
	free(db->group.ents);
	free(db->group.buf);
	free(db);
}

int
iddb_have_passwd(const struct iddb *db)
{
	return (db->passwd.present);
}

int
iddb_have_group(const struct iddb *db)
{
	return (db->group.present);
}

size_t
iddb_malformed(const struct iddb *db)
{
	return (db->malformed);
}

int
iddb_uid(const struct iddb *db, const char *name, uid_t *uid)
{
	const struct iddb_ent *ent;

	if ((ent = tab_find(&db->passwd, name)) == NULL)
		return (-ENOENT);
	*uid = (uid_t)ent->id;
	return (0);
}

int
iddb_gid(const struct iddb *db, const char *name, gid_t *gid)
{
	const struct iddb_ent *ent;

	if ((ent = tab_find(&db->group, name)) == NULL)
		return (-ENOENT);
	*gid = (gid_t)ent->id;
	return (0);
}
