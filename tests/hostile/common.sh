# Shared by the scripts of tests/hostile; sourced, not run.
#
# Environment, as for the command tests: SIGN_REPO, PKG_VERIFY, FIXTURES.
# Each script gets its own temporary directory $T, removed on exit unless
# KEEP=1.  Results are printed as "ok N - ..." / "not ok N - ..." lines and
# a closing "N passed, N failed" line; the script exits 1 if any failed.

set -u
: "${SIGN_REPO:?SIGN_REPO must name the built sign-repo}"
: "${PKG_VERIFY:?PKG_VERIFY must name the built pkg-verify}"
: "${FIXTURES:?FIXTURES must name tests/fixtures}"

export LC_ALL=C.UTF-8
unset SOURCE_DATE_EPOCH

HOSTILE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX")
cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]+"${cleanup_hooks[@]}"}"; do
		eval "$h" || true
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

POUDRIERE=$FIXTURES/poudriere/141amd64-default
NPASS=0
NFAIL=0

ok() {
	NPASS=$((NPASS + 1))
	echo "ok $((NPASS + NFAIL)) - $*"
}

notok() {
	NFAIL=$((NFAIL + 1))
	echo "not ok $((NPASS + NFAIL)) - $*"
	if [ -s "$T/err" ]; then
		echo "# stderr:"
		head -c 2000 "$T/err" | sed 's/^/#   /'
	fi
}

# check CONDITION-COMMAND... -- DESCRIPTION is too clumsy in bash; tests
# call ok/notok themselves.

done_testing() {
	echo "$NPASS passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $RC.
run() {
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
}

# measure CMD...: like run, and TIME (seconds) and RSS (KB, peak) from
# /usr/bin/time when it is there.
measure() {
	local tf=$T/time.out
	RC=0
	TIME=? RSS=?
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$tf" -f '%e %M' "$@" >"$T/out" 2>"$T/err" || RC=$?
		if [ -s "$tf" ]; then
			read -r TIME RSS < <(tail -1 "$tf")
		fi
	else
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >"$T/out" 2>"$T/err" || RC=$?
		t1=$(date +%s.%N)
		TIME=$(echo "$t1 - $t0" | bc)
	fi
}

keygen() {
	"$SIGN_REPO" keygen -t "${2:-ed25519}" "$T/$1.sec" "$T/$1.pub" \
	    >/dev/null || { echo "keygen $1 failed" >&2; exit 2; }
}

copy_repo() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	cp -a "$1" "$2"
}

# The ids a root's etc/passwd and etc/group give root and nobody.
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

# installed_root DIR: the fixture's installed root, unpacked.
installed_root() {
	rm -rf "$1"
	mkdir -p "$1"
	bsdtar -xpf "$FIXTURES/installed-root.tar" -C "$1" ||
	    { echo "cannot unpack installed-root.tar" >&2; exit 2; }
	[ "$(id -u)" -eq 0 ] || write_ids "$1"
	if [ "$(id -u)" -ne 0 ] && [ -e "$1/usr/local/sbin/hello-suid" ]; then
		chmod 4755 "$1/usr/local/sbin/hello-suid"
	fi
}

# sigdir REPO: the filesigs directory sign-repo writes for REPO.
sigdir() {
	if [ -e "$1/.latest" ]; then
		echo "$1/.latest/filesigs"
	else
		echo "$1/filesigs"
	fi
}

# snapshot DIR OUT: a listing of every file under DIR with its SHA-256.
snapshot() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z |
	    xargs -0 -r sha256sum) >"$2"
}

# tmpfiles DIR: the temporaries sign-repo left under DIR, one a line.
tmpfiles() {
	find "$1" -name '.tmp.*' 2>/dev/null
}
