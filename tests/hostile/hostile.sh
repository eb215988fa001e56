#!/usr/bin/env bash
# Hostile input for sign-repo and pkg-verify.
#
# 1. Packages sign-repo must refuse: exit 1, a message naming the package,
#    no crash (exit < 128), and the signatures already there byte for
#    byte as they were, with no temporary file left.
# 2. Packages it must sign, however odd: names that need escaping, 100,000
#    files, a 10 GB file of zeros (a decompression bomb: refused by a
#    documented limit or processed in bounded memory), with time and peak
#    RSS printed.  A 1 TiB sparse file in a 10 KB archive must not keep
#    the signer busy past HOSTILE_SPARSE_TIMEOUT.
# 3. Damaged and hostile signature stores: pkg-verify exits 2 or reports
#    BAD_SIGNATURE, never OK; some are signed again with the signer's own
#    key (resign.py), so that the reader gets past the index signature.
#
# Environment: SIGN_REPO, PKG_VERIFY, FIXTURES as for tests/cmd;
# HOSTILE_QUICK=1 for 10,000 files and a 1 GB bomb; HOSTILE_MANY,
# HOSTILE_BOMB_GB to set them; HOSTILE_SPARSE_TIMEOUT (default 60 s).
. "$(dirname "$0")/common.sh"

if [ "${HOSTILE_QUICK:-0}" = 1 ]; then
	: "${HOSTILE_MANY:=10000}" "${HOSTILE_BOMB_GB:=1}"
fi
export HOSTILE_MANY=${HOSTILE_MANY:-100000}
export HOSTILE_BOMB_GB=${HOSTILE_BOMB_GB:-10}
SPARSE_TIMEOUT=${HOSTILE_SPARSE_TIMEOUT:-60}
MKPKG="python3 $HOSTILE/mkpkg.py"

keygen k
REPO=$T/repo/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
run "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
[ "$RC" -eq 0 ] || { cat "$T/err" >&2; echo "cannot sign the fixture" >&2; exit 2; }
SIGS=$(sigdir "$REPO")
ALL=$(dirname "$SIGS")/All
HP=$ALL/hostile-1.0.pkg
snapshot "$SIGS" "$T/sigs.before"

# ---------------------------------------------------------------------------
# 1. Refused packages

# refused CASE [REGEX]: sign-repo refuses the package mkpkg.py makes.
refused() {
	local c=$1 re=${2:-} why=
	if ! $MKPKG "$c" "$HP" 2>"$T/err"; then
		notok "$c: cannot make the package"
		return
	fi
	run "$SIGN_REPO" sign -q -k "$T/k.sec" "$REPO"
	snapshot "$SIGS" "$T/sigs.after"
	if [ "$RC" -ge 128 ]; then
		why="crashed (exit $RC)"
	elif [ "$RC" -ne 1 ]; then
		why="exit $RC, expected 1"
	elif ! grep -q 'hostile-1\.0\.pkg' "$T/err"; then
		why="the message does not name the package"
	elif [ -n "$re" ] && ! grep -Eq -- "$re" "$T/err"; then
		why="the message does not match /$re/"
	elif ! cmp -s "$T/sigs.before" "$T/sigs.after"; then
		why="filesigs changed: $(diff "$T/sigs.before" "$T/sigs.after" | grep '^[<>]' | head -3 | tr '\n' ' ')"
	elif [ -n "$(tmpfiles "$SIGS")" ]; then
		why="temporary files left: $(tmpfiles "$SIGS" | head -3)"
	fi
	if [ -z "$why" ]; then
		ok "$c: refused ($(grep -m1 hostile-1.0.pkg "$T/err" | cut -c1-150))"
	else
		notok "$c: $why"
	fi
	rm -f "$HP"
}

refused truncated
refused corrupt-zstd
refused not-archive
refused random-bytes
refused manifest-not-json '\+MANIFEST'
refused manifest-ucl '\+MANIFEST'
refused files-is-array '"files"'
refused sum-is-number 'checksum'
refused name-is-number '"name"'
refused duplicate-keys 'duplicate'
refused duplicate-file-keys 'duplicate'
refused huge-path
refused deep-nesting 'depth'
refused deep-nesting-unclosed
refused entry-not-in-manifest '/usr/local/bin/intruder'
refused listed-not-in-archive '/usr/local/bin/ghost'
refused dotdot-path '\.\.'
refused dotdot-relative-entry '\.\.'
refused dot-path
refused newline-path
refused cr-path
refused duplicate-entry 'twice'
refused hardlink-missing 'hard link'
refused hardlink-later 'hard link'
refused hardlink-to-dir 'hard link'
refused char-device 'file type'
refused fifo 'file type'
refused size-lies-longer
refused size-lies-shorter
refused manifest-size-lies

# ---------------------------------------------------------------------------
# 2. Packages that must be signed (or, for the "rule" cases, either signed
#    and verifiable or refused cleanly: the report says which)

# newrepo CASE: a repository holding only that package, in $NR.
newrepo() {
	NR=$T/ok-$1
	rm -rf "$NR"
	mkdir -p "$NR/All"
	$MKPKG "$1" "$NR/All/hostile-1.0.pkg" 2>"$T/err"
}

# signed_and_verifies CASE: exit 0, and sign-repo verify passes.
signed_and_verifies() {
	local c=$1
	if [ "$RC" -ge 128 ]; then
		notok "$c: sign-repo crashed (exit $RC)"
		return 1
	fi
	if [ "$RC" -ne 0 ]; then
		notok "$c: a package pkg can build was refused (exit $RC)"
		return 1
	fi
	run "$SIGN_REPO" verify -q -p "$T/k.pub" "$NR"
	if [ "$RC" -ne 0 ]; then
		notok "$c: signed, but sign-repo verify fails on what it signed (exit $RC)"
		return 1
	fi
	[ -z "$(tmpfiles "$NR")" ] || { notok "$c: temporary files left"; return 1; }
	return 0
}

# installed CASE: the package of a signed CASE unpacked into a root of
# its own, $R, with the ids write_ids gives.
installed() {
	R=$T/root-$1
	rm -rf "$R"
	mkdir -p "$R"
	bsdtar -xpf "$T/ok-$1/All/hostile-1.0.pkg" -C "$R" --exclude '+*' \
	    2>/dev/null
	write_ids "$R"
}

# verifies_installed CASE N: pkg-verify -P finds N files, all OK.
verifies_installed() {
	installed "$1"
	run "$PKG_VERIFY" -s "$T/state.$1" -p "$T/k.pub" -c "$T/ok-$1" \
	    -r "$R" -P hostile
	if [ "$RC" -eq 0 ] && grep -q " $2 checked, 0 problems" "$T/err"; then
		ok "$1: installed files verify"
	else
		notok "$1: pkg-verify exit $RC: $(head -3 "$T/out" "$T/err")"
	fi
}

must_sign() {
	local c=$1
	newrepo "$c" || { notok "$c: cannot make the package"; return; }
	run "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
	signed_and_verifies "$c" && ok "$c: signed and verified"
}

# rule CASE: whatever the product decides, no crash, and consistency.
rule() {
	local c=$1
	newrepo "$c" || { notok "$c: cannot make the package"; return; }
	run "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
	if [ "$RC" -eq 1 ] && grep -q 'hostile-1\.0\.pkg' "$T/err"; then
		ok "$c: refused: $(grep -m1 hostile-1.0.pkg "$T/err" | cut -c1-150)"
	elif signed_and_verifies "$c"; then
		ok "$c: signed and verified"
	fi
}

must_sign base
# Every byte of a UTF-8 name is escaped in a record: many of them, then
# plain bytes (here a Japanese directory name).
must_sign escapes-then-plain-path
# A hard link read after the signer's entry table has grown: its record
# must carry the content of the file it names, as installed.
must_sign hardlink-after-many
verifies_installed hardlink-after-many 304
rule non-utf8-path
rule control-char-path
# pkg under a UTF-8 locale writes such names as plain UTF-8 pax headers.
must_sign utf8-path-standard-pax
verifies_installed utf8-path-standard-pax 4
rule huge-string
rule huge-name

# A path with a tab and an escape sequence, once signed, must be printed
# escaped by pkg-verify, never raw.
if [ -s "$T/ok-control-char-path/filesigs/index" ]; then
	installed control-char-path
	p=$(printf '/usr/local/share/hostile/tab\tesc\033[31m')
	run "$PKG_VERIFY" -v -s "$T/state.cc" -p "$T/k.pub" \
	    -c "$T/ok-control-char-path" -r "$R" "$p"
	if [ "$RC" -eq 0 ] && grep -q '^OK ' "$T/out" &&
	    ! grep -q "$(printf '\033')" "$T/out" &&
	    ! grep -q "$(printf '\t')" "$T/out"; then
		ok "control characters in a signed path are printed escaped"
	else
		notok "control characters in a signed path: exit $RC, output $(od -c "$T/out" | head -3)"
	fi
fi

# A name that is not UTF-8 cannot be a JSON string: --json must still
# name the file, escaped, and say so.
if [ -s "$T/ok-non-utf8-path/filesigs/index" ]; then
	installed non-utf8-path
	echo changed >>"$R/usr/local/share/hostile/latin1-caf$(printf '\351').txt"
	run "$PKG_VERIFY" --json -s "$T/state.latin" -p "$T/k.pub" \
	    -c "$T/ok-non-utf8-path" -r "$R" -P hostile
	if [ "$RC" -eq 1 ] && python3 - "$T/out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
f = [l for l in lines if l.get("verdict") == "MODIFIED"]
assert len(f) == 1, lines
assert f[0]["path"] == "/usr/local/share/hostile/latin1-caf\\xe9.txt", f
assert f[0]["escaped"] is True and f[0]["package"] == "hostile-1.0", f
PY
	then
		ok "a name that is not UTF-8 is escaped in JSON, not lost"
	else
		notok "non-UTF-8 name in JSON: exit $RC: $(head -3 "$T/out")"
	fi
fi

# 100,000 small files: a package pkg builds, so it must be signed.
newrepo many-files || notok "many-files: cannot make the package"
measure "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
echo "# many-files: $HOSTILE_MANY files, $(stat -c %s "$NR/All/hostile-1.0.pkg") bytes: sign exit $RC, $TIME s, peak RSS $RSS KB"
if signed_and_verifies "many-files"; then
	ok "many-files: $HOSTILE_MANY files signed in $TIME s, peak RSS $RSS KB"
fi
rm -rf "$NR"

# A decompression bomb: HOSTILE_BOMB_GB GB of zeros, zstd-compressed.
NR=$T/ok-bomb
mkdir -p "$NR/All"
if $MKPKG bomb "$NR/All/hostile-1.0.pkg" 2>"$T/err"; then
	csize=$(stat -c %s "$NR/All/hostile-1.0.pkg")
	measure "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
	echo "# bomb: ${HOSTILE_BOMB_GB} GB of zeros in $csize bytes: sign exit $RC, $TIME s, peak RSS $RSS KB"
	if [ "$RC" -eq 1 ] && grep -q 'hostile-1\.0\.pkg' "$T/err"; then
		ok "bomb: refused by a limit: $(grep -m1 hostile-1.0.pkg "$T/err" | cut -c1-150)"
	elif [ "$RC" -eq 0 ] && [ "$RSS" != "?" ] && [ "$RSS" -gt 262144 ]; then
		notok "bomb: signed, but peak RSS $RSS KB: memory grows with the content"
	elif [ "$RC" -eq 0 ]; then
		ok "bomb: processed in bounded memory ($TIME s, peak RSS $RSS KB)"
	else
		notok "bomb: exit $RC"
	fi
else
	notok "bomb: cannot make the package"
fi
rm -rf "$NR"

# Sparse entries.  make_sparse SIZE [OFFSET...]: a package whose one file
# is SIZE bytes of holes with an "x" written at each OFFSET, archived by
# GNU tar as pax sparse (as pkg's libarchive writes a sparse file), its
# +MANIFEST sum computed when SIZE is small, else wrong.
make_sparse() {
	local size=$1 st=$T/sparse-stage f sum o
	shift
	rm -rf "$st" "$NR"
	mkdir -p "$st/usr/local/share/hostile" "$NR/All"
	f=$st/usr/local/share/hostile/sparse
	truncate -s "$size" "$f"
	for o in "$@"; do
		printf x | dd of="$f" bs=1 seek="$o" conv=notrunc 2>/dev/null
	done
	if [ "$size" -le $((64 << 20)) ]; then
		sum=$(sha256sum <"$f" | cut -c1-64)
	else
		sum=$(printf '%064d' 0)
	fi
	printf '{"name":"hostile","origin":"misc/hostile","version":"1.0","abi":"FreeBSD:14:amd64","arch":"freebsd:14:x86:64","prefix":"/usr/local","comment":"c","desc":"d","maintainer":"m","www":"w","files":{"/usr/local/share/hostile/sparse":{"sum":"1$%s","uname":"root","gname":"wheel","perm":"0644"}}}' "$sum" >"$st/+MANIFEST"
	tar --sparse --format=posix --owner=root:0 --group=wheel:0 \
	    --mode=0644 -cf "$T/sparse.tar" -C "$st" +MANIFEST \
	    usr/local/share/hostile/sparse 2>"$T/err" &&
	    zstd -q -c "$T/sparse.tar" >"$NR/All/hostile-1.0.pkg" &&
	    rm -rf "$st" "$T/sparse.tar"
}

# A sparse file as pkg can package it: data, then a hole to the end (a
# preallocated file).  Must be signed.
NR=$T/ok-sparse-tail
if make_sparse $((1 << 20)) 0 4096; then
	run "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
	signed_and_verifies sparse-trailing-hole && ok "sparse-trailing-hole: signed and verified"
else
	notok "sparse-trailing-hole: cannot make the package (GNU tar)"
fi

# A sparse bomb: 1 TiB of holes and one byte at the end, in a 10 KB
# archive.  Its sum is wrong, so it can only be refused; the question is
# how soon.
NR=$T/ok-sparse-bomb
if make_sparse $((1 << 40)) $(((1 << 40) - 1)); then
	measure timeout -s KILL "$SPARSE_TIMEOUT" "$SIGN_REPO" sign -q -k "$T/k.sec" "$NR"
	echo "# sparse bomb: 1 TiB of holes in $(stat -c %s "$NR/All/hostile-1.0.pkg") bytes: sign exit $RC, $TIME s, peak RSS $RSS KB"
	if [ "$RC" -eq 1 ] && grep -q 'hostile-1\.0\.pkg' "$T/err"; then
		ok "sparse bomb: refused in $TIME s: $(grep -m1 hostile-1.0.pkg "$T/err" | cut -c1-150)"
	elif [ "$RC" -eq 137 ]; then
		notok "sparse bomb: still hashing holes after $SPARSE_TIMEOUT s (no limit on the size a sparse entry claims: 1 TiB takes about 20 min, 2^63 bytes forever)"
	else
		notok "sparse bomb: exit $RC"
	fi
else
	notok "sparse bomb: cannot make the package (GNU tar)"
fi
rm -rf "$T/ok-sparse-tail" "$NR"

# ---------------------------------------------------------------------------
# 3. Hostile signature stores: exit 2 or BAD_SIGNATURE, never OK

R=$T/root
installed_root "$R"
GOOD=$T/good/141amd64-default
copy_repo "$POUDRIERE" "$GOOD"
run "$SIGN_REPO" sign -q -k "$T/k.sec" "$GOOD"
[ "$RC" -eq 0 ] || { notok "cannot sign the fixture for part 3"; done_testing; exit; }

n=0
# fresh: a copy of the signed repository; $S its filesigs, $HREC the
# hello-tools record file.
fresh() {
	n=$((n + 1))
	REPO=$T/s$n/141amd64-default
	copy_repo "$GOOD" "$REPO"
	S=$(sigdir "$REPO")
	HREC=$S/records/$(awk '$1 == "P" && $2 == "hello-tools" { print $9 }' "$S/index").rec
}

pv_check() {
	run "$PKG_VERIFY" -v -s "$T/state.$n" -p "$T/k.pub" -c "$REPO" -r "$R" \
	    -P hello-tools -P tinyconf -P meta-bundle
}

# never_ok DESCRIPTION: exit 2 (nothing checked), or exit 1 with
# BAD_SIGNATURE for hello-tools and no OK line for it.
never_ok() {
	local what=$1
	pv_check
	if [ "$RC" -ge 128 ]; then
		notok "$what: pkg-verify crashed (exit $RC)"
	elif [ "$RC" -eq 0 ]; then
		notok "$what: pkg-verify exit 0"
	elif grep -q '^OK .*hello-tools' "$T/out"; then
		notok "$what: OK for a file of hello-tools: $(grep -m1 '^OK ' "$T/out")"
	elif [ "$RC" -eq 2 ] && [ -s "$T/err" ]; then
		ok "$what: exit 2: $(head -1 "$T/err" | cut -c1-120)"
	elif [ "$RC" -eq 1 ] && grep -q '^BAD_SIGNATURE .*hello-tools' "$T/out"; then
		ok "$what: BAD_SIGNATURE: $(grep -m1 '^BAD_SIGNATURE' "$T/out" | cut -c1-120)"
	else
		notok "$what: exit $RC without BAD_SIGNATURE for hello-tools"
	fi
}

# The control: the untouched store verifies.
fresh
pv_check
if [ "$RC" -eq 0 ]; then ok "control: the signed fixture verifies"; else notok "control: exit $RC"; fi
fresh
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S"
pv_check
if [ "$RC" -eq 0 ]; then ok "control: an index signed again by resign.py verifies"; else notok "control: resign.py: exit $RC"; fi

fresh; truncate -s $(($(stat -c %s "$S/index") / 2)) "$S/index"
never_ok "index truncated to half"
fresh; truncate -s -1 "$S/index"
never_ok "index without its last newline"
fresh; sed -i '$d' "$S/index"
never_ok "index without its signature line"
fresh; : >"$S/index"
never_ok "empty index"
fresh
python3 - "$S/index" <<'EOF'
import sys
p = sys.argv[1]
l = open(p, 'rb').read().split(b'\n')
i = [k for k, x in enumerate(l) if x.startswith(b'P ')]
l[i[0]], l[i[1]] = l[i[1]], l[i[0]]
open(p, 'wb').write(b'\n'.join(l))
EOF
never_ok "index package lines reordered"
fresh; sed -i 's/$/\r/' "$S/index"
never_ok "index with CRLF line ends"
fresh; sed -i '1s/.*/pkg-filesigs-index 2/' "$S/index"
never_ok "index of an unknown version"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" magic "pkg-filesigs-index 2"
never_ok "index of an unknown version, signed"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" reverse
never_ok "index package lines reordered, signed"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" dup hello-tools
never_ok "index listing a package twice, signed"
fresh; python3 -c 'import re,sys; p=sys.argv[1]; t=open(p,"rb").read(); open(p,"wb").write(re.sub(rb"\nrepo [^\n]*", b"\nrepo " + b"r" * 1000000, t, 1))' "$S/index"
never_ok "index with a 1 MB repository name"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" repofill 1000000
never_ok "index with a 1 MB repository name, signed"

fresh; sed -i 's/$/\r/' "$HREC"
never_ok "record file with CRLF line ends"
fresh; truncate -s -10 "$HREC"
never_ok "record file truncated"
fresh; tac "$HREC" >"$T/rec" && cp "$T/rec" "$HREC"
never_ok "record file lines reordered"
fresh; tac "$HREC" >"$T/rec" && python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec"
never_ok "record file lines reordered, signed"
fresh; size=$(stat -c %s "$HREC"); python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" size hello-tools $((size + 100))
never_ok "record file length in the index past its end, signed"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" size hello-tools $((size - 1))
never_ok "record file longer than the index says, signed"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" size hello-tools 18446744073709551615
never_ok "record file length 2^64-1 in the index, signed"
fresh; nf=$(awk '$1 == "P" && $2 == "hello-tools" { print $11 }' "$S/index")
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" nfiles hello-tools $((nf + 1))
never_ok "file count one more than the record file has, signed"
fresh; python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" nfiles hello-tools 18446744073709551615
never_ok "file count 2^64-1, signed"
fresh; { cat "$HREC"; head -1 "$HREC"; } >"$T/rec"
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec" nfiles hello-tools $((nf + 1))
never_ok "a record twice, signed"
fresh; awk 'NR == 2 { print; print; next } { print }' "$HREC" >"$T/rec"
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec" nfiles hello-tools $((nf + 1))
never_ok "a record twice in a row, signed"
fresh; sed 's/^F1 /F2 /' "$HREC" >"$T/rec"
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec"
never_ok "records of an unknown version, signed"
fresh; python3 -c 'import sys; l=open(sys.argv[1],"rb").read().split(b" "); l[6]+=b"0"*70000; open(sys.argv[2],"wb").write(b" ".join(l))' "$HREC" "$T/rec"
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec"
never_ok "a 70 KB field in a record line, signed"
fresh; TREC=$S/records/$(awk '$1 == "P" && $2 == "tinyconf" { print $9 }' "$S/index").rec
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$TREC" nfiles hello-tools "$(wc -l <"$TREC")"
never_ok "the records of another package, signed"
fresh; head -c 100000 /dev/urandom >"$T/rec"
python3 "$HOSTILE/resign.py" "$T/k.sec" "$S" record hello-tools "$T/rec"
never_ok "random bytes as a record file, signed"
fresh; rm "$HREC"
pv_check
if [ "$RC" -ne 0 ] && ! grep -q '^OK .*hello-tools' "$T/out" && [ "$RC" -lt 128 ]; then
	ok "record file missing: exit $RC, no OK for hello-tools"
else
	notok "record file missing: exit $RC"
fi
fresh; rm "$HREC"; ln -s /etc/passwd "$HREC"
never_ok "record file replaced by a symlink"

done_testing
