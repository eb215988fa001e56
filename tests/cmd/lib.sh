# Shared by the command tests; sourced, not run.
#
# Environment (set by tests/meson.build): SIGN_REPO, PKG_VERIFY, FIXTURES.
# Every script gets its own temporary directory $T, removed on exit.

set -eu
: "${SIGN_REPO:?SIGN_REPO must name the built sign-repo}"
: "${PKG_VERIFY:?PKG_VERIFY must name the built pkg-verify}"
: "${FIXTURES:?FIXTURES must name tests/fixtures}"

export LC_ALL=C.UTF-8
unset SOURCE_DATE_EPOCH

# LeakSanitizer cannot work under ptrace: in a sanitizer build, what runs
# under strace is checked for everything but leaks.
strace() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    command strace "$@"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/cmdtest.XXXXXX")
trap 'rm -rf "$T"' EXIT

POUDRIERE=$FIXTURES/poudriere/141amd64-default
CMDDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NFAIL=0
: >"$T/.passes"

fail() {
	echo "FAIL: $*" >&2
	if [ -s "$T/out" ]; then echo "--- stdout:" >&2; cat "$T/out" >&2; fi
	if [ -s "$T/err" ]; then echo "--- stderr:" >&2; cat "$T/err" >&2; fi
	exit 1
}

pass() {
	echo x >>"$T/.passes"
	echo "ok $(wc -l <"$T/.passes") - $*"
}

# subtest FUNCTION [ARGS...]: run a group of checks in a subshell, so that
# a failure there is counted and the script goes on with the next group.
subtest() {
	if ("$@"); then
		:
	else
		NFAIL=$((NFAIL + 1))
		echo "not ok - $1" >&2
	fi
}

done_testing() {
	echo "$(wc -l <"$T/.passes") passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $RC.
run() {
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
}

# expect_rc N DESCRIPTION CMD...
expect_rc() {
	local want=$1 what=$2
	shift 2
	run "$@"
	[ "$RC" -eq "$want" ] || fail "$what: exit $RC, expected $want ($*)"
}

# expect_out REGEX DESCRIPTION: a line of the last stdout matches.
expect_out() {
	grep -Eq -- "$1" "$T/out" || fail "$2: no line of stdout matches /$1/"
}

# expect_err REGEX DESCRIPTION: a line of the last stderr matches.
expect_err() {
	grep -Eq -- "$1" "$T/err" || fail "$2: no line of stderr matches /$1/"
}

# expect_verdict VERDICT PATH DESCRIPTION: exactly this verdict for PATH.
expect_verdict() {
	local line
	line=$(grep -F -- " $2 " "$T/out" || true)
	[ -n "$line" ] || fail "$3: no finding for $2"
	[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] ||
	    fail "$3: several findings for $2"
	case "$line" in
	"$1 $2 "*) ;;
	*) fail "$3: \"$line\", expected verdict $1" ;;
	esac
}

# only_problems N DESCRIPTION: stdout holds exactly N lines (findings).
only_problems() {
	local n
	n=$(wc -l <"$T/out")
	[ "$n" -eq "$1" ] || fail "$2: $n findings, expected $1"
}

# keygen NAME [TYPE]: $T/NAME.sec and $T/NAME.pub
keygen() {
	"$SIGN_REPO" keygen -t "${2:-ed25519}" "$T/$1.sec" "$T/$1.pub" \
	    >/dev/null || fail "keygen $1"
}

# copy_repo SRC DST: a writable copy of a fixture repository.
copy_repo() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	cp -a "$1" "$2"
}

# sign KEYNAME REPO [ARGS...]
sign() {
	local key=$1 repo=$2
	shift 2
	run "$SIGN_REPO" sign -q -k "$T/$key.sec" "$@" "$repo"
	[ "$RC" -eq 0 ] || fail "sign $repo with $key: exit $RC"
}

# pv ARGS...: pkg-verify with a private state file.  The state keeps one
# serial per key, and these tests sign many repositories with one key, so
# each repository directory (-c) gets a state file of its own.
pv() {
	run "$PKG_VERIFY" -s "$(state_for "$@")" "$@"
}

state_for() {
	local c=
	while [ $# -gt 0 ]; do
		if [ "$1" = -c ] && [ $# -gt 1 ]; then
			c=$2
		fi
		shift
	done
	echo "$T/state.$(printf '%s' "$c" | sha256sum | cut -c1-16)"
}

# The ids a root's etc/passwd and etc/group give root and nobody: the
# real ones as root, else our own, since only root can chown.
write_ids() {
	local root=$1
	mkdir -p "$root/etc"
	if [ "$(id -u)" -eq 0 ]; then
		printf 'root:*:0:0:Charlie &:/root:/bin/sh\nnobody:*:65534:65534:Unprivileged user:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
		printf 'wheel:*:0:root\nnogroup:*:65534:\n' >"$root/etc/group"
	else
		printf 'root:*:%s:%s::/root:/bin/sh\nnobody:*:%s:%s::/:/bin/sh\n' \
		    "$(id -u)" "$(id -g)" "$(id -u)" "$(id -g)" >"$root/etc/passwd"
		printf 'wheel:*:%s:\nnogroup:*:%s:\n' "$(id -g)" "$(id -g)" \
		    >"$root/etc/group"
	fi
}

# Modes an ordinary user's bsdtar drops.
fix_modes() {
	local root=$1
	if [ "$(id -u)" -ne 0 ]; then
		[ ! -e "$root/usr/local/sbin/hello-suid" ] ||
		    chmod 4755 "$root/usr/local/sbin/hello-suid"
	fi
}

# installed_root DIR: the fixture's installed root, unpacked.
installed_root() {
	rm -rf "$1"
	mkdir -p "$1"
	bsdtar -xpf "$FIXTURES/installed-root.tar" -C "$1" ||
	    fail "cannot unpack installed-root.tar"
	[ "$(id -u)" -eq 0 ] || write_ids "$1"
	fix_modes "$1"
}

# signed_setup [KEY]: key KEY (default k), the poudriere fixture signed
# with it in $REPO, and the sample installed root in $R.
signed_setup() {
	local key=${1:-k}
	keygen "$key"
	REPO=$T/141amd64-default
	copy_repo "$POUDRIERE" "$REPO"
	sign "$key" "$REPO"
	R=$T/root
	installed_root "$R"
}

# extract_root DIR PKG...: the payload of each package unpacked into DIR.
extract_root() {
	local root=$1 p
	shift
	rm -rf "$root"
	mkdir -p "$root"
	for p in "$@"; do
		bsdtar -xpf "$p" -C "$root" --exclude '+*' 2>"$T/bsdtar.err" ||
		    { cat "$T/bsdtar.err" >&2; fail "cannot unpack $p"; }
	done
	write_ids "$root"
	fix_modes "$root"
}

# pkgfiles REPO: the package archives sign-repo signs (regular files).
pkgfiles() {
	local repo=$1
	[ -e "$repo/.latest" ] && repo=$repo/.latest
	find "$repo/All/" -type f \( -name '*.pkg' -o -name '*.txz' \) |
	    LC_ALL=C sort
}

# pkgnames REPO: name-version of every package archive in REPO.
pkgnames() {
	local f
	for f in $(pkgfiles "$1"); do
		bsdtar -xOf "$f" +COMPACT_MANIFEST |
		    python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["name"] + "-" + m["version"])'
	done
}

# index_of REPO: the index file of a signed repository.
index_of() {
	if [ -e "$1/.latest" ]; then
		echo "$1/.latest/filesigs/index"
	else
		echo "$1/filesigs/index"
	fi
}

records_of() {
	echo "$(dirname "$(index_of "$1")")/records"
}

# record_file REPO NAME-VERSION: the record file the index names for it.
record_file() {
	local idx sum
	idx=$(index_of "$1")
	sum=$(awk -v nv="$2" '$1 == "P" && $2 "-" $3 == nv { print $9 }' "$idx")
	[ -n "$sum" ] || fail "no index line for $2"
	echo "$(records_of "$1")/$sum.rec"
}
