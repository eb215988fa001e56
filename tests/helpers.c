/*
 * Test helpers; see helpers.h.
 */
#define _GNU_SOURCE

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "helpers.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/fixtures"
#endif

static const char *const tsv_header[TSV_COLS] = {
	"archive_name", "type", "mode", "uname", "gname", "size", "link",
	"sha256", "manifest_sum", "manifest_sum_check",
};

const char *
fx_dir(void)
{
	const char	*d = getenv("FIXTURES");

	return (d != NULL && *d != '\0' ? d : FIXTURES_DIR);
}

const char *
fx_path(const char *rel)
{
	static char	buf[8][4096];
	static int	next;
	char		*b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", fx_dir(), rel);
	return (b);
}

int
th_read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE		*fp;
	unsigned char	*p = NULL, *np;
	size_t		 n = 0, cap = 0, r;

	if ((fp = fopen(path, "rb")) == NULL)
		return (-1);
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(p, cap + 1)) == NULL) {
				free(p);
				fclose(fp);
				return (-1);
			}
			p = np;
		}
		r = fread(p + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		free(p);
		fclose(fp);
		return (-1);
	}
	fclose(fp);
	p[n] = '\0';
	*data = p;
	*len = n;
	return (0);
}

int
th_write_file(const char *path, const void *data, size_t len, int mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1)
		return (-1);
	if (fchmod(fd, (mode_t)mode) == -1 ||
	    (len > 0 && write(fd, data, len) != (ssize_t)len)) {
		close(fd);
		return (-1);
	}
	return (close(fd));
}

int
th_copy_file(const char *from, const char *to)
{
	unsigned char	*d;
	size_t		 n;
	int		 r;

	if (th_read_file(from, &d, &n) == -1)
		return (-1);
	r = th_write_file(to, d, n, 0644);
	free(d);
	return (r);
}

char *
th_mkdtemp(const char *tag)
{
	const char	*tmp = getenv("TMPDIR");
	char		*p;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&p, "%s/%s.XXXXXX", tmp, tag) == -1)
		return (NULL);
	if (mkdtemp(p) == NULL) {
		free(p);
		return (NULL);
	}
	return (p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return (rmdir(path) == -1 ? 0 : 0);
	unlink(path);
	return (0);
}

void
th_rm_rf(const char *path)
{
	if (path == NULL)
		return;
	nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

int
th_run(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd;
	int	 r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r == -1)
		return (-1);
	fflush(NULL);
	r = system(cmd);
	free(cmd);
	if (r == -1 || !WIFEXITED(r))
		return (-1);
	return (WEXITSTATUS(r));
}

void
th_hex(const unsigned char *d, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void
th_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int	n;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void
th_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	md[32];

	th_sha256(data, len, md);
	th_hex(md, 32, out);
}

int
tsv_load(const char *path, struct tsv *t)
{
	unsigned char	*data;
	size_t		 len, cap = 0, i;
	char		*line, *next, *f;
	int		 first = 1;

	memset(t, 0, sizeof(*t));
	if (th_read_file(path, &data, &len) == -1)
		return (-1);
	t->text = (char *)data;
	for (line = t->text; line != NULL && *line != '\0'; line = next) {
		struct tsv_row	 row;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (i = 0, f = line;; i++) {
			if (i == TSV_COLS)
				goto bad;	/* too many columns */
			row.col[i] = f;
			if ((f = strchr(f, '\t')) == NULL)
				break;
			*f++ = '\0';
		}
		if (i != TSV_COLS - 1)
			goto bad;
		if (first) {
			for (i = 0; i < TSV_COLS; i++)
				if (strcmp(row.col[i], tsv_header[i]) != 0)
					goto bad;
			first = 0;
			continue;
		}
		if (t->n == cap) {
			struct tsv_row	*nr;

			cap = cap ? cap * 2 : 32;
			if ((nr = realloc(t->rows, cap * sizeof(*nr))) == NULL)
				goto bad;
			t->rows = nr;
		}
		t->rows[t->n++] = row;
	}
	if (first)
		goto bad;
	return (0);
bad:
	tsv_free(t);
	return (-1);
}

void
tsv_free(struct tsv *t)
{
	free(t->rows);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

const struct tsv_row *
tsv_find(const struct tsv *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].col[0], name) == 0)
			return (&t->rows[i]);
	return (NULL);
}

char *
tsv_fixture(const char *name)
{
	const char	*pfx = "poudriere-All__";
	char		*out, *o;
	size_t		 n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".tsv") == 0)
		n -= 4;
	if ((out = malloc(strlen(POUDRIERE_ALL) + n + 2)) == NULL)
		return (NULL);
	o = out;
	if (strncmp(name, pfx, strlen(pfx)) == 0) {
		o += sprintf(o, "%s/", POUDRIERE_ALL);
		name += strlen(pfx);
		n -= strlen(pfx);
	}
	while (n > 0) {
		if (n >= 2 && name[0] == '_' && name[1] == '_') {
			*o++ = '/';
			name += 2;
			n -= 2;
		} else {
			*o++ = *name++;
			n--;
		}
	}
	*o = '\0';
	return (out);
}
