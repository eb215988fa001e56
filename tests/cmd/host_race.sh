#!/usr/bin/env bash
# Races on the host: while pkg-verify -a checks a root over and over,
# another process swaps, as fast as it can, a signed file with a symbolic
# link to a genuine copy outside the root, and a signed directory with a
# link to a genuine copy of it outside the root (absolute and relative
# "../../.." links in turn), and back.  Reading either copy would give OK
# for content that is not in the root.  Every check runs under strace -y,
# which names the file behind each descriptor: pkg-verify must never hold
# a descriptor for anything outside the root, and an OK for the swapped
# file must come from reading it inside the root.  The verdicts may be
# anything that describes what was in the root at that moment, and both
# states must have been seen.  HOST_RACE_RUNS sets the number of checks.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
	echo "strace is not installed; skipped"
	exit 77
fi
RUNS=${HOST_RACE_RUNS:-100}

signed_setup
OUT=$T/outside
mkdir -p "$OUT"
cp -p "$R/usr/local/libexec/tinyconf-run" "$OUT/tinyconf-run"
cp -pR "$R/usr/local/share/tinyconf" "$OUT/tinyconf"
F=/usr/local/libexec/tinyconf-run
D=/usr/local/share/tinyconf

# Sanity: with the copies in place of the originals, a check that
# followed the links would say OK.
pv -p "$T/k.pub" -c "$REPO" -r "$R" -v "$F" "$D/schema.txt"
[ "$RC" -eq 0 ] || fail "untouched root: exit $RC"
cmp -s "$R$F" "$OUT/tinyconf-run" && cmp -s "$R$D/schema.txt" \
    "$OUT/tinyconf/schema.txt" || fail "the copies differ"

python3 - "$R" "$OUT" "$T/stop" >"$T/swaps" <<'PY' &
import os, random, sys, time
root, out, stop = sys.argv[1:4]
f = root + "/usr/local/libexec/tinyconf-run"
d = root + "/usr/local/share/tinyconf"
up = "../" * 16
real, sym, gen = (os.path.dirname(f) + "/.tinyconf-run." + s
    for s in ("real", "sym", "gen"))
dreal, dsym = (os.path.dirname(d) + "/.tinyconf." + s
    for s in ("real", "sym"))
os.link(f, real)
n = 0
while not os.path.exists(stop):
    n += 1
    pre = out if n % 2 else up + out.lstrip("/")
    # The file: a link out of the root renamed over it, then the genuine
    # file (a hard link to it) renamed back.
    # Each state lasts a moment, from nothing to a millisecond.
    os.symlink(pre + "/tinyconf-run", sym)
    os.replace(sym, f)
    time.sleep(random.random() / 1000)
    os.link(real, gen)
    os.replace(gen, f)
    time.sleep(random.random() / 1000)
    # The directory: moved aside, a link out of the root put in its
    # place, then moved back.
    os.symlink(pre + "/tinyconf", dsym)
    os.rename(d, dreal)
    os.rename(dsym, d)
    time.sleep(random.random() / 1000)
    os.unlink(d)
    os.rename(dreal, d)
    time.sleep(random.random() / 1000)
os.unlink(real)
print(n)
PY
SWAPPER=$!
trap 'touch "$T/stop"; wait "$SWAPPER" || true; rm -rf "$T"' EXIT

CALLS='openat,?open,?openat2,read,readlinkat,?newfstatat,?fstatat64,?statx'
# Each look at a file is held up a little on its way back, so that the
# file is often swapped between that look and the open that follows.
STATS='?newfstatat,?fstatat64,?statx'
: >"$T/verdicts"
for i in $(seq 1 "$RUNS"); do
	RC=0
	strace -f -qq -y -o "$T/trace" -e trace="$CALLS" \
	    -e inject="$STATS":delay_exit=300us \
	    "$PKG_VERIFY" -s "$T/state" -p "$T/k.pub" -c "$REPO" -r "$R" -a -v \
	    >"$T/out" 2>"$T/err" || RC=$?
	[ "$RC" -le 1 ] || fail "run $i: exit $RC"
	if grep -F "<$OUT" "$T/trace" >"$T/outside.lines"; then
		fail "run $i: a descriptor outside the root: $(head -3 "$T/outside.lines")"
	fi
	[ "$(wc -l <"$T/out")" -eq 25 ] ||
	    fail "run $i: $(wc -l <"$T/out") verdicts, expected 25"
	while read -r verdict path rest; do
		case "$path:$verdict" in
		"$F:OK")
			# Read from a descriptor inside the root.
			grep -Eq "^[0-9]+ +read\([0-9]+<$R/[^>]*tinyconf-run" \
			    "$T/trace" ||
			    fail "run $i: OK for $F, but it was not read in the root" ;;
		"$F:METADATA") ;;
		"$D:OK" | "$D:METADATA" | "$D:MISSING") ;;
		"$D/schema.txt:OK")
			# The directory may have been moved aside meanwhile.
			grep -Eq "^[0-9]+ +read\([0-9]+<$R/[^>]*/schema\.txt" \
			    "$T/trace" ||
			    fail "run $i: OK for $D/schema.txt, but it was not read in the root" ;;
		"$D/schema.txt:MISSING" | "$D/schema.txt:UNREADABLE") ;;
		"$F:"* | "$D:"* | "$D/schema.txt:"*)
			fail "run $i: $verdict $path $rest" ;;
		*:OK) ;;
		*)
			fail "run $i: $verdict $path $rest: not swapped, yet not OK" ;;
		esac
		case $path in
		"$F" | "$D" | "$D/schema.txt")
			echo "$verdict $path" >>"$T/verdicts" ;;
		esac
	done <"$T/out"
done
touch "$T/stop"
wait "$SWAPPER" || fail "the swapping loop failed"
trap 'rm -rf "$T"' EXIT
for want in "OK $F" "METADATA $F" "OK $D/schema.txt" "MISSING $D/schema.txt"; do
	grep -qxF "$want" "$T/verdicts" ||
	    fail "never \"$want\" in $RUNS runs: the race was not exercised"
done
summary=$(sort "$T/verdicts" | uniq -c |
    awk '{ printf "%s%s %s %s", s, $1, $2, $3; s = ", " }')
pass "$RUNS checks during $(cat "$T/swaps") swaps: nothing outside the" \
    "root opened; $summary"

# Left as it was, the root checks clean.
pv -p "$T/k.pub" -c "$REPO" -r "$R" -a
[ "$RC" -eq 0 ] || fail "after the swaps: exit $RC"
pass "after the swaps: all OK"

done_testing
