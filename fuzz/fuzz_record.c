/*
 * fuzz_record: the input is one line of a record file, without its
 * newline.  record_parse(), then record_verify() with the fixed key the
 * record names (or the Ed25519 one).  A line that parses must be the one
 * spelling of what it parsed to: record_statement() and the signature
 * give the input back byte for byte.  The helpers the parser uses
 * (field_decode, b64_decode, parse_u64) get the same input, with the same
 * round-trip check.  Seeds: record lines from sign-repo runs over the
 * fixtures with each of the fixed keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz_common.h"

static struct vkey	keys[FUZZ_NKEYS];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_keys(keys);
	return (0);
}

static void
helpers(const uint8_t *data, size_t size)
{
	struct buf	 b = { 0 }, re = { 0 };
	unsigned char	 bin[KEY_SIG_MAX];
	size_t		 n;
	uint64_t	 v;
	char		 num[24];

	if (field_decode((const char *)data, size, &b) == 0) {
		if (field_encode(&re, b.data, b.len) == -1 || re.len != size ||
		    memcmp(re.data, data, size) != 0)
			fuzz_fail("field_decode accepted a non-canonical text");
	}
	buf_free(&b);
	buf_free(&re);
	if (b64_decode((const char *)data, size, bin, sizeof(bin), &n) == 0) {
		if (b64_encode(bin, n, &re) == -1 || re.len != size ||
		    memcmp(re.data, data, size) != 0)
			fuzz_fail("b64_decode accepted a non-canonical text");
	}
	buf_free(&re);
	if (parse_u64((const char *)data, size, &v) == 0) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		if (strlen(num) != size || memcmp(num, data, size) != 0)
			fuzz_fail("parse_u64 accepted a non-canonical number");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record	 r;
	struct err	 e;
	struct buf	 st = { 0 };
	const struct vkey *k;
	char		*line;

	helpers(data, size);
	/* record_parse() terminates the line in place: one byte more. */
	if ((line = malloc(size + 1)) == NULL)
		return (0);
	memcpy(line, data, size);
	line[size] = 'X';
	if (record_parse(line, size, &r, &e) == 0) {
		if ((k = fuzz_key_by_id(keys, r.pkg.keyid)) == NULL)
			k = &keys[0];
		(void)record_verify(&r, k);
		if (record_statement(&st, &r) == -1 || buf_addc(&st, ' ') ==
		    -1 || b64_encode(r.sig, r.siglen, &st) == -1)
			fuzz_fail("a parsed record cannot be written again");
		if (st.len != size || memcmp(st.data, data, size) != 0)
			fuzz_fail("record_parse accepted a second spelling");
		buf_free(&st);
	}
	free(line);
	return (0);
}
