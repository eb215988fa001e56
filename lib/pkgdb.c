/*
 * Reading pkg's local.sqlite, read-only.  pkg leaves it in WAL mode, and
 * SQLite needs to create the -shm file even to read such a database; on
 * read-only media (a mounted disk, a snapshot) the database is opened as
 * immutable instead.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pkgdb.h"
#include "util.h"

/* A file: URI for PATH, with the characters URIs reserve escaped. */
static int
db_uri(struct buf *u, const char *path, const char *query)
{
	const unsigned char	*c;

	u->len = 0;
	if (buf_addstr(u, "file:") == -1)
		return (-1);
	for (c = (const unsigned char *)path; *c != '\0'; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c < 0x21 ||
		    *c > 0x7e) {
			if (buf_printf(u, "%%%02x", *c) == -1)
				return (-1);
		} else if (buf_addc(u, (char)*c) == -1)
			return (-1);
	}
	return (buf_printf(u, "?%s", query));
}

static int
db_open(const char *path, sqlite3 **db, struct err *e)
{
	static const char *const modes[] = { "mode=ro", "immutable=1" };
	struct buf	u = { 0 };
	size_t		i;
	int		rc = SQLITE_ERROR;

	for (i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		if (db_uri(&u, path, modes[i]) == -1)
			break;
		rc = sqlite3_open_v2(u.data, db, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
		/* Opening is lazy: a query tells whether it can be read. */
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(*db, "SELECT count(*) FROM packages",
			    NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			break;
		if (i + 1 == sizeof(modes) / sizeof(*modes))
			err_set(e, "%s: %s", path, sqlite3_errmsg(*db));
		sqlite3_close(*db);
		*db = NULL;
	}
	buf_free(&u);
	if (rc != SQLITE_OK && e->msg[0] == '\0')
		err_set(e, "%s: cannot open", path);
	return (rc == SQLITE_OK ? 0 : -1);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return (t ? strdup((const char *)t) : NULL);
}

static int
read_packages(sqlite3 *db, struct pkgdb *out, sqlite3_int64 **ids,
    struct err *e)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT id, name, version FROM packages "
	    "ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return (err_set(e, "%s", sqlite3_errmsg(db)));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pkgdb_pkg *p;

		if (out->npkgs == cap) {
			cap = cap ? cap * 2 : 64;
			p = reallocarray(out->pkgs, cap, sizeof(*p));
			*ids = reallocarray(*ids, cap, sizeof(**ids));
			if (p == NULL || *ids == NULL)
				break;
			out->pkgs = p;
		}
		p = &out->pkgs[out->npkgs];
		memset(p, 0, sizeof(*p));
		(*ids)[out->npkgs] = sqlite3_column_int64(st, 0);
		p->name = col_dup(st, 1);
		p->version = col_dup(st, 2);
		out->npkgs++;
		if (p->name == NULL || p->version == NULL)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (err_set(e, "reading packages: %s",
		    rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(db)));
	return (0);
}

static int
read_files(sqlite3 *db, struct pkgdb_pkg *p, sqlite3_int64 id,
    struct err *e)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	char		**v;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT path FROM files WHERE "
	    "package_id = ? ORDER BY path", -1, &st, NULL) != SQLITE_OK)
		return (err_set(e, "%s", sqlite3_errmsg(db)));
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (p->nfiles == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = reallocarray(p->files, cap,
			    sizeof(*v))) == NULL)
				break;
			p->files = v;
		}
		if ((p->files[p->nfiles] = col_dup(st, 0)) == NULL)
			break;
		p->nfiles++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (err_set(e, "reading files of %s: %s", p->name,
		    rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(db)));
	return (0);
}

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
pkgdb_read(const char *path, struct pkgdb *out, struct err *e)
{
	sqlite3		*db;
	sqlite3_int64	*ids = NULL;
	size_t		 i;
	int		 r = -1;

	memset(out, 0, sizeof(*out));
	e->msg[0] = '\0';
	if (db_open(path, &db, e) == -1)
		return (-1);
	if (read_packages(db, out, &ids, e) == -1)
		goto out;
	for (i = 0; i < out->npkgs; i++) {
		if (read_files(db, &out->pkgs[i], ids[i], e) == -1)
			goto out;
		/* SQLite's order is by collation; ours is by bytes. */
		sort_array(out->pkgs[i].files, out->pkgs[i].nfiles,
		    sizeof(char *), strp_cmp);
	}
	r = 0;
out:
	free(ids);
	sqlite3_close(db);
	if (r == -1) {
		char	msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		err_set(e, "%s: %s", path, msg);
		pkgdb_free(out);
	}
	return (r);
}

void
pkgdb_free(struct pkgdb *db)
{
	size_t	i, j;

	for (i = 0; i < db->npkgs; i++) {
		for (j = 0; j < db->pkgs[i].nfiles; j++)
			free(db->pkgs[i].files[j]);
		free(db->pkgs[i].files);
		free(db->pkgs[i].name);
		free(db->pkgs[i].version);
	}
	free(db->pkgs);
	memset(db, 0, sizeof(*db));
}
