#!/usr/bin/env bash
# The same input, key, name and time give byte-identical signatures, with
# any -j; signing again reuses what did not change and raises the serial.
. "$(dirname "$0")/lib.sh"

keygen k
cp "$FIXTURES/keys/repo.key" "$T/rsa.sec"
chmod 600 "$T/rsa.sec"

# signed_tree DIR KEY ARGS...: a fresh copy of the fixture signed in DIR.
signed_tree() {
	local dir=$1 key=$2
	shift 2
	copy_repo "$POUDRIERE" "$dir/141amd64-default"
	run "$SIGN_REPO" sign -q -k "$T/$key.sec" "$@" "$dir/141amd64-default"
	[ "$RC" -eq 0 ] || fail "sign $dir: exit $RC"
}

for key in k rsa; do
	signed_tree "$T/$key-a" "$key" -t 1700000000 -j 1
	signed_tree "$T/$key-b" "$key" -t 1700000000 -j 4
	diff -r "$T/$key-a/141amd64-default/.real_1700000000/filesigs" \
	    "$T/$key-b/141amd64-default/.real_1700000000/filesigs" \
	    >"$T/diff" || fail "$key: two signings differ: $(cat "$T/diff")"
	pass "$key: two signings with -t are byte-identical (-j 1, -j 4)"
done

# SOURCE_DATE_EPOCH does what -t does.
copy_repo "$POUDRIERE" "$T/sde/141amd64-default"
SOURCE_DATE_EPOCH=1700000000 "$SIGN_REPO" sign -q -k "$T/k.sec" \
    "$T/sde/141amd64-default" || fail "sign with SOURCE_DATE_EPOCH"
diff -r "$T/k-a/141amd64-default/.real_1700000000/filesigs" \
    "$T/sde/141amd64-default/.real_1700000000/filesigs" >"$T/diff" ||
    fail "SOURCE_DATE_EPOCH differs from -t: $(cat "$T/diff")"
pass "SOURCE_DATE_EPOCH gives the same signatures as -t"

# Another time or another name: another index.
signed_tree "$T/t2" k -t 1700000001
cmp -s "$T/k-a/141amd64-default/.real_1700000000/filesigs/index" \
    "$T/t2/141amd64-default/.real_1700000000/filesigs/index" &&
    fail "another time gave the same index"
signed_tree "$T/n2" k -t 1700000000 -n other
grep -q '^repo other$' "$T/n2/141amd64-default/.real_1700000000/filesigs/index" ||
    fail "-n not in the index"
cmp -s "$T/k-a/141amd64-default/.real_1700000000/filesigs/index" \
    "$T/n2/141amd64-default/.real_1700000000/filesigs/index" &&
    fail "another name gave the same index"
pass "time and name are bound into the index"

# Signing again: records reused, serial raised, old records kept.
R=$T/k-a/141amd64-default
IDX=$R/.real_1700000000/filesigs/index
s1=$(sed -n 's/^serial //p' "$IDX")
recs1=$(cd "$R/.real_1700000000/filesigs/records" && ls)
run "$SIGN_REPO" sign -k "$T/k.sec" -t 1700000000 -e 3650 "$R"
[ "$RC" -eq 0 ] || fail "second signing: exit $RC"
expect_out '3 packages \(3 reused\)' "second signing summary"
s2=$(sed -n 's/^serial //p' "$IDX")
[ "$s2" -gt "$s1" ] || fail "serial $s2 after $s1"
recs2=$(cd "$R/.real_1700000000/filesigs/records" && ls)
[ "$recs1" = "$recs2" ] || fail "record files changed on re-signing"
expect_rc 0 "verify after re-signing" "$SIGN_REPO" verify -p "$T/k.pub" "$R"
pass "re-signing reuses all records and raises the serial ($s1 -> $s2)"

# One package replaced: only it is read again.
cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
    "$R/All/hello-tools-1.0.1.pkg"
rm "$R/All/hello-tools-1.0.2.pkg"
run "$SIGN_REPO" sign -k "$T/k.sec" "$R"
[ "$RC" -eq 0 ] || fail "signing after an update: exit $RC"
expect_out '3 packages \(2 reused\)' "update summary"
grep -q '^P hello-tools 1.0.1 ' "$IDX" || fail "1.0.1 not in the index"
if grep -q '^P hello-tools 1.0.2 ' "$IDX"; then
	fail "1.0.2 still in the index"
fi
expect_rc 0 "verify after an update" "$SIGN_REPO" verify -p "$T/k.pub" "$R"
pass "an updated package is signed, the others reused"

done_testing
