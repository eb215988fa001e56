#!/usr/bin/env bash
# sign-repo keygen: modes, refusal to overwrite, key ids, key types.
. "$(dirname "$0")/lib.sh"

umask 022
for t in ed25519 ecdsa rsa; do
	expect_rc 0 "keygen -t $t" \
	    "$SIGN_REPO" keygen -t "$t" "$T/$t.sec" "$T/$t.pub"
	[ "$(stat -c %a "$T/$t.sec")" = 600 ] || fail "$t: secret key mode"
	[ "$(stat -c %a "$T/$t.pub")" = 644 ] || fail "$t: public key mode"
	grep -q 'PRIVATE KEY' "$T/$t.sec" || fail "$t: secret key not PEM"
	grep -q 'BEGIN PUBLIC KEY' "$T/$t.pub" || fail "$t: public key not PEM"
	# The printed id is the SHA-256 of the public key file.
	id=$(sha256sum <"$T/$t.pub" | cut -c1-64)
	expect_out "^$t key $id\$" "$t: key id printed"
	pass "keygen -t $t: 0600/0644, id = sha256 of the .pub"
done
openssl pkey -in "$T/rsa.sec" -noout -text 2>/dev/null | grep -q '3072 bit' ||
    fail "rsa key is not 3072 bits"
pass "rsa keys have 3072 bits"

# Even with a permissive umask the secret stays private.
umask 000
expect_rc 0 "keygen, umask 000" "$SIGN_REPO" keygen "$T/u.sec" "$T/u.pub"
[ "$(stat -c %a "$T/u.sec")" = 600 ] || fail "umask 000: secret key mode"
pass "umask 000: secret key still 0600"
umask 022

# Never overwrite, whichever of the two exists; nothing is touched.
cp "$T/ed25519.sec" "$T/sec.before"
cp "$T/ed25519.pub" "$T/pub.before"
expect_rc 2 "existing secret key" \
    "$SIGN_REPO" keygen "$T/ed25519.sec" "$T/new.pub"
expect_err 'ed25519\.sec' "existing secret key message"
[ ! -e "$T/new.pub" ] || fail "a public key was written anyway"
expect_rc 2 "existing public key" \
    "$SIGN_REPO" keygen "$T/new.sec" "$T/ed25519.pub"
[ ! -e "$T/new.sec" ] || fail "a secret key was written anyway"
cmp -s "$T/ed25519.sec" "$T/sec.before" || fail "secret key changed"
cmp -s "$T/ed25519.pub" "$T/pub.before" || fail "public key changed"
# Not through a dangling symlink either.
ln -s "$T/elsewhere" "$T/link.sec"
expect_rc 2 "dangling symlink as the secret key" \
    "$SIGN_REPO" keygen "$T/link.sec" "$T/link.pub"
[ ! -e "$T/elsewhere" ] || fail "a key was written through a symlink"
pass "keygen refuses to overwrite"

expect_rc 2 "unknown key type" "$SIGN_REPO" keygen -t dsa "$T/d.sec" "$T/d.pub"
expect_rc 2 "missing argument" "$SIGN_REPO" keygen "$T/d.sec"
expect_rc 2 "no command" "$SIGN_REPO"
expect_rc 2 "unknown command" "$SIGN_REPO" frobnicate
pass "usage errors: exit 2"

# Two key pairs are different keys.
a=$(sha256sum <"$T/ed25519.pub")
b=$(sha256sum <"$T/u.pub")
[ "$a" != "$b" ] || fail "two keygen runs gave the same key"
pass "fresh keys differ"

done_testing
