/*
 * pkg-verify: check installed package files against the signatures that
 * sign-repo(8) published with the repository, through libverify(3).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libverify.h>

#define DEFAULT_STATE	"/var/db/pkg-verify/state"
#define NVERDICTS	(VFY_PACKAGE_NOT_SIGNED + 1)

struct tally {
	unsigned long	 files;
	unsigned long	 problems;
	unsigned long	 by[NVERDICTS];
	unsigned long long bytes;
	size_t		 packages;	/* of paths: the packages seen */
	size_t		 checked;	/* of -a and -P */
	char		 last[512];
	int		 verbose;
	int		 quiet;
	int		 json;
	int		 progress;
	vfy_ctx		*ctx;
};

struct opts {
	const char	 *repo;
	const char	 *root;
	const char	 *dbdir;
	const char	 *state;
	const char	 *outdir;
	const char	 *records;
	const char	 *reponame;
	const char	**pkgs;
	size_t		  npkgs;
	unsigned int	  flags;
	int		  all;
	int		  walk;
	int		  quiet;
	int		  jobs;
	int		  nkeys;
	int		  npinned;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: pkg-verify [-p publickey | -T trustdir]... -c repodir "
	    "[-r root] [-d dbdir]\n"
	    "                  [-n name] [-s statefile] [-x] [-j jobs] [-q | -v] [-C] "
	    "[--json]\n"
	    "                  [-a [-w dir]... | -P pkgname ... | path ...]\n"
	    "       pkg-verify (-p publickey | -T trustdir -c repodir) "
	    "[-r root] --record file\n"
	    "       pkg-verify export (-p publickey | -T trustdir) -c repodir "
	    "-o outdir\n"
	    "                  [-r root] [-d dbdir] [-n name] [-s statefile] "
	    "[-x]\n"
	    "                  [-a | -P pkgname ...]\n");
	exit(2);
}

/*
 * The length of the UTF-8 character at S, or 0 when S does not start a
 * well-formed one that prints: C1 controls (U+0080 to U+009F, such as
 * CSI) act on terminals as the C0 ones do.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned int	c;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c < 0xa0)
		return (0);
	return (n);
}

/*
 * Print a name so that no byte of it can fake a line of output or drive
 * the terminal: controls, backslashes and bytes that are not part of a
 * printable UTF-8 character are written as \\xNN.
 */
static void
put_safe(FILE *fp, const char *s)
{
	const unsigned char	*c = (const unsigned char *)s;
	size_t			 n;

	while (*c != '\0') {
		if (*c >= 0x20 && *c < 0x7f && *c != '\\') {
			putc(*c++, fp);
		} else if (*c >= 0x80 && (n = utf8_len(c)) > 0) {
			fwrite(c, 1, n, fp);
			c += n;
		} else
			fprintf(fp, "\\x%02x", *c++);
	}
}

static void
clear_progress(struct tally *t)
{
	if (t->progress)
		fprintf(stderr, "\r\033[K");
}

/*
 * S with every byte outside printable ASCII, and '\\', written as
 * "\\xNN": what JSON output gives for a name that is not UTF-8.
 */
static char *
escaped(const char *s)
{
	const unsigned char	*c;
	char			*out, *p;

	if (s == NULL)
		return (NULL);
	if ((out = malloc(4 * strlen(s) + 1)) == NULL)
		err(2, NULL);
	for (p = out, c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c < 0x20 || *c >= 0x7f || *c == '\\')
			p += sprintf(p, "\\x%02x", *c);
		else
			*p++ = (char)*c;
	}
	*p = '\0';
	return (out);
}

static void
print_json(const struct vfy_result *r)
{
	json_t	*o;
	char	*s, *path, *pkg, *detail;

	o = json_pack("{s:s,s:s,s:s?,s:s,s:I}", "verdict",
	    vfy_verdict_name(r->verdict), "path", r->path, "package",
	    r->package, "detail", r->detail, "bytes",
	    (json_int_t)r->bytes);
	/*
	 * Names need not be UTF-8, and JSON strings must be: such a result
	 * is written with its names escaped, and says so.
	 */
	if (o == NULL) {
		path = escaped(r->path);
		pkg = escaped(r->package);
		detail = escaped(r->detail);
		o = json_pack("{s:s,s:s,s:s?,s:s,s:I,s:b}", "verdict",
		    vfy_verdict_name(r->verdict), "path", path, "package",
		    pkg, "detail", detail, "bytes", (json_int_t)r->bytes,
		    "escaped", 1);
		free(path);
		free(pkg);
		free(detail);
	}
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		errx(2, "cannot encode JSON");
	puts(s);
	free(s);
	json_decref(o);
}

static int
report(const struct vfy_result *r, void *arg)
{
	struct tally	*t = arg;
	int		 problem = vfy_is_problem(t->ctx, r->verdict);

	t->files++;
	t->bytes += r->bytes;
	if (r->package != NULL && strncmp(t->last, r->package,
	    sizeof(t->last)) != 0) {
		t->packages++;
		snprintf(t->last, sizeof(t->last), "%s", r->package);
	}
	if ((unsigned int)r->verdict < NVERDICTS)
		t->by[r->verdict]++;
	if (problem)
		t->problems++;
	if (!problem && ((!t->verbose && r->verdict == VFY_OK) || t->quiet))
		return (0);
	clear_progress(t);
	if (t->json) {
		print_json(r);
		return (0);
	}
	printf("%s ", vfy_verdict_name(r->verdict));
	put_safe(stdout, r->path[0] ? r->path : "-");
	printf(" ");
	put_safe(stdout, r->package ? r->package : "-");
	if (r->detail[0] != '\0') {
		printf(": ");
		put_safe(stdout, r->detail);
	}
	printf("\n");
	return (0);
}

/* Also counts the packages of -a, files or none. */
static void
progress(size_t done, size_t total, void *arg)
{
	struct tally	*t = arg;

	t->checked = done;
	if (t->progress)
		fprintf(stderr, "\rpkg-verify: %zu of %zu packages", done,
		    total);
}

static void
summary(const struct tally *t, size_t packages, double secs)
{
	unsigned int	 v;
	json_t		*o, *counts;
	char		*s;

	if (t->json) {
		counts = json_object();
		for (v = 0; v < NVERDICTS; v++)
			json_object_set_new(counts,
			    vfy_verdict_name((enum vfy_verdict)v),
			    json_integer((json_int_t)t->by[v]));
		o = json_pack("{s:b,s:o,s:I,s:I,s:I,s:I,s:f}", "summary", 1,
		    "counts", counts, "packages", (json_int_t)packages,
		    "files", (json_int_t)t->files, "problems",
		    (json_int_t)t->problems, "bytes", (json_int_t)t->bytes,
		    "seconds", secs);
		if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
			errx(2, "cannot encode JSON");
		puts(s);
		free(s);
		json_decref(o);
		return;
	}
	fprintf(stderr, "pkg-verify: %zu packages, %lu checked, %lu problem%s",
	    packages, t->files, t->problems, t->problems == 1 ? "" : "s");
	for (v = 0; v < NVERDICTS; v++)
		if (t->by[v] != 0)
			fprintf(stderr, ", %lu %s", t->by[v],
			    vfy_verdict_name((enum vfy_verdict)v));
	fprintf(stderr, ", %.2f s\n", secs);
}

/* A count for option OPT: decimal digits only, 1 to 1024. */
static int
number(const char *s, const char *opt)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > 1024)
		errx(2, "%s: \"%s\" is not a number from 1 to 1024", opt, s);
	return ((int)v);
}

static void
parse_opts(int argc, char **argv, vfy_ctx *ctx, struct opts *o,
    struct tally *t, int export)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "record", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch;

	if ((o->pkgs = calloc((size_t)argc, sizeof(*o->pkgs))) == NULL)
		err(2, NULL);
	o->state = DEFAULT_STATE;
	o->jobs = 1;
	while ((ch = getopt_long(argc, argv, "aCc:d:j:n:o:P:p:qr:s:T:vw:x",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o->all = 1;
			break;
		case 'C':
			o->flags |= VFY_F_CONFIG_IS_TAMPER;
			break;
		case 'c':
			o->repo = optarg;
			break;
		case 'd':
			o->dbdir = optarg;
			break;
		case 'J':
			t->json = 1;
			break;
		case 'j':
			o->jobs = number(optarg, "-j");
			if (vfy_set_jobs(ctx, o->jobs) == -1)
				errx(2, "-j: %s", vfy_error(ctx));
			break;
		case 'n':
			o->reponame = optarg;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case 'P':
			o->pkgs[o->npkgs++] = optarg;
			break;
		case 'p':
			if (vfy_trust_key_file(ctx, optarg) == -1)
				errx(2, "%s", vfy_error(ctx));
			o->nkeys++;
			o->npinned++;
			break;
		case 'q':
			o->quiet = t->quiet = 1;
			break;
		case 'R':
			o->records = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'T':
			if (vfy_trust_dir(ctx, optarg) == -1)
				errx(2, "%s", vfy_error(ctx));
			o->nkeys++;
			break;
		case 'v':
			t->verbose = 1;
			break;
		case 'w':
			if (vfy_add_walk_dir(ctx, optarg) == -1)
				errx(2, "-w: %s", vfy_error(ctx));
			o->walk = 1;
			break;
		case 'x':
			o->flags |= VFY_F_ALLOW_EXPIRED;
			break;
		default:
			usage();
		}
	}
	if (o->nkeys == 0 || (o->repo == NULL && o->records == NULL) ||
	    (o->repo == NULL && o->npinned == 0) ||
	    (o->quiet && t->verbose) ||
	    (o->all && o->npkgs > 0) || (o->walk && (!o->all || export)) ||
	    (export && o->outdir == NULL) ||
	    (!export && o->outdir != NULL))
		usage();
}

static void
setup(vfy_ctx *ctx, const struct opts *o)
{
	struct vfy_index_info	info;

	vfy_set_flags(ctx, o->flags);
	if (o->root != NULL && vfy_set_root(ctx, o->root) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (o->dbdir != NULL && vfy_set_dbdir(ctx, o->dbdir) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (o->reponame != NULL && vfy_set_repository(ctx, o->reponame) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (o->repo == NULL)
		return;
	if (vfy_set_state_file(ctx, o->state) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (vfy_load(ctx, o->repo) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (vfy_index_info(ctx, &info) == -1)
		errx(2, "%s: no index loaded", o->repo);
	if (info.expired)
		warnx("%s: the index has expired; accepted because of -x",
		    o->repo);
	if (info.created > (long long)time(NULL) + 24 * 3600)
		warnx("%s: the index was made in the future; accepted "
		    "because of -x", o->repo);
}

static int
cmd_export(int argc, char **argv)
{
	struct tally	 t = { 0 };
	struct opts	 o = { 0 };
	vfy_ctx		*ctx;

	if ((ctx = vfy_new()) == NULL)
		err(2, NULL);
	parse_opts(argc, argv, ctx, &o, &t, 1);
	if (argc != optind || (!o.all && o.npkgs == 0))
		usage();
	setup(ctx, &o);
	if (vfy_export(ctx, o.outdir, o.pkgs, o.npkgs) == -1)
		errx(2, "%s: %s", o.outdir, vfy_error(ctx));
	vfy_free(ctx);
	free(o.pkgs);
	return (0);
}

/*
 * Each line of FILE is a detached record: it is trusted through its own
 * signature, and the file it names is checked.
 */
static void
check_records(struct tally *t, const char *file)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0, nrec = 0;
	ssize_t	 n;

	if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "r")) == NULL)
		err(2, "%s", file);
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (n <= 1)
			continue;
		if (vfy_check_record(t->ctx, line, report, t) == -1)
			errx(2, "%s: %s", file, vfy_error(t->ctx));
		nrec++;
	}
	if (ferror(fp))
		err(2, "%s", file);
	/* Nothing checked is not a pass. */
	if (nrec == 0)
		errx(2, "%s: no records", file);
	free(line);
	if (fp != stdin)
		fclose(fp);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	struct tally	 t = { 0 };
	struct opts	 o = { 0 };
	double		 t0 = now();
	size_t		 i;

	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return (cmd_export(argc - 1, argv + 1));
	if ((t.ctx = vfy_new()) == NULL)
		err(2, NULL);
	parse_opts(argc, argv, t.ctx, &o, &t, 0);
	argc -= optind;
	argv += optind;
	if (argc == 0 && o.npkgs == 0 && !o.all && o.records == NULL)
		usage();
	if ((o.all || o.npkgs > 0) && argc > 0)
		usage();
	setup(t.ctx, &o);
	t.progress = o.all && !o.quiet && isatty(2);
	vfy_set_progress(t.ctx, progress, &t);
	if (o.all && vfy_check_installed(t.ctx, report, &t) == -1)
		errx(2, "%s", vfy_error(t.ctx));
	if (o.records != NULL)
		check_records(&t, o.records);
	for (i = 0; i < o.npkgs; i++, t.checked++)
		if (vfy_check_package(t.ctx, o.pkgs[i], report, &t) == -1)
			errx(2, "%s", vfy_error(t.ctx));
	for (i = 0; i < (size_t)argc; i++) {
		if (argv[i][0] != '/')
			errx(2, "%s: paths are absolute, as installed",
			    argv[i]);
		if (vfy_check_path(t.ctx, argv[i], report, &t) == -1)
			errx(2, "%s", vfy_error(t.ctx));
	}
	clear_progress(&t);
	if (fflush(stdout) == EOF)
		err(2, "stdout");
	if (!o.quiet || t.json)
		summary(&t, o.all || o.npkgs > 0 ? t.checked : t.packages,
		    now() - t0);
	vfy_free(t.ctx);
	free(o.pkgs);
	return (t.problems ? 1 : 0);
}
