/*
 * fuzz_index: the input is a whole filesigs/index.  index_keyid(), then
 * index_check() with the fixed key it names (if it is one of ours), then
 * index_parse() whatever the check said, since sign-repo parses the index
 * it replaces before it knows whether it can trust it.  An index that
 * parses must be the one spelling of what it parsed to: index_body()
 * gives back every byte before the signature line.  Seeds: indexes that
 * sign-repo wrote over the fixtures with each of the fixed keys.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz_common.h"

static struct vkey	keys[FUZZ_NKEYS];
static int		strict;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_keys(keys);
	strict = getenv("FUZZ_STRICT") != NULL;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*text = (const char *)data;
	char		 keyid[KEY_ID_LEN + 1];
	struct index	 idx;
	struct err	 e;
	struct buf	 body = { 0 };
	const struct vkey *k;
	size_t		 i;
	int		 checked = 0;

	if (index_keyid(text, size, keyid, &e) == 0) {
		if (strlen(keyid) != KEY_ID_LEN)
			fuzz_fail("index_keyid returned \"%s\"", keyid);
		if ((k = fuzz_key_by_id(keys, keyid)) != NULL)
			checked = index_check(text, size, k, &e) == 0;
	}
	if (index_parse(text, size, &idx, &e) == -1) {
		if (idx.text != NULL || idx.pkgs != NULL)
			fuzz_fail("index_parse failed without freeing");
		return (0);
	}
	if (strcmp(idx.keyid, keyid) != 0)
		fuzz_fail("index_parse and index_keyid disagree");
	for (i = 0; i < idx.npkgs; i++)
		if (*idx.pkgs[i].name == '\0' || *idx.pkgs[i].archive == '\0')
			fuzz_fail("package line with an empty field");
	if (index_body(&body, &idx, idx.keyid) == -1)
		fuzz_fail("a parsed index cannot be written again");
	/*
	 * Known: index_parse() reads each line as a C string, so a NUL byte
	 * cuts the line short and the rest is ignored (regression input
	 * regressions/fuzz_index/index-nul-byte-in-line).  Reported; checked
	 * only with FUZZ_STRICT=1 so that fuzzing can go past it.
	 */
	if (!strict && memchr(text, '\0', size) != NULL) {
		buf_free(&body);
		index_free(&idx);
		return (0);
	}
	if (body.len >= size || memcmp(body.data, text, body.len) != 0 ||
	    memcmp(text + body.len, "sig ", 4) != 0 ||
	    memchr(text + body.len, '\n', size - body.len) !=
	    text + size - 1)
		fuzz_fail("index_parse accepted a second spelling");
	(void)checked;
	buf_free(&body);
	index_free(&idx);
	return (0);
}
