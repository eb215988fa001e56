/*
 * Checks on what pkg_read() returns, shared by fuzz_archive and
 * fuzz_manifest.
 */
#ifndef FUZZ_PKG_H
#define FUZZ_PKG_H

#include "pkgread.h"

/* Read the scratch file PATH and check every invariant of the result. */
void	fuzz_pkg_read(const char *);

#endif
