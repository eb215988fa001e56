/*
 * fuzz_manifest: the input is the +MANIFEST of an otherwise valid
 * package.  The payload is that of a real package (by default the
 * fixture hello-tools-1.0.2.pkg, which has files, a hard link, relative,
 * absolute and dangling symlinks, directories, a setuid file, a config
 * file and names with spaces, '%' and non-ASCII bytes; FUZZ_MANIFEST_BASE
 * names another), written again after the input as an uncompressed pax
 * tar with libarchive, in memory, then read by pkg_read() from a scratch
 * file.  Seeds: the real +MANIFEST texts, the base's own first.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "fuzz_common.h"
#include "fuzz_pkg.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/fixtures"
#endif
#define BASE_PKG FIXTURES_DIR \
	"/poudriere/141amd64-default/.real_1700000000/All/hello-tools-1.0.2.pkg"

struct member {
	struct archive_entry	*ae;
	void			*data;
	size_t			 len;
};

static struct member	*members;
static size_t		 nmembers;
static size_t		 payload_bytes;
static char		*base_manifest;
static size_t		 base_manifest_len;
static unsigned char	*out;
static size_t		 outcap;

static void
load_base(const char *path)
{
	struct archive		*a;
	struct archive_entry	*ae;
	la_ssize_t		 n;
	int			 r;

	if ((a = archive_read_new()) == NULL ||
	    archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		fuzz_fail("%s: cannot open the base package", path);
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char	*name = archive_entry_pathname(ae);
		size_t		 len = (size_t)archive_entry_size(ae);
		void		*data = len ? malloc(len) : NULL;

		if (len && data == NULL)
			fuzz_fail("out of memory");
		if (len && (n = archive_read_data(a, data, len)) !=
		    (la_ssize_t)len)
			fuzz_fail("%s: short member %s", path, name);
		if (name[0] == '+') {
			if (strcmp(name, "+MANIFEST") == 0) {
				base_manifest = data;
				base_manifest_len = len;
			} else
				free(data);
			continue;
		}
		members = realloc(members, (nmembers + 1) * sizeof(*members));
		if (members == NULL)
			fuzz_fail("out of memory");
		members[nmembers].ae = archive_entry_clone(ae);
		members[nmembers].data = data;
		members[nmembers].len = len;
		nmembers++;
		payload_bytes += len + 3 * 512 + 1024;	/* pax headers */
	}
	if (r != ARCHIVE_EOF || base_manifest == NULL)
		fuzz_fail("%s: not a package with a +MANIFEST", path);
	archive_read_free(a);
}

/* The package: +MANIFEST = DATA, then the base's payload. */
static size_t
build(const uint8_t *data, size_t size)
{
	struct archive		*a;
	struct archive_entry	*ae;
	size_t			 used = 0, i, need;

	need = payload_bytes + size + 64 * 1024;
	if (need > outcap) {
		free(out);
		if ((out = malloc(need)) == NULL)
			fuzz_fail("out of memory");
		outcap = need;
	}
	if ((a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 512) != ARCHIVE_OK ||
	    archive_write_open_memory(a, out, outcap, &used) != ARCHIVE_OK)
		fuzz_fail("archive_write setup");
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "+MANIFEST");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "wheel");
	archive_entry_set_size(ae, (la_int64_t)size);
	if (archive_write_header(a, ae) != ARCHIVE_OK ||
	    (size > 0 && archive_write_data(a, data, size) !=
	    (la_ssize_t)size))
		fuzz_fail("cannot write +MANIFEST: %s", archive_error_string(a));
	archive_entry_free(ae);
	for (i = 0; i < nmembers; i++) {
		if (archive_write_header(a, members[i].ae) < ARCHIVE_WARN ||
		    (members[i].len > 0 && archive_write_data(a,
		    members[i].data, members[i].len) !=
		    (la_ssize_t)members[i].len))
			fuzz_fail("cannot write %s: %s",
			    archive_entry_pathname(members[i].ae),
			    archive_error_string(a));
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		fuzz_fail("archive_write_close: %s", archive_error_string(a));
	archive_write_free(a);
	return (used);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pkg_archive	 pa;
	struct err		 e;
	const char		*base = getenv("FUZZ_MANIFEST_BASE");
	const char		*path;
	size_t			 n;

	(void)argc;
	(void)argv;
	load_base(base ? base : BASE_PKG);
	/* The harness is only useful if the unchanged manifest passes. */
	n = build((const uint8_t *)base_manifest, base_manifest_len);
	path = fuzz_scratch("fuzz_manifest", out, n);
	if (pkg_read(AT_FDCWD, path, &pa, &e) == -1)
		fuzz_fail("the base package rebuilt does not read: %s", e.msg);
	pkg_archive_free(&pa);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	n = build(data, size);

	fuzz_pkg_read(fuzz_scratch("fuzz_manifest", out, n));
	return (0);
}
