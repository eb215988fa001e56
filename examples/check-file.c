/*
 * check-file: check one installed file, or every file of one package,
 * against the per-file signatures of a package repository, with
 * libverify(3).
 *
 *	check-file -p pubkey -c repodir [-r root] path
 *	check-file -p pubkey -c repodir [-r root] -P pkgname
 *
 * Prints "VERDICT path package[: detail]" and exits 0 when the file
 * verified, 1 when it did not, 2 when it could not be checked.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libverify.h>

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: check-file -p pubkey -c repodir [-r root] "
	    "path | -P pkgname\n");
	exit(2);
}

/* Print S with control bytes and '\' as \xNN, so it cannot fake a line. */
static void
put_safe(const char *s)
{
	const unsigned char	*c;

	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
}

static int
show(const struct vfy_result *r, void *arg)
{
	(void)arg;
	printf("%s ", vfy_verdict_name(r->verdict));
	put_safe(r->path[0] != '\0' ? r->path : "-");
	putchar(' ');
	put_safe(r->package != NULL ? r->package : "-");
	if (r->detail[0] != '\0') {
		fputs(": ", stdout);
		put_safe(r->detail);
	}
	putchar('\n');
	return (0);
}

int
main(int argc, char **argv)
{
	vfy_ctx		*ctx;
	const char	*pubkey = NULL, *repodir = NULL, *root = NULL;
	const char	*pkgname = NULL;
	int		 ch, r;

	while ((ch = getopt(argc, argv, "c:P:p:r:")) != -1) {
		switch (ch) {
		case 'P':
			pkgname = optarg;
			break;
		case 'c':
			repodir = optarg;
			break;
		case 'p':
			pubkey = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != (pkgname == NULL) || pubkey == NULL || repodir == NULL)
		usage();
	if (pkgname == NULL && argv[0][0] != '/')
		errx(2, "%s: the path must be absolute, as installed", argv[0]);

	if ((ctx = vfy_new()) == NULL)
		err(2, "vfy_new");
	if (vfy_trust_key_file(ctx, pubkey) == -1 ||
	    (root != NULL && vfy_set_root(ctx, root) == -1) ||
	    vfy_load(ctx, repodir) == -1)
		errx(2, "%s", vfy_error(ctx));
	if (pkgname != NULL)
		r = vfy_check_package(ctx, pkgname, show, NULL);
	else
		r = vfy_check_path(ctx, argv[0], show, NULL);
	if (r == -1)
		errx(2, "%s: %s", pkgname ? pkgname : argv[0], vfy_error(ctx));
	vfy_free(ctx);
	if (fflush(stdout) == EOF)
		err(2, "stdout");
	return (r == 0 ? 0 : 1);
}
