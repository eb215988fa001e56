#!/usr/bin/env bash
# The benchmark of sign-repo and pkg-verify.  Prints one markdown table on
# standard output (progress goes to standard error); each row names the
# command that produced it.  See bench/README.md.
#
#   bench/run.sh [--quick] [--sums blake2|sha256] [--compress zstd|xz]
#                [--count N] [--roots DIR,...] [--big-gib G] [--no-cold]
#                [--keep] [--corpus-only]
#
# Environment: SIGN_REPO and PKG_VERIFY name the binaries to measure
# (default: a release build of this tree in bench/.build); JOBS is the N
# of -jN (default: nproc).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$BENCH")
QUICK=0
SUMS=blake2
COMPRESS=zstd
COUNT=
ROOTS=
BIGGIB=
COLD=1
KEEP=0
CORPUS_ONLY=0

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--sums) SUMS=$2; shift ;;
	--compress) COMPRESS=$2; shift ;;
	--count) COUNT=$2; shift ;;
	--roots) ROOTS=$2; shift ;;
	--big-gib) BIGGIB=$2; shift ;;
	--no-cold) COLD=0 ;;
	--keep) KEEP=1 ;;
	--corpus-only) CORPUS_ONLY=1 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case $SUMS in blake2|sha256) ;; *) echo "run.sh: --sums blake2|sha256" >&2; exit 2 ;; esac
case $COMPRESS in zstd|xz) ;; *) echo "run.sh: --compress zstd|xz" >&2; exit 2 ;; esac

if [ $QUICK = 1 ]; then
	MODE=quick
	: "${COUNT:=60}" "${BIGGIB:=1}" "${ROOTS:=/usr/bin,/usr/sbin,/usr/libexec,/usr/include}"
else
	MODE=full
	: "${COUNT:=300}" "${BIGGIB:=2}"
	: "${ROOTS:=/usr/bin,/usr/sbin,/usr/lib,/usr/libexec,/usr/include,/usr/share}"
fi
NPROC=$(nproc)
JOBS=${JOBS:-$NPROC}

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---------------------------------------------------------------- tools

need=()
[ -x /usr/bin/time ] || need+=(time)
command -v bsdtar >/dev/null || need+=(libarchive-tools)
command -v zstd >/dev/null || need+=(zstd)
command -v xz >/dev/null || need+=(xz-utils)
command -v signify-openbsd >/dev/null || need+=(signify-openbsd)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	[ "$(id -u)" = 0 ] || die "need ${need[*]} (run as root to install)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2 ||
	    { apt-get update -qq >&2 &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2; }
fi

if [ -z "${SIGN_REPO:-}" ] || [ -z "${PKG_VERIFY:-}" ]; then
	say "building a release build in bench/.build"
	if [ ! -f "$BENCH/.build/build.ninja" ]; then
		meson setup "$BENCH/.build" "$TOP" --buildtype=release \
		    -Dtests=false >&2
	fi
	ninja -C "$BENCH/.build" >&2
	SIGN_REPO=$BENCH/.build/signer/sign-repo
	PKG_VERIFY=$BENCH/.build/verifier/pkg-verify
	BUILT="meson setup bench/.build --buildtype=release -Dtests=false && ninja -C bench/.build"
else
	BUILT="SIGN_REPO=$SIGN_REPO PKG_VERIFY=$PKG_VERIFY"
fi
SIGN_REPO=$(realpath "$SIGN_REPO")
PKG_VERIFY=$(realpath "$PKG_VERIFY")
SCHEMA=$TOP/tests/fixtures/expected/local.sqlite.schema.sql
[ -f "$SCHEMA" ] || die "$SCHEMA: missing"

# --------------------------------------------------------------- corpus

mkdir -p "$BENCH/.corpus"
# A corpus is rebuilt when the scripts that made it (or its roots) change.
BSTAMP=$(cat "$BENCH/mkcorpus.py" "$BENCH/mkroot.py" | sha256sum | cut -c1-16)
STAMP=$(echo "$BSTAMP $ROOTS" | sha256sum | cut -c1-16)
TAG=$MODE-n$COUNT-$SUMS-$COMPRESS-${STAMP:0:8}
CORPUS=$BENCH/.corpus/$TAG
ROOTDIR=$BENCH/.corpus/$TAG.root
BIG=$BENCH/.corpus/big-${BIGGIB}GiB-$SUMS-$COMPRESS
MKCORPUS="bench/mkcorpus.py corpus --count $COUNT --sums $SUMS --compress $COMPRESS --roots $ROOTS"
MKBIG="bench/mkcorpus.py big --big-file-gib $BIGGIB --sums $SUMS --compress $COMPRESS"
MKROOT="bench/mkroot.py corpus root tests/fixtures/expected/local.sqlite.schema.sql"

fresh() { [ -f "$1/.done" ] && [ "$(cat "$1/.done")" = "${2:-$STAMP}" ]; }
if ! fresh "$CORPUS"; then
	say "building the corpus $CORPUS (once; reused afterwards)"
	rm -rf "$CORPUS" "$ROOTDIR"
	python3 "$BENCH/mkcorpus.py" "$CORPUS" --count "$COUNT" --sums "$SUMS" \
	    --compress "$COMPRESS" --roots "$ROOTS" >"$CORPUS.log"
	cat "$CORPUS.log" >&2
	echo "$STAMP" >"$CORPUS/.done"
fi
if ! fresh "$BIG" "$BSTAMP"; then
	say "building the big-file package $BIG (once)"
	rm -rf "$BIG"
	python3 "$BENCH/mkcorpus.py" "$BIG" --big-file-gib "$BIGGIB" \
	    --sums "$SUMS" --compress "$COMPRESS" >&2
	echo "$BSTAMP" >"$BIG/.done"
fi
if ! fresh "$ROOTDIR"; then
	say "installing the corpus into $ROOTDIR (once)"
	rm -rf "$ROOTDIR"
	python3 "$BENCH/mkroot.py" "$CORPUS" "$ROOTDIR" "$SCHEMA" >"$ROOTDIR.log"
	cat "$ROOTDIR.log" >&2
	echo "$STAMP" >"$ROOTDIR/.done"
fi
[ $CORPUS_ONLY = 0 ] || exit 0

WORK=$(mktemp -d "$BENCH/.corpus/work.XXXXXX")
cleanup() {
	if [ $KEEP = 1 ]; then
		say "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
cd "$WORK"
mkdir bin
ln -s "$SIGN_REPO" bin/sign-repo
ln -s "$PKG_VERIFY" bin/pkg-verify
ln -s "$CORPUS" corpus
ln -s "$BIG" big
ln -s "$ROOTDIR" root
export PATH=$WORK/bin:$PATH
PKGS=corpus/.real_1/All/*.pkg

case $COMPRESS in
zstd) DEC="zstd -dcq" ;;
xz) DEC="xz -dcq -T1" ;;
esac

# ------------------------------------------------------------ measuring

declare -A WALL CPU USR RSS SHOW
ROWS=()

# timed NAME COMMAND: run the shell COMMAND in the work directory under
# /usr/bin/time -v; its output is kept in o.NAME and e.NAME.
timed() {
	local name=$1 cmd=$2
	SHOW[$name]=$cmd
	say "$name: $cmd"
	if ! /usr/bin/time -v -o "t.$name" bash -c "$cmd" >"o.$name" 2>"e.$name"; then
		cat "e.$name" >&2
		die "$name failed: $cmd"
	fi
	parse_time "$name" "t.$name"
}

# timed_tail NAME PRODUCER CONSUMER: time only the CONSUMER of a pipe.
timed_tail() {
	local name=$1 prod=$2 cons=$3
	SHOW[$name]="$prod | $cons"
	say "$name: ${SHOW[$name]}"
	if ! bash -c "set -o pipefail; $prod | /usr/bin/time -v -o t.$name $cons" \
	    >"o.$name" 2>"e.$name"; then
		cat "e.$name" >&2
		die "$name failed: ${SHOW[$name]}"
	fi
	parse_time "$name" "t.$name"
}

parse_time() {
	WALL[$1]=$(awk -F': ' '/Elapsed \(wall clock\)/ {
	    n = split($2, a, ":"); s = 0
	    for (i = 1; i <= n; i++) s = s * 60 + a[i]
	    printf "%.2f", s }' "$2")
	CPU[$1]=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
	    END { printf "%.2f", u + s }' "$2")
	USR[$1]=$(awk -F': ' '/User time/ { printf "%.2f", $2 }' "$2")
	RSS[$1]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$2")
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }
mib() { calc "%.1f" "${RSS[$1]} / 1024"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# row MEASUREMENT VALUE TARGET STATUS COMMAND
row() {
	local cmd=${5//|/\\|}
	ROWS+=("| $1 | ${2//|/\\|} | $3 | $4 | ${cmd:+\`$cmd\`} |")
}

# verdict VALUE OP TARGET: "met", or "MISSED by ..." (OP is <= or >=).
verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	    ok = (op == "<=") ? v <= t : v >= t
	    if (ok) { print "met"; exit }
	    d = (op == "<=") ? v - t : t - v
	    printf "**MISSED** by %.3g (%.0f%%)\n", d, 100 * d / t }'
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# sign-repo's summary: "sign-repo: P packages (R reused), F files, B bytes
# hashed, S signatures, D bytes of signature data, T s".
summary_field() {
	grep -oE "[0-9]+ $2" "o.$1" | head -1 | awk '{ print $1 }'
}

# --------------------------------------------------------------- setup

COLD_OK=0
if [ $COLD = 1 ] && [ -w /proc/sys/vm/drop_caches ] && drop_caches 2>/dev/null; then
	COLD_OK=1
fi
LOAD0=$(load)
sign-repo keygen key key.pub >/dev/null
PKGBYTES=$(cat $PKGS | wc -c)
NPKGS=$(ls $PKGS | wc -l)
CPUMODEL=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)

row "machine" "$NPROC CPUs ($CPUMODEL), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); -jN means -j$JOBS" "" "" "nproc; grep 'model name' /proc/cpuinfo"
row "binaries" "sign-repo, pkg-verify of $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$TOP" diff --quiet HEAD -- lib signer verifier include 2>/dev/null || echo ' with local changes'); $(openssl version)" "" "" "$BUILT"
row "corpus" "$NPKGS packages, $(calc "%.1f" "$PKGBYTES / 1e6") MB of .pkg ($COMPRESS), sums $SUMS, from $ROOTS; $(sed 's/^mkcorpus: //' "$CORPUS.log")" "" "" "$MKCORPUS"

# ---------------------------------------------------------------- sign

cat $PKGS >/dev/null        # warm the page cache
cp -al "$CORPUS" s1
cp -al "$CORPUS" sN
timed sign1 "sign-repo sign -k key -j1 s1"
timed signN "sign-repo sign -k key -j$JOBS sN"

FILES=$(summary_field sign1 files)
HASHED=$(summary_field sign1 "bytes hashed")
SIGS=$(summary_field sign1 signatures)
[ -n "$FILES" ] && [ -n "$HASHED" ] && [ -n "$SIGS" ] ||
    die "cannot read sign-repo's summary: $(cat o.sign1)"
for d in s1 sN; do
	[ "$(grep -c '^P ' $d/.real_1/filesigs/index)" = "$NPKGS" ] ||
	    die "$d: the index does not list all $NPKGS packages"
done

sign_row() {
	local n=$1 label=$2
	row "$label" "wall ${WALL[$n]} s, CPU ${CPU[$n]} s; $(calc "%.0f" "$PKGBYTES / 1e6 / ${WALL[$n]}") MB/s of .pkg, $(calc "%.0f" "$HASHED / 1e6 / ${WALL[$n]}") MB/s of content ($(calc "%.0f" "$HASHED / 1e6") MB), $(calc "%.0f" "$FILES / ${WALL[$n]}") files/s ($FILES), $(calc "%.0f" "$SIGS / ${WALL[$n]}") signatures/s ($SIGS); peak RSS $(mib "$n") MiB" "" "" "${SHOW[$n]}"
}
sign_row sign1 "sign-repo sign -j1"
sign_row signN "sign-repo sign -j$JOBS"

# ---------------------------------------------------------- reference

# The work sign-repo cannot avoid, with standard tools, on the same
# archives: decompressing them, hashing every file's content with the
# digests sign-repo computes (SHA-256 for the records, BLAKE2b-512 to
# check pkg's "2$" sums) and hashing each archive (SHA-256, for the
# index).  Decompression counts user and system time (it reads the
# archives, as sign-repo does); the hashers count user time only, so the
# pipes that feed them add nothing.  See bench/README.md.
CONTENT="for p in $PKGS; do bsdtar -xOPf \$p --exclude '+*'; done"
CBYTES=$(bash -c "$CONTENT" | wc -c)
[ "$CBYTES" = "$HASHED" ] ||
    die "content is $CBYTES bytes, sign-repo hashed $HASHED"
timed dec "$DEC $PKGS >/dev/null"
timed_tail sha "$CONTENT" "openssl dgst -sha256"
timed asha "openssl dgst -sha256 $PKGS >/dev/null"
REF=$(calc "%.2f" "${CPU[dec]} + ${USR[sha]}")
REFWHAT="decompress + SHA-256"
if [ $SUMS = blake2 ]; then
	timed_tail b2 "$CONTENT" "openssl dgst -blake2b512"
	REF=$(calc "%.2f" "$REF + ${USR[b2]}")
	REFWHAT="$REFWHAT + BLAKE2b-512"
fi
REFA=$(calc "%.2f" "$REF + ${USR[asha]}")
row "reference: decompress" "CPU ${CPU[dec]} s (wall ${WALL[dec]} s), $(calc "%.0f" "$HASHED / 1e6 / ${CPU[dec]}") MB/s of content" "" "" "${SHOW[dec]}"
row "reference: SHA-256 of the content" "user CPU ${USR[sha]} s, $(calc "%.0f" "$HASHED / 1e6 / ${USR[sha]}") MB/s (openssl only; $HASHED bytes, as sign-repo hashed)" "" "" "${SHOW[sha]}"
if [ $SUMS = blake2 ]; then
	row "reference: BLAKE2b-512 of the content" "user CPU ${USR[b2]} s, $(calc "%.0f" "$HASHED / 1e6 / ${USR[b2]}") MB/s (openssl only)" "" "" "${SHOW[b2]}"
fi
row "reference: SHA-256 of the archives" "user CPU ${USR[asha]} s (${CPU[asha]} s with reading them)" "" "" "${SHOW[asha]}"
R=$(calc "%.3f" "${CPU[sign1]} / $REFA")
row "sign-repo -j1 CPU / reference CPU ($REFWHAT + archive SHA-256 = $REFA s)" "$R ($(calc "%.3f" "${CPU[sign1]} / $REF") against $REF s without the archive digest)" "<= 1.25" "$(verdict "$R" "<=" 1.25)" "${SHOW[sign1]}"
R=$(calc "%.3f" "${WALL[signN]} / ${WALL[sign1]}")
row "sign-repo -j$JOBS wall / -j1 wall" "$R" "<= 0.6" "$(verdict "$R" "<=" 0.6)" "${SHOW[signN]}"

# ------------------------------------------------------ signature data

sigsize() {     # stored, gzip -9 and zstd -19 bytes of the index and records
	local d=$1 st=0 gz=0 zs=0 f
	for f in "$d/index" "$d"/records/*.rec; do
		st=$((st + $(wc -c <"$f")))
		gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
		zs=$((zs + $(zstd -19 -q -c "$f" | wc -c)))
	done
	echo "$st $gz $zs"
}
read -r SST SGZ SZS < <(sigsize sN/.latest/filesigs)
SHOWSIG="for f in sN/.latest/filesigs/{index,records/*.rec}; do wc -c <\$f; gzip -9 -c \$f | wc -c; zstd -19 -c \$f | wc -c; done (summed)"
row "signature data as stored (index + records)" "$SST bytes: $(calc "%.1f" "$SST / $FILES") bytes/file, $(calc "%.0f" "$SST / $NPKGS") bytes/package; floor 96 bytes/file (Ed25519 signature 64 + SHA-256 32)" "" "" "$SHOWSIG"
V=$(calc "%.1f" "$SGZ / $FILES")
row "signature data served, each file gzip -9" "$SGZ bytes: $V bytes/file, $(calc "%.0f" "$SGZ / $NPKGS") bytes/package" "<= 130 bytes/file" "$(verdict "$V" "<=" 130)" "$SHOWSIG"
V=$(calc "%.1f" "$SZS / $FILES")
row "signature data served, each file zstd -19" "$SZS bytes: $V bytes/file, $(calc "%.0f" "$SZS / $NPKGS") bytes/package" "<= 130 bytes/file" "$(verdict "$V" "<=" 130)" "$SHOWSIG"

# --------------------------------------------------------- pkg-verify

# The regular files of the root (symlinks are not hashed by the other
# tools).  Names with a backslash, which sha256sum escapes, and with
# parentheses, which signify cannot parse, are left out.
find root/usr -type f -print0 | sort -z | grep -zv '[\\()]' >files0
NREG=$(tr -cd '\0' <files0 | wc -c)
REGBYTES=$(xargs -0 stat -c %s <files0 | awk '{ s += $1 } END { print s }')
xargs -0 sha256sum <files0 >SUMS
awk '{ print "SHA256 (" substr($0, 67) ") = " $1 }' SUMS >SHA256
signify-openbsd -G -n -p sig.pub -s sig.sec
signify-openbsd -S -e -s sig.sec -m SHA256 -x SHA256.sig

# One unmeasured run, which also checks that everything verifies.
pkg-verify -a -r root -s state -p key.pub -c sN -j"$JOBS" >o.vcheck 2>e.vcheck ||
    { cat o.vcheck e.vcheck >&2; die "pkg-verify found problems"; }
CHECKED=$(grep -oE '[0-9]+ checked' e.vcheck | awk '{ print $1 }')
say "$(cat e.vcheck)"

VERIFY="pkg-verify -a -r root -s state -p key.pub -c sN -q"
verify_set() {  # verify_set cold|warm
	local c=$1 pre=:
	[ "$c" = cold ] && pre=drop_caches
	$pre; timed "v1$c" "$VERIFY -j1"
	$pre; timed "vN$c" "$VERIFY -j$JOBS"
	$pre; timed "ossl$c" "xargs -0 openssl dgst -sha256 <files0 >/dev/null"
	$pre; timed "sum$c" "sha256sum -c --quiet SUMS"
	$pre; timed "sfy$c" "signify-openbsd -C -p sig.pub -x SHA256.sig >/dev/null"
}
declare -A LABEL=([ossl]="openssl dgst -sha256" [sum]="sha256sum -c"
    [sfy]="signify-openbsd -C")
verify_rows() {
	local c=$1 n
	for n in "v1$c" "vN$c"; do
		row "pkg-verify -a ${SHOW[$n]##* } ($c cache)" "wall ${WALL[$n]} s, CPU ${CPU[$n]} s; $(calc "%.0f" "$REGBYTES / 1e6 / ${WALL[$n]}") MB/s, $(calc "%.0f" "$CHECKED / ${WALL[$n]}") files/s ($CHECKED checked); peak RSS $(mib "$n") MiB" "" "" "${SHOW[$n]}"
	done
	for n in "ossl$c" "sum$c" "sfy$c"; do
		row "${LABEL[${n%"$c"}]}, the same $NREG regular files ($c cache)" "wall ${WALL[$n]} s, CPU ${CPU[$n]} s; $(calc "%.0f" "$REGBYTES / 1e6 / ${WALL[$n]}") MB/s" "" "" "${SHOW[$n]}"
	done
	R=$(calc "%.3f" "${WALL[v1$c]} / ${WALL[ossl$c]}")
	row "pkg-verify -j1 wall / openssl wall ($c cache)" "$R (-j$JOBS: $(calc "%.3f" "${WALL[vN$c]} / ${WALL[ossl$c]}"))" "<= 1.2" "$(verdict "$R" "<=" 1.2)" ""
	R=$(calc "%.3f" "${WALL[sum$c]} / ${WALL[v1$c]}")
	row "sha256sum -c wall / pkg-verify -j1 wall ($c cache)" "$R (-j$JOBS: $(calc "%.3f" "${WALL[sum$c]} / ${WALL[vN$c]}"))" ">= 3" "$(verdict "$R" ">=" 3)" ""
	R=$(calc "%.3f" "${WALL[sfy$c]} / ${WALL[v1$c]}")
	row "signify -C wall / pkg-verify -j1 wall ($c cache)" "$R (-j$JOBS: $(calc "%.3f" "${WALL[sfy$c]} / ${WALL[vN$c]}"))" "" "" ""
}
if [ $COLD_OK = 1 ]; then
	verify_set cold
fi
# Warm the page cache: the files, the records and the pkg database.
xargs -0 cat <files0 >/dev/null
cat sN/.real_1/filesigs/records/* root/var/db/pkg/local.sqlite SUMS SHA256 >/dev/null
verify_set warm
if [ $COLD_OK = 1 ]; then
	verify_rows cold
else
	row "cold cache" "not measured: cannot drop the page cache here" "" "" "sync; echo 3 >/proc/sys/vm/drop_caches"
fi
verify_rows warm
for n in v1warm vNwarm; do
	T=$(calc "%.1f" "64 + 300 * $CHECKED / 1048576")
	V=$(mib "$n")
	row "peak RSS of pkg-verify -a ${SHOW[$n]##* }" "$V MiB ($CHECKED files checked)" "<= $T MiB (64 MiB + 300 B/file)" "$(verdict "$V" "<=" "$T")" "${SHOW[$n]}"
done

# ---------------------------------------------------------- incremental

VICTIM=$(ls s1/.real_1/All/*.pkg | sed -n "$(( (NPKGS + 1) / 2 ))p")
VICTIM=${VICTIM#s1/}
python3 "$BENCH/mkcorpus.py" --mutate "s1/$VICTIM" >&2
python3 "$BENCH/mkcorpus.py" --mutate "sN/$VICTIM" >&2
# The full runs had a warm cache, and the cold-cache runs emptied it.
cat s1/.real_1/All/*.pkg sN/.real_1/All/*.pkg s1/.real_1/filesigs/records/* \
    sN/.real_1/filesigs/records/* >/dev/null
timed inc1 "sign-repo sign -k key -j1 s1"
timed incN "sign-repo sign -k key -j$JOBS sN"
for p in "inc1 sign1 1" "incN signN $JOBS"; do
	set -- $p
	REUSED=$(grep -oE '\(([0-9]+) reused\)' "o.$1" | tr -dc 0-9)
	[ "$REUSED" = $((NPKGS - 1)) ] || die "$1: $REUSED packages reused, expected $((NPKGS - 1))"
	R=$(calc "%.2f" "100 * ${WALL[$1]} / ${WALL[$2]}")
	S=$(verdict "$R" "<=" 5)
	[ "$NPKGS" -ge 200 ] || S="$S (the target is for 200 packages or more)"
	F=
	[ "$3" != 1 ] || F="; hashing every archive alone, which reuse needs, is CPU ${CPU[asha]} s = $(calc "%.2f" "100 * ${CPU[asha]} / ${WALL[$2]}")% (${SHOW[asha]})"
	row "incremental re-sign -j$3 after one package (${VICTIM##*/}) was rebuilt: wall / full run" "${WALL[$1]} s / ${WALL[$2]} s = $R% ($REUSED packages reused; CPU ${CPU[$1]} s$F)" "<= 5%" "$S" "bench/mkcorpus.py --mutate $VICTIM; ${SHOW[$1]}"
done

# ------------------------------------------------------------- big file

cp -al "$BIG" b1
cat big/.real_1/All/*.pkg >/dev/null
timed big "sign-repo sign -k key -j1 b1"
V=$(mib big)
row "peak RSS of sign-repo on one ${BIGGIB} GiB file" "$V MiB (wall ${WALL[big]} s, CPU ${CPU[big]} s)" "<= 64 MiB" "$(verdict "$V" "<=" 64)" "$MKBIG; ${SHOW[big]}"
row "load average (1, 5, 15 min)" "$LOAD0 at the start, $(load) at the end" "" "" "cat /proc/loadavg"

# ---------------------------------------------------------------- table

echo "| Measurement | Result | Target | Status | Command (in the work directory; see bench/README.md) |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
