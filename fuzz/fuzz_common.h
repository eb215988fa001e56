/*
 * Shared by the fuzz targets: the fixed keys that the seed corpora are
 * signed with (fuzz/keys/, test keys only), a scratch file for parsers
 * that read a file by name, and invariant failures that libFuzzer keeps.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_NKEYS	3	/* ed25519, ecdsa, rsa */

void		 fuzz_load_keys(struct vkey *);
const struct vkey *fuzz_key_by_id(const struct vkey *, const char *);

/*
 * Write DATA to this process's scratch file (in /dev/shm, or
 * FUZZ_SCRATCH_DIR) and return its path; it is removed at exit.
 */
const char	*fuzz_scratch(const char *, const void *, size_t);

void		 fuzz_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

#endif
