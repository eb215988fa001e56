/*
 * sign-repo: sign every file of every package of a pkg repository, and
 * check such signatures as a mirror would.
 *
 *	sign-repo keygen [-t type] secretkey publickey
 *	sign-repo sign -k secretkey [-j jobs] [-q] [-n name] [-e days]
 *	    [-t time] repodir
 *	sign-repo verify -p publickey [-q] repodir
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
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

#include <openssl/evp.h>

#include "format.h"
#include "keys.h"
#include "pkgread.h"
#include "store.h"
#include "util.h"

#define DEFAULT_EXPIRY_DAYS	90
#define MAX_JOBS		256

static int	quiet;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sign-repo keygen [-t ed25519|ecdsa|rsa] secretkey "
	    "publickey\n"
	    "       sign-repo sign -k secretkey [-j jobs] [-q] [-n name] "
	    "[-e days]\n"
	    "                 [-t time] repodir\n"
	    "       sign-repo verify -p publickey [-q] repodir\n");
	exit(2);
}

/*
 * keygen
 */

static void
write_new(const char *path, const struct buf *b, mode_t mode)
{
	int	fd;

	/* Never overwrite: an old key may be the only one mirrors trust. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		err(2, "%s", path);
	if (fchmod(fd, mode) == -1 || write(fd, b->data, b->len) !=
	    (ssize_t)b->len || fsync(fd) == -1 || close(fd) == -1) {
		unlink(path);
		err(2, "%s", path);
	}
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
	write_new(argv[0], &sec, 0600);
	write_new(argv[1], &pub, 0644);
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

static void
scan_dir(int dfd, const char *rel, struct pkglist *l, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 sub[PATH_MAX];
	int		 fd;

	if ((d = fdopendir(dfd)) == NULL)
		err(2, "%s", rel);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			err(2, "%s/%s", rel, de->d_name);
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
		    de->d_name) >= sizeof(sub))
			errx(2, "%s/%s: path too long", rel, de->d_name);
		if (S_ISDIR(st.st_mode) && depth < 8) {
			fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1)
				err(2, "%s", sub);
			scan_dir(fd, sub, l, depth + 1);
		} else if (S_ISREG(st.st_mode) && is_pkg_name(de->d_name))
			list_add(l, sub);
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
find_packages(int repofd, const char *repodir, struct pkglist *l)
{
	int	fd;

	fd = openat(repofd, "All", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		err(2, "%s/All", repodir);
	scan_dir(fd, "All", l, 0);
	qsort(l->v, l->n, sizeof(*l->v), strp_cmp);
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
	int		 failed;
	struct err	 err;
};

struct signer {
	const struct vkey *key;
	const char	*repo;
	int		 repofd;
	int		 recfd;
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
	r->pkg.keyid = s->key->id;
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
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == b->len)
		return (0);
	if (write_atomic(s->recfd, name, b->data, b->len, 0644) == -1)
		return (err_set(&j->err, "%s/%s: %s", FMT_RECORDS, name,
		    strerror(errno)));
	return (0);
}

static int
sign_one(struct signer *s, struct job *j)
{
	struct pkg_archive	*pa = &j->pa;
	struct record		 r;
	struct buf		 out = { 0 };
	size_t			 i;
	int			 ret = -1;

	if (pkg_read(s->repofd, j->relpath, pa, &j->err) == -1)
		return (-1);
	for (i = 0; i < pa->nentries; i++) {
		record_from_entry(&r, s, pa, &pa->entries[i]);
		if (record_sign(&out, &r, s->key, &j->err) == -1)
			goto out;
	}
	if (store_recfile(s, &out, j) == -1)
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
 * The serial of the index already there, which the new one must exceed.
 * It is read, not trusted: a damaged index stops the run rather than
 * being silently replaced.
 */
static uint64_t
previous_serial(int dirfd, const char *label, struct index *prev)
{
	struct buf	b = { 0 };
	struct err	e;
	char		keyid[KEY_ID_LEN + 1];

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
	buf_free(&b);
	return (prev->serial);
}

static int
referenced(const struct index *idx, const char *name)
{
	char	n[80];
	size_t	i;

	for (i = 0; i < idx->npkgs; i++) {
		record_name(idx->pkgs[i].record_sha256, n);
		if (strcmp(n, name) == 0)
			return (1);
	}
	return (0);
}

/*
 * Remove record files that neither the new index nor the one it replaced
 * refers to.  Keeping the previous set lets a client that read the old
 * index a moment ago still fetch what it names.
 */
static void
collect_garbage(int recfd, const struct index *now, const struct index *prev)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;
	size_t		 len;

	if ((fd = dup(recfd)) == -1 || (d = fdopendir(fd)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' && strncmp(de->d_name, ".tmp.", 5) != 0)
			continue;
		if (de->d_name[0] != '.' && (len < 4 ||
		    strcmp(de->d_name + len - 4, FMT_RECORD_SUFFIX) != 0))
			continue;
		if (de->d_name[0] != '.' && (referenced(now, de->d_name) ||
		    referenced(prev, de->d_name)))
			continue;
		unlinkat(recfd, de->d_name, 0);
	}
	closedir(d);
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

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
dup_check(struct job *jobs, size_t n, struct index_pkg *sorted)
{
	size_t	i;
	int	bad = 0;

	(void)jobs;
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
write_index(struct signer *s, int sigfd, const char *repodir, int64_t when,
    int days, uint64_t serial, uint64_t *idxbytes)
{
	struct index	 idx = { 0 };
	struct buf	 out = { 0 };
	struct err	 e;
	size_t		 i;

	idx.repo = s->repo;
	idx.serial = serial;
	idx.created = when;
	idx.expires = when + (int64_t)days * 86400;
	idx.npkgs = s->njobs;
	if ((idx.pkgs = calloc(s->njobs ? s->njobs : 1,
	    sizeof(*idx.pkgs))) == NULL)
		err(2, NULL);
	for (i = 0; i < s->njobs; i++)
		idx.pkgs[i] = s->jobs[i].ip;
	qsort(idx.pkgs, idx.npkgs, sizeof(*idx.pkgs), index_pkg_cmp);
	if (dup_check(s->jobs, idx.npkgs, idx.pkgs))
		errx(1, "%s: packages are ambiguous; signatures not replaced",
		    repodir);
	if (index_format(&out, &idx, s->key, &e) == -1)
		errx(2, "%s", e.msg);
	if (write_atomic(sigfd, FMT_INDEX, out.data, out.len, 0644) == -1)
		err(2, "%s/%s/%s", repodir, FMT_DIR, FMT_INDEX);
	*idxbytes = out.len;
	free(idx.pkgs);
	buf_free(&out);
}

static int
cmd_sign(int argc, char **argv)
{
	struct signer	 s = { 0 };
	struct vkey	 key;
	struct err	 e;
	struct pkglist	 l = { 0 };
	struct index	 prev, now;
	struct buf	 nb = { 0 };
	const char	*keyfile = NULL, *name = NULL, *topt = NULL, *repodir;
	uint64_t	 files = 0, bytes = 0, sigbytes = 0, idxbytes = 0;
	int64_t		 when;
	double		 t0 = now_seconds();
	int		 ch, jobs = default_jobs(), days = DEFAULT_EXPIRY_DAYS;
	int		 sigfd, failed = 0;
	size_t		 i;
	char		 label[PATH_MAX];

	while ((ch = getopt(argc, argv, "e:j:k:n:qt:")) != -1) {
		switch (ch) {
		case 'e':
			days = atoi(optarg);
			if (days < 1 || days > 3650)
				errx(2, "-e: days must be 1 to 3650");
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > MAX_JOBS)
				errx(2, "-j: jobs must be 1 to %d", MAX_JOBS);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			topt = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || keyfile == NULL)
		usage();
	repodir = argv[0];
	when = sign_time(topt);
	if (name == NULL)
		name = default_repo_name(repodir);
	if (*name == '\0' || strpbrk(name, "\n\r") != NULL)
		errx(2, "-n: invalid repository name");
	if (key_load_secret(keyfile, &key, &e) == -1)
		errx(2, "%s", e.msg);
	if (store_resolve_repo(repodir, &s.repofd, &e) == -1)
		errx(2, "%s", e.msg);
	find_packages(s.repofd, repodir, &l);
	snprintf(label, sizeof(label), "%s/%s", repodir, FMT_DIR);
	sigfd = ensure_dir(s.repofd, FMT_DIR, label);
	s.recfd = ensure_dir(sigfd, FMT_RECORDS, label);
	s.key = &key;
	s.repo = name;
	s.njobs = l.n;
	if ((s.jobs = calloc(l.n ? l.n : 1, sizeof(*s.jobs))) == NULL)
		err(2, NULL);
	for (i = 0; i < l.n; i++)
		s.jobs[i].relpath = l.v[i];
	previous_serial(sigfd, label, &prev);
	run_jobs(&s, jobs);
	for (i = 0; i < s.njobs; i++) {
		if (s.jobs[i].failed) {
			warnx("%s/%s", repodir, s.jobs[i].err.msg);
			failed++;
			continue;
		}
		files += s.jobs[i].ip.nfiles;
		bytes += s.jobs[i].bytes;
		sigbytes += s.jobs[i].sigbytes;
	}
	if (failed)
		errx(1, "%s: %d package%s refused; signatures not replaced",
		    repodir, failed, failed == 1 ? "" : "s");
	write_index(&s, sigfd, repodir, when, days, prev.serial + 1, &idxbytes);
	if (read_whole(sigfd, FMT_INDEX, FMT_INDEX_MAX, &nb) == 0 &&
	    index_parse(nb.data, nb.len, &now, &e) == 0) {
		collect_garbage(s.recfd, &now, &prev);
		index_free(&now);
	}
	buf_free(&nb);
	link_poudriere(repodir);
	if (!quiet)
		printf("sign-repo: %zu packages, %llu files, %llu bytes hashed, "
		    "%llu signatures, %llu bytes of signature data, %.2f s\n",
		    s.njobs, (unsigned long long)files,
		    (unsigned long long)bytes,
		    (unsigned long long)(files + 1),
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

static int
cmd_verify(int argc, char **argv)
{
	struct store	 st;
	struct vkey	 key;
	struct err	 e;
	struct pkglist	 l = { 0 };
	const char	*pubfile = NULL, *repodir;
	size_t		 i, j, files = 0;
	int		 ch;

	while ((ch = getopt(argc, argv, "p:q")) != -1) {
		switch (ch) {
		case 'p':
			pubfile = optarg;
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
	if (argc != 1 || pubfile == NULL)
		usage();
	repodir = argv[0];
	if (key_load_public(pubfile, &key, &e) == -1)
		errx(2, "%s", e.msg);
	if (store_open(&st, repodir, &key, 1, &e) == -1)
		errx(2, "%s", e.msg);
	if (st.repofd == -1)
		errx(2, "%s: a repository with its All/ directory is needed",
		    repodir);
	for (i = 0; i < st.idx.npkgs; i++) {
		verify_package(&st, repodir, &st.idx.pkgs[i]);
		files += st.idx.pkgs[i].nfiles;
	}
	find_packages(st.repofd, repodir, &l);
	for (i = 0; i < l.n; i++) {
		for (j = 0; j < st.idx.npkgs; j++)
			if (strcmp(st.idx.pkgs[j].archive, l.v[i]) == 0)
				break;
		if (j == st.idx.npkgs)
			problem("%s/%s: package is not signed", repodir,
			    l.v[i]);
		free(l.v[i]);
	}
	free(l.v);
	if (!quiet)
		fprintf(stderr, "sign-repo: %s: serial %llu, %zu packages, "
		    "%zu files, %d problem%s\n", repodir,
		    (unsigned long long)st.idx.serial, st.idx.npkgs, files,
		    problems, problems == 1 ? "" : "s");
	store_close(&st);
	key_free(&key);
	return (problems ? 1 : 0);
}

int
main(int argc, char **argv)
{
	const char	*cmd;

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
	usage();
}
