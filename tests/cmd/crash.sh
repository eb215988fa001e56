#!/usr/bin/env bash
# Crash safety: a re-sign killed with SIGKILL at many points of its run
# leaves the complete old signatures or the complete new ones, never a
# mixture; sign-repo verify and pkg-verify pass on what is left, and the
# next run completes and leaves no temporary file behind.
#
# The points are chosen from a traced run of the same re-sign: every
# file-system call it makes from the moment it opens filesigs/ (reads and
# closes thinned out), each the N-th call of its kind, so that
# strace -e inject=CALL:signal=KILL:when=N kills the process as it enters
# exactly that call.  -j 1 keeps the order of the calls fixed.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
	echo "strace is not installed; skipped"
	exit 77
fi

# The calls a point may be placed at; "?" for those an architecture lacks.
CALLS='openat,read,write,close,fsync,?fdatasync,?rename,renameat,?renameat2'
CALLS=$CALLS',unlinkat,utimensat,mkdirat,?symlink,symlinkat,?getdents64'
CALLS=$CALLS',flock'

keygen a
keygen b
keygen c
now=$(date +%s)
R=$T/root
installed_root "$R"

# The starting point: signed with a, then re-signed with b.  Every record
# file is made to look hours old, so that the next run also removes those
# that neither its index nor the one it replaces names (sign-repo keeps
# them for an hour after they were last current).
OLD=$T/old/141amd64-default
copy_repo "$POUDRIERE" "$OLD"
sign a "$OLD" -t $((now - 200))
sign b "$OLD" -t $((now - 100))
find "$(dirname "$(index_of "$OLD")")" -type f -exec touch -t 200001010000 {} +

sigs_of() {
	dirname "$(index_of "$1")"
}

# snap DIR OUT: "sha256  ./name" for every file of a filesigs directory.
snap() {
	(cd "$1" && find . -type f ! -name .lock -print0 |
	    xargs -0 -r sha256sum) | LC_ALL=C sort >"$2"
}

# pkgverify KEY REPO: pkg-verify -a of the sample root, every file OK.
pkgverify() {
	rm -f "$T/pv.state"
	run "$PKG_VERIFY" -s "$T/pv.state" -p "$T/$1.pub" -c "$2" -r "$R" -a
	[ "$RC" -eq 0 ] && [ ! -s "$T/out" ] &&
	    grep -q '25 checked, 0 problems' "$T/err"
}

# kill_points TRACE OUT: "CALL N what" for each chosen point of TRACE.
kill_points() {
	awk '
	{
		name = $2
		sub(/\(.*/, "", name)
		n[name]++
		if (!started && $0 ~ /"filesigs"/)
			started = 1
		if (!started || name == "+++" || name == "---" || name ~ /^</)
			next
		# The summary line on standard output is not a file.
		if (name == "write" && $2 ~ /^write\([12],/)
			next
		what = $0
		sub(/^[0-9]+ +/, "", what)
		print name, n[name], substr(what, 1, 100)
	}' "$1" >"$1.all"
	# Archives are read in many small reads, and most calls are closes:
	# keep eight of each, spread over the run.
	awk '
	NR == FNR { total[$1]++; next }
	{
		seen[$1]++
		if ($1 != "read" && $1 != "close")
			{ print; next }
		step = int((total[$1] + 7) / 8)
		if ((seen[$1] - 1) % step == 0)
			print
	}' "$1.all" "$1.all" >"$2"
}

# at_point MESSAGE: fail, naming the kill point of sweep().
at_point() {
	fail "$label: $call #$num ($what): $*"
}

# sweep LABEL KEY TIME OLDKEY SAMEPKGS [PREP]: re-sign a copy of $OLD with
# KEY at TIME (after PREP, a function run on the copy), killed at each
# point in turn.  SAMEPKGS=1 when the packages are those the old
# signatures cover, so that sign-repo verify must pass on the old ones
# too.
sweep() {
	local label=$1 key=$2 time=$3 oldkey=$4 same=$5 prep=${6:-}
	local ref=$T/$label.ref/141amd64-default w=$T/$label.w/141amd64-default
	local call num what state npoints=0 nold=0 nnew=0 f
	local idx_old idx_new idx_now

	snap "$(sigs_of "$OLD")" "$T/$label.old"
	copy_repo "$OLD" "$ref"
	[ -z "$prep" ] || "$prep" "$ref"
	run "$SIGN_REPO" sign -q -j 1 -k "$T/$key.sec" -t "$time" "$ref"
	[ "$RC" -eq 0 ] || fail "$label: reference run: exit $RC"
	snap "$(sigs_of "$ref")" "$T/$label.new"
	# What the new index needs: the record files it names and the key.
	awk '$1 == "P" { print "./records/" $9 ".rec" }
	    $1 == "key" { print "./keys/" $2 ".pub" }' "$(index_of "$ref")" |
	    sort | join -1 2 -2 1 -o 1.1,1.2 <(sort -k2 "$T/$label.new") - |
	    sed 's/ /  /' | LC_ALL=C sort >"$T/$label.need"
	cmp -s "$T/$label.old" "$T/$label.new" &&
	    fail "$label: old and new signatures are the same"
	# The digest lines of the index, which tell the two sets apart.
	idx_old=$(grep ' \./index$' "$T/$label.old")
	idx_new=$(grep ' \./index$' "$T/$label.new")

	copy_repo "$OLD" "$w"
	[ -z "$prep" ] || "$prep" "$w"
	strace -f -qq -o "$T/$label.trace" -e trace="$CALLS" \
	    "$SIGN_REPO" sign -q -j 1 -k "$T/$key.sec" -t "$time" "$w" \
	    >/dev/null 2>&1 || fail "$label: traced run failed"
	kill_points "$T/$label.trace" "$T/$label.points"

	while read -r call num what; do
		npoints=$((npoints + 1))
		copy_repo "$OLD" "$w"
		[ -z "$prep" ] || "$prep" "$w"
		RC=0
		{ strace -f -qq -o /dev/null \
		    -e inject="$call":signal=KILL:when="$num" \
		    "$SIGN_REPO" sign -q -j 1 -k "$T/$key.sec" -t "$time" \
		    "$w" >"$T/out" 2>"$T/err"; } 2>/dev/null || RC=$?
		[ "$RC" -eq 137 ] ||
		    at_point "exit $RC, not killed"
		snap "$(sigs_of "$w")" "$T/$label.now"
		# Old: everything there was is there, byte for byte; what else
		# there is belongs to the new set or is a temporary file.
		# New: the index and everything it needs is the new set's.
		idx_now=$(grep ' \./index$' "$T/$label.now" || true)
		if [ -n "$idx_now" ] && [ "$idx_now" = "$idx_old" ]; then
			state=old
			nold=$((nold + 1))
			f=$(comm -23 "$T/$label.old" "$T/$label.now")
			[ -z "$f" ] ||
			    at_point "old index, but changed: $f"
			f=$(comm -13 "$T/$label.old" "$T/$label.now" |
			    grep -v '/\.tmp\.' | comm -23 - "$T/$label.new")
			[ -z "$f" ] ||
			    at_point "old index, but strange files: $f"
		elif [ "$idx_now" = "$idx_new" ]; then
			state=new
			nnew=$((nnew + 1))
			f=$(comm -23 "$T/$label.new" "$T/$label.now")
			[ -z "$f" ] ||
			    at_point "new index, but missing: $f"
		else
			at_point "an index neither old nor new: $idx_now"
		fi
		if [ "$state" = new ] || [ "$same" = 1 ]; then
			k=$([ "$state" = new ] && echo "$key" || echo "$oldkey")
			run "$SIGN_REPO" verify -q -p "$T/$k.pub" "$w"
			[ "$RC" -eq 0 ] ||
			    at_point "$state signatures: sign-repo verify exit $RC"
		fi
		pkgverify "$([ "$state" = new ] && echo "$key" || echo "$oldkey")" \
		    "$w" ||
		    at_point "$state signatures: pkg-verify exit $RC"

		# The next run completes, whatever the killed one left.
		run "$SIGN_REPO" sign -q -j 1 -k "$T/$key.sec" -t "$time" "$w"
		[ "$RC" -eq 0 ] ||
		    at_point "the next run: exit $RC"
		f=$(find "$(sigs_of "$w")" -name '.tmp.*')
		[ -z "$f" ] ||
		    at_point "the next run left $f"
		# Its index is a newer one; everything else it needs is the new
		# set's, and anything more is left from the old set.
		snap "$(sigs_of "$w")" "$T/$label.now"
		f=$(comm -23 "$T/$label.need" "$T/$label.now")
		[ -z "$f" ] ||
		    at_point "the next run: missing $f"
		f=$(grep -v ' \./index$' "$T/$label.now" |
		    comm -23 - "$T/$label.new" | comm -23 - "$T/$label.old")
		[ -z "$f" ] ||
		    at_point "the next run: strange files $f"
		run "$SIGN_REPO" verify -q -p "$T/$key.pub" "$w"
		[ "$RC" -eq 0 ] ||
		    at_point "after the next run: sign-repo verify exit $RC"
		pkgverify "$key" "$w" ||
		    at_point "after the next run: pkg-verify exit $RC"
	done <"$T/$label.points"
	[ "$npoints" -ge 20 ] || fail "$label: only $npoints kill points"
	[ "$nold" -gt 0 ] && [ "$nnew" -gt 0 ] ||
	    fail "$label: $nold kills left the old set, $nnew the new one"
	f=$(cut -d' ' -f1 "$T/$label.points" | sort | uniq -c |
	    awk '{ printf "%s%s %s", s, $1, $2; s = ", " }')
	pass "$label: killed at $npoints points ($f): old set $nold times," \
	    "new set $nnew times, never a mixture"
}

# A new key: every record file is made afresh; a's go, b's stay.
subtest sweep newkey c "$now" b 1

# A package added, same key: one record file more, the rest reused.
add_package() {
	cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
	    "$(dirname "$(index_of "$1")")/../All/"
}
subtest sweep newpkg b "$now" b 0 add_package

done_testing
