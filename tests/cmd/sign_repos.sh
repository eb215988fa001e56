#!/usr/bin/env bash
# Sign every sample repository, check it as a mirror would (sign-repo
# verify), unpack its packages into a root and check every package with
# pkg-verify: everything must be OK.
. "$(dirname "$0")/lib.sh"

keygen k

# check_repo LABEL REPO: sign, verify, unpack, pkg-verify every package.
check_repo() {
	local label=$1 repo=$2 root=$T/root-$1 nv n total=0
	sign k "$repo"
	expect_rc 0 "$label: sign-repo verify" \
	    "$SIGN_REPO" verify -p "$T/k.pub" "$repo"
	expect_err " 0 problems" "$label: verify summary"
	# One index line per package archive.
	n=$(grep -c '^P ' "$(index_of "$repo")")
	[ "$n" -eq "$(pkgfiles "$repo" | wc -l)" ] ||
	    fail "$label: $n packages in the index"
	# shellcheck disable=SC2046
	extract_root "$root" $(pkgfiles "$repo")
	for nv in $(pkgnames "$repo"); do
		pv -p "$T/k.pub" -c "$repo" -r "$root" -v -P "$nv"
		[ "$RC" -eq 0 ] || fail "$label: pkg-verify -P $nv: exit $RC"
		if grep -qv '^OK ' "$T/out"; then
			fail "$label: $nv: not everything is OK"
		fi
		total=$((total + $(wc -l <"$T/out")))
	done
	# Every signed file was reported once, OK.
	n=$(awk '$1 == "P" { s += $11 } END { print s + 0 }' \
	    "$(index_of "$repo")")
	[ "$total" -eq "$n" ] || fail "$label: $total OK lines, $n records"
	pass "$label: signed, verified, $total files OK"
}

copy_repo "$POUDRIERE" "$T/poudriere/141amd64-default"
check_repo poudriere "$T/poudriere/141amd64-default"
# The poudriere layout: signatures inside the build, linked from the top.
[ -d "$T/poudriere/141amd64-default/.real_1700000000/filesigs" ] ||
    fail "poudriere: no filesigs inside .real_1700000000"
[ "$(readlink "$T/poudriere/141amd64-default/filesigs")" = ".latest/filesigs" ] ||
    fail "poudriere: no filesigs -> .latest/filesigs link"
grep -q '^repo 141amd64-default$' "$(index_of "$T/poudriere/141amd64-default")" ||
    fail "poudriere: repository name is not the directory's"
pass "poudriere layout"

# The installed root that pkg itself made, with its owners and modes.
installed_root "$T/installed"
pv -p "$T/k.pub" -c "$T/poudriere/141amd64-default" -r "$T/installed" \
    -P hello-tools -P tinyconf -P meta-bundle
[ "$RC" -eq 0 ] || fail "installed root: exit $RC"
[ ! -s "$T/out" ] || fail "installed root: findings without -v"
expect_err "25 checked, 0 problems" "installed root summary"
pass "installed-root.tar: 25 files OK"

for v in pkg-2.7.5 pkg-1.21.3 older-release; do
	copy_repo "$FIXTURES/pkg-versions/$v" "$T/$v"
	check_repo "$v" "$T/$v"
done

# pkg repo --hash --symlink: archives in All/Hashed, links in All.
copy_repo "$FIXTURES/catalogue-hashed" "$T/hashed"
check_repo hashed "$T/hashed"
grep -q ' All/Hashed/hello-tools-1.0.2~2\$prxkyyeb.pkg ' "$(index_of "$T/hashed")" ||
    fail "hashed: archive not listed under All/Hashed"
if grep -q ' All/hello-tools-1.0.2.pkg ' "$(index_of "$T/hashed")"; then
	fail "hashed: the symlink in All/ was signed as well"
fi
pass "hashed: links skipped, archives signed once"

# hello-tools in every packing format, each in a repository of its own.
for f in tzst txz tbz tgz tar legacy-txz-name; do
	mkdir -p "$T/fmt-$f/All"
	cp "$FIXTURES"/formats/"$f"/* "$T/fmt-$f/All/"
	check_repo "format-$f" "$T/fmt-$f"
done

# All the formats in one All/: the same package six times is ambiguous.
mkdir -p "$T/fmt-all/All"
for f in tzst txz tbz tgz tar; do
	cp "$FIXTURES/formats/$f/hello-tools-1.0.2.pkg" \
	    "$T/fmt-all/All/hello-tools-1.0.2.$f"
done
expect_rc 1 "ambiguous repository" \
    "$SIGN_REPO" sign -q -k "$T/k.sec" "$T/fmt-all"
expect_err "hello-tools-1.0.2" "ambiguous repository message"
[ ! -e "$T/fmt-all/filesigs/index" ] || fail "ambiguous: an index was written"
pass "the same package twice is refused"

# The UCL manifest cannot be signed.
mkdir -p "$T/fmt-ucl/All"
cp "$FIXTURES/formats/expanded-ucl-manifest/hello-tools-1.0.2.pkg" \
    "$T/fmt-ucl/All/"
expect_rc 1 "UCL manifest" "$SIGN_REPO" sign -q -k "$T/k.sec" "$T/fmt-ucl"
expect_err "hello-tools-1.0.2.pkg.*UCL" "UCL manifest message"
[ ! -e "$T/fmt-ucl/filesigs/index" ] || fail "UCL: an index was written"
pass "UCL manifest refused"

# The RSA key that signs the catalogue signs file signatures too, and
# pkg's own fingerprint file for it is a trust directory.
cp "$FIXTURES/keys/repo.key" "$T/repo.key"
chmod 600 "$T/repo.key"
copy_repo "$POUDRIERE" "$T/rsa/141amd64-default"
expect_rc 0 "sign with repo.key" \
    "$SIGN_REPO" sign -q -k "$T/repo.key" "$T/rsa/141amd64-default"
grep -q '^key 0bba75dc0f58695204ee78d4e252600b0f4a756f58d5699145364fe8d3ab8ab3$' \
    "$(index_of "$T/rsa/141amd64-default")" ||
    fail "RSA: key id is not pkg's fingerprint of repo.pub"
expect_rc 0 "verify with repo.pub" \
    "$SIGN_REPO" verify -p "$FIXTURES/keys/repo.pub" "$T/rsa/141amd64-default"
expect_rc 0 "verify with the fingerprints directory" \
    "$SIGN_REPO" verify -T "$FIXTURES/keys/fingerprints/sign-repo-test" \
    "$T/rsa/141amd64-default"
pv -T "$FIXTURES/keys/fingerprints/sign-repo-test" \
    -c "$T/rsa/141amd64-default" -r "$T/installed" -P hello-tools \
    -P tinyconf -P meta-bundle
[ "$RC" -eq 0 ] || fail "pkg-verify -T: exit $RC"
pass "RSA repo.key, repo.pub and pkg's fingerprint file"

# A pkg secp256k1 DER key is not a signing key here.
cp "$FIXTURES/keys/ecdsa.key" "$T/ecdsa.key"
chmod 600 "$T/ecdsa.key"
expect_rc 2 "pkg's ecdsa.key" \
    "$SIGN_REPO" sign -q -k "$T/ecdsa.key" "$T/rsa/141amd64-default"
pass "pkg's own ECDSA key format refused"

done_testing
