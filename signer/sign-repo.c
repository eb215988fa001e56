/*
 * sign-repo: sign every file of every package of a pkg repository, and
 * check such signatures as a mirror would.
 *
 *	sign-repo keygen [-t type] secretkey publickey
 *	sign-repo sign -k secretkey [-j jobs] [-q] [-n name] [-e days]
 *	    [-t time] repodir
 *	sign-repo sign --signing-command cmd -p publickey [...] repodir
 *	sign-repo sign-batch -k secretkey
 *	sign-repo verify -p publickey | -T trustdir [-q] repodir
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <poll.h>
#include <signal.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format.h"
#include "keys.h"
#include "pkgread.h"
#include "store.h"
#include "trust.h"
#include "util.h"

#define DEFAULT_EXPIRY_DAYS	90
#define MAX_JOBS		256
/*
 * How long a record file that no index names any more is kept, counted
 * from when the index that last named it was replaced: a reader that read
 * that index a moment before still loads its record files.
 */
#define RECORD_GRACE		(60 * 60)

static int	quiet;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sign-repo keygen [-t ed25519|ecdsa|rsa] secretkey "
	    "publickey\n"
	    "       sign-repo sign -k secretkey [-j jobs] [-q] [-n name] "
	    "[-e days]\n"
	    "                 [-M maxsize] [-t time] repodir\n"
	    "       sign-repo sign --signing-command command -p publickey "
	    "[...] repodir\n"
	    "       sign-repo sign-batch -k secretkey\n"
	    "       sign-repo verify -p publickey | -T trustdir [-M maxsize] "
	    "[-q] repodir\n");
	exit(2);
}

/*
 * -M: the largest file a package may hold, in bytes or with a K, M, G
 * or T suffix (powers of 1024).
 */
static void
set_max_file_size(const char *arg)
{
	unsigned long long	 v;
	char			*end;
	int			 shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	switch (*end) {
	case 'T':
		shift += 10;
		/* FALLTHROUGH */
	case 'G':
		shift += 10;
		/* FALLTHROUGH */
	case 'M':
		shift += 10;
		/* FALLTHROUGH */
	case 'K':
		shift += 10;
		end++;
		break;
	}
	if (errno != 0 || end == arg || *end != '\0' || *arg == '-' ||
	    v == 0 || v > (UINT64_MAX >> shift))
		errx(2, "-M: %s: not a size", arg);
	pkg_read_set_entry_max((uint64_t)v << shift);
}

/*
 * keygen
 */

static int
write_new(const char *path, const struct buf *b, mode_t mode)
{
	int	fd, e;

	/* Never overwrite: an old key may be the only one mirrors trust. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return (-1);
	if (fchmod(fd, mode) == -1 || write(fd, b->data, b->len) !=
	    (ssize_t)b->len || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return (-1);
	}
	if (close(fd) == -1) {
		e = errno;
		unlink(path);
		errno = e;
		return (-1);
	}
	return (0);
}

static int
cmd_keygen(int argc, char **argv)
{
	enum key_type	 t = KEY_ED25519;
	struct vkey	 k;
	struct buf	 sec = { 0 }, pub = { 0 };
	struct err	 e;
	int		 ch;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		switch (ch) {
		case 't':
			if (key_type_parse(optarg, &t) == -1)
				errx(2, "unknown key type: %s", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if (access(argv[0], F_OK) == 0 || access(argv[1], F_OK) == 0)
		errx(2, "%s: already exists; not overwritten",
		    access(argv[0], F_OK) == 0 ? argv[0] : argv[1]);
	if (key_generate(t, &k, &e) == -1)
		errx(2, "%s", e.msg);
	if (key_secret_pem(&k, &sec) == -1 || key_public_pem(&k, &pub) == -1)
		errx(2, "cannot encode key");
	/* Both files or neither: half a key pair is of no use. */
	if (write_new(argv[0], &sec, 0600) == -1) {
		secure_wipe(sec.data, sec.len);
		err(2, "%s", argv[0]);
	}
	if (write_new(argv[1], &pub, 0644) == -1) {
		secure_wipe(sec.data, sec.len);
		warn("%s", argv[1]);
		if (unlink(argv[0]) == -1)
			err(2, "%s", argv[0]);
		errx(2, "%s: removed again", argv[0]);
	}
	secure_wipe(sec.data, sec.len);
	buf_free(&sec);
	buf_free(&pub);
	if (!quiet)
		printf("%s key %s\n", key_type_name(k.type), k.id);
	key_free(&k);
	return (0);
}

/*
 * Finding the packages: every regular file under All/ (All/Hashed/
 * included) with a name pkg gives packages.  Symlinks are skipped: pkg
 * repo --hash --symlink makes All/name.pkg point into Hashed/, which is
 * read there.
 */

struct pkglist {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static int
is_pkg_name(const char *n)
{
	static const char *const ext[] = {
		".pkg", ".txz", ".tzst", ".tbz", ".tgz", ".tar",
	};
	size_t	len = strlen(n), i, el;

	for (i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
		el = strlen(ext[i]);
		if (len > el && strcmp(n + len - el, ext[i]) == 0)
			return (1);
	}
	return (0);
}

static void
list_add(struct pkglist *l, const char *rel)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((l->v = reallocarray(l->v, l->cap, sizeof(*l->v))) == NULL)
			err(2, NULL);
	}
	if ((l->v[l->n++] = strdup(rel)) == NULL)
		err(2, NULL);
}

/*
 * The package archives under All/: regular files with a package name.
 * When OTHER is given, every other entry (hidden, a symlink, a special
 * file, a name pkg does not use, too deep) goes there, for the mirror
 * check, which must account for everything a client could fetch.
 */
static void
scan_dir(int dfd, const char *rel, struct pkglist *l, struct pkglist *other,
    int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 sub[PATH_MAX];
	int		 fd;

	if ((d = fdopendir(dfd)) == NULL)
		err(2, "%s", rel);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
		    de->d_name) >= sizeof(sub))
			errx(2, "%s/%s: path too long", rel, de->d_name);
		if (de->d_name[0] == '.') {
			if (other != NULL)
				list_add(other, sub);
			continue;
		}
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			err(2, "%s/%s", rel, de->d_name);
		if (S_ISDIR(st.st_mode) && depth < 8) {
			fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1)
				err(2, "%s", sub);
			scan_dir(fd, sub, l, other, depth + 1);
		} else if (S_ISREG(st.st_mode) && is_pkg_name(de->d_name))
			list_add(l, sub);
		else if (other != NULL)
			list_add(other, sub);
	}
	if (errno != 0)
		err(2, "%s", rel);
	closedir(d);
}

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
find_packages(int repofd, const char *repodir, struct pkglist *l,
    struct pkglist *other)
{
	int	fd;

	fd = openat(repofd, "All", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		err(2, "%s/All", repodir);
	scan_dir(fd, "All", l, other, 0);
	sort_array(l->v, l->n, sizeof(*l->v), strp_cmp);
}

/*
 * Signing backends.  A local key signs in the worker threads.  A signing
 * command holds the key elsewhere: it is started once, and batches of
 * messages go to it one package at a time (see pkg-filesigs(5)).  Every
 * signature that comes back is verified before it is used.
 */

#define PROTO_GREETING	"pkg-filesigs-signer 1"
#define PROTO_LINE_MAX	(16 * 1024)

struct backend {
	const struct vkey *key;		/* secret, or the pinned public key */
	int		 remote;
	pid_t		 pid;
	FILE		*to;
	int		 fromfd;
	char		 rbuf[PROTO_LINE_MAX];
	size_t		 rstart;
	size_t		 rend;
	int		 timeout;	/* seconds */
	int		 broken;	/* out of step after an error */
	pthread_mutex_t	 lock;
	const char	*cmd;
};


static int
read_line(FILE *fp, char *line, size_t n)
{
	size_t	len;

	if (fgets(line, (int)n, fp) == NULL)
		return (-1);
	len = strlen(line);
	if (len == 0 || line[len - 1] != '\n')
		return (-1);
	line[len - 1] = '\0';
	return (0);
}

/*
 * A line from the signing command, waiting at most the configured time:
 * a command that neither answers nor exits must not hang the build.
 */
static int
read_reply(struct backend *b, char *line, size_t n)
{
	struct pollfd	 pfd;
	char		*nl;
	ssize_t		 r;
	size_t		 len;

	for (;;) {
		nl = memchr(b->rbuf + b->rstart, '\n', b->rend - b->rstart);
		if (nl != NULL) {
			len = (size_t)(nl - (b->rbuf + b->rstart));
			if (len >= n)
				return (-1);
			memcpy(line, b->rbuf + b->rstart, len);
			line[len] = '\0';
			b->rstart += len + 1;
			return (0);
		}
		if (b->rstart > 0) {
			memmove(b->rbuf, b->rbuf + b->rstart,
			    b->rend - b->rstart);
			b->rend -= b->rstart;
			b->rstart = 0;
		}
		if (b->rend == sizeof(b->rbuf))
			return (-1);
		pfd.fd = b->fromfd;
		pfd.events = POLLIN;
		do
			r = poll(&pfd, 1, b->timeout * 1000);
		while (r == -1 && errno == EINTR);
		if (r <= 0)
			return (-1);
		r = read(b->fromfd, b->rbuf + b->rend, sizeof(b->rbuf) -
		    b->rend);
		if (r <= 0)
			return (-1);
		b->rend += (size_t)r;
	}
}

static void
backend_start(struct backend *b, const char *cmd)
{
	int	in[2], out[2];
	char	line[256];

	if (pipe(in) == -1 || pipe(out) == -1)
		err(2, "pipe");
	/* A command that dies is reported, not a reason to be killed. */
	signal(SIGPIPE, SIG_IGN);
	switch (b->pid = fork()) {
	case -1:
		err(2, "fork");
	case 0:
		/* A group of its own, so that all of it can be stopped. */
		(void)setpgid(0, 0);
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1)
			_exit(127);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(b->pid, b->pid);
	close(in[0]);
	close(out[1]);
	if ((b->to = fdopen(in[1], "w")) == NULL)
		err(2, "fdopen");
	b->fromfd = out[0];
	b->remote = 1;
	b->cmd = cmd;
	if (read_reply(b, line, sizeof(line)) == -1 ||
	    strncmp(line, PROTO_GREETING " ", strlen(PROTO_GREETING) + 1) != 0)
		errx(2, "signing command \"%s\" did not answer with the "
		    "signing protocol", cmd);
	if (strcmp(line + strlen(PROTO_GREETING) + 1, b->key->id) != 0)
		errx(2, "signing command \"%s\" holds key %s, not the "
		    "expected %s", cmd, line + strlen(PROTO_GREETING) + 1,
		    b->key->id);
}

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/*
 * The command's exit status, waiting at most the signing timeout once its
 * input is closed: a hung ssh must not keep the run, and the lock on the
 * signatures, for ever.  Returns 0, or 1 when it did not exit in time.
 */
static int
wait_exit(const struct backend *b, int *status)
{
	const struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	double			 end = now_seconds() + b->timeout;
	pid_t			 r;

	for (;;) {
		if ((r = waitpid(b->pid, status, WNOHANG)) == b->pid)
			return (0);
		if (r == -1 && errno != EINTR)
			err(2, "waitpid");
		if (now_seconds() > end)
			return (1);
		(void)nanosleep(&tick, NULL);
	}
}

static void
backend_stop(struct backend *b)
{
	int	status;

	if (!b->remote)
		return;
	fclose(b->to);
	close(b->fromfd);
	b->remote = 0;
	if (wait_exit(b, &status) == 1) {
		(void)kill(-b->pid, SIGKILL);
		(void)waitpid(b->pid, &status, 0);
		errx(2, "signing command \"%s\" did not exit within %d s "
		    "of its input closing; signatures not replaced", b->cmd,
		    b->timeout);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(2, "signing command \"%s\" failed (status %d); "
		    "signatures not replaced", b->cmd,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int
remote_batch(struct backend *b, struct buf *msgs, size_t n,
    struct buf *sigs, struct err *e)
{
	struct buf	 enc = { 0 };
	char		*line;
	char		 want[32];
	size_t		 i;
	int		 ret = -1;

	if ((line = malloc(PROTO_LINE_MAX)) == NULL)
		return (err_set(e, "out of memory"));
	line[0] = '\0';
	pthread_mutex_lock(&b->lock);
	if (b->broken) {
		err_set(e, "signing command failed earlier");
		goto out;
	}
	fprintf(b->to, "SIGN %zu\n", n);
	for (i = 0; i < n; i++) {
		enc.len = 0;
		if (b64_encode((unsigned char *)msgs[i].data, msgs[i].len,
		    &enc) == -1) {
			err_set(e, "out of memory");
			goto out;
		}
		fprintf(b->to, "%s\n", enc.data);
	}
	if (fflush(b->to) == EOF) {
		err_set(e, "signing command: %s", strerror(errno));
		goto out;
	}
	snprintf(want, sizeof(want), "SIGS %zu", n);
	if (read_reply(b, line, PROTO_LINE_MAX) == -1 ||
	    strcmp(line, want) != 0) {
		err_set(e, "signing command gave no signatures%s%.200s",
		    strncmp(line, "ERROR ", 6) == 0 ? ": " : "",
		    strncmp(line, "ERROR ", 6) == 0 ? line + 6 : "");
		goto out;
	}
	for (i = 0; i < n; i++) {
		unsigned char	sig[KEY_SIG_MAX];
		size_t		siglen;

		if (read_reply(b, line, PROTO_LINE_MAX) == -1 ||
		    b64_decode(line, strlen(line), sig, sizeof(sig),
		    &siglen) == -1) {
			err_set(e, "signing command: malformed signature");
			goto out;
		}
		if (!key_verify(b->key, msgs[i].data, msgs[i].len, sig,
		    siglen)) {
			err_set(e, "signing command returned a signature "
			    "that does not verify with key %s", b->key->id);
			goto out;
		}
		sigs[i].len = 0;
		if (buf_add(&sigs[i], sig, siglen) == -1) {
			err_set(e, "out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	if (ret == -1)
		b->broken = 1;
	pthread_mutex_unlock(&b->lock);
	buf_free(&enc);
	free(line);
	return (ret);
}

/* Sign N messages; SIGS[i] receives the signature of MSGS[i]. */
static int
backend_sign(struct backend *b, struct buf *msgs, size_t n, struct buf *sigs,
    struct err *e)
{
	unsigned char	sig[KEY_SIG_MAX];
	size_t		i, siglen;

	if (b->remote)
		return (n == 0 ? 0 : remote_batch(b, msgs, n, sigs, e));
	for (i = 0; i < n; i++) {
		if (key_sign(b->key, msgs[i].data, msgs[i].len, sig, &siglen,
		    e) == -1)
			return (-1);
		sigs[i].len = 0;
		if (buf_add(&sigs[i], sig, siglen) == -1)
			return (err_set(e, "out of memory"));
	}
	return (0);
}

/*
 * sign
 */

struct job {
	const char	*relpath;
	struct index_pkg ip;
	struct pkg_archive pa;
	uint64_t	 bytes;
	uint64_t	 sigbytes;
	int		 reused;
	int		 failed;
	struct err	 err;
};

struct signer {
	struct backend	*be;
	const char	*repo;
	int		 repofd;
	int		 recfd;
	const struct index *prev;	/* verified previous index, or NULL */
	struct job	*jobs;
	size_t		 njobs;
	size_t		 next;
	pthread_mutex_t	 lock;
};

static void
record_from_entry(struct record *r, const struct signer *s,
    const struct pkg_archive *pa, const struct pkg_entry *e)
{
	memset(r, 0, sizeof(*r));
	r->pkg.keyid = s->be->key->id;
	r->pkg.repo = s->repo;
	r->pkg.abi = pa->abi;
	r->pkg.origin = pa->origin;
	r->pkg.name = pa->name;
	r->pkg.version = pa->version;
	r->path = e->path;
	r->owner = e->owner;
	r->group = e->group;
	r->type = e->type;
	r->mode = e->mode;
	r->size = e->size;
	memcpy(r->sha256, e->sha256, sizeof(r->sha256));
	r->config = e->config;
}

/* Write a record file under its digest, unless it is already there. */
static int
store_recfile(struct signer *s, const struct buf *b, struct job *j)
{
	unsigned char	md[32];
	unsigned int	mdlen;
	char		name[80];
	struct stat	st;

	if (EVP_Digest(b->data, b->len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return (err_set(&j->err, "digest failure"));
	memcpy(j->ip.record_sha256, md, 32);
	j->ip.record_size = b->len;
	record_name(md, name);
	if (fstatat(s->recfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == b->len &&
	    file_sha256_is(s->recfd, name, md))
		return (0);
	if (write_atomic(s->recfd, name, b->data, b->len, 0644) == -1)
		return (err_set(&j->err, "%s/%s: %s", FMT_RECORDS, name,
		    strerror(errno)));
	return (0);
}

static void
free_bufs(struct buf *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		buf_free(&v[i]);
	free(v);
}

static int
sign_records(struct signer *s, struct job *j, struct buf *out)
{
	struct pkg_archive	*pa = &j->pa;
	struct record		 r;
	struct buf		*st, *msg, *sig;
	struct err		 sub;
	size_t			 i, n = pa->nentries;
	int			 ret = -1;

	st = calloc(n ? n : 1, sizeof(*st));
	msg = calloc(n ? n : 1, sizeof(*msg));
	sig = calloc(n ? n : 1, sizeof(*sig));
	if (st == NULL || msg == NULL || sig == NULL) {
		err_set(&j->err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		record_from_entry(&r, s, pa, &pa->entries[i]);
		if (record_statement(&st[i], &r) == -1 ||
		    fmt_signed_message(&msg[i], FMT_RECORD_DOMAIN,
		    st[i].data, st[i].len) == -1) {
			err_set(&j->err, "%s: %s: cannot encode record",
			    j->relpath, r.path);
			goto out;
		}
		/* Readers refuse longer lines; say so now, not there. */
		if (st[i].len + 1 + 4 * ((KEY_SIG_MAX + 2) / 3) >
		    FMT_LINE_MAX) {
			err_set(&j->err, "%s: %s: record longer than %d "
			    "bytes: package name, version, origin or path "
			    "too long", j->relpath, r.path, FMT_LINE_MAX);
			goto out;
		}
	}
	if (backend_sign(s->be, msg, n, sig, &sub) == -1) {
		err_set(&j->err, "%s: %s", j->relpath, sub.msg);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (buf_add(out, st[i].data, st[i].len) == -1 ||
		    buf_addc(out, ' ') == -1 || b64_encode((unsigned char *)
		    sig[i].data, sig[i].len, out) == -1 ||
		    buf_addc(out, '\n') == -1) {
			err_set(&j->err, "out of memory");
			goto out;
		}
	ret = 0;
out:
	free_bufs(st, n);
	free_bufs(msg, n);
	free_bufs(sig, n);
	return (ret);
}

/*
 * Reuse the records of a package whose archive is byte for byte the one
 * the previous index signed, and whose record file is still intact.
 */
static int
try_reuse(struct signer *s, struct job *j)
{
	const struct index_pkg	*p;
	unsigned char		 md[32];
	uint64_t		 size;
	char			 name[80];
	size_t			 i;

	if (s->prev == NULL)
		return (0);
	for (i = 0, p = NULL; i < s->prev->npkgs; i++)
		if (strcmp(s->prev->pkgs[i].archive, j->relpath) == 0) {
			p = &s->prev->pkgs[i];
			break;
		}
	if (p == NULL || file_sha256(s->repofd, j->relpath, md, &size) == -1 ||
	    size != p->archive_size || memcmp(md, p->archive_sha256, 32) != 0)
		return (0);
	record_name(p->record_sha256, name);
	if (!file_sha256_is(s->recfd, name, p->record_sha256))
		return (0);
	j->ip = *p;
	j->reused = 1;
	return (1);
}

static int
sign_one(struct signer *s, struct job *j)
{
	struct pkg_archive	*pa = &j->pa;
	struct buf		 out = { 0 };
	int			 ret = -1;

	if (try_reuse(s, j))
		return (0);
	if (pkg_read(s->repofd, j->relpath, pa, &j->err) == -1)
		return (-1);
	if (sign_records(s, j, &out) == -1 || store_recfile(s, &out, j) == -1)
		goto out;
	j->ip.name = pa->name;
	j->ip.version = pa->version;
	j->ip.origin = pa->origin;
	j->ip.abi = pa->abi;
	j->ip.archive = j->relpath;
	memcpy(j->ip.archive_sha256, pa->archive_sha256, 32);
	j->ip.archive_size = pa->archive_size;
	j->ip.nfiles = pa->nentries;
	j->bytes = pa->bytes_hashed;
	j->sigbytes = out.len;
	ret = 0;
out:
	buf_free(&out);
	return (ret);
}

static void *
worker(void *arg)
{
	struct signer	*s = arg;
	size_t		 i;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		i = s->next++;
		pthread_mutex_unlock(&s->lock);
		if (i >= s->njobs)
			break;
		if (sign_one(s, &s->jobs[i]) == -1)
			s->jobs[i].failed = 1;
	}
	return (NULL);
}

static void
run_jobs(struct signer *s, int njobs)
{
	pthread_t	tid[MAX_JOBS];
	int		i, started = 0, e;

	if ((size_t)njobs > s->njobs)
		njobs = s->njobs > 0 ? (int)s->njobs : 1;
	pthread_mutex_init(&s->lock, NULL);
	for (i = 1; i < njobs; i++) {
		if ((e = pthread_create(&tid[started], NULL, worker, s)) != 0) {
			errno = e;
			err(2, "pthread_create");
		}
		started++;
	}
	worker(s);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&s->lock);
}

static int
ensure_dir(int at, const char *name, const char *label)
{
	int	fd;

	if (mkdirat(at, name, 0755) == -1 && errno != EEXIST)
		err(2, "%s", label);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		err(2, "%s", label);
	return (fd);
}

/*
 * The index already there.  Its records are reused and its serial is
 * continued only when it verifies with our key and names the same
 * repository; an unverified serial could otherwise push every later one
 * to the end of the range.  An index that claims our key but does not
 * verify, or that cannot be parsed, stops the run rather than being
 * silently replaced.  One by another key (after a key change) is left
 * to its own serials: hosts keep theirs per key.
 */
static int
previous_index(int dirfd, const char *label, const struct vkey *k,
    const char *repo, struct index *prev)
{
	struct buf	b = { 0 };
	struct err	e;
	char		keyid[KEY_ID_LEN + 1];
	int		trusted;

	memset(prev, 0, sizeof(*prev));
	if (read_whole(dirfd, FMT_INDEX, FMT_INDEX_MAX, &b) == -1) {
		if (errno == ENOENT)
			return (0);
		err(2, "%s/%s", label, FMT_INDEX);
	}
	if (index_keyid(b.data, b.len, keyid, &e) == -1 ||
	    index_parse(b.data, b.len, prev, &e) == -1)
		errx(2, "%s/%s: %s; move it away to start afresh", label,
		    FMT_INDEX, e.msg);
	trusted = index_check(b.data, b.len, k, &e) == 0;
	buf_free(&b);
	if (!trusted && strcmp(keyid, k->id) == 0)
		errx(2, "%s/%s: %s; it names our key but does not verify: "
		    "move it away to start afresh", label, FMT_INDEX, e.msg);
	if (trusted && prev->serial >= INT64_MAX)
		errx(2, "%s/%s: serial %llu is at the end of its range", label,
		    FMT_INDEX, (unsigned long long)prev->serial);
	if (!trusted || strcmp(prev->repo, repo) != 0) {
		prev->serial = 0;
		return (0);
	}
	return (1);
}

static int
digest_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, 32));
}

/*
 * The record files that the index being replaced names and the new one
 * does not stop being current when the new index is renamed into place.
 * Their time is set just before, so that collect_garbage() can tell how
 * long ago that was.
 */
static void
retire_records(const struct signer *s, const struct index *prev)
{
	unsigned char	*cur;
	char		 name[80];
	size_t		 i;

	if (prev->npkgs == 0)
		return;
	if ((cur = calloc(s->njobs ? s->njobs : 1, 32)) == NULL)
		err(2, NULL);
	for (i = 0; i < s->njobs; i++)
		memcpy(cur + 32 * i, s->jobs[i].ip.record_sha256, 32);
	sort_array(cur, s->njobs, 32, digest_cmp);
	for (i = 0; i < prev->npkgs; i++) {
		if (bsearch(prev->pkgs[i].record_sha256, cur, s->njobs, 32,
		    digest_cmp) != NULL)
			continue;
		record_name(prev->pkgs[i].record_sha256, name);
		(void)utimensat(s->recfd, name, NULL, AT_SYMLINK_NOFOLLOW);
	}
	free(cur);
}

/*
 * Remove the temporary files of killed runs, and the record files that
 * neither the new index nor the one it replaced refers to, once they have
 * not been current for RECORD_GRACE: a client that read an older index a
 * moment ago still finds what it names, however often the repository is
 * signed again meanwhile.
 */
static void
collect_garbage(int recfd, const struct index *now, const struct index *prev)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	time_t		 t = time(NULL);
	unsigned char	*keep, md[32];
	char		 name[80];
	size_t		 i, n = 0, len;
	int		 fd;

	/* The digests both indexes name, sorted, to look names up in. */
	if ((keep = calloc(now->npkgs + prev->npkgs + 1, 32)) == NULL)
		return;
	for (i = 0; i < now->npkgs; i++)
		memcpy(keep + 32 * n++, now->pkgs[i].record_sha256, 32);
	for (i = 0; i < prev->npkgs; i++)
		memcpy(keep + 32 * n++, prev->pkgs[i].record_sha256, 32);
	sort_array(keep, n, 32, digest_cmp);

	if ((fd = dup(recfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		free(keep);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, ".tmp.", 5) == 0) {
			unlinkat(recfd, de->d_name, 0);
			continue;
		}
		/* Only names this program writes: the digest, then .rec. */
		if (len != 64 + strlen(FMT_RECORD_SUFFIX) ||
		    hex_decode(de->d_name, 64, md, 32) == -1)
			continue;
		record_name(md, name);
		if (strcmp(name, de->d_name) != 0 ||
		    bsearch(md, keep, n, 32, digest_cmp) != NULL)
			continue;
		if (fstatat(recfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    st.st_mtime > t - RECORD_GRACE)
			continue;
		unlinkat(recfd, de->d_name, 0);
	}
	closedir(d);
	free(keep);
}

/*
 * One signer at a time: two runs interleaving their renames could leave
 * an index that names record files the other removed.
 */
static void
lock_store(int sigfd, const char *label)
{
	int	fd;

	fd = openat(sigfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		err(2, "%s/.lock", label);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			errx(2, "%s: another sign-repo is signing this "
			    "repository", label);
		err(2, "%s/.lock", label);
	}
	/* Held until exit; the descriptor is never closed. */
}

/* Temporary files a killed run left behind. */
static void
remove_temporaries(int dirfd)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".tmp.", 5) == 0)
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

/* Publish the public key with the signatures, named by its id. */
static void
publish_key(int sigfd, const struct vkey *k, const char *label)
{
	struct buf	pem = { 0 };
	char		name[KEY_ID_LEN + 8];
	int		fd;

	fd = ensure_dir(sigfd, FMT_KEYS, label);
	snprintf(name, sizeof(name), "%s.pub", k->id);
	if (key_public_pem(k, &pem) == -1)
		errx(2, "cannot encode public key");
	if (!file_sha256_is_text(fd, name, pem.data, pem.len) &&
	    write_atomic(fd, name, pem.data, pem.len, 0644) == -1)
		err(2, "%s/%s/%s", label, FMT_KEYS, name);
	/* A run killed while writing the key left its temporary here. */
	remove_temporaries(fd);
	buf_free(&pem);
	close(fd);
}

/* poudriere publishes a build through top-level links; add ours. */
static void
link_poudriere(const char *repodir)
{
	char		path[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/.latest", repodir) >=
	    sizeof(path) || lstat(path, &st) == -1 || !S_ISLNK(st.st_mode))
		return;
	snprintf(path, sizeof(path), "%s/%s", repodir, FMT_DIR);
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return;
	if (symlink(".latest/" FMT_DIR, path) == -1)
		warn("%s", path);
}

static const char *
default_repo_name(const char *repodir)
{
	static char	 buf[PATH_MAX];
	char		*slash;

	if (realpath(repodir, buf) == NULL)
		err(2, "%s", repodir);
	slash = strrchr(buf, '/');
	return (slash && slash[1] ? slash + 1 : "repository");
}

static int64_t
sign_time(const char *opt)
{
	const char	*s = opt ? opt : getenv("SOURCE_DATE_EPOCH");
	uint64_t	 v;

	if (s == NULL || *s == '\0')
		return ((int64_t)time(NULL));
	if (parse_u64(s, strlen(s), &v) == -1 || v > INT64_MAX / 2)
		errx(2, "bad time \"%s\": seconds since the epoch expected", s);
	return ((int64_t)v);
}

static int
default_jobs(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n);
}

static int
dup_check(struct index_pkg *sorted, size_t n)
{
	size_t	i;
	int	bad = 0;

	for (i = 1; i < n; i++)
		if (index_pkg_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			warnx("%s and %s: both are %s-%s", sorted[i - 1].archive,
			    sorted[i].archive, sorted[i].name,
			    sorted[i].version);
			bad = 1;
		}
	return (bad);
}

static void
write_index(struct signer *s, int sigfd, const char *repodir,
    struct index *idx, const struct index *prev, uint64_t *idxbytes)
{
	struct buf	 out = { 0 }, msg = { 0 }, sig = { 0 };
	struct err	 e;
	size_t		 i;

	idx->npkgs = s->njobs;
	if ((idx->pkgs = calloc(s->njobs ? s->njobs : 1,
	    sizeof(*idx->pkgs))) == NULL)
		err(2, NULL);
	for (i = 0; i < s->njobs; i++)
		idx->pkgs[i] = s->jobs[i].ip;
	sort_array(idx->pkgs, idx->npkgs, sizeof(*idx->pkgs), index_pkg_cmp);
	if (dup_check(idx->pkgs, idx->npkgs))
		errx(1, "%s: packages are ambiguous; signatures not replaced",
		    repodir);
	if (index_body(&out, idx, s->be->key->id) == -1 ||
	    fmt_signed_message(&msg, FMT_INDEX_DOMAIN, out.data,
	    out.len) == -1)
		errx(2, "cannot encode index");
	if (backend_sign(s->be, &msg, 1, &sig, &e) == -1)
		errx(2, "%s: index: %s; signatures not replaced", repodir,
		    e.msg);
	if (index_append_sig(&out, (unsigned char *)sig.data, sig.len) == -1)
		errx(2, "cannot encode index");
	/* A signing command that fails at the end still fails the run. */
	backend_stop(s->be);
	retire_records(s, prev);
	if (write_atomic(sigfd, FMT_INDEX, out.data, out.len, 0644) == -1)
		err(2, "%s/%s/%s", repodir, FMT_DIR, FMT_INDEX);
	*idxbytes = out.len;
	free(idx->pkgs);
	idx->pkgs = NULL;
	buf_free(&out);
	buf_free(&msg);
	buf_free(&sig);
}

struct sign_opts {
	const char	*keyfile;
	const char	*pubfile;
	const char	*command;
	const char	*name;
	const char	*time;
	int		 jobs;
	int		 days;
	int		 timeout;
};

/* A decimal option argument from 1 to MAX, digits only. */
static int
count_arg(const char *arg, int max, const char *what)
{
	uint64_t	v;

	if (parse_u64(arg, strlen(arg), &v) == -1 || v < 1 ||
	    v > (uint64_t)max)
		errx(2, "%s must be 1 to %d, not \"%s\"", what, max, arg);
	return ((int)v);
}

static void
sign_options(int argc, char **argv, struct sign_opts *o, int *ind)
{
	static const struct option longopts[] = {
		{ "signing-command", required_argument, NULL, 'S' },
		{ "signing-timeout", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch;

	o->jobs = default_jobs();
	o->days = DEFAULT_EXPIRY_DAYS;
	o->timeout = 300;
	while ((ch = getopt_long(argc, argv, "e:j:k:M:n:p:qt:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'M':
			set_max_file_size(optarg);
			break;
		case 'e':
			o->days = count_arg(optarg, 3650, "-e: days");
			break;
		case 'j':
			o->jobs = count_arg(optarg, MAX_JOBS, "-j: jobs");
			break;
		case 'k':
			o->keyfile = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'p':
			o->pubfile = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			o->command = optarg;
			break;
		case 't':
			o->time = optarg;
			break;
		case 'W':
			o->timeout = count_arg(optarg, 86400,
			    "--signing-timeout: seconds");
			break;
		default:
			usage();
		}
	}
	*ind = optind;
	if ((o->keyfile == NULL) == (o->command == NULL))
		errx(2, "sign: give either -k secretkey or --signing-command");
	if (o->command != NULL && o->pubfile == NULL)
		errx(2, "--signing-command needs -p publickey, the key that "
		    "the command must sign with");
}

static int
cmd_sign(int argc, char **argv)
{
	struct sign_opts o = { 0 };
	struct signer	 s = { 0 };
	struct backend	 be = { 0 };
	struct vkey	 key;
	struct err	 e;
	struct pkglist	 l = { 0 };
	struct index	 prev, now, idx = { 0 };
	struct buf	 nb = { 0 };
	const char	*repodir;
	uint64_t	 files = 0, bytes = 0, sigbytes = 0, idxbytes = 0;
	double		 t0 = now_seconds();
	int		 ind, sigfd, failed = 0;
	size_t		 i, reused = 0, signed_files = 0;
	char		 label[PATH_MAX];

	sign_options(argc, argv, &o, &ind);
	if (argc - ind != 1)
		usage();
	repodir = argv[ind];
	idx.created = sign_time(o.time);
	idx.expires = idx.created + (int64_t)o.days * 86400;
	idx.repo = o.name ? o.name : default_repo_name(repodir);
	if (*idx.repo == '\0' || strpbrk(idx.repo, "\n\r") != NULL)
		errx(2, "-n: invalid repository name");
	if ((o.keyfile ? key_load_secret(o.keyfile, &key, &e) :
	    key_load_public(o.pubfile, &key, &e)) == -1)
		errx(2, "%s", e.msg);
	be.key = &key;
	be.timeout = o.timeout;
	pthread_mutex_init(&be.lock, NULL);
	if (o.command != NULL)
		backend_start(&be, o.command);
	if (store_resolve_repo(repodir, &s.repofd, &e) == -1)
		errx(2, "%s", e.msg);
	find_packages(s.repofd, repodir, &l, NULL);
	snprintf(label, sizeof(label), "%s/%s", repodir, FMT_DIR);
	sigfd = ensure_dir(s.repofd, FMT_DIR, label);
	lock_store(sigfd, label);
	s.recfd = ensure_dir(sigfd, FMT_RECORDS, label);
	s.be = &be;
	s.repo = idx.repo;
	s.njobs = l.n;
	if ((s.jobs = calloc(l.n ? l.n : 1, sizeof(*s.jobs))) == NULL)
		err(2, NULL);
	for (i = 0; i < l.n; i++)
		s.jobs[i].relpath = l.v[i];
	if (previous_index(sigfd, label, &key, idx.repo, &prev))
		s.prev = &prev;
	/* Higher than before, and not below the time, should it be lost. */
	idx.serial = prev.serial + 1 > (uint64_t)idx.created ?
	    prev.serial + 1 : (uint64_t)idx.created;
	run_jobs(&s, o.jobs);
	for (i = 0; i < s.njobs; i++) {
		if (s.jobs[i].failed) {
			warnx("%s/%s", repodir, s.jobs[i].err.msg);
			failed++;
			continue;
		}
		files += s.jobs[i].ip.nfiles;
		bytes += s.jobs[i].bytes;
		sigbytes += s.jobs[i].sigbytes;
		if (s.jobs[i].reused)
			reused++;
		else
			signed_files += s.jobs[i].ip.nfiles;
	}
	if (failed)
		errx(1, "%s: %d package%s refused; signatures not replaced",
		    repodir, failed, failed == 1 ? "" : "s");
	publish_key(sigfd, &key, label);
	write_index(&s, sigfd, repodir, &idx, &prev, &idxbytes);
	if (read_whole(sigfd, FMT_INDEX, FMT_INDEX_MAX, &nb) == 0 &&
	    index_parse(nb.data, nb.len, &now, &e) == 0) {
		collect_garbage(s.recfd, &now, &prev);
		index_free(&now);
	}
	remove_temporaries(sigfd);
	buf_free(&nb);
	link_poudriere(repodir);
	if (!quiet)
		printf("sign-repo: %zu packages (%zu reused), %llu files, "
		    "%llu bytes hashed, %zu signatures, %llu bytes of "
		    "signature data, %.2f s\n", s.njobs, reused,
		    (unsigned long long)files, (unsigned long long)bytes,
		    signed_files + 1,
		    (unsigned long long)(sigbytes + idxbytes),
		    now_seconds() - t0);
	for (i = 0; i < s.njobs; i++)
		pkg_archive_free(&s.jobs[i].pa);
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	free(s.jobs);
	index_free(&prev);
	key_free(&key);
	return (0);
}

/*
 * sign-batch: the signing host's end of --signing-command.  It signs only
 * messages that carry one of the format's domain strings, so the key
 * cannot be used to sign anything else through it.
 */
static int
allowed_message(const unsigned char *m, size_t n)
{
	static const char *const dom[] = {
		FMT_RECORD_DOMAIN, FMT_INDEX_DOMAIN,
	};
	size_t	i, dl;

	for (i = 0; i < sizeof(dom) / sizeof(*dom); i++) {
		dl = strlen(dom[i]) + 1;
		if (n > dl && memcmp(m, dom[i], dl) == 0)
			return (1);
	}
	return (0);
}

static int
cmd_sign_batch(int argc, char **argv)
{
	struct vkey	 key;
	struct err	 e;
	struct buf	 out = { 0 };
	unsigned char	*msg, sig[KEY_SIG_MAX];
	char		*line;
	size_t		 n, i, mlen, siglen;
	const char	*keyfile = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "k:")) != -1) {
		if (ch != 'k')
			usage();
		keyfile = optarg;
	}
	if (keyfile == NULL || optind != argc)
		usage();
	if (key_load_secret(keyfile, &key, &e) == -1)
		errx(2, "%s", e.msg);
	line = malloc(PROTO_LINE_MAX);
	msg = malloc(PROTO_LINE_MAX);
	if (line == NULL || msg == NULL)
		err(2, NULL);
	printf("%s %s\n", PROTO_GREETING, key.id);
	fflush(stdout);
	while (read_line(stdin, line, PROTO_LINE_MAX) == 0) {
		if (sscanf(line, "SIGN %zu", &n) != 1 || n > 10000000) {
			printf("ERROR bad request\n");
			errx(2, "bad request");
		}
		out.len = 0;
		buf_printf(&out, "SIGS %zu\n", n);
		for (i = 0; i < n; i++) {
			if (read_line(stdin, line, PROTO_LINE_MAX) == -1 ||
			    b64_decode(line, strlen(line), msg,
			    PROTO_LINE_MAX, &mlen) == -1 ||
			    !allowed_message(msg, mlen)) {
				printf("ERROR message refused\n");
				errx(2, "message refused");
			}
			if (key_sign(&key, msg, mlen, sig, &siglen, &e) == -1)
				errx(2, "%s", e.msg);
			b64_encode(sig, siglen, &out);
			buf_addc(&out, '\n');
		}
		if (fwrite(out.data, 1, out.len, stdout) != out.len ||
		    fflush(stdout) == EOF)
			err(2, "stdout");
	}
	buf_free(&out);
	free(line);
	free(msg);
	key_free(&key);
	return (0);
}

/*
 * verify: what a mirror runs before it republishes.
 */

static int	problems;

static void
problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
problem(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	problems++;
}

static const char *
entry_differs(const struct record *r, const struct pkg_entry *e)
{
	if (strcmp(r->path, e->path) != 0)
		return ("path");
	if (r->type != e->type)
		return ("type");
	if (r->mode != e->mode)
		return ("mode");
	if (strcmp(r->owner, e->owner) != 0 || strcmp(r->group, e->group) != 0)
		return ("owner or group");
	if (r->type != FT_DIR && (r->size != e->size ||
	    memcmp(r->sha256, e->sha256, 32) != 0))
		return ("content");
	if (r->config != e->config)
		return ("config flag");
	return (NULL);
}

static void
verify_package(const struct store *st, const char *repodir,
    const struct index_pkg *p)
{
	struct recfile		 rf;
	struct pkg_archive	 pa;
	struct err		 e;
	const char		*what;
	size_t			 i;

	if (store_load_records(st, p, &rf, 1, &e) != 0) {
		problem("%s/%s: %s", repodir, p->archive, e.msg);
		return;
	}
	if (pkg_read(st->repofd, p->archive, &pa, &e) == -1) {
		problem("%s/%s", repodir, e.msg);
		recfile_free(&rf);
		return;
	}
	if (memcmp(pa.archive_sha256, p->archive_sha256, 32) != 0 ||
	    pa.archive_size != p->archive_size)
		problem("%s/%s: archive is not the one that was signed",
		    repodir, p->archive);
	if (strcmp(pa.name, p->name) != 0 || strcmp(pa.version,
	    p->version) != 0 || strcmp(pa.origin, p->origin) != 0 ||
	    strcmp(pa.abi, p->abi) != 0)
		problem("%s/%s: archive is %s-%s, signed as %s-%s", repodir,
		    p->archive, pa.name, pa.version, p->name, p->version);
	for (i = 0; i < rf.n && i < pa.nentries; i++)
		if ((what = entry_differs(&rf.recs[i], &pa.entries[i])) != NULL)
			problem("%s/%s: %s: %s differs from its record",
			    repodir, p->archive, pa.entries[i].path, what);
	if (rf.n != pa.nentries)
		problem("%s/%s: %zu records for %zu entries", repodir,
		    p->archive, rf.n, pa.nentries);
	pkg_archive_free(&pa);
	recfile_free(&rf);
}

/* A signed archive as the file system has it, for links to find it. */
struct archive_id {
	dev_t			 dev;
	ino_t			 ino;
	const struct index_pkg	*pkg;
};

static int
archive_id_cmp(const void *a, const void *b)
{
	const struct archive_id	*x = a, *y = b;

	if (x->dev != y->dev)
		return (x->dev < y->dev ? -1 : 1);
	if (x->ino != y->ino)
		return (x->ino < y->ino ? -1 : 1);
	return (0);
}

/* Whether the link REL is named for P, name-version.pkg, as pkg names it. */
static int
link_names(const char *rel, const struct index_pkg *p)
{
	const char	*base = strrchr(rel, '/');
	char		 want[PATH_MAX];
	size_t		 n;

	base = base != NULL ? base + 1 : rel;
	n = (size_t)snprintf(want, sizeof(want), "%s-%s.", p->name,
	    p->version);
	return (n < sizeof(want) && strncmp(base, want, n) == 0 &&
	    is_pkg_name(base) && strchr(base + n, '.') == NULL);
}

/*
 * A symlink under All/ is what pkg repo --hash leaves for clients that
 * ask for a package by its plain name.  It is accounted for only when,
 * followed by the kernel as a client's server would follow it, it leads
 * to the very file of an archive the index signs (same device and inode:
 * no reading of the link text can be fooled by links elsewhere), and is
 * named for that package.
 */
static int
signed_link(int repofd, const char *rel, const struct archive_id *ids,
    size_t n)
{
	struct archive_id	 key = { 0 }, *hit;
	struct stat		 lst, st;

	if (fstatat(repofd, rel, &lst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISLNK(lst.st_mode) || fstatat(repofd, rel, &st, 0) == -1 ||
	    !S_ISREG(st.st_mode))
		return (0);
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	hit = bsearch(&key, ids, n, sizeof(*ids), archive_id_cmp);
	return (hit != NULL && link_names(rel, hit->pkg));
}

/* Everything under All/ that a client could fetch must be signed. */
static void
check_unsigned(const struct store *st, const char *repodir)
{
	struct pkglist		 l = { 0 }, other = { 0 };
	struct archive_id	*ids;
	struct stat		 sb;
	const char		**archives;
	size_t			 i, n = st->idx.npkgs, nids = 0;

	if ((archives = calloc(n ? n : 1, sizeof(*archives))) == NULL ||
	    (ids = calloc(n ? n : 1, sizeof(*ids))) == NULL)
		err(2, NULL);
	for (i = 0; i < n; i++) {
		archives[i] = st->idx.pkgs[i].archive;
		/* verify_package() reports an archive that is not there. */
		if (fstatat(st->repofd, archives[i], &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode)) {
			ids[nids].dev = sb.st_dev;
			ids[nids].ino = sb.st_ino;
			ids[nids++].pkg = &st->idx.pkgs[i];
		}
	}
	sort_array(archives, n, sizeof(*archives), strp_cmp);
	sort_array(ids, nids, sizeof(*ids), archive_id_cmp);

	find_packages(st->repofd, repodir, &l, &other);
	for (i = 0; i < l.n; i++) {
		if (bsearch(&l.v[i], archives, n, sizeof(*archives),
		    strp_cmp) == NULL)
			problem("%s/%s: package is not signed", repodir,
			    l.v[i]);
		free(l.v[i]);
	}
	for (i = 0; i < other.n; i++) {
		if (!signed_link(st->repofd, other.v[i], ids, nids))
			problem("%s/%s: not a signed package archive, and not "
			    "a link to one named for it", repodir,
			    other.v[i]);
		free(other.v[i]);
	}
	free(l.v);
	free(other.v);
	free(archives);
	free(ids);
}

static int
cmd_verify(int argc, char **argv)
{
	struct store	 st;
	struct trust	 trust = { 0 };
	struct err	 e;
	const char	*repodir;
	size_t		 i, files = 0;
	int		 ch;

	while ((ch = getopt(argc, argv, "M:p:qT:")) != -1) {
		switch (ch) {
		case 'M':
			set_max_file_size(optarg);
			break;
		case 'p':
			if (trust_add_key_file(&trust, optarg, &e) == -1)
				errx(2, "%s", e.msg);
			break;
		case 'T':
			if (trust_add_dir(&trust, optarg, &e) == -1)
				errx(2, "%s", e.msg);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || trust_empty(&trust))
		usage();
	repodir = argv[0];
	if (store_open(&st, repodir, &trust, &e) == -1)
		errx(2, "%s", e.msg);
	if (st.repofd == -1)
		errx(2, "%s: a repository with its All/ directory is needed",
		    repodir);
	if ((int64_t)time(NULL) > st.idx.expires)
		problem("%s: the index expired %lld seconds ago; re-sign before "
		    "publishing", repodir,
		    (long long)((int64_t)time(NULL) - st.idx.expires));
	for (i = 0; i < st.idx.npkgs; i++) {
		verify_package(&st, repodir, &st.idx.pkgs[i]);
		files += st.idx.pkgs[i].nfiles;
	}
	check_unsigned(&st, repodir);
	if (!quiet)
		fprintf(stderr, "sign-repo: %s: serial %llu, %zu packages, "
		    "%zu files, %d problem%s\n", repodir,
		    (unsigned long long)st.idx.serial, st.idx.npkgs, files,
		    problems, problems == 1 ? "" : "s");
	store_close(&st);
	trust_free(&trust);
	return (problems ? 1 : 0);
}

int
main(int argc, char **argv)
{
	const char	*cmd;

	/*
	 * pkg writes names as raw bytes (pax hdrcharset=BINARY) or, under
	 * a UTF-8 locale, as UTF-8, which libarchive must convert to the
	 * locale it runs in: in the C locale a name like "café" could not
	 * be read.  Read archives in a UTF-8 locale, whatever ours is.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		warnx("no UTF-8 locale: packages with UTF-8 names in standard "
		    "pax headers cannot be read");

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "keygen") == 0)
		return (cmd_keygen(argc, argv));
	if (strcmp(cmd, "sign") == 0)
		return (cmd_sign(argc, argv));
	if (strcmp(cmd, "verify") == 0)
		return (cmd_verify(argc, argv));
	if (strcmp(cmd, "sign-batch") == 0)
		return (cmd_sign_batch(argc, argv));
	usage();
}
