/*
 * What pkg_read() accepts must be signable and must read back: every
 * entry makes a record statement that record_parse() returns unchanged,
 * the entries are sorted and unique, and every path is one that
 * pkg_path_check() accepts.  What it refuses must be refused with a
 * message that names the package file.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz_common.h"
#include "fuzz_pkg.h"

static void
check_entry(const struct pkg_archive *pa, const struct pkg_entry *e)
{
	struct record	 r, back;
	struct buf	 st = { 0 };
	struct err	 err;
	static const unsigned char zsig[64];

	if (e->path == NULL || pkg_path_check(e->path) == -1)
		fuzz_fail("accepted an invalid path");
	if (e->owner == NULL || e->group == NULL || *e->owner == '\0' ||
	    *e->group == '\0')
		fuzz_fail("%s: no owner or group", e->path);
	if (e->mode > 07777)
		fuzz_fail("%s: mode %o", e->path, e->mode);
	if (e->type != FT_FILE && e->type != FT_SYMLINK && e->type != FT_DIR)
		fuzz_fail("%s: type %d", e->path, (int)e->type);

	memset(&r, 0, sizeof(r));
	r.pkg.keyid = "0000000000000000000000000000000000000000000000000000000000000000";
	r.pkg.repo = "fuzz";
	r.pkg.abi = pa->abi;
	r.pkg.origin = pa->origin;
	r.pkg.name = pa->name;
	r.pkg.version = pa->version;
	r.path = e->path;
	r.owner = e->owner;
	r.group = e->group;
	r.type = e->type;
	r.mode = e->mode;
	r.size = e->size;
	memcpy(r.sha256, e->sha256, 32);
	r.config = e->config;
	if (record_statement(&st, &r) == -1)
		fuzz_fail("%s: accepted, but cannot be made a record", e->path);
	if (buf_addc(&st, ' ') == -1 || b64_encode(zsig, sizeof(zsig),
	    &st) == -1)
		fuzz_fail("out of memory");
	if (record_parse(st.data, st.len, &back, &err) == -1)
		fuzz_fail("%s: its record does not parse: %s", e->path,
		    err.msg);
	if (strcmp(back.path, e->path) != 0 || strcmp(back.owner,
	    e->owner) != 0 || strcmp(back.group, e->group) != 0 ||
	    strcmp(back.pkg.name, pa->name) != 0 ||
	    strcmp(back.pkg.version, pa->version) != 0 ||
	    strcmp(back.pkg.origin, pa->origin) != 0 ||
	    strcmp(back.pkg.abi, pa->abi) != 0 || back.type != e->type ||
	    back.mode != e->mode || back.config != e->config ||
	    (e->type != FT_DIR && (back.size != e->size ||
	    memcmp(back.sha256, e->sha256, 32) != 0)))
		fuzz_fail("%s: record does not read back as written", e->path);
	buf_free(&st);
}

void
fuzz_pkg_read(const char *path)
{
	struct pkg_archive	 pa;
	struct err		 e;
	size_t			 i;

	memset(&e, 0, sizeof(e));
	if (pkg_read(AT_FDCWD, path, &pa, &e) == -1) {
		if (strstr(e.msg, path) == NULL &&
		    strcmp(e.msg, "out of memory") != 0)
			fuzz_fail("refusal does not name the package: \"%s\"",
			    e.msg);
		if (pa.entries != NULL || pa.nentries != 0 || pa.name != NULL)
			fuzz_fail("refused, but the result was not emptied");
		return;
	}
	if (pa.name == NULL || pa.version == NULL || pa.origin == NULL ||
	    pa.abi == NULL || *pa.name == '\0' || *pa.version == '\0' ||
	    *pa.origin == '\0' || *pa.abi == '\0')
		fuzz_fail("accepted without name, version, origin or abi");
	for (i = 0; i < pa.nentries; i++) {
		check_entry(&pa, &pa.entries[i]);
		if (i > 0 && strcmp(pa.entries[i - 1].path,
		    pa.entries[i].path) >= 0)
			fuzz_fail("entries not sorted and unique at %s",
			    pa.entries[i].path);
	}
	pkg_archive_free(&pa);
}
