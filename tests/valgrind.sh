#!/usr/bin/env bash
# A signing and a check under valgrind: sign-repo keygen, sign of the
# poudriere fixture, sign again (records reused), sign-repo verify, and
# pkg-verify -a of the sample root, untouched and with a file changed, by
# path and by package.  Each must run without a memory error and without
# a definite or indirect leak (valgrind's exit status 99 otherwise).
#
#   tests/valgrind.sh [builddir]      default: build (as tests/run.sh makes it)
set -eu
cd "$(dirname "$0")/.."
B=$(cd "${1:-build}" && pwd)
export SIGN_REPO=$B/signer/sign-repo PKG_VERIFY=$B/verifier/pkg-verify
export FIXTURES=$(pwd)/tests/fixtures
[ -x "$SIGN_REPO" ] && [ -x "$PKG_VERIFY" ] ||
    { echo "valgrind.sh: no build in $B" >&2; exit 2; }
command -v valgrind >/dev/null ||
    { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
. tests/cmd/lib.sh

n=0
nfail=0

# vg WANT NAME CMD...: CMD under valgrind, which must exit WANT.
vg() {
	local want=$1 name=$2 rc=0
	shift 2
	n=$((n + 1))
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --num-callers=30 --log-file="$T/vg.$n" "$@" >"$T/out" \
	    2>"$T/err" || rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$T/vg.$n" ]; then
		echo "ok $n - $name"
	else
		nfail=$((nfail + 1))
		echo "not ok $n - $name: exit $rc, expected $want"
		sed 's/^/#   /' "$T/vg.$n" "$T/err" | head -60
	fi
}

REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
R=$T/root
installed_root "$R"
PV=("$PKG_VERIFY" -s "$T/state" -p "$T/k.pub" -c "$REPO" -r "$R")

vg 0 "sign-repo keygen" "$SIGN_REPO" keygen "$T/k.sec" "$T/k.pub"
vg 0 "sign-repo sign" "$SIGN_REPO" sign -k "$T/k.sec" "$REPO"
vg 0 "sign-repo sign, records reused" "$SIGN_REPO" sign -j 1 -k "$T/k.sec" \
    "$REPO"
vg 0 "sign-repo verify" "$SIGN_REPO" verify -p "$T/k.pub" "$REPO"
vg 0 "pkg-verify -a" "${PV[@]}" -a
vg 0 "pkg-verify -a -j 2 --json" "${PV[@]}" -a -j 2 --json
vg 0 "pkg-verify -P" "${PV[@]}" -P hello-tools -P tinyconf
echo changed >>"$R/usr/local/share/hello/services.txt"
vg 1 "pkg-verify -a, a file changed" "${PV[@]}" -a
vg 1 "pkg-verify PATH, a file changed" "${PV[@]}" \
    /usr/local/share/hello/services.txt /usr/local/bin/hello-which

echo "$((n - nfail)) passed, $nfail failed"
[ "$nfail" -eq 0 ]
