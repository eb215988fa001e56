#!/usr/bin/env bash
# Readers while the signatures are replaced.  pkg-verify -a runs over and
# over while sign-repo signs the repository again and again, with three
# keys in turn, so that every run replaces the index and every record
# file.  Each check must find every file OK against whichever index it
# read: never a mixture, never a half-written file, never a record file
# removed under it.  Some checks are slowed down (strace delays each open)
# so that each spans several re-signs.  Then, deterministically: a reader
# stopped just before it loads its first record file, while the
# repository is signed twice, still finds it; and when the record file
# has been out of use for longer than sign-repo keeps it, the reader
# fails closed, saying that the signatures were replaced.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
	echo "strace is not installed; skipped"
	exit 77
fi

keygen b
keygen c
signed_setup a
PINS=(-p "$T/a.pub" -p "$T/b.pub" -p "$T/c.pub")
RECS=$(records_of "$REPO")
KEYS=(b c a)
echo 0 >"$T/nsigned"

# Sign again and again, until $T/stop appears; the count in $T/nsigned.
# Each write is held up a little, so that a reader would often find a
# file half written if one were written in place.
signer_loop() {
	local i=0 k
	while [ ! -e "$T/stop" ]; do
		k=${KEYS[$((i % 3))]}
		strace -f -qq -o /dev/null -e inject=write:delay_enter=5ms \
		    "$SIGN_REPO" sign -q -k "$T/$k.sec" "$REPO" >/dev/null \
		    2>"$T/sign.err" ||
		    echo "re-sign $i with $k: exit $?: $(cat "$T/sign.err")" \
		    >>"$T/signfail"
		i=$((i + 1))
		echo "$i" >"$T/nsigned.new"
		mv "$T/nsigned.new" "$T/nsigned"
	done
}

SIGNER=
stop_signer() {
	if [ -n "$SIGNER" ]; then
		touch "$T/stop"
		wait "$SIGNER" || true
		SIGNER=
	fi
}
trap 'stop_signer; rm -rf "$T"' EXIT

# check N [WRAPPER...]: one pkg-verify -a of the root, with a state file
# of its own; SPAN is the number of re-signs completed meanwhile.
check() {
	local n=$1 before after
	shift
	rm -f "$T/state"
	before=$(cat "$T/nsigned")
	RC=0
	"$@" "$PKG_VERIFY" -s "$T/state" "${PINS[@]}" -c "$REPO" -r "$R" -a \
	    >"$T/out" 2>"$T/err" || RC=$?
	after=$(cat "$T/nsigned")
	SPAN=$((after - before))
	[ "$RC" -eq 0 ] ||
	    fail "check $n, during re-signs $before to $after: exit $RC"
	[ ! -s "$T/out" ] || fail "check $n: findings"
	expect_err "25 checked, 0 problems" "check $n"
	# The index it accepted, as its state file remembers it.
	sed -n 's/.*"index": *"\([0-9a-f]*\)".*/\1/p' "$T/state" \
	    >>"$T/indexes"
}

slow=(strace -f -qq -o /dev/null -e inject=openat:delay_enter=3ms)

signer_loop &
SIGNER=$!
for i in $(seq 1 40); do
	check "$i"
done
maxspan=0
for i in 1 2 3 4; do
	check "slow $i" "${slow[@]}"
	[ "$SPAN" -le "$maxspan" ] || maxspan=$SPAN
done
stop_signer
[ ! -s "$T/signfail" ] || { cat "$T/signfail" >&2; fail "a re-sign failed"; }
nsigned=$(cat "$T/nsigned")
[ "$(wc -l <"$T/indexes")" -eq 44 ] || fail "a check accepted no index"
nindexes=$(sort -u "$T/indexes" | wc -l)
[ "$nindexes" -ge 3 ] || fail "the checks saw only $nindexes indexes"
[ "$maxspan" -ge 2 ] ||
    fail "the slow checks spanned at most $maxspan re-signs"
pass "44 checks during $nsigned re-signs: all OK, $nindexes indexes" \
    "seen, a slow check spanned $maxspan re-signs"

# The ordinal of the first open of a record file in a check, for strace's
# when=.
strace -f -qq -o "$T/trace" -e trace=openat "$PKG_VERIFY" -s "$T/state.t" \
    "${PINS[@]}" -c "$REPO" -r "$R" -a >/dev/null 2>&1 ||
    fail "traced check failed"
nth=$(awk '/\.rec"/ { print NR; exit }' "$T/trace")
[ -n "$nth" ] || fail "no record file opened in the traced check"

# stopped_check CMD...: a check that stops for 6 s as it opens its first
# record file (strace prints the call as it enters it, before the delay),
# while CMD runs; its status in RC.
stopped_check() {
	local pid i t0
	rm -f "$T/state" "$T/stopped"
	strace -f -qq -o "$T/stopped" -e trace=openat \
	    -e inject=openat:delay_enter=6s:when="$nth" \
	    "$PKG_VERIFY" -s "$T/state" "${PINS[@]}" -c "$REPO" -r "$R" -a \
	    >"$T/out" 2>"$T/err" &
	pid=$!
	for i in $(seq 1 200); do
		grep -q '\.rec"' "$T/stopped" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '\.rec"' "$T/stopped" || fail "the check did not stop"
	t0=$(date +%s)
	"$@"
	[ $(($(date +%s) - t0)) -lt 5 ] ||
	    fail "$*: too slow to finish while the check was stopped"
	RC=0
	wait "$pid" || RC=$?
}

resign() {
	"$SIGN_REPO" sign -q -k "$T/$1.sec" "$REPO" ||
	    fail "re-sign with $1 failed"
}

# The current index is b's (KEYS[(nsigned - 1) % 3]); sign with c, then a.
cur=${KEYS[$(((nsigned - 1) % 3))]}
[ "$(awk '$1 == "key" { print $2 }' "$(index_of "$REPO")")" = \
    "$(sha256sum <"$T/$cur.pub" | cut -d' ' -f1)" ] ||
    fail "the index is not $cur's"
old=$(awk '$1 == "P" { print $9 }' "$(index_of "$REPO")" | sort)
twice() {
	resign a
	resign c
}
stopped_check twice
[ "$RC" -eq 0 ] || fail "stopped check, two re-signs: exit $RC"
expect_err "25 checked, 0 problems" "stopped check, two re-signs"
for h in $old; do
	[ -f "$RECS/$h.rec" ] || fail "record file $h.rec removed"
done
pass "a check stopped while the repository is signed twice: all OK"

# The same, but the record files have not been current for a long time
# when the second re-sign comes, as if the reader were slower than
# sign-repo's grace period: they are removed, and the reader says why.
old=$(awk '$1 == "P" && $10 > 0 { print $9 }' "$(index_of "$REPO")" | sort)
twice_aged() {
	resign b
	touch -t 200001010000 "$RECS"/*.rec
	resign a
}
stopped_check twice_aged
[ "$RC" -eq 2 ] || fail "stopped check, records removed: exit $RC"
expect_err "signatures were replaced while they were read; check again" \
    "stopped check, records removed"
[ ! -s "$T/out" ] || fail "stopped check, records removed: findings"
for h in $old; do
	[ ! -e "$RECS/$h.rec" ] || fail "record file $h.rec kept"
done
pass "a record file removed under a slow reader: exit 2, \"check again\""

# And checked again, it passes.
pv "${PINS[@]}" -c "$REPO" -r "$R" -a
[ "$RC" -eq 0 ] || fail "checked again: exit $RC"
pass "checked again: OK"

done_testing
