#!/usr/bin/env bash
# Keys, trust store, freshness and rollback: every case must be refused
# with a precise verdict or message, never accepted as OK.
. "$(dirname "$0")/lib.sh"

REPO=$T/141amd64-default
R=$T/root
S=$T/state
installed_root "$R"
keygen k
keygen other

# verify ARGS...: pkg-verify of tinyconf against $REPO with state $S.
verify() {
	run "$PKG_VERIFY" -s "$S" -c "$REPO" -r "$R" "$@" -P tinyconf
}

fresh() {
	copy_repo "$POUDRIERE" "$REPO"
	rm -f "$S"
	sign k "$REPO" "$@"
}

fp_file() {
	printf 'function: "sha256"\nfingerprint: "%s"\n' \
	    "$(sha256sum "$1" | cut -c1-64)" >"$2"
}

# Key types, each signing and verified by pkg-verify.
for type in ed25519 ecdsa rsa; do
	keygen "t$type" "$type"
	copy_repo "$POUDRIERE" "$REPO"
	sign "t$type" "$REPO"
	rm -f "$S"
	verify -p "$T/t$type.pub"
	[ "$RC" -eq 0 ] || fail "$type: exit $RC"
	expect_rc 0 "$type: mirror check" "$SIGN_REPO" verify -p \
	    "$T/t$type.pub" "$REPO"
	pass "$type key signs and verifies"
done

# The RSA key pkg repo already uses, and pkg's own fingerprint layout.
cp "$FIXTURES/keys/repo.key" "$T/repo.key"
chmod 644 "$T/repo.key"
copy_repo "$POUDRIERE" "$REPO"
expect_rc 2 "group-readable secret key" "$SIGN_REPO" sign -k "$T/repo.key" \
    "$REPO"
expect_err "group or others" "group-readable secret key message"
pass "a secret key readable by others is refused"
chmod 600 "$T/repo.key"
expect_rc 0 "sign with repo.key" "$SIGN_REPO" sign -q -k "$T/repo.key" "$REPO"
rm -f "$S"
verify -T "$FIXTURES/keys/fingerprints/sign-repo-test"
[ "$RC" -eq 0 ] || fail "pkg trust dir: exit $RC: $(cat "$T/err")"
pass "repo.key reused; pkg's trusted/ fingerprint accepted"

# Trust store: rotation, revocation, duplicates.
fresh
mkdir -p "$T/trust/trusted" "$T/trust/revoked"
fp_file "$T/k.pub" "$T/trust/trusted/k"
fp_file "$T/other.pub" "$T/trust/trusted/other"
verify -T "$T/trust"
[ "$RC" -eq 0 ] || fail "trusted by fingerprint: exit $RC"
pass "two trusted keys (rotation): accepted"
fp_file "$T/k.pub" "$T/trust/revoked/k"
verify -T "$T/trust"
[ "$RC" -eq 2 ] || fail "revoked key: exit $RC"
expect_err "revoked" "revoked key message"
verify -p "$T/k.pub" -T "$T/trust"
[ "$RC" -eq 2 ] || fail "pinned but revoked: exit $RC"
pass "revoked key refused, also when pinned with -p"
rm "$T/trust/revoked/k"
cp "$T/trust/trusted/k" "$T/trust/trusted/k-again"
verify -T "$T/trust"
[ "$RC" -eq 2 ] || fail "duplicate key id: exit $RC"
expect_err "listed twice" "duplicate key id message"
rm "$T/trust/trusted/k-again"
pass "duplicate key id in the trust store is an error"
verify -p "$T/other.pub"
[ "$RC" -eq 2 ] || fail "wrong key: exit $RC"
expect_err "not trusted" "wrong key message"
pass "wrong key refused"

# The key file in the store must be the key its name says.
fresh
cp "$T/other.pub" "$(dirname "$(index_of "$REPO")")/keys/$(sha256sum \
    "$T/k.pub" | cut -c1-64).pub"
verify -T "$T/trust"
[ "$RC" -eq 2 ] || fail "substituted key file: exit $RC"
pass "a key file that does not match its fingerprint is refused"

# Freshness: refused by the clock, accepted with -x and a warning.
clock_refused() {
	local what=$1 word=$2
	shift 2
	fresh "$@"
	verify -p "$T/k.pub"
	[ "$RC" -eq 2 ] || fail "$what: exit $RC"
	expect_err "$word" "$what message"
	verify -p "$T/k.pub" -x
	[ "$RC" -eq 0 ] || fail "$what with -x: exit $RC"
	expect_err "$word" "$what: -x still warns"
	pass "$what refused, accepted with -x and a warning"
}
clock_refused "expired index" "expired" -t 1000000 -e 1
clock_refused "index made in the future" "in the future" \
    -t $(( $(date +%s) + 10 * 86400 ))

# Rollback, before and after the newer index expired.
fresh
cp -a "$(dirname "$(index_of "$REPO")")" "$T/old"
sign k "$REPO" -t "$(( $(date +%s) + 100 ))"
verify -p "$T/k.pub"
[ "$RC" -eq 0 ] || fail "newer index: exit $RC"
rm -rf "$(dirname "$(index_of "$REPO")")"
cp -a "$T/old" "$(dirname "$(index_of "$REPO")")"
verify -p "$T/k.pub"
[ "$RC" -eq 2 ] || fail "rollback: exit $RC"
expect_err "rollback" "rollback message"
verify -p "$T/k.pub" -x
[ "$RC" -eq 2 ] || fail "rollback with -x: exit $RC"
pass "rollback to an older index refused"

# Checks that share a state file, run at once, keep every serial: a lost
# one would let that repository roll back.
fresh
sign k "$REPO" -n one
copy_repo "$POUDRIERE" "$T/two"
sign k "$T/two" -n two
for i in $(seq 20); do
	rm -f "$S"
	"$PKG_VERIFY" -q -s "$S" -p "$T/k.pub" -c "$REPO" -r "$R" -P tinyconf &
	"$PKG_VERIFY" -q -s "$S" -p "$T/k.pub" -c "$T/two" -r "$R" -P tinyconf &
	wait
	grep -q " one\"" "$S" && grep -q " two\"" "$S" ||
	    fail "concurrent checks lost a serial in run $i: $(cat "$S")"
done
pass "concurrent checks sharing a state file keep both serials"
run "$PKG_VERIFY" -q -s "$T/made/on/demand/state" -p "$T/k.pub" -c "$REPO" \
    -r "$R" -P tinyconf
[ "$RC" -eq 0 ] && [ -s "$T/made/on/demand/state" ] ||
    fail "state file in directories yet to be made: exit $RC"
pass "the state file's directory is made with its parents"

fresh
cp -a "$(dirname "$(index_of "$REPO")")" "$T/old2"
sign k "$REPO" -t "$(( $(date +%s) + 1000 ))" -e 1
rm -rf "$(dirname "$(index_of "$REPO")")"
cp -a "$T/old2" "$(dirname "$(index_of "$REPO")")"
sign k "$REPO" -t 2000000 -e 1
verify -p "$T/k.pub" -x
[ "$RC" -eq 0 ] || fail "expired newer index with -x: exit $RC"
rm -rf "$(dirname "$(index_of "$REPO")")"
cp -a "$T/old2" "$(dirname "$(index_of "$REPO")")"
verify -p "$T/k.pub" -x
[ "$RC" -eq 2 ] || fail "rollback after expiry: exit $RC"
expect_err "rollback" "rollback after expiry message"
pass "rollback refused after the newer index expired"

# Damaged index: each refused before any record is used.
damage_index() {
	fresh
	python3 - "$(index_of "$REPO")" "$1" <<'PY'
import sys
p, how = sys.argv[1], sys.argv[2]
d = open(p, 'rb').read()
if how == 'truncate':
    d = d[:len(d) // 2]
elif how == 'crlf':
    d = d.replace(b'\n', b'\r\n')
elif how == 'reorder':
    l = d.split(b'\n')
    l[7], l[8] = l[8], l[7]
    d = b'\n'.join(l)
elif how == 'flip':
    b = bytearray(d); b[len(b) // 3] ^= 0x20; d = bytes(b)
elif how == 'nosig':
    d = b'\n'.join(d.split(b'\n')[:-2]) + b'\n'
open(p, 'wb').write(d)
PY
	verify -p "$T/k.pub"
	[ "$RC" -eq 2 ] || fail "index $1: exit $RC"
	pass "index $1: refused"
}
for how in truncate crlf reorder flip nosig; do
	damage_index "$how"
done

fresh
rm -rf "$(dirname "$(index_of "$REPO")")"
verify -p "$T/k.pub"
[ "$RC" -eq 2 ] || fail "signatures removed: exit $RC"
pass "signatures removed: refused"

# Damaged record files.
damage_record() {
	fresh
	local f
	f=$(record_file "$REPO" tinyconf-0.3_1)
	python3 - "$f" "$1" <<'PY'
import sys
p, how = sys.argv[1], sys.argv[2]
d = open(p, 'rb').read()
if how == 'truncate':
    d = d[:len(d) - 10]
elif how == 'crlf':
    d = d.replace(b'\n', b'\r\n')
elif how == 'reorder':
    l = d.split(b'\n'); l[0], l[1] = l[1], l[0]; d = b'\n'.join(l)
elif how == 'flip':
    b = bytearray(d); b[len(b) - 5] ^= 1; d = bytes(b)
open(p, 'wb').write(d)
PY
	verify -p "$T/k.pub"
	[ "$RC" -eq 1 ] || fail "record file $1: exit $RC"
	expect_out "^BAD_SIGNATURE" "record file $1"
	pass "record file $1: BAD_SIGNATURE"
}
for how in truncate crlf reorder flip; do
	damage_record "$how"
done

# A record of one path, package or version presented for another.
fresh
cat "$(records_of "$REPO")"/*.rec >"$T/all.rec"
detached() {
	run "$PKG_VERIFY" -p "$T/k.pub" -r "$R" --record "$T/one.rec"
}
grep ' /usr/local/bin/hello-link ' "$T/all.rec" |
    sed 's| /usr/local/bin/hello-link | /usr/local/bin/hello-which |' \
    >"$T/one.rec"
detached
[ "$RC" -eq 1 ] || fail "record for another path: exit $RC"
expect_out "^BAD_SIGNATURE /usr/local/bin/hello-which" "record for another path"
pass "record of one path presented for another: BAD_SIGNATURE"
grep ' /usr/local/libexec/tinyconf-run ' "$T/all.rec" |
    sed 's| tinyconf 0.3_1 | hello-tools 1.0.2 |' >"$T/one.rec"
detached
expect_out "^BAD_SIGNATURE" "record for another package"
grep ' /usr/local/libexec/tinyconf-run ' "$T/all.rec" |
    sed 's| tinyconf 0.3_1 | tinyconf 0.3_2 |' >"$T/one.rec"
detached
expect_out "^BAD_SIGNATURE" "record for another version"
pass "record of one package or version presented for another: BAD_SIGNATURE"
grep ' /usr/local/libexec/tinyconf-run ' "$T/all.rec" >"$T/one.rec"
detached
[ "$RC" -eq 0 ] || fail "intact detached record: exit $RC"
pass "an intact detached record verifies alone"
: >"$T/one.rec"
detached
[ "$RC" -eq 2 ] || fail "no detached records: exit $RC"
pass "a file of no records checks nothing: exit 2"

# A record file from an older signing of the same package.
fresh
OLDREC=$(record_file "$REPO" hello-tools-1.0.2)
cp "$OLDREC" "$T/old.rec"
sign other "$REPO"
NEWREC=$(record_file "$REPO" hello-tools-1.0.2)
cp "$T/old.rec" "$NEWREC"
rm -f "$S"
run "$PKG_VERIFY" -s "$S" -c "$REPO" -r "$R" -p "$T/other.pub" -P hello-tools
[ "$RC" -eq 1 ] || fail "older record file: exit $RC"
expect_out "^BAD_SIGNATURE" "older record file"
pass "record file from an older signing: BAD_SIGNATURE"

# The serial of an index that does not verify is not continued: a forged
# one near the end of the range would stop every later index.
fresh
IDX=$(index_of "$REPO")
sed -i 's/^serial .*/serial 9223372036854775806/' "$IDX"
cp "$IDX" "$T/index.before"
run "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
[ "$RC" -eq 2 ] || fail "forged serial: exit $RC"
expect_err "does not verify" "forged serial message"
cmp -s "$IDX" "$T/index.before" || fail "forged serial: index replaced"
pass "an index naming our key that does not verify stops the signer"
# After a key change the old key's serial does not carry over.
fresh -t 2000000000
sign other "$REPO" -t 1900000000
grep -qx 'serial 1900000000' "$(index_of "$REPO")" ||
    fail "new key: $(grep serial "$(index_of "$REPO")")"
pass "a new key starts its own serials"

# Signing command: failures leave the existing signatures in place.
fresh
IDX=$(index_of "$REPO")
cp "$IDX" "$T/index.before"
KID=$(sha256sum "$T/k.pub" | cut -c1-64)
cmdcase() {
	local what=$1 cmd=$2
	# A changed package forces real signing work through the command.
	run "$SIGN_REPO" sign -q --signing-timeout 5 --signing-command "$cmd" \
	    -p "$T/k.pub" -n other-name "$REPO"
	[ "$RC" -ne 0 ] || fail "signing command $what: exit 0"
	cmp -s "$IDX" "$T/index.before" || fail "$what: index replaced"
	pass "signing command $what: refused, signatures kept"
}
cmdcase "with empty output" "true"
cmdcase "with garbage" "echo garbage; cat >/dev/null"
cmdcase "that never answers" "echo 'pkg-filesigs-signer 1 $KID'; cat >/dev/null"
cmdcase "signing with another key" \
    "'$SIGN_REPO' sign-batch -k '$T/other.sec' | sed -u 's/^pkg-filesigs-signer 1 .*/pkg-filesigs-signer 1 $KID/'"
cmdcase "holding another key" "'$SIGN_REPO' sign-batch -k '$T/other.sec'"
cmdcase "that signs, then fails" "'$SIGN_REPO' sign-batch -k '$T/k.sec'; exit 3"
cmdcase "that signs, then never exits" \
    "'$SIGN_REPO' sign-batch -k '$T/k.sec'; sleep 3600"
run "$SIGN_REPO" sign -q --signing-command "'$SIGN_REPO' sign-batch -k '$T/k.sec'" \
    -p "$T/k.pub" -n other-name "$REPO"
[ "$RC" -eq 0 ] || fail "good signing command: exit $RC: $(cat "$T/err")"
rm -f "$S"
verify -p "$T/k.pub"
[ "$RC" -eq 0 ] || fail "signed through the command: exit $RC"
pass "signing through sign-batch verifies"
printf 'SIGN 1\n%s\n' "$(printf 'anything' | base64)" >"$T/req"
run "$SIGN_REPO" sign-batch -k "$T/k.sec" <"$T/req"
[ "$RC" -ne 0 ] || fail "sign-batch signed a foreign message"
pass "sign-batch refuses to sign anything but statements"

done_testing
