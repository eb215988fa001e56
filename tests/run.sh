#!/usr/bin/env bash
# The test command of the project: install the build dependencies (as root,
# unless SKIP_APT is set), build into build/ and run the whole test suite.
# Exits non-zero on any failure.
set -eu

cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ] && [ -z "${SKIP_APT+x}" ]; then
	echo "run.sh: installing build dependencies with apt-get (set SKIP_APT=1 to skip)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq meson ninja-build pkg-config gcc libssl-dev \
	    libarchive-dev libjansson-dev libsqlite3-dev libsodium-dev \
	    libcmocka-dev libarchive-tools zstd xz-utils bzip2 sqlite3 \
	    python3 mandoc softhsm2 libengine-pkcs11-openssl opensc strace \
	    >/dev/null
fi

if [ -d build ] && [ -f build/build.ninja ]; then
	meson setup --reconfigure build
else
	rm -rf build
	meson setup build
fi
ninja -C build
meson test -C build --print-errorlogs
