/*
 * The public face of the verifier: contexts, trusted keys, loading a
 * signature store and checking installed files against it.
 *
 * Chain of trust: a pinned public key verifies the index; the index gives
 * the SHA-256 of each package's record file; a record gives the digest,
 * type, mode and owner of one file.  A detached record checked on its own
 * is trusted through its own signature instead.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "libverify.h"
#include "format.h"
#include "iddb.h"
#include "keys.h"
#include "pkgdb.h"
#include "rootfs.h"
#include "store.h"
#include "trust.h"

#define HASH_BLOCK	(256 * 1024)

/* How far ahead of this host's clock an index may have been made. */
#define VFY_CLOCK_SKEW	(24 * 3600)

/*
 * What one thread needs to check files: its own buffer and digest
 * context, and the directory of the last file it checked.  Everything
 * else it reads from the context is not changed while checks run.
 */
struct worker {
	struct vfy_ctx	*c;
	unsigned char	*block;
	EVP_MD		*sha256;
	EVP_MD_CTX	*md;
	uint64_t	 bytes;
	int		 dirfd;		/* -1, or the directory of DIR */
	size_t		 dirlen;	/* SIZE_MAX: DIR is not known */
	char		 dir[PATH_MAX];	/* the path up to its last '/' */
};

/* A path of the whole store, for path lookups. */
struct pathref {
	const char	*path;
	size_t		 pkg;
	size_t		 rec;
};

struct vfy_ctx {
	struct err	 err;
	struct trust	 trust;
	char		*statefile;
	char		*root;
	int		 rootfd;
	struct iddb	*ids;
	unsigned int	 flags;
	int		 loaded;
	struct store	 store;
	struct recfile	*rf;		/* per index package, lazily */
	int		*rfstate;	/* 0 unread, 1 loaded, else STORE_* */
	struct err	*rferr;
	struct pathref	*paths;
	size_t		 npaths;
	int		 indexed;
	struct worker	 w;		/* for checks in the caller's thread */
	int		 jobs;
	vfy_progress_fn	 progress;
	void		*progress_arg;
	char		*dbdir;
	char		**walkdirs;	/* vfy_add_walk_dir() */
	size_t		 nwalkdirs;
	char		*repo;		/* required repository name */
	struct pkgdb	 db;		/* for -P: the installed versions */
	int		 dbtried;
	int		 dbloaded;
	char		 label[256];
};

static const char *const verdict_names[] = {
	[VFY_OK] = "OK",
	[VFY_MODIFIED] = "MODIFIED",
	[VFY_MISSING] = "MISSING",
	[VFY_METADATA] = "METADATA",
	[VFY_NOT_SIGNED] = "NOT_SIGNED",
	[VFY_BAD_SIGNATURE] = "BAD_SIGNATURE",
	[VFY_CONFIG_CHANGED] = "CONFIG_CHANGED",
	[VFY_UNREADABLE] = "UNREADABLE",
	[VFY_VERSION_MISMATCH] = "VERSION_MISMATCH",
	[VFY_PACKAGE_NOT_SIGNED] = "PACKAGE_NOT_SIGNED",
};

const char *
vfy_version(void)
{
	return (VFY_VERSION_STRING);
}

int
vfy_version_number(void)
{
	return (VFY_VERSION_NUMBER);
}

const char *
vfy_verdict_name(enum vfy_verdict v)
{
	if ((unsigned int)v >= sizeof(verdict_names) / sizeof(*verdict_names))
		return ("UNKNOWN");
	return (verdict_names[v]);
}

static int
worker_init(struct worker *w, vfy_ctx *c)
{
	w->c = c;
	w->bytes = 0;
	w->dirfd = -1;
	w->dirlen = SIZE_MAX;
	w->block = malloc(HASH_BLOCK);
	w->md = EVP_MD_CTX_new();
	/* Fetched once, not looked up again for every file. */
	w->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return (w->block == NULL || w->md == NULL || w->sha256 == NULL ?
	    -1 : 0);
}

/*
 * Forget the directory kept from the last check.  Called when a package
 * or a path is done, so that no directory is kept longer than that.
 */
static void
worker_forget(struct worker *w)
{
	if (w->dirfd != -1)
		close(w->dirfd);
	w->dirfd = -1;
}

static void
worker_free(struct worker *w)
{
	worker_forget(w);
	free(w->block);
	EVP_MD_CTX_free(w->md);
	EVP_MD_free(w->sha256);
	w->block = NULL;
	w->md = NULL;
	w->sha256 = NULL;
}

vfy_ctx *
vfy_new(void)
{
	vfy_ctx	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->rootfd = -1;
	c->jobs = 1;
	if (worker_init(&c->w, c) == -1) {
		vfy_free(c);
		return (NULL);
	}
	return (c);
}

static void
unload(vfy_ctx *c)
{
	size_t	i;

	if (!c->loaded)
		return;
	for (i = 0; i < c->store.idx.npkgs; i++)
		recfile_free(&c->rf[i]);
	free(c->rf);
	free(c->rfstate);
	free(c->rferr);
	free(c->paths);
	c->rf = NULL;
	c->rfstate = NULL;
	c->rferr = NULL;
	c->paths = NULL;
	c->npaths = 0;
	c->indexed = 0;
	store_close(&c->store);
	c->loaded = 0;
}

void
vfy_free(vfy_ctx *c)
{
	size_t	i;

	if (c == NULL)
		return;
	unload(c);
	trust_free(&c->trust);
	free(c->statefile);
	if (c->rootfd != -1)
		close(c->rootfd);
	iddb_free(c->ids);
	free(c->root);
	worker_free(&c->w);
	free(c->dbdir);
	for (i = 0; i < c->nwalkdirs; i++)
		free(c->walkdirs[i]);
	free(c->walkdirs);
	free(c->repo);
	pkgdb_free(&c->db);
	free(c);
}

const char *
vfy_error(const vfy_ctx *c)
{
	return (c->err.msg);
}

/* Replace an optional string setting of the context; NULL clears it. */
static int
set_string(vfy_ctx *c, char **slot, const char *value)
{
	char	*copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return (err_set(&c->err, "out of memory"));
	free(*slot);
	*slot = copy;
	return (0);
}

int
vfy_trust_key_file(vfy_ctx *c, const char *path)
{
	return (trust_add_key_file(&c->trust, path, &c->err));
}

int
vfy_trust_dir(vfy_ctx *c, const char *dir)
{
	return (trust_add_dir(&c->trust, dir, &c->err));
}

int
vfy_set_state_file(vfy_ctx *c, const char *path)
{
	return (set_string(c, &c->statefile, path));
}

int
vfy_set_root(vfy_ctx *c, const char *root)
{
	char	*copy;
	int	 fd, r;

	if ((copy = strdup(root)) == NULL)
		return (err_set(&c->err, "out of memory"));
	if ((r = rootfs_open(root, &fd)) != 0) {
		free(copy);
		return (err_set(&c->err, "%s: %s", root, strerror(-r)));
	}
	worker_forget(&c->w);
	if (c->rootfd != -1)
		close(c->rootfd);
	iddb_free(c->ids);
	c->ids = NULL;
	free(c->root);
	c->root = copy;
	c->rootfd = fd;
	return (0);
}

void
vfy_set_flags(vfy_ctx *c, unsigned int flags)
{
	c->flags = flags;
}

int
vfy_set_jobs(vfy_ctx *c, int jobs)
{
	if (jobs < 1 || jobs > 256)
		return (err_set(&c->err, "jobs must be 1 to 256"));
	c->jobs = jobs;
	return (0);
}

int
vfy_set_dbdir(vfy_ctx *c, const char *dir)
{
	return (set_string(c, &c->dbdir, dir));
}

int
vfy_add_walk_dir(vfy_ctx *c, const char *dir)
{
	char	**v, *copy;
	size_t	  len;

	if (dir == NULL || dir[0] != '/')
		return (err_set(&c->err, "%s: not an absolute path",
		    dir ? dir : "(null)"));
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= PATH_MAX)
		return (err_set(&c->err, "%s: path too long", dir));
	if ((v = reallocarray(c->walkdirs, c->nwalkdirs + 1,
	    sizeof(*v))) == NULL)
		return (err_set(&c->err, "out of memory"));
	c->walkdirs = v;
	/* "/" walks from the root itself: it is kept as "". */
	if ((copy = strndup(dir, len == 1 ? 0 : len)) == NULL)
		return (err_set(&c->err, "out of memory"));
	c->walkdirs[c->nwalkdirs++] = copy;
	return (0);
}

int
vfy_set_repository(vfy_ctx *c, const char *name)
{
	return (set_string(c, &c->repo, name));
}

void
vfy_set_progress(vfy_ctx *c, vfy_progress_fn fn, void *arg)
{
	c->progress = fn;
	c->progress_arg = arg;
}

int
vfy_is_problem(const vfy_ctx *c, enum vfy_verdict v)
{
	if (v == VFY_OK)
		return (0);
	if (v == VFY_CONFIG_CHANGED)
		return ((c->flags & VFY_F_CONFIG_IS_TAMPER) != 0);
	return (1);
}

static void
fmt_time(int64_t t, char *buf, size_t n)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, n, "%lld", (long long)t);
}

/*
 * The state file remembers, per key and repository name, the highest
 * index serial accepted and the digest of that index.  It is JSON:
 *	{"version":1,"keys":{"<key id> <repository>":{"serial":N,
 *	    "index":"<sha256>"}}}
 * Keying by repository too lets one build farm key sign several
 * repositories (one per ABI, say) whose serials are unrelated; a host
 * that must not accept another repository's index pins the name with
 * vfy_set_repository().
 */
static int
state_read(vfy_ctx *c, json_t **out)
{
	struct buf	 b = { 0 };
	json_error_t	 je;
	json_t		*st, *keys;

	if (read_whole(AT_FDCWD, c->statefile, 64 * 1024 * 1024, &b) == -1) {
		buf_free(&b);
		if (errno != ENOENT)
			return (err_set(&c->err, "%s: %s", c->statefile,
			    strerror(errno)));
		*out = json_pack("{s:i,s:{}}", "version", 1, "keys");
		return (*out ? 0 : err_set(&c->err, "out of memory"));
	}
	st = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &je);
	buf_free(&b);
	keys = json_object_get(st, "keys");
	if (st == NULL || !json_is_object(keys) ||
	    json_integer_value(json_object_get(st, "version")) != 1) {
		json_decref(st);
		return (err_set(&c->err, "%s: not a pkg-verify state file; "
		    "refusing to guess the serials it held", c->statefile));
	}
	*out = st;
	return (0);
}

/* mkdir -p DIR, each new level mode 0755. */
static int
mkdir_parents(char *dir)
{
	char	*p;

	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char	 save = *p;

			*p = '\0';
			if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
				*p = save;
				return (-1);
			}
			*p = save;
		}
		if (*p == '\0')
			return (0);
	}
}

/*
 * The directory of the state file in DIR, and its name in *BASE.  The
 * directory is made (with its parents, as /var/db/pkg-verify) when the
 * state is locked, before anything is read or written.
 */
static int
state_dir(const vfy_ctx *c, char *dir, size_t n, const char **base)
{
	const char	*slash = strrchr(c->statefile, '/');
	size_t		 len;

	*base = slash != NULL ? slash + 1 : c->statefile;
	if (slash == NULL)
		len = (size_t)snprintf(dir, n, ".");
	else if (slash == c->statefile)
		len = (size_t)snprintf(dir, n, "/");
	else
		len = (size_t)snprintf(dir, n, "%.*s",
		    (int)(slash - c->statefile), c->statefile);
	return (len >= n ? -1 : 0);
}

static int
state_write(vfy_ctx *c, json_t *st)
{
	const char	*base;
	char		*text, dir[PATH_MAX];
	int		 dfd, r = -1;

	if (state_dir(c, dir, sizeof(dir), &base) == -1)
		return (err_set(&c->err, "%s: path too long", c->statefile));
	if ((text = json_dumps(st, JSON_SORT_KEYS | JSON_INDENT(1))) == NULL)
		return (err_set(&c->err, "out of memory"));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1)
		r = write_atomic(dfd, base, text, strlen(text), 0644);
	if (r == -1)
		err_set(&c->err, "%s: %s", c->statefile, strerror(errno));
	if (dfd != -1)
		close(dfd);
	free(text);
	return (r);
}

/*
 * Runs that share a state file (checks of several jails, say) must not
 * interleave their reads and writes of it: a serial one of them wrote
 * would be lost, and with it the protection against a rollback.  Returns
 * the descriptor holding the lock, -2 when the state cannot be written
 * anyway (read-only), or -1.
 */
static int
state_lock(vfy_ctx *c)
{
	const char	*base;
	char		 path[PATH_MAX];
	int		 fd;

	if (state_dir(c, path, sizeof(path), &base) == -1 ||
	    (size_t)snprintf(NULL, 0, "%s.lock", c->statefile) >=
	    sizeof(path))
		return (err_set(&c->err, "%s: path too long", c->statefile));
	/* The first run makes the state's directory; open() says if not. */
	(void)mkdir_parents(path);
	snprintf(path, sizeof(path), "%s.lock", c->statefile);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1 && (errno == EROFS || errno == EACCES))
		return (-2);
	if (fd == -1)
		return (err_set(&c->err, "%s: %s", path, strerror(errno)));
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			err_set(&c->err, "%s: %s", path, strerror(errno));
			close(fd);
			return (-1);
		}
	}
	return (fd);
}

/*
 * Refuse an index older than one already seen for its key (a rollback),
 * and a second, different index with the same serial.
 */
static int
check_serial(vfy_ctx *c, const char *dir)
{
	const struct index	*idx = &c->store.idx;
	json_t			*st, *ent;
	const char		*seen;
	char			 hex[65], slot[2048];
	json_int_t		 prev;
	int			 r = 0, lockfd;

	if (c->statefile == NULL)
		return (0);
	if ((lockfd = state_lock(c)) == -1)
		return (-1);
	if (state_read(c, &st) == -1) {
		if (lockfd >= 0)
			close(lockfd);
		return (-1);
	}
	hex_encode(c->store.index_sha256, 32, hex);
	snprintf(slot, sizeof(slot), "%s %s", idx->keyid, idx->repo);
	ent = json_object_get(json_object_get(st, "keys"), slot);
	prev = json_integer_value(json_object_get(ent, "serial"));
	seen = json_string_value(json_object_get(ent, "index"));
	/* The state holds serials as JSON integers: signed 64 bits. */
	if (idx->serial > INT64_MAX)
		r = err_set(&c->err, "%s: index serial %llu is out of range",
		    dir, (unsigned long long)idx->serial);
	else if (ent != NULL && (!json_is_integer(json_object_get(ent,
	    "serial")) || prev < 0))
		r = err_set(&c->err, "%s: entry \"%s\" is damaged; refusing "
		    "to guess the serial it held", c->statefile, slot);
	else if (ent != NULL && (uint64_t)prev > idx->serial)
		r = err_set(&c->err, "%s: index serial %llu is older than "
		    "serial %lld already accepted for key %s and repository "
		    "%s: refusing a rollback", dir,
		    (unsigned long long)idx->serial, (long long)prev,
		    idx->keyid, idx->repo);
	else if (ent != NULL && (uint64_t)prev == idx->serial &&
	    seen != NULL && strcmp(seen, hex) != 0)
		r = err_set(&c->err, "%s: a different index with serial %llu "
		    "was accepted before for key %s", dir,
		    (unsigned long long)idx->serial, idx->keyid);
	else if (ent == NULL || (uint64_t)prev < idx->serial) {
		ent = json_pack("{s:I,s:s}", "serial",
		    (json_int_t)idx->serial, "index", hex);
		if (ent == NULL || json_object_set_new(json_object_get(st,
		    "keys"), slot, ent) == -1)
			r = err_set(&c->err, "out of memory");
		else
			r = state_write(c, st);
	}
	json_decref(st);
	if (lockfd >= 0)
		close(lockfd);
	return (r);
}

static int
check_fresh(vfy_ctx *c, const char *dir)
{
	const struct index	*idx = &c->store.idx;
	char			 when[64];

	if (c->repo != NULL && strcmp(c->repo, idx->repo) != 0)
		return (err_set(&c->err, "%s: index is for repository \"%s\", "
		    "not \"%s\"", dir, idx->repo, c->repo));

	if ((int64_t)time(NULL) > idx->expires) {
		fmt_time(idx->expires, when, sizeof(when));
		if (!(c->flags & VFY_F_ALLOW_EXPIRED))
			return (err_set(&c->err, "%s: index expired at %s; "
			    "refusing it (it may be a replay of old "
			    "signatures)", dir, when));
	}
	/*
	 * Made in the future: the signer's clock or ours is wrong, and the
	 * expiry means nothing until it is known which.
	 */
	if (idx->created > (int64_t)time(NULL) + VFY_CLOCK_SKEW) {
		fmt_time(idx->created, when, sizeof(when));
		if (!(c->flags & VFY_F_ALLOW_EXPIRED))
			return (err_set(&c->err, "%s: index created at %s, "
			    "in the future; refusing it (check this host's "
			    "clock and the signer's)", dir, when));
	}
	return (check_serial(c, dir));
}

int
vfy_index_info(const vfy_ctx *c, struct vfy_index_info *info)
{
	if (!c->loaded)
		return (-1);
	memset(info, 0, sizeof(*info));
	info->serial = c->store.idx.serial;
	info->created = c->store.idx.created;
	info->expires = c->store.idx.expires;
	info->expired = (int64_t)time(NULL) > c->store.idx.expires;
	info->key_id = c->store.idx.keyid;
	info->repository = c->store.idx.repo;
	info->packages = c->store.idx.npkgs;
	return (0);
}

int
vfy_load(vfy_ctx *c, const char *dir)
{
	size_t	n;

	if (trust_empty(&c->trust))
		return (err_set(&c->err, "no trusted key"));
	unload(c);
	if (store_open(&c->store, dir, &c->trust, &c->err) == -1)
		return (-1);
	if (check_fresh(c, dir) == -1) {
		store_close(&c->store);
		return (-1);
	}
	n = c->store.idx.npkgs;
	c->rf = calloc(n ? n : 1, sizeof(*c->rf));
	c->rfstate = calloc(n ? n : 1, sizeof(*c->rfstate));
	c->rferr = calloc(n ? n : 1, sizeof(*c->rferr));
	c->loaded = 1;
	if (c->rf == NULL || c->rfstate == NULL || c->rferr == NULL) {
		unload(c);
		return (err_set(&c->err, "out of memory"));
	}
	return (0);
}

static int
need_root(vfy_ctx *c)
{
	int	r;

	if (c->rootfd == -1 && vfy_set_root(c, "/") == -1)
		return (-1);
	if (c->ids == NULL && (r = iddb_load(c->rootfd, &c->ids)) != 0)
		return (err_set(&c->err, "%s: cannot read etc/passwd or "
		    "etc/group: %s", c->root, strerror(-r)));
	return (0);
}

/* Returns the load state of package I: 1 loaded, or a STORE_* code. */
static int
load_pkg(vfy_ctx *c, size_t i)
{
	int	r;

	if (c->rfstate[i] != 0)
		return (c->rfstate[i]);
	r = store_load_records(&c->store, &c->store.idx.pkgs[i], &c->rf[i], 0,
	    &c->rferr[i]);
	c->rfstate[i] = r == 0 ? 1 : r;
	return (c->rfstate[i]);
}

/* Per-file outcome, with room for the detail text. */
struct outcome {
	enum vfy_verdict verdict;
	char		 detail[256];
};

static void
set_outcome(struct outcome *o, enum vfy_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_outcome(struct outcome *o, enum vfy_verdict v, const char *fmt, ...)
{
	va_list	ap;

	o->verdict = v;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

static const char *
type_name(enum ftype t)
{
	return (t == FT_FILE ? "file" : t == FT_SYMLINK ? "symlink" :
	    "directory");
}

static enum ftype
stat_type(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return (FT_FILE);
	if (S_ISLNK(st->st_mode))
		return (FT_SYMLINK);
	if (S_ISDIR(st->st_mode))
		return (FT_DIR);
	return ((enum ftype)'?');
}

/*
 * Names mean what the root's own etc/passwd and etc/group say.  A name
 * the root does not know maps to id 0, as pkg does when it installs.
 */
static void
check_owner(struct worker *w, const struct record *r, const struct stat *st,
    struct outcome *o)
{
	const vfy_ctx	*c = w->c;
	uid_t	uid = 0;
	gid_t	gid = 0;

	(void)iddb_uid(c->ids, r->owner, &uid);
	(void)iddb_gid(c->ids, r->group, &gid);
	if (st->st_uid != uid)
		set_outcome(o, VFY_METADATA, "owner is uid %lu, signed %s "
		    "(uid %lu)", (unsigned long)st->st_uid, r->owner,
		    (unsigned long)uid);
	else if (st->st_gid != gid)
		set_outcome(o, VFY_METADATA, "group is gid %lu, signed %s "
		    "(gid %lu)", (unsigned long)st->st_gid, r->group,
		    (unsigned long)gid);
}

static void
check_mode(const struct record *r, const struct stat *st, struct outcome *o)
{
	unsigned int	mode = (unsigned int)st->st_mode & 07777;

	/* A symlink's mode means nothing on Linux and little on FreeBSD. */
	if (r->type != FT_SYMLINK && mode != r->mode)
		set_outcome(o, VFY_METADATA, "mode is %04o, signed %04o", mode,
		    r->mode);
}

static int
hash_fd(struct worker *w, int fd, unsigned char *md, uint64_t *len)
{
	ssize_t		n;
	unsigned int	mdlen;

	*len = 0;
	if (EVP_DigestInit_ex(w->md, w->sha256, NULL) != 1)
		return (-1);
	for (;;) {
		n = read(fd, w->block, HASH_BLOCK);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (EVP_DigestUpdate(w->md, w->block, (size_t)n) != 1)
			return (-1);
		*len += (uint64_t)n;
	}
	w->bytes += *len;
	return (EVP_DigestFinal_ex(w->md, md, &mdlen) == 1 ? 0 : -1);
}

static void
content_changed(const struct record *r, struct outcome *o, const char *what)
{
	if (r->config)
		set_outcome(o, VFY_CONFIG_CHANGED, "%s", what);
	else
		set_outcome(o, VFY_MODIFIED, "%s", what);
}

/*
 * Hash through the descriptor that was opened without following a
 * symlink, and judge by what that descriptor is, not by an earlier
 * lstat: the file may be swapped in between.
 */
static void
check_regular(struct worker *w, int dirfd, const char *name, const struct record *r,
    struct outcome *o)
{
	struct stat	 st;
	struct outcome	 meta;
	unsigned char	 md[32];
	char		 what[256];
	uint64_t	 len;
	int		 fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			set_outcome(o, VFY_METADATA, "is a symlink, signed as "
			    "a file");
		else if (errno == ENOENT)
			set_outcome(o, VFY_MISSING, "removed while checked");
		else
			set_outcome(o, VFY_UNREADABLE, "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1) {
		set_outcome(o, VFY_UNREADABLE, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_outcome(o, VFY_METADATA, "is not a regular file");
		goto out;
	}

	/*
	 * Mode and owner first: an edited configuration file is not a
	 * problem by default, and must not hide a setuid bit or a new
	 * owner that came with the edit.
	 */
	set_outcome(&meta, VFY_OK, "%s", "");
	check_mode(r, &st, &meta);
	if (meta.verdict == VFY_OK)
		check_owner(w, r, &st, &meta);

	if ((uint64_t)st.st_size != r->size) {
		snprintf(what, sizeof(what), "size is %lld, signed %llu",
		    (long long)st.st_size, (unsigned long long)r->size);
		content_changed(r, o, what);
	} else if (hash_fd(w, fd, md, &len) == -1) {
		set_outcome(o, VFY_UNREADABLE, "read error: %s",
		    strerror(errno));
	} else if (len != r->size || memcmp(md, r->sha256, 32) != 0)
		content_changed(r, o, "content differs");

	if (o->verdict == VFY_OK)
		*o = meta;
	else if (o->verdict == VFY_CONFIG_CHANGED && meta.verdict != VFY_OK) {
		snprintf(what, sizeof(what), "%s", o->detail);
		set_outcome(o, VFY_METADATA, "%s; configuration file "
		    "changed too: %s", meta.detail, what);
	}
out:
	close(fd);
}

static void
check_symlink(struct worker *w, int dirfd, const char *name, const struct record *r,
    const struct stat *st, struct outcome *o)
{
	char		 target[4096];
	unsigned char	 md[32];
	unsigned int	 mdlen;
	ssize_t		 n;

	n = readlinkat(dirfd, name, target, sizeof(target));
	if (n < 0 || (size_t)n >= sizeof(target)) {
		set_outcome(o, VFY_UNREADABLE, "readlink: %s",
		    n < 0 ? strerror(errno) : "target too long");
		return;
	}
	if (EVP_Digest(target, (size_t)n, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || (uint64_t)n != r->size ||
	    memcmp(md, r->sha256, 32) != 0) {
		target[n] = '\0';
		set_outcome(o, VFY_MODIFIED, "symlink target changed");
		return;
	}
	check_owner(w, r, st, o);
}

/*
 * The directory that holds PATH, resolved inside the root by
 * rootfs_parent(), and its last component in NAME.  Records are sorted
 * by path, so the files of one directory come one after another: the
 * directory of the last one is kept, and used again while the path up
 * to its last '/' is the same text.  The descriptor belongs to the
 * worker.
 */
static int
worker_parent(struct worker *w, const char *path, int *dirfd, char *name,
    size_t namesz)
{
	const char	*slash = strrchr(path, '/');
	size_t		 dlen = SIZE_MAX;
	int		 e;

	/* Only a path that ends in a file name is looked up again. */
	if (slash != NULL && slash[1] != '\0' && strcmp(slash, "/.") != 0 &&
	    strcmp(slash, "/..") != 0 &&
	    (size_t)(slash - path) < sizeof(w->dir))
		dlen = (size_t)(slash - path);
	if (w->dirfd != -1 && dlen != SIZE_MAX && w->dirlen == dlen &&
	    memcmp(w->dir, path, dlen) == 0) {
		if (strlen(slash + 1) >= namesz)
			return (-ENAMETOOLONG);
		strcpy(name, slash + 1);
		*dirfd = w->dirfd;
		return (0);
	}
	worker_forget(w);
	if ((e = rootfs_parent(w->c->rootfd, path, &w->dirfd, name,
	    namesz)) != 0) {
		w->dirfd = -1;
		return (e);
	}
	w->dirlen = dlen;
	if (dlen != SIZE_MAX)
		memcpy(w->dir, path, dlen);
	*dirfd = w->dirfd;
	return (0);
}

static void
check_file(struct worker *w, const struct record *r, struct outcome *o)
{
	struct stat	st;
	char		name[256];
	int		dirfd, e;

	set_outcome(o, VFY_OK, "%s", "");
	if ((e = worker_parent(w, r->path, &dirfd, name, sizeof(name))) != 0) {
		if (e == -ENOENT || e == -ENOTDIR)
			set_outcome(o, VFY_MISSING, "%s", "");
		else
			set_outcome(o, VFY_UNREADABLE, "%s", strerror(-e));
		return;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			set_outcome(o, VFY_MISSING, "%s", "");
		else
			set_outcome(o, VFY_UNREADABLE, "%s", strerror(errno));
		return;
	}
	if (stat_type(&st) != r->type) {
		set_outcome(o, VFY_METADATA, "is a %s, signed as a %s",
		    S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ||
		    S_ISDIR(st.st_mode) ? type_name(stat_type(&st)) :
		    "special file", type_name(r->type));
	} else if (r->type == FT_FILE)
		check_regular(w, dirfd, name, r, o);
	else if (r->type == FT_SYMLINK)
		check_symlink(w, dirfd, name, r, &st, o);
	else {
		check_mode(r, &st, o);
		if (o->verdict == VFY_OK)
			check_owner(w, r, &st, o);
	}
}

static int
report_bytes(vfy_ctx *c, vfy_report_fn fn, void *arg, enum vfy_verdict v,
    const char *path, const char *pkg, const char *detail, uint64_t bytes,
    int *problems)
{
	struct vfy_result	res;

	if (vfy_is_problem(c, v))
		*problems = 1;
	res.verdict = v;
	res.path = path;
	res.package = pkg;
	res.detail = detail ? detail : "";
	res.bytes = bytes;
	return (fn(&res, arg));
}

static int
report(vfy_ctx *c, vfy_report_fn fn, void *arg, enum vfy_verdict v,
    const char *path, const char *pkg, const char *detail, int *problems)
{
	return (report_bytes(c, fn, arg, v, path, pkg, detail, 0, problems));
}

static void
pkg_label(const struct index_pkg *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%s", p->name, p->version);
}

/* MSG without the "name-version: " it starts with, if it does. */
static const char *
unlabelled(const char *msg, const char *label)
{
	size_t	n = strlen(label);

	if (strncmp(msg, label, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
		return (msg + n + 2);
	return (msg);
}

/* Find package I's records for all paths, once, for path lookups. */
static int
pathref_cmp(const void *a, const void *b)
{
	const struct pathref	*x = a, *y = b;
	int			 r;

	if ((r = strcmp(x->path, y->path)) != 0)
		return (r);
	return (x->pkg < y->pkg ? -1 : x->pkg > y->pkg);
}

static int
index_paths(vfy_ctx *c)
{
	size_t	i, j, n = 0;

	if (c->indexed)
		return (0);
	for (i = 0; i < c->store.idx.npkgs; i++)
		if (load_pkg(c, i) == 1)
			n += c->rf[i].n;
	if (n > 0 && (c->paths = calloc(n, sizeof(*c->paths))) == NULL)
		return (err_set(&c->err, "out of memory"));
	for (i = 0; i < c->store.idx.npkgs; i++) {
		if (c->rfstate[i] != 1)
			continue;
		for (j = 0; j < c->rf[i].n; j++) {
			c->paths[c->npaths].path = c->rf[i].recs[j].path;
			c->paths[c->npaths].pkg = i;
			c->paths[c->npaths].rec = j;
			c->npaths++;
		}
	}
	sort_array(c->paths, c->npaths, sizeof(*c->paths), pathref_cmp);
	c->indexed = 1;
	return (0);
}

/*
 * A path that no valid record claims is NOT_SIGNED, unless a record file
 * failed verification: then the claim may be in it, and the answer is
 * BAD_SIGNATURE.
 */
static int
unclaimed(vfy_ctx *c, const char *path, vfy_report_fn fn, void *arg,
    int *problems)
{
	size_t	i;
	char	label[256];

	for (i = 0; i < c->store.idx.npkgs; i++)
		if (c->rfstate[i] == STORE_MISSING)
			return (err_set(&c->err, "%s: cannot tell whether it is "
			    "signed: %s", path, c->rferr[i].msg));
	for (i = 0; i < c->store.idx.npkgs; i++) {
		if (c->rfstate[i] == STORE_BAD) {
			pkg_label(&c->store.idx.pkgs[i], label, sizeof(label));
			return (report(c, fn, arg, VFY_BAD_SIGNATURE, path,
			    label, unlabelled(c->rferr[i].msg, label),
			    problems));
		}
	}
	return (report(c, fn, arg, VFY_NOT_SIGNED, path, NULL, "", problems));
}

int
vfy_check_path(vfy_ctx *c, const char *path, vfy_report_fn fn, void *arg)
{
	struct pathref	*p;
	struct outcome	 o, first;
	size_t		 lo, hi;
	const struct record *r;
	char		 label[256], firstlabel[256];
	int		 problems = 0;

	if (!c->loaded)
		return (err_set(&c->err, "no signatures loaded"));
	if (need_root(c) == -1 || index_paths(c) == -1)
		return (-1);
	/* The first entry for PATH: several packages may ship it. */
	lo = 0;
	hi = c->npaths;
	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (strcmp(c->paths[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->npaths || strcmp(c->paths[lo].path, path) != 0)
		return (unclaimed(c, path, fn, arg, &problems) == -1 ? -1 :
		    problems);
	p = &c->paths[lo];
	/* Any full match is OK. */
	first.verdict = VFY_OK;
	firstlabel[0] = '\0';
	for (; p < c->paths + c->npaths && strcmp(p->path, path) == 0; p++) {
		r = &c->rf[p->pkg].recs[p->rec];
		check_file(&c->w, r, &o);
		worker_forget(&c->w);
		pkg_label(&c->store.idx.pkgs[p->pkg], label, sizeof(label));
		if (o.verdict == VFY_OK) {
			report(c, fn, arg, VFY_OK, path, label, "", &problems);
			return (problems);
		}
		if (firstlabel[0] == '\0') {
			first = o;
			memcpy(firstlabel, label, sizeof(label));
		}
	}
	report(c, fn, arg, first.verdict, path, firstlabel, first.detail,
	    &problems);
	return (problems);
}

#define DB_INSTALLED	"/var/db/pkg/local.sqlite"

/*
 * The database SQLite must open by name.  Under a root, the name must
 * not lead out of it through a symlink (var/db/pkg -> /var/db/pkg would
 * check a jail against its host's package list): it must name the same
 * file as the same path resolved inside the root.  A -d directory is the
 * caller's choice and taken as it is.  *ABSENT tells a database that is
 * not there at all from one that cannot be used.
 */
static int
db_path(vfy_ctx *c, char *buf, size_t n, int *absent)
{
	const char	*root = c->root ? c->root : "/";
	struct stat	 in, out;
	char		 name[NAME_MAX + 1];
	int		 dfd, e, named;

	*absent = 0;
	if (c->dbdir != NULL)
		snprintf(buf, n, "%s/local.sqlite", c->dbdir);
	else
		snprintf(buf, n, "%s%s", strcmp(root, "/") == 0 ? "" : root,
		    DB_INSTALLED);
	if (c->dbdir != NULL || c->rootfd == -1 || strcmp(root, "/") == 0) {
		if (access(buf, F_OK) == -1 && errno == ENOENT) {
			*absent = 1;
			return (err_set(&c->err, "%s: %s", buf,
			    strerror(errno)));
		}
		return (0);
	}
	if ((e = rootfs_parent(c->rootfd, DB_INSTALLED, &dfd, name,
	    sizeof(name))) == 0) {
		if (fstatat(dfd, name, &in, AT_SYMLINK_NOFOLLOW) == -1)
			e = -errno;
		close(dfd);
	}
	named = stat(buf, &out) == 0;
	/* Not there inside the root, nor by its name: there is none. */
	if (e == -ENOENT && !named && errno == ENOENT) {
		*absent = 1;
		return (err_set(&c->err, "%s: %s", buf, strerror(ENOENT)));
	}
	if (e != 0)
		return (err_set(&c->err, "%s: %s, resolved inside the root "
		    "%s%s", buf, strerror(-e), root, named ? "; its name "
		    "leads out of the root" : ""));
	if (!named || !S_ISREG(in.st_mode) || in.st_dev != out.st_dev ||
	    in.st_ino != out.st_ino)
		return (err_set(&c->err, "%s: leads out of the root %s, or is "
		    "not a regular file; name the database with a "
		    "directory option if this is meant", buf, root));
	return (0);
}

/*
 * The version pkg's database says is installed in *VER, or NULL.  With
 * no database at all, -P goes by the index alone; a database that is
 * there but cannot be used is an error, not a reason to guess.
 */
static int
installed_version(vfy_ctx *c, const char *name, const char **ver)
{
	char		path[4096];
	size_t		lo = 0, hi;
	int		absent;

	*ver = NULL;
	if (!c->dbtried) {
		if (db_path(c, path, sizeof(path), &absent) == -1) {
			if (!absent)
				return (-1);
			c->dbtried = 1;
		} else if (pkgdb_read(path, &c->db, &c->err) == -1)
			return (-1);
		else {
			c->dbtried = 1;
			c->dbloaded = 1;
		}
	}
	if (!c->dbloaded)
		return (0);
	hi = c->db.npkgs;
	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;
		int	r = strcmp(c->db.pkgs[mid].name, name);

		if (r == 0) {
			*ver = c->db.pkgs[mid].version;
			return (0);
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (0);
}

/*
 * Which signed package NAME means: name-version when it is spelled so;
 * else the version pkg's database says is installed; else the one signed
 * version.  Returns 0 with *OUT set, 1 when a verdict was reported
 * instead, -1 on error.
 */
static int
pick_pkg(vfy_ctx *c, const char *name, size_t *out, vfy_report_fn fn,
    void *arg, int *problems)
{
	const struct index_pkg	*p, *first = NULL;
	const char		*inst;
	char			*copy, *dash, detail[512];
	size_t			 i, n = 0;

	for (i = 0; i < c->store.idx.npkgs; i++)
		if (strcmp(c->store.idx.pkgs[i].name, name) == 0 && n++ == 0)
			first = &c->store.idx.pkgs[i];
	if (n == 0) {
		if ((copy = strdup(name)) == NULL)
			return (err_set(&c->err, "out of memory"));
		p = NULL;
		if ((dash = strrchr(copy, '-')) != NULL) {
			*dash = '\0';
			p = store_find(&c->store, copy, dash + 1);
		}
		free(copy);
		if (p != NULL) {
			*out = (size_t)(p - c->store.idx.pkgs);
			return (0);
		}
		report(c, fn, arg, VFY_PACKAGE_NOT_SIGNED, "", name,
		    "no signed record for this package", problems);
		return (1);
	}
	if (installed_version(c, name, &inst) == -1)
		return (-1);
	if (inst != NULL) {
		if ((p = store_find(&c->store, name, inst)) != NULL) {
			*out = (size_t)(p - c->store.idx.pkgs);
			return (0);
		}
		snprintf(detail, sizeof(detail), "installed %s, signed %s-%s",
		    inst, first->name, first->version);
		snprintf(c->label, sizeof(c->label), "%s-%s", name, inst);
		report(c, fn, arg, VFY_VERSION_MISMATCH, "", c->label, detail,
		    problems);
		return (1);
	}
	if (n > 1)
		return (err_set(&c->err, "%s: %zu versions are signed and "
		    "none is known to be installed; name one as name-version",
		    name, n));
	*out = (size_t)(first - c->store.idx.pkgs);
	return (0);
}

int
vfy_check_package(vfy_ctx *c, const char *name, vfy_report_fn fn, void *arg)
{
	struct outcome	 o;
	size_t		 i = 0, j;
	uint64_t	 before;
	char		 label[256];
	int		 problems = 0, st;

	if (!c->loaded)
		return (err_set(&c->err, "no signatures loaded"));
	if (need_root(c) == -1)
		return (-1);
	if ((st = pick_pkg(c, name, &i, fn, arg, &problems)) != 0)
		return (st == -1 ? -1 : problems);
	pkg_label(&c->store.idx.pkgs[i], label, sizeof(label));
	if ((st = load_pkg(c, i)) != 1) {
		if (st == STORE_MISSING)
			return (err_set(&c->err, "%s", c->rferr[i].msg));
		report(c, fn, arg, VFY_BAD_SIGNATURE, "", label,
		    unlabelled(c->rferr[i].msg, label), &problems);
		return (problems);
	}
	for (j = 0; j < c->rf[i].n; j++) {
		before = c->w.bytes;
		check_file(&c->w, &c->rf[i].recs[j], &o);
		if (report_bytes(c, fn, arg, o.verdict, c->rf[i].recs[j].path,
		    label, o.detail, c->w.bytes - before, &problems) != 0)
			break;
	}
	worker_forget(&c->w);
	return (problems);
}

/*
 * Check the file a single detached record names, trusting the record's
 * own signature.  Proves authenticity, not freshness: only the index
 * tells whether the record is still current.
 */
int
vfy_check_record(vfy_ctx *c, const char *line, vfy_report_fn fn, void *arg)
{
	struct record	 r;
	struct outcome	 o;
	struct err	 sub;
	const struct vkey *k;
	char		*copy, label[256];
	size_t		 len;
	int		 problems = 0;

	if (need_root(c) == -1)
		return (-1);
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if ((copy = malloc(len + 1)) == NULL)
		return (err_set(&c->err, "out of memory"));
	memcpy(copy, line, len);
	if (record_parse(copy, len, &r, &sub) == -1) {
		free(copy);
		return (err_set(&c->err, "record: %s", sub.msg));
	}
	snprintf(label, sizeof(label), "%s-%s", r.pkg.name, r.pkg.version);
	k = trust_resolve(&c->trust, c->loaded ? c->store.dirfd : -1,
	    r.pkg.keyid, &sub);
	if (k == NULL || !record_verify(&r, k)) {
		report(c, fn, arg, VFY_BAD_SIGNATURE, r.path, label,
		    k ? "signature does not verify" : sub.msg, &problems);
		free(copy);
		return (problems);
	}
	check_file(&c->w, &r, &o);
	worker_forget(&c->w);
	report(c, fn, arg, o.verdict, r.path, label, o.detail, &problems);
	free(copy);
	return (problems);
}

/*
 * Checking every installed package.  Workers take packages in turn;
 * each package's findings are kept until every package before it has
 * been reported, so the output is in the database's order whatever the
 * number of jobs.
 */

struct finding {
	enum vfy_verdict verdict;
	char		*path;
	char		*detail;
	uint64_t	 bytes;
};

struct inst {
	const struct pkgdb_pkg *db;
	char		 label[256];
	struct finding	*f;
	size_t		 nf;
	size_t		 cap;
	int		 done;
	int		 failed;
	char		 error[sizeof(((struct err *)0)->msg)];
};

struct scan {
	vfy_ctx		*c;
	struct pkgdb	 db;
	struct inst	*pk;
	size_t		 next;
	size_t		 emitted;
	int		 stop;
	int		 problems;
	vfy_report_fn	 fn;
	void		*arg;
	pthread_mutex_t	 lock;
	char		**seen;		/* paths reported, for the walk */
	size_t		 nseen;
	size_t		 capseen;
	int		 nomem;
};

static int
add_finding(struct inst *in, enum vfy_verdict v, const char *path,
    const char *detail, uint64_t bytes)
{
	struct finding	*f;

	if (in->nf == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 16;
		if ((f = reallocarray(in->f, in->cap, sizeof(*f))) == NULL)
			return (-1);
		in->f = f;
	}
	f = &in->f[in->nf];
	f->verdict = v;
	f->bytes = bytes;
	f->path = strdup(path);
	f->detail = strdup(detail ? detail : "");
	if (f->path == NULL || f->detail == NULL) {
		free(f->path);
		free(f->detail);
		return (-1);
	}
	in->nf++;
	return (0);
}

static int
rec_path_cmp(const void *key, const void *elt)
{
	return (strcmp(key, ((const struct record *)elt)->path));
}

/* Files the database lists that the signed record does not. */
static int
unsigned_db_files(const struct recfile *rf, struct inst *in)
{
	size_t	i;

	for (i = 0; i < in->db->nfiles; i++)
		if (bsearch(in->db->files[i], rf->recs, rf->n, sizeof(*rf->recs),
		    rec_path_cmp) == NULL && add_finding(in, VFY_NOT_SIGNED,
		    in->db->files[i], "listed by the package database but "
		    "not in the signed record", 0) == -1)
			return (-1);
	return (0);
}

static int
scan_signed(struct scan *s, struct worker *w, struct inst *in, size_t pi)
{
	vfy_ctx		*c = s->c;
	struct recfile	 rf;
	struct err	 e;
	struct outcome	 o;
	uint64_t	 before;
	size_t		 j;
	int		 r;

	r = store_load_records(&c->store, &c->store.idx.pkgs[pi], &rf, 0, &e);
	if (r == STORE_MISSING) {
		snprintf(in->error, sizeof(in->error), "%s", e.msg);
		return (-1);
	}
	if (r != 0)
		return (add_finding(in, VFY_BAD_SIGNATURE, "",
		    unlabelled(e.msg, in->label), 0));
	for (j = 0; j < rf.n && !s->stop; j++) {
		before = w->bytes;
		check_file(w, &rf.recs[j], &o);
		if (add_finding(in, o.verdict, rf.recs[j].path, o.detail,
		    w->bytes - before) == -1)
			break;
	}
	worker_forget(w);
	r = j == rf.n ? unsigned_db_files(&rf, in) : -1;
	recfile_free(&rf);
	return (r);
}

static int
scan_one(struct scan *s, struct worker *w, struct inst *in)
{
	const struct index_pkg	*p;
	const struct store	*st = &s->c->store;
	char			 detail[512];

	snprintf(in->label, sizeof(in->label), "%s-%s", in->db->name,
	    in->db->version);
	if ((p = store_find(st, in->db->name, in->db->version)) != NULL)
		return (scan_signed(s, w, in, (size_t)(p - st->idx.pkgs)));
	if ((p = store_find(st, in->db->name, NULL)) != NULL) {
		snprintf(detail, sizeof(detail), "installed %s, signed "
		    "%s-%s", in->db->version, p->name, p->version);
		return (add_finding(in, VFY_VERSION_MISMATCH, "", detail, 0));
	}
	return (add_finding(in, VFY_PACKAGE_NOT_SIGNED, "",
	    "no signed record for this package", 0));
}

/*
 * A path a package's check reported: kept when directories are to be
 * walked, since the walk reports only what no package accounts for.
 */
static void
keep_seen(struct scan *s, char *path)
{
	char	**v;

	if (s->c->nwalkdirs == 0 || path[0] == '\0' || s->nomem) {
		free(path);
		return;
	}
	if (s->nseen == s->capseen) {
		s->capseen = s->capseen ? s->capseen * 2 : 1024;
		if ((v = reallocarray(s->seen, s->capseen,
		    sizeof(*v))) == NULL) {
			s->nomem = 1;
			free(path);
			return;
		}
		s->seen = v;
	}
	s->seen[s->nseen++] = path;
}

/* Report the packages that are done, in order.  Called locked. */
static void
emit_ready(struct scan *s)
{
	struct inst	*in;
	size_t		 i;

	while (s->emitted < s->db.npkgs && s->pk[s->emitted].done) {
		in = &s->pk[s->emitted];
		for (i = 0; i < in->nf; i++) {
			if (!s->stop && report_bytes(s->c, s->fn, s->arg,
			    in->f[i].verdict, in->f[i].path, in->label,
			    in->f[i].detail, in->f[i].bytes, &s->problems) != 0)
				s->stop = 1;
			keep_seen(s, in->f[i].path);
			free(in->f[i].detail);
		}
		free(in->f);
		in->f = NULL;
		in->nf = 0;
		s->emitted++;
		if (s->c->progress != NULL)
			s->c->progress(s->emitted, s->db.npkgs,
			    s->c->progress_arg);
	}
}

static void *
scan_worker(void *arg)
{
	struct scan	*s = arg;
	struct worker	 w;
	size_t		 i;

	if (worker_init(&w, s->c) == -1) {
		worker_free(&w);
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_mutex_unlock(&s->lock);
		return (NULL);
	}
	for (;;) {
		pthread_mutex_lock(&s->lock);
		i = s->next++;
		pthread_mutex_unlock(&s->lock);
		if (i >= s->db.npkgs || s->stop)
			break;
		if (scan_one(s, &w, &s->pk[i]) == -1)
			s->pk[i].failed = 1;
		pthread_mutex_lock(&s->lock);
		s->pk[i].done = 1;
		emit_ready(s);
		pthread_mutex_unlock(&s->lock);
	}
	worker_free(&w);
	return (NULL);
}

/*
 * Walking directories for files that no installed package accounts for.
 * The package database says which packages are installed, and whoever
 * changed the files could have changed it too: a package deleted from it
 * leaves its files behind, unchecked, where this walk finds them.
 */
struct walk_state {
	vfy_ctx		*c;
	const char	**owned;	/* sorted */
	size_t		 nowned;
	struct scan	*s;
	char		 path[PATH_MAX];
};

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

static int
walk_report(struct walk_state *ws, enum vfy_verdict v, const char *detail)
{
	struct scan	*s = ws->s;

	if (report(ws->c, s->fn, s->arg, v, ws->path, NULL, detail,
	    &s->problems) != 0)
		s->stop = 1;
	return (s->stop);
}

/* The names in directory DFD, sorted, so that reports come in order. */
static int
dir_names(int dfd, char ***out, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL, **nv;
	size_t		 cap = 0;
	int		 fd, e = 0;

	*n = 0;
	*out = NULL;
	if ((fd = dup(dfd)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (-1);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				e = ENOMEM;
				break;
			}
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL) {
			e = ENOMEM;
			break;
		}
		(*n)++;
	}
	if (e == 0)
		e = errno;
	closedir(d);
	sort_array(v, *n, sizeof(*v), strp_cmp);
	*out = v;
	if (e != 0) {
		errno = e;
		return (-1);
	}
	return (0);
}

static void
walk_dir(struct walk_state *ws, int dfd, size_t len)
{
	struct stat	  st;
	char		**names;
	const char	 *key = ws->path;
	size_t		  n, i, nl;
	int		  sub;

	/* What could be read is still walked, after the report. */
	if (dir_names(dfd, &names, &n) == -1)
		walk_report(ws, VFY_UNREADABLE, strerror(errno));
	for (i = 0; i < n && !ws->s->stop; i++) {
		nl = strlen(names[i]);
		if (len + 1 + nl >= sizeof(ws->path)) {
			/* Unseen is not clean: say where it was left out. */
			walk_report(ws, VFY_UNREADABLE, "holds an entry whose "
			    "path is too long to check");
			continue;
		}
		ws->path[len] = '/';
		memcpy(ws->path + len + 1, names[i], nl + 1);
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT)
				walk_report(ws, VFY_UNREADABLE,
				    strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (sub != -1) {
				walk_dir(ws, sub, len + 1 + nl);
				close(sub);
			} else if (errno != ENOENT)
				walk_report(ws, VFY_UNREADABLE,
				    strerror(errno));
		} else if (bsearch(&key, ws->owned, ws->nowned,
		    sizeof(*ws->owned), strp_cmp) == NULL)
			walk_report(ws, VFY_NOT_SIGNED, "no installed "
			    "package has this file");
		ws->path[len] = '\0';
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
walk_unowned(struct scan *s)
{
	vfy_ctx			*c = s->c;
	struct walk_state	 ws = { 0 };
	char			 probe[PATH_MAX + 2], name[NAME_MAX + 1];
	size_t			 i, j, n = s->nseen;
	int			 dfd, e;

	if (s->nomem)
		return (err_set(&c->err, "out of memory"));
	for (i = 0; i < s->db.npkgs; i++)
		n += s->db.pkgs[i].nfiles;
	if ((ws.owned = calloc(n ? n : 1, sizeof(*ws.owned))) == NULL)
		return (err_set(&c->err, "out of memory"));
	for (i = 0; i < s->nseen; i++)
		ws.owned[ws.nowned++] = s->seen[i];
	for (i = 0; i < s->db.npkgs; i++)
		for (j = 0; j < s->db.pkgs[i].nfiles; j++)
			ws.owned[ws.nowned++] = s->db.pkgs[i].files[j];
	sort_array(ws.owned, ws.nowned, sizeof(*ws.owned), strp_cmp);
	ws.c = c;
	ws.s = s;
	for (i = 0; i < c->nwalkdirs && !s->stop; i++) {
		/* The directory itself, resolved inside the root. */
		snprintf(probe, sizeof(probe), "%s/x", c->walkdirs[i]);
		snprintf(ws.path, sizeof(ws.path), "%s", c->walkdirs[i]);
		if ((e = rootfs_parent(c->rootfd, probe, &dfd, name,
		    sizeof(name))) != 0) {
			if (e != -ENOENT && e != -ENOTDIR)
				walk_report(&ws, VFY_UNREADABLE,
				    strerror(-e));
			continue;
		}
		walk_dir(&ws, dfd, strlen(ws.path));
		close(dfd);
	}
	free(ws.owned);
	return (0);
}

int
vfy_check_installed(vfy_ctx *c, vfy_report_fn fn, void *arg)
{
	struct scan	 s = { 0 };
	pthread_t	 tid[256];
	char		 path[4096];
	size_t		 i;
	int		 n, started = 0, ret = -1, absent;

	if (!c->loaded)
		return (err_set(&c->err, "no signatures loaded"));
	if (need_root(c) == -1 || db_path(c, path, sizeof(path), &absent) == -1)
		return (-1);
	if (pkgdb_read(path, &s.db, &c->err) == -1)
		return (-1);
	s.c = c;
	s.fn = fn;
	s.arg = arg;
	if ((s.pk = calloc(s.db.npkgs ? s.db.npkgs : 1, sizeof(*s.pk))) ==
	    NULL) {
		err_set(&c->err, "out of memory");
		goto out;
	}
	for (i = 0; i < s.db.npkgs; i++)
		s.pk[i].db = &s.db.pkgs[i];
	pthread_mutex_init(&s.lock, NULL);
	for (n = 1; n < c->jobs; n++)
		if (pthread_create(&tid[started], NULL, scan_worker, &s) == 0)
			started++;
	scan_worker(&s);
	for (n = 0; n < started; n++)
		pthread_join(tid[n], NULL);
	pthread_mutex_destroy(&s.lock);
	for (i = 0; i < s.db.npkgs; i++)
		if (s.pk[i].failed && !s.stop) {
			/* The store's messages name the package already. */
			if (s.pk[i].error[0] != '\0')
				err_set(&c->err, "%s", s.pk[i].error);
			else
				err_set(&c->err, "%s: could not be checked",
				    s.pk[i].label);
			goto out;
		}
	if (c->nwalkdirs > 0 && !s.stop && walk_unowned(&s) == -1)
		goto out;
	ret = s.problems;
out:
	for (i = 0; i < s.nseen; i++)
		free(s.seen[i]);
	free(s.seen);
	for (i = 0; s.pk != NULL && i < s.db.npkgs; i++) {
		size_t	j;

		for (j = 0; j < s.pk[i].nf; j++) {
			free(s.pk[i].f[j].path);
			free(s.pk[i].f[j].detail);
		}
		free(s.pk[i].f);
	}
	free(s.pk);
	pkgdb_free(&s.db);
	return (ret);
}

/*
 * Offline store: the index, the signer's key and the record files of the
 * named packages (or, with none named, of every installed one) copied to
 * OUTDIR, each checked on the way.  The copy verifies like the original.
 */
static int
copy_file(int from, int to, const char *name, size_t max, struct err *e)
{
	struct buf	b = { 0 };
	int		r;

	if (read_whole(from, name, max, &b) == -1) {
		buf_free(&b);
		return (err_set(e, "%s: %s", name, strerror(errno)));
	}
	r = write_atomic(to, name, b.data, b.len, 0644);
	if (r == -1)
		err_set(e, "%s: %s", name, strerror(errno));
	buf_free(&b);
	return (r);
}

static int
export_pkg(vfy_ctx *c, int recfd, size_t i)
{
	struct recfile	rf;
	char		name[80];

	if (store_load_records(&c->store, &c->store.idx.pkgs[i], &rf, 0,
	    &c->err) != 0)
		return (-1);
	recfile_free(&rf);
	record_name(c->store.idx.pkgs[i].record_sha256, name);
	return (copy_file(c->store.recfd, recfd, name, FMT_RECFILE_MAX,
	    &c->err));
}

static int
ignore_result(const struct vfy_result *r, void *arg)
{
	(void)r;
	(void)arg;
	return (0);
}

static int
mkdir_open(int at, const char *name, struct err *e)
{
	int	fd;

	if (mkdirat(at, name, 0755) == -1 && errno != EEXIST)
		return (err_set(e, "%s: %s", name, strerror(errno)));
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return (err_set(e, "%s: %s", name, strerror(errno)));
	return (fd);
}

static int
export_names(vfy_ctx *c, int recfd, const char *const *names, size_t n)
{
	struct pkgdb	db;
	char		path[4096];
	size_t		i, k;
	int		absent;

	if (n > 0) {
		for (i = 0; i < n; i++) {
			int	dummy = 0, r;

			r = pick_pkg(c, names[i], &k, ignore_result, NULL,
			    &dummy);
			if (r == -1)
				return (-1);
			if (r == 1)
				return (err_set(&c->err, "%s: no signed record "
				    "of the installed version", names[i]));
			if (export_pkg(c, recfd, k) == -1)
				return (-1);
		}
		return (0);
	}
	if (need_root(c) == -1 ||
	    db_path(c, path, sizeof(path), &absent) == -1 ||
	    pkgdb_read(path, &db, &c->err) == -1)
		return (-1);
	for (i = 0; i < db.npkgs; i++) {
		const struct index_pkg *p = store_find(&c->store,
		    db.pkgs[i].name, db.pkgs[i].version);

		if (p != NULL && export_pkg(c, recfd,
		    (size_t)(p - c->store.idx.pkgs)) == -1) {
			pkgdb_free(&db);
			return (-1);
		}
	}
	pkgdb_free(&db);
	return (0);
}

int
vfy_export(vfy_ctx *c, const char *outdir, const char *const *names,
    size_t n)
{
	char	keyname[KEY_ID_LEN + 8];
	int	out = -1, recfd = -1, keyfd = -1, src = -1, ret = -1;

	if (!c->loaded)
		return (err_set(&c->err, "no signatures loaded"));
	if ((out = mkdir_open(AT_FDCWD, outdir, &c->err)) == -1 ||
	    (recfd = mkdir_open(out, FMT_RECORDS, &c->err)) == -1 ||
	    (keyfd = mkdir_open(out, FMT_KEYS, &c->err)) == -1)
		goto out;
	if (export_names(c, recfd, names, n) == -1)
		goto out;
	snprintf(keyname, sizeof(keyname), "%s.pub", c->store.key->id);
	src = openat(c->store.dirfd, FMT_KEYS, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (src != -1 && copy_file(src, keyfd, keyname, 65536, &c->err) == -1)
		goto out;
	/* The index goes last: a copy without it is plainly incomplete. */
	if (copy_file(c->store.dirfd, out, FMT_INDEX, FMT_INDEX_MAX,
	    &c->err) == -1)
		goto out;
	ret = 0;
out:
	if (src != -1)
		close(src);
	if (keyfd != -1)
		close(keyfd);
	if (recfd != -1)
		close(recfd);
	if (out != -1)
		close(out);
	return (ret);
}
