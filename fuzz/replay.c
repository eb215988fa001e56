/*
 * A main() for the fuzz targets without libFuzzer: feed each file named
 * on the command line (each file of a named directory) to the target
 * once.  The test suite runs the saved regression inputs and the seed
 * corpora through it with any compiler, so a fixed crash stays fixed
 * in every build, sanitized or not.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Not every target has an initializer. */
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static size_t	nrun;

static void
run_file(const char *path)
{
	FILE		*f;
	unsigned char	*data;
	long		 len;

	if ((f = fopen(path, "rb")) == NULL)
		err(2, "%s", path);
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		err(2, "%s", path);

	/* One byte more so that an empty input is not a null pointer. */
	if ((data = malloc((size_t)len + 1)) == NULL)
		err(2, NULL);
	if (fread(data, 1, (size_t)len, f) != (size_t)len)
		errx(2, "%s: short read", path);
	fclose(f);

	LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	nrun++;
}

static void
run_path(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[4096];

	if (stat(path, &st) == -1)
		err(2, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		err(2, "%s", path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub))
			errx(2, "%s/%s: path too long", path, de->d_name);
		run_path(sub);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	int	i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|dir ...\n", argv[0]);
		return (2);
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("%zu inputs, no failure\n", nrun);
	return (0);
}
