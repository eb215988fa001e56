#!/usr/bin/env bash
# Build the libFuzzer targets with clang and the sanitizers, check the
# saved regression inputs, then fuzz each target for a bounded time.
#
#   fuzz/run.sh [target...]          default: every target
#
# Environment:
#   FUZZ_SECONDS   time per target (default 60), libFuzzer -max_total_time
#   FUZZ_BUILD     build directory (default build-fuzz)
#   FUZZ_WORK      corpora grown by the runs, crash artifacts and logs
#                  (default $FUZZ_BUILD/fuzz-work); fuzz/corpus is only read
#   FUZZ_FORK      N > 0: libFuzzer -fork=N -ignore_crashes=1, so a target
#                  goes on after a crash and collects every one it finds
#   FUZZ_NO_BUILD  1: use the build as it is
#   FUZZ_SKIP_REGRESSIONS  1: do not replay fuzz/regressions first
#
# fuzz/regressions/<target>/ holds inputs that once crashed a target or
# broke one of its invariants; each is replayed strictly first (no UBSan
# suppression, FUZZ_STRICT=1) and must not fail.  While a reported bug is
# still open its input fails here: the summary says so, and FUZZ_FORK=1
# lets the fuzzing itself go past such a crash.
#
# Prints, per target, the executions and the crashes; exits 1 if any
# regression input or fuzzing run crashed (or broke an invariant), 2 if
# the build failed.
set -u
cd "$(dirname "$0")/.."
SRC=$(pwd)
ALL="fuzz_archive fuzz_manifest fuzz_record fuzz_index fuzz_fingerprint"
TARGETS=${*:-$ALL}
SECS=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD:-build-fuzz}
W=${FUZZ_WORK:-$B/fuzz-work}
FORK=${FUZZ_FORK:-0}

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
	if [ ! -f "$B/build.ninja" ]; then
		mkdir -p "$B"
		CC=clang meson setup "$B" -Dfuzz=true -Dtests=false \
		    -Db_sanitize=address,undefined -Db_lundef=false \
		    >"$B/setup.log" 2>&1 ||
		    { cat "$B/setup.log" >&2; echo "run.sh: meson setup failed" >&2; exit 2; }
	fi
	ninja -C "$B" $(for t in $TARGETS; do echo "fuzz/$t"; done) >/dev/null ||
	    { ninja -C "$B" $(for t in $TARGETS; do echo "fuzz/$t"; done); exit 2; }
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
# Regression inputs are replayed strictly: no suppression, every invariant.
STRICT_UBSAN="print_stacktrace=1:halt_on_error=1"
# Fuzzing goes past the known findings listed in fuzz/ubsan.supp.
FUZZ_UBSAN="$STRICT_UBSAN:suppressions=$SRC/fuzz/ubsan.supp"

max_len() {
	case $1 in
	fuzz_archive|fuzz_manifest) echo 65536 ;;
	fuzz_index) echo 16384 ;;
	fuzz_record) echo 4096 ;;
	*) echo 1024 ;;
	esac
}

status=0
summary=
for t in $TARGETS; do
	bin=$B/fuzz/$t
	[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 2; }
	mkdir -p "$W/corpus/$t" "$W/artifacts/$t" "$W/logs"
	reg_bad=0
	if [ "${FUZZ_SKIP_REGRESSIONS:-0}" != 1 ] && [ -d fuzz/regressions/$t ]; then
		for f in fuzz/regressions/$t/*; do
			[ -f "$f" ] || continue
			if ! FUZZ_STRICT=1 UBSAN_OPTIONS=$STRICT_UBSAN \
			    timeout 120 "$bin" "$f" >"$W/logs/$t.regression.log" 2>&1; then
				echo "$t: regression input still fails: $f" >&2
				grep -m1 -E 'ERROR: |runtime error|INVARIANT' \
				    "$W/logs/$t.regression.log" >&2 || true
				reg_bad=$((reg_bad + 1))
			fi
		done
	fi
	log=$W/logs/$t.log
	before=$(ls "$W/artifacts/$t" | wc -l)
	args=(-max_total_time="$SECS" -timeout=25 -rss_limit_mb=2560
	    -max_len="$(max_len "$t")" -print_final_stats=1
	    -artifact_prefix="$W/artifacts/$t/")
	[ "$FORK" -gt 0 ] && args+=(-fork="$FORK" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	t0=$(date +%s)
	UBSAN_OPTIONS=$FUZZ_UBSAN "$bin" "${args[@]}" "$W/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
	crashes=$(( $(ls "$W/artifacts/$t" | wc -l) - before ))
	line="$t: ${execs:-0} execs in $((t1 - t0)) s, exit $rc, $crashes new artifact(s), $reg_bad failing regression input(s)"
	echo "$line"
	summary="$summary$line"$'\n'
	if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ] || [ "$reg_bad" -gt 0 ]; then
		status=1
		grep -E 'ERROR: |runtime error|INVARIANT|SUMMARY' "$log" | sort | uniq -c | head -10
		ls "$W/artifacts/$t" | sed "s|^|  $W/artifacts/$t/|" | tail -10
	fi
done
printf '\n%s' "$summary"
exit $status
