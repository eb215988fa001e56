/*
 * The list of installed packages from pkg's local database.  Only names,
 * versions and file paths are taken from it: it lives on the host being
 * checked, so nothing in it is evidence of what a file should be.
 */
#ifndef VFY_PKGDB_H
#define VFY_PKGDB_H

#include <stddef.h>

#include "util.h"

struct pkgdb_pkg {
	char	 *name;
	char	 *version;
	char	**files;	/* sorted */
	size_t	  nfiles;
};

struct pkgdb {
	struct pkgdb_pkg *pkgs;		/* sorted by name */
	size_t		  npkgs;
};

int	pkgdb_read(const char *, struct pkgdb *, struct err *);
void	pkgdb_free(struct pkgdb *);

#endif
