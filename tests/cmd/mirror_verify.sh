#!/usr/bin/env bash
# sign-repo verify, as a mirror runs it before republishing: archives and
# records must still match each other and the signed index.
. "$(dirname "$0")/lib.sh"

keygen k
keygen other
GOOD=$T/good/141amd64-default
copy_repo "$POUDRIERE" "$GOOD"
sign k "$GOOD"

n=0
fresh() {
	n=$((n + 1))
	REPO=$T/m$n/141amd64-default
	copy_repo "$GOOD" "$REPO"
	ALL=$REPO/.real_1700000000/All
}

verify() {
	run "$SIGN_REPO" verify -p "$T/k.pub" "$@" "$REPO"
}

fresh
verify
[ "$RC" -eq 0 ] || fail "untouched: exit $RC"
expect_err "3 packages, 25 files, 0 problems" "summary"
verify -q
[ "$RC" -eq 0 ] && [ ! -s "$T/err" ] || fail "-q: exit $RC or output"
pass "untouched repository verifies"

# The older release under the newer one's name: signed by the same key,
# but not what this index signed.
fresh
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
    "$ALL/hello-tools-1.0.2.pkg"
verify
[ "$RC" -eq 1 ] || fail "older archive: exit $RC, expected 1"
expect_err 'All/hello-tools-1\.0\.2\.pkg' "older archive names the archive"
expect_err 'hello-tools-1\.0\.1' "older archive names the version found"
pass "archive replaced by the older release: exit 1"

# A package added after signing.
fresh
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" "$ALL/"
verify
[ "$RC" -eq 1 ] || fail "unsigned package: exit $RC"
expect_err 'hello-tools-1\.0\.1\.pkg.*not signed' "unsigned package message"
pass "unsigned package in All/: exit 1"

# Whatever else a client could fetch from All/ is reported as well.
unaccounted() {
	local what=$1 name=$2
	verify
	[ "$RC" -eq 1 ] || fail "$what: exit $RC, expected 1"
	expect_err "All/$name: not a signed package archive" "$what message"
	pass "$what: exit 1"
}
fresh
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
    "$ALL/.hidden.pkg"
unaccounted "hidden package in All/" '\.hidden\.pkg'
fresh
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" "$T/evil.pkg"
ln -s "$T/evil.pkg" "$ALL/evil-9.9.pkg"
unaccounted "link out of the repository" 'evil-9\.9\.pkg'
fresh
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
    "$ALL/.x"
ln -s .x "$ALL/evil-9.9.pkg"
unaccounted "link to an unsigned file" 'evil-9\.9\.pkg'
fresh
ln -s ../All/hello-tools-1.0.2.pkg "$ALL/hello-tools-1.0.2.txz"
verify
[ "$RC" -eq 0 ] || fail "link to a signed archive: exit $RC"
pass "link to a signed archive, named for it: accounted for"
fresh
ln -s tinyconf-0.3_1.pkg "$ALL/hello-tools-1.0.2.txz"
unaccounted "link to another package's archive" 'hello-tools-1\.0\.2\.txz'
# The text of a link says nothing: "../evil/../All/x" through a link
# "evil" to a directory elsewhere serves that directory's All/x.
fresh
mkdir -p "$T/site/x" "$T/site/All"
echo 'not a package' >"$T/site/All/hello-tools-1.0.2.pkg"
ln -s "$T/site/x" "$REPO/.real_1700000000/evil"
mkdir "$ALL/sub"
ln -s ../../evil/../All/hello-tools-1.0.2.pkg "$ALL/sub/hello-tools-1.0.2.txz"
unaccounted "link whose text seems to lead to a signed archive" \
    'sub/hello-tools-1\.0\.2\.txz'

# A package removed after signing.
fresh
rm "$ALL/tinyconf-0.3_1.pkg"
verify
[ "$RC" -eq 1 ] || fail "removed package: exit $RC"
expect_err 'tinyconf-0\.3_1\.pkg' "removed package message"
pass "signed package gone: exit 1"

# A byte of an archive.
fresh
python3 - "$ALL/hello-tools-1.0.2.pkg" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
d[-100] ^= 1
open(p, 'wb').write(d)
PY
verify
[ "$RC" -eq 1 ] || fail "damaged archive: exit $RC"
expect_err 'hello-tools-1\.0\.2\.pkg' "damaged archive message"
pass "damaged archive: exit 1"

# A record line swapped.
fresh
rec=$(record_file "$REPO" tinyconf-0.3_1)
python3 - "$rec" <<'PY'
import sys
p = sys.argv[1]
l = open(p, 'rb').read().split(b'\n')
l[0], l[1] = l[1], l[0]
open(p, 'wb').write(b'\n'.join(l))
PY
verify
[ "$RC" -eq 1 ] || fail "swapped records: exit $RC"
expect_err 'tinyconf' "swapped records message"
pass "record file changed: exit 1"

# Index problems and other keys: exit 2.
fresh
sed -i 's/^\(expires [0-9]*\)$/\11/' "$(index_of "$REPO")"
verify
[ "$RC" -eq 2 ] || fail "changed index: exit $RC"
run "$SIGN_REPO" verify -p "$T/other.pub" "$GOOD"
[ "$RC" -eq 2 ] || fail "other key: exit $RC"
run "$SIGN_REPO" verify -p "$T/k.pub" "$FIXTURES/pkg-versions/pkg-2.7.5"
[ "$RC" -eq 2 ] || fail "unsigned repository: exit $RC"
pass "bad index, other key, no signatures: exit 2"

# Trust by fingerprint; revoked wins.
mkdir -p "$T/fp/trusted" "$T/fp/revoked"
id=$(sha256sum <"$T/k.pub" | cut -c1-64)
printf 'function: "sha256"\nfingerprint: "%s"\n' "$id" >"$T/fp/trusted/k"
fresh
run "$SIGN_REPO" verify -T "$T/fp" "$REPO"
[ "$RC" -eq 0 ] || fail "-T: exit $RC"
cp "$T/fp/trusted/k" "$T/fp/revoked/k"
run "$SIGN_REPO" verify -T "$T/fp" "$REPO"
[ "$RC" -eq 2 ] || fail "-T revoked: exit $RC"
expect_err 'revoked' "revoked message"
pass "verify -T: trusted fingerprint, revoked refused"

done_testing
