#!/usr/bin/env bash
# Damaged or swapped signatures: record files (BAD_SIGNATURE, exit 1), the
# index and the key (exit 2), for pkg-verify and for sign-repo verify.
. "$(dirname "$0")/lib.sh"

keygen k
keygen other
GOOD=$T/good/141amd64-default
copy_repo "$POUDRIERE" "$GOOD"
sign k "$GOOD"
R=$T/root
installed_root "$R"

# fresh: a copy of the signed repository in $REPO.
n=0
fresh() {
	n=$((n + 1))
	REPO=$T/r$n/141amd64-default
	copy_repo "$GOOD" "$REPO"
	HELLOREC=$(record_file "$REPO" hello-tools-1.0.2)
	TINYREC=$(record_file "$REPO" tinyconf-0.3_1)
}

check() {
	pv -p "$T/k.pub" -c "$REPO" -r "$R" "$@"
}

# bad_records DESCRIPTION PKG...: each named package is BAD_SIGNATURE,
# through -P and through one of its paths, and sign-repo verify fails.
bad_records() {
	local what=$1 p
	shift
	for p in "$@"; do
		check -P "$p"
		[ "$RC" -eq 1 ] || fail "$what: -P $p: exit $RC, expected 1"
		expect_out "^BAD_SIGNATURE - $p" "$what: -P $p"
		only_problems 1 "$what: -P $p"
	done
	check /usr/local/bin/hello-which
	[ "$RC" -eq 1 ] || fail "$what: path: exit $RC, expected 1"
	expect_verdict BAD_SIGNATURE /usr/local/bin/hello-which "$what: path"
	expect_rc 1 "$what: sign-repo verify" \
	    "$SIGN_REPO" verify -p "$T/k.pub" "$REPO"
	pass "$what: BAD_SIGNATURE"
}

fresh
check -P hello-tools -P tinyconf -P meta-bundle
[ "$RC" -eq 0 ] || fail "untouched signatures: exit $RC"
pass "untouched signatures: OK"

# Two lines of a record file swapped.
fresh
python3 - "$HELLOREC" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
lines[2], lines[5] = lines[5], lines[2]
open(p, 'wb').write(b'\n'.join(lines))
PY
bad_records "two records swapped" hello-tools-1.0.2

# Two record files renamed into each other's names.
fresh
mv "$HELLOREC" "$T/swap"
mv "$TINYREC" "$HELLOREC"
mv "$T/swap" "$TINYREC"
bad_records "two record files swapped" hello-tools-1.0.2 tinyconf-0.3_1

# One byte of a signature: another base64 letter, still well-formed.
fresh
python3 - "$HELLOREC" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
f = lines[3].split(b' ')
sig = bytearray(f[-1])
sig[10] = ord('B') if sig[10] != ord('B') else ord('C')
f[-1] = bytes(sig)
lines[3] = b' '.join(f)
open(p, 'wb').write(b'\n'.join(lines))
PY
bad_records "one signature byte changed" hello-tools-1.0.2

# A statement changed: hello-which made setuid in its record.
fresh
sed -i 's|\(/usr/local/bin/hello-which f\) 0755 |\1 4755 |' "$HELLOREC"
grep -q 'hello-which f 4755 ' "$HELLOREC" || fail "sed did not apply"
bad_records "record statement changed" hello-tools-1.0.2

# A record file with one more line at its end.
fresh
tail -n 1 "$HELLOREC" >>"$HELLOREC"
bad_records "record appended" hello-tools-1.0.2

# A record file of another signer for the same package.
fresh
copy_repo "$POUDRIERE" "$T/other/141amd64-default"
sign other "$T/other/141amd64-default"
cp "$(record_file "$T/other/141amd64-default" hello-tools-1.0.2)" "$HELLOREC"
bad_records "another key's record file" hello-tools-1.0.2

# The older release's record file, same key: a replay.
fresh
copy_repo "$FIXTURES/pkg-versions/older-release" "$T/older"
sign k "$T/older"
cp "$(record_file "$T/older" hello-tools-1.0.1)" "$HELLOREC"
bad_records "older release's record file" hello-tools-1.0.2

# A record file missing: the signatures cannot be read (exit 2, as
# pkg-verify(8) says), whether a package or one of its paths is checked.
missing_record() {
	fresh
	rm "$HELLOREC"
	expect_rc 1 "missing record file: sign-repo verify" \
	    "$SIGN_REPO" verify -p "$T/k.pub" "$REPO"
	check -P hello-tools
	[ "$RC" -eq 2 ] || fail "missing record file: -P: exit $RC, expected 2"
	pass "missing record file, -P: exit 2"
	check /usr/local/bin/hello-which
	[ "$RC" -eq 2 ] || fail "missing record file: path: exit $RC, expected 2"
	pass "missing record file, path: exit 2"
}
subtest missing_record
missing_record_all() {
	fresh
	rm "$HELLOREC"
	check -a
	[ "$RC" -eq 2 ] || fail "missing record file: -a: exit $RC, expected 2"
	pass "missing record file, -a: exit 2"
}
subtest missing_record_all

# The index: one signature byte, one serial digit, gone, CRLF.
fresh
IDX=$(index_of "$REPO")
python3 - "$IDX" <<'PY'
import sys
p = sys.argv[1]
d = open(p, 'rb').read()
i = d.rindex(b'\nsig ') + 10
c = b'B' if d[i:i + 1] != b'B' else b'C'
open(p, 'wb').write(d[:i] + c + d[i + 1:])
PY
expect_rc 2 "index signature byte" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
[ ! -s "$T/out" ] || fail "index signature byte: findings printed"
expect_err "index" "index signature byte message"
expect_rc 2 "index signature byte: sign-repo verify" \
    "$SIGN_REPO" verify -p "$T/k.pub" "$REPO"
pass "index signature byte flipped: exit 2"

fresh
IDX=$(index_of "$REPO")
sed -i 's/^\(serial [0-9]*\)$/\10/' "$IDX"
expect_rc 2 "index serial changed" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
pass "index statement changed: exit 2"

fresh
IDX=$(index_of "$REPO")
sed -i 's/$/\r/' "$IDX"
expect_rc 2 "CRLF index" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
pass "CRLF index: exit 2"

fresh
rm "$(index_of "$REPO")"
expect_rc 2 "no index" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
pass "missing index: exit 2"

# Another public key.
fresh
expect_rc 2 "another key" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/other.pub" -c "$REPO" -r "$R" -P hello-tools
expect_err "not trusted" "another key message"
expect_rc 2 "another key: sign-repo verify" \
    "$SIGN_REPO" verify -p "$T/other.pub" "$REPO"
expect_rc 2 "the catalogue key" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$FIXTURES/keys/repo.pub" -c "$REPO" -r "$R" /usr/local/bin/hello-which
pass "another public key: exit 2"

# The whole filesigs of another signer in its place.
fresh
rm -rf "$(dirname "$(index_of "$REPO")")"
cp -a "$(dirname "$(index_of "$T/other/141amd64-default")")" \
    "$(dirname "$(index_of "$REPO")")"
expect_rc 2 "another signer's filesigs" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
pass "another signer's filesigs: exit 2"

done_testing
