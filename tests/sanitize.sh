#!/usr/bin/env bash
# The whole test suite once more, built with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ (SAN_BUILD names another
# directory; CC another compiler, gcc by default, clang works too).
#
# Any report fails the test it comes from: every UBSan check is fatal
# (-fno-sanitize-recover=all), ASan stops at its first error, and a leak
# is an error; each aborts the process, so that a report cannot pass for
# the exit status 1 with which the tools report findings.  Leaks in the
# pkcs11 engine are suppressed (tests/lsan.supp).  The hostile test runs
# in full (100,000 files, a 10 GB bomb: about two and a half minutes here
# under ASan); HOSTILE_QUICK=1 in the environment makes it smaller.
#
# Extra arguments go to meson test, e.g. a test name or --suite cmd.
set -eu
cd "$(dirname "$0")/.."
B=${SAN_BUILD:-build-asan}

if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-fno-sanitize-recover=all
fi
ninja -C "$B"

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
meson test -C "$B" --print-errorlogs --timeout-multiplier 3 "$@"
