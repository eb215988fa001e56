/*
 * pkg-verify: check installed package files against the signatures that
 * sign-repo(8) published with the repository, through libverify(3).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libverify.h>

struct tally {
	unsigned long	 files;
	unsigned long	 problems;
	unsigned long	 by[VFY_PACKAGE_NOT_SIGNED + 1];
	int		 verbose;
	vfy_ctx		*ctx;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: pkg-verify -p publickey -c repodir [-r root] [-q | -v] "
	    "[-C]\n"
	    "                  [-P pkgname]... [path ...]\n");
	exit(2);
}

/* Print a name so that no byte of it can fake a line of output. */
static void
put_safe(FILE *fp, const char *s)
{
	const unsigned char	*c;

	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			fprintf(fp, "\\x%02x", *c);
		else
			putc(*c, fp);
	}
}

static int
report(const struct vfy_result *r, void *arg)
{
	struct tally	*t = arg;
	int		 problem = vfy_is_problem(t->ctx, r->verdict);

	t->files++;
	if ((unsigned int)r->verdict < sizeof(t->by) / sizeof(*t->by))
		t->by[r->verdict]++;
	if (problem)
		t->problems++;
	if (!problem && !t->verbose && r->verdict == VFY_OK)
		return (0);
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

static void
summary(const struct tally *t)
{
	unsigned int	v;

	fprintf(stderr, "pkg-verify: %lu checked, %lu problem%s", t->files,
	    t->problems, t->problems == 1 ? "" : "s");
	for (v = 0; v < sizeof(t->by) / sizeof(*t->by); v++)
		if (t->by[v] != 0)
			fprintf(stderr, ", %lu %s", t->by[v],
			    vfy_verdict_name((enum vfy_verdict)v));
	fprintf(stderr, "\n");
}

int
main(int argc, char **argv)
{
	struct tally	  t = { 0 };
	const char	 *repo = NULL, *root = NULL;
	const char	**pkgs;
	size_t		  npkgs = 0, i;
	unsigned int	  flags = 0;
	int		  ch, quiet = 0, nkeys = 0;

	if ((pkgs = calloc((size_t)argc, sizeof(*pkgs))) == NULL)
		err(2, NULL);
	if ((t.ctx = vfy_new()) == NULL)
		err(2, NULL);
	while ((ch = getopt(argc, argv, "Cc:P:p:qr:v")) != -1) {
		switch (ch) {
		case 'C':
			flags |= VFY_F_CONFIG_IS_TAMPER;
			break;
		case 'c':
			repo = optarg;
			break;
		case 'P':
			pkgs[npkgs++] = optarg;
			break;
		case 'p':
			if (vfy_trust_key_file(t.ctx, optarg) == -1)
				errx(2, "%s", vfy_error(t.ctx));
			nkeys++;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 'v':
			t.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (nkeys == 0 || repo == NULL || (argc == 0 && npkgs == 0) ||
	    (quiet && t.verbose))
		usage();
	vfy_set_flags(t.ctx, flags);
	if (root != NULL && vfy_set_root(t.ctx, root) == -1)
		errx(2, "%s", vfy_error(t.ctx));
	if (vfy_load(t.ctx, repo) == -1)
		errx(2, "%s", vfy_error(t.ctx));
	for (i = 0; i < npkgs; i++)
		if (vfy_check_package(t.ctx, pkgs[i], report, &t) == -1)
			errx(2, "%s", vfy_error(t.ctx));
	for (i = 0; i < (size_t)argc; i++) {
		if (argv[i][0] != '/')
			errx(2, "%s: paths are absolute, as installed",
			    argv[i]);
		if (vfy_check_path(t.ctx, argv[i], report, &t) == -1)
			errx(2, "%s", vfy_error(t.ctx));
	}
	if (fflush(stdout) == EOF)
		err(2, "stdout");
	if (!quiet)
		summary(&t);
	vfy_free(t.ctx);
	free(pkgs);
	return (t.problems ? 1 : 0);
}
