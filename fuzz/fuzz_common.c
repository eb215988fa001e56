/*
 * Helpers shared by the fuzz targets.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

/*
 * The public halves of fuzz/keys/{ed25519,ecdsa,rsa}.sec: the seed
 * records and indexes are signed with these, so that a mutation starts
 * from a signature that verifies.
 */
static const char pub_ed25519[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEApFAXWe5nFu3g7stbyc+qscf+55q1cyRV8SkVr766iNM=\n"
    "-----END PUBLIC KEY-----\n"
    ;

static const char pub_ecdsa[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE63ZttiW1e0jgDCV2N0lRF0PmqwE6\n"
    "gwSaCW99MxoSkLtQz1H8+Nm0PuJnfS3juqRKu/vf+g9yJrSPNj772AWIhg==\n"
    "-----END PUBLIC KEY-----\n"
    ;

static const char pub_rsa[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAqJZiJw+EH3OUmWmwgAA3\n"
    "fm0muN/HO+2zmw9sL/HYubOE2+iiZEocmdOR+oH3sqk+WMIR25zyP7VEotri+8hB\n"
    "OEfGQdjqHIbv62ltXIMyGaXbnKwhcGxSgp8o8MvzULQKz3Ceh4/3EKjeINwziTlE\n"
    "u7rHVKlFE91TLG04swYbJh8kGmx+5MuHsvUnlSs82AKnE7a9E44hoyho7UbadFA3\n"
    "MXVT2F+8f7K7MD1lbXDSzRik3DOEXU+15GbDHh7QdGnIx4u+iGbzHqzkjTfRyytW\n"
    "qZkRxTmX8PxZyp2mlD9rJ7OKhEk4kw7uAtc5J4zouyDT1BpkzE+P+V/QuVu+Wmln\n"
    "ONReL94k0fKJJiiRNEZ72wZGOhjEn0WgZZvzITCrNr/2aG958Tj/aA+lwyYfx6of\n"
    "florCTfdnTTSWLcY6HKOeZcOPACq14BUxF0un+XzQRUc9PhqvEBZ1H1ZNBZG87zO\n"
    "aXu82z0JEDWvGcwEHkYx2iBSD3VvX2tpUqB8OZMIhPwzAgMBAAE=\n"
    "-----END PUBLIC KEY-----\n"
    ;

void
fuzz_load_keys(struct vkey *k)
{
	static const char *const pem[FUZZ_NKEYS] = {
		pub_ed25519, pub_ecdsa, pub_rsa,
	};
	struct err	e;
	int		i;

	for (i = 0; i < FUZZ_NKEYS; i++)
		if (key_load_public_mem(pem[i], strlen(pem[i]), &k[i],
		    &e) == -1)
			fuzz_fail("cannot load fuzz key %d: %s", i, e.msg);
}

const struct vkey *
fuzz_key_by_id(const struct vkey *k, const char *id)
{
	int	i;

	for (i = 0; i < FUZZ_NKEYS; i++)
		if (strcmp(k[i].id, id) == 0)
			return (&k[i]);
	return (NULL);
}

static char	scratch_path[256];

static void
scratch_remove(void)
{
	if (scratch_path[0] != '\0')
		unlink(scratch_path);
}

const char *
fuzz_scratch(const char *target, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 w;
	int		 fd;

	if (scratch_path[0] == '\0') {
		const char *dir = getenv("FUZZ_SCRATCH_DIR");
		struct stat st;

		if (dir == NULL)
			dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp";
		snprintf(scratch_path, sizeof(scratch_path), "%s/%s.%ld.pkg",
		    dir, target, (long)getpid());
		atexit(scratch_remove);
	}
	fd = open(scratch_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd == -1)
		fuzz_fail("%s: cannot create", scratch_path);
	while (len > 0) {
		if ((w = write(fd, p, len)) <= 0)
			fuzz_fail("%s: short write", scratch_path);
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	return (scratch_path);
}

void
fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "FUZZ INVARIANT BROKEN: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}
