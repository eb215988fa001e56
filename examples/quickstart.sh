#!/usr/bin/env bash
#
# Quick start: build sign-repo and pkg-verify, sign the test repository in
# tests/fixtures, and check a test root against it.
#
# Run from anywhere in a checkout.  As root it first installs the build
# dependencies with apt-get (Debian 12); set SKIP_APT=1 to skip that.
# Everything it makes besides build/ goes into a fresh temporary
# directory, which is kept so that you can look around.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)

step() {
	printf '\n==> %s\n' "$*"
}

run() {
	printf '$ %s\n' "$*"
	"$@"
}

if [ "${SKIP_APT:-0}" = 1 ]; then
	step "Skipping apt-get (SKIP_APT=1)"
elif [ "$(id -u)" != 0 ]; then
	step "Not root: skipping apt-get; the build dependencies must be" \
	    "installed already"
else
	step "Installing the build dependencies with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	run apt-get update
	run apt-get install -y meson ninja-build pkg-config gcc libssl-dev \
	    libarchive-dev libjansson-dev libsqlite3-dev libsodium-dev \
	    libcmocka-dev libarchive-tools zstd xz-utils bzip2 sqlite3
fi

step "Building into build/ with meson and ninja"
if [ ! -f build/build.ninja ]; then
	run meson setup build
fi
run ninja -C build

signrepo=$top/build/signer/sign-repo
pkgverify=$top/build/verifier/pkg-verify

work=$(mktemp -d "${TMPDIR:-/tmp}/pkg-verify-quickstart.XXXXXX")
step "Working in $work"
run cp -R tests/fixtures/poudriere "$work/"
repo=$work/poudriere/141amd64-default

step "Generating an Ed25519 key pair: sec.pem (mode 0600) and pub.pem"
run "$signrepo" keygen "$work/sec.pem" "$work/pub.pem"

step "Signing every file of every package of the poudriere repository"
run "$signrepo" sign -k "$work/sec.pem" "$repo"
echo "The signatures are in $repo/filesigs:"
ls -l "$repo/filesigs/" "$repo/filesigs/records/"

step "Checking the signatures as a mirror would (sign-repo verify)"
run "$signrepo" verify -p "$work/pub.pem" "$repo"

step "Unpacking a root with the three packages installed"
mkdir "$work/root"
run bsdtar -xpf tests/fixtures/installed-root.tar -C "$work/root"
if [ "$(id -u)" != 0 ]; then
	echo "Not root: bsdtar could not restore owners, so pkg-verify" \
	    "will report them as METADATA."
fi

# Keep the rollback state of this demonstration out of the host's own
# state file, where pkg-verify supports one.
state=()
if "$pkgverify" 2>&1 | grep -q -e '-s statefile'; then
	state=(-s "$work/state")
fi

check=("$pkgverify" -p "$work/pub.pem" -c "$repo" -r "$work/root"
    ${state[@]+"${state[@]}"} -P hello-tools -P tinyconf -P meta-bundle)

step "Checking the installed files against the signatures (pkg-verify -v)"
if [ "$(id -u)" = 0 ]; then
	run "${check[@]}" -v
else
	rc=0
	run "${check[@]}" -v || rc=$?
	echo "pkg-verify exited $rc (owners could not be restored without root)"
fi

step "Changing one installed file and checking again (exit status 1 expected)"
echo "\$ echo tampered >> $work/root/usr/local/bin/hello-which"
echo tampered >> "$work/root/usr/local/bin/hello-which"
rc=0
run "${check[@]}" || rc=$?
echo "pkg-verify exited $rc"
if [ "$rc" != 1 ]; then
	echo "quickstart: expected exit status 1 for a modified file" >&2
	exit 1
fi

step "Done"
echo "Everything is in $work; remove it with: rm -rf '$work'"
