#!/usr/bin/env bash
# Packages sign-repo must refuse: exit 1, the package and the path named
# on stderr, and the signatures already there left exactly as they were.
. "$(dirname "$0")/lib.sh"

keygen k
REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
sign k "$REPO"
ALL=$REPO/.real_1700000000/All
SIGS=$REPO/.real_1700000000/filesigs
HELLO=$ALL/hello-tools-1.0.2.pkg
cp -a "$SIGS" "$T/sigs-before"
cp "$HELLO" "$T/hello-tools-1.0.2.pkg.orig"

repack() {
	python3 "$CMDDIR/repack.py" "$T/hello-tools-1.0.2.pkg.orig" "$@" ||
	    fail "repack.py $*"
}

# refused DESCRIPTION REGEX...: signing fails, names all REGEXes, and
# changes nothing that was signed before.
refused() {
	local what=$1 re f
	shift
	run "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
	[ "$RC" -eq 1 ] || fail "$what: exit $RC, expected 1"
	for re in "$@"; do
		expect_err "$re" "$what"
	done
	cmp -s "$T/sigs-before/index" "$SIGS/index" ||
	    fail "$what: the index was replaced"
	for f in "$T"/sigs-before/records/* "$T"/sigs-before/keys/*; do
		cmp -s "$f" "$SIGS/${f#"$T"/sigs-before/}" ||
		    fail "$what: ${f#"$T"/sigs-before/} changed"
	done
	if find "$SIGS" -name '.tmp.*' | grep -q .; then
		fail "$what: temporary files left in filesigs"
	fi
	pass "$what: refused, signatures unchanged"
}

# The control: the same members written again sign fine.
repack "$T/same.pkg"
mkdir -p "$T/control/All"
cp "$T/same.pkg" "$T/control/All/hello-tools-1.0.2.pkg"
expect_rc 0 "unchanged repack" "$SIGN_REPO" sign -q -k "$T/k.sec" "$T/control"
pass "a repacked but unchanged package is signed"

printf '#!/bin/sh\necho hello from a changed file\n' >"$T/evil"
repack "$HELLO" --replace "/usr/local/bin/hello-which=$T/evil"
refused "file changed after pkg create" 'hello-tools-1\.0\.2\.pkg' \
    '/usr/local/bin/hello-which'

# Same size, one byte different.
bsdtar -xOf "$T/hello-tools-1.0.2.pkg.orig" /usr/local/share/hello/LICENSE \
    >"$T/license" 2>/dev/null || true
[ -s "$T/license" ] || fail "cannot read LICENSE from the package"
size=$(stat -c %s "$T/license")
sed -i 's/Copyright (c) 2026/Copyright (c) 2025/' "$T/license"
grep -q 'Copyright (c) 2025' "$T/license" || fail "LICENSE not changed"
[ "$(stat -c %s "$T/license")" -eq "$size" ] || fail "LICENSE size changed"
repack "$HELLO" --replace "/usr/local/share/hello/LICENSE=$T/license"
refused "one byte changed after pkg create" 'hello-tools-1\.0\.2\.pkg' \
    '/usr/local/share/hello/LICENSE'

cp "$T/hello-tools-1.0.2.pkg.orig" "$HELLO"
truncate -s "$(($(stat -c %s "$HELLO") / 2))" "$HELLO"
refused "truncated archive" 'hello-tools-1\.0\.2\.pkg'

echo intruder >"$T/intruder"
repack "$HELLO" --add "/usr/local/bin/intruder=$T/intruder"
refused "entry not in +MANIFEST" 'hello-tools-1\.0\.2\.pkg' \
    '/usr/local/bin/intruder'

repack "$HELLO" --drop /usr/local/share/hello/services.txt
refused "listed file missing from the archive" 'hello-tools-1\.0\.2\.pkg' \
    '/usr/local/share/hello/services\.txt'

repack "$HELLO" --drop /usr/local/share/hello/empty-dir
refused "listed directory missing from the archive" \
    'hello-tools-1\.0\.2\.pkg' '/usr/local/share/hello/empty-dir'

cp "$FIXTURES/formats/expanded-ucl-manifest/hello-tools-1.0.2.pkg" "$HELLO"
refused "UCL +MANIFEST" 'hello-tools-1\.0\.2\.pkg' 'UCL'

echo 'not a package' >"$HELLO"
refused "not an archive" 'hello-tools-1\.0\.2\.pkg'

# A bad package next to good ones: the good ones do not get signed alone.
cp "$T/hello-tools-1.0.2.pkg.orig" "$HELLO"
cp "$FIXTURES/formats/expanded-ucl-manifest/hello-tools-1.0.2.pkg" \
    "$ALL/zz-broken-9.pkg"
refused "one bad package among good ones" 'zz-broken-9\.pkg'
rm "$ALL/zz-broken-9.pkg"

# With everything restored, signing works again and verify passes.
expect_rc 0 "sign after restoring" "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
expect_rc 0 "verify after restoring" "$SIGN_REPO" verify -p "$T/k.pub" "$REPO"
pass "restored repository signs and verifies"

# A secret key others can read is refused before anything happens.
chmod 0644 "$T/k.sec"
expect_rc 2 "secret key mode 0644" "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
expect_err 'k\.sec' "secret key mode message"
chmod 0600 "$T/k.sec"
ln -s "$T/k.sec" "$T/k-link.sec"
expect_rc 2 "secret key through a symlink" \
    "$SIGN_REPO" sign -q -k "$T/k-link.sec" "$REPO"
pass "secret key readable by others, or a symlink: exit 2"

done_testing
