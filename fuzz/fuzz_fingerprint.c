/*
 * fuzz_fingerprint: the input is a file of a trust directory's trusted/
 * or revoked/ (pkg's fingerprint files).  trust_parse_fingerprint() must
 * stay inside the input and, when it accepts, give 64 lower-case hex
 * digits.  Seeds: the fixture's fingerprint file and variants of what
 * pkg writes.
 */
#include <string.h>

#include "fuzz_common.h"
#include "trust.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	fp[KEY_ID_LEN + 2];
	size_t	i;

	memset(fp, 'X', sizeof(fp));
	if (trust_parse_fingerprint((const char *)data, size, fp) != 0)
		return (0);
	if (fp[KEY_ID_LEN] != '\0' || fp[KEY_ID_LEN + 1] != 'X')
		fuzz_fail("fingerprint not 64 characters");
	for (i = 0; i < KEY_ID_LEN; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') ||
		    (fp[i] >= 'a' && fp[i] <= 'f')))
			fuzz_fail("fingerprint is not lower-case hex");
	return (0);
}
