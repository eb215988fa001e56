/*
 * fuzz_archive: the input is a whole package file, as sign-repo finds it
 * under All/: any compression pkg writes, or none.  Seeds: real packages
 * from tests/fixtures.
 */
#include "fuzz_common.h"
#include "fuzz_pkg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkg_read(fuzz_scratch("fuzz_archive", data, size));
	return (0);
}
