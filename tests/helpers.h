/*
 * Helpers shared by the cmocka unit tests: fixture paths, whole-file
 * reads and writes, temporary directories, the expected-value tables of
 * tests/fixtures/expected, and SHA-256 in hex.  Test code only; nothing
 * here is part of the project's libraries.
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/* FIXTURES from the environment (meson sets it), else the source tree. */
const char	*fx_dir(void);
/* fx_dir()/REL in a static buffer of each call's own (rotating, 8). */
const char	*fx_path(const char *rel);

/* Whole files.  Return 0 or -1; *data is NUL-terminated, free() it. */
int		 th_read_file(const char *path, unsigned char **data,
		    size_t *len);
int		 th_write_file(const char *path, const void *data, size_t len,
		    int mode);
int		 th_copy_file(const char *from, const char *to);

/* mkdtemp under $TMPDIR or /tmp; returns a malloc'd path or NULL. */
char		*th_mkdtemp(const char *tag);
/* rm -rf, never following symlinks. */
void		 th_rm_rf(const char *path);
/* system() with printf formatting; returns the exit status or -1. */
int		 th_run(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

void		 th_sha256(const void *data, size_t len, unsigned char out[32]);
void		 th_sha256_hex(const void *data, size_t len, char out[65]);
void		 th_hex(const unsigned char *d, size_t n, char *out);

/*
 * One row of an expected/<name>.tsv table: archive_name, type, mode,
 * uname, gname, size, link, sha256, manifest_sum, manifest_sum_check.
 */
#define TSV_COLS	10
struct tsv_row {
	char	*col[TSV_COLS];
};

struct tsv {
	char		*text;
	struct tsv_row	*rows;		/* without the header */
	size_t		 n;
};

/* Load and check the header; returns 0 or -1. */
int		 tsv_load(const char *path, struct tsv *t);
void		 tsv_free(struct tsv *t);
const struct tsv_row *tsv_find(const struct tsv *t, const char *name);

/*
 * The fixture package that expected/NAME (a .tsv or .sha256 name) describes,
 * relative to fx_dir(); a malloc'd string.
 */
char		*tsv_fixture(const char *name);

#define POUDRIERE_ALL	"poudriere/141amd64-default/.real_1700000000/All"

#endif
