#!/usr/bin/env bash
# Regenerate the seed corpora in fuzz/corpus/ from the real samples in
# tests/fixtures:
#
#   fuzz_archive      the package archives under 30 KB, each compression
#   fuzz_manifest     their +MANIFEST and +COMPACT_MANIFEST texts
#   fuzz_record       record lines, fuzz_index the indexes, that sign-repo
#                     writes over copies of the fixture repositories with
#                     each fixed key of fuzz/keys (what the targets trust)
#   fuzz_fingerprint  the fixture's fingerprint file and spellings of it
#
# usage: fuzz/make-corpus.sh [sign-repo]   (default: build/signer/sign-repo)
set -eu
cd "$(dirname "$0")/.."
SIGN_REPO=${1:-${SIGN_REPO:-build/signer/sign-repo}}
[ -x "$SIGN_REPO" ] || { echo "make-corpus.sh: no sign-repo at $SIGN_REPO" >&2; exit 2; }
FX=tests/fixtures
C=fuzz/corpus
T=$(mktemp -d "${TMPDIR:-/tmp}/fuzzcorpus.XXXXXX")
trap 'rm -rf "$T"' EXIT

# put DIR FILE: copy FILE into DIR under the SHA-1 of its content.
put() {
	mkdir -p "$1"
	cp "$2" "$1/$(sha1sum <"$2" | cut -c1-40)"
}

rm -rf "$C"
mkdir -p "$C"/fuzz_archive "$C"/fuzz_manifest "$C"/fuzz_record \
    "$C"/fuzz_index "$C"/fuzz_fingerprint

find "$FX" -type f \( -name '*.pkg' -o -name '*.txz' \) -size -30k |
    LC_ALL=C sort >"$T/pkgs"
while read -r p; do
	case "$p" in
	*/All/*|*/formats/*) put "$C/fuzz_archive" "$p" ;;
	*) continue ;;
	esac
	for m in +MANIFEST +COMPACT_MANIFEST; do
		if bsdtar -xOf "$p" "$m" >"$T/m" 2>/dev/null && [ -s "$T/m" ]; then
			put "$C/fuzz_manifest" "$T/m"
		fi
	done
done <"$T/pkgs"

for k in ed25519 ecdsa rsa; do
	install -m 0600 "fuzz/keys/$k.sec" "$T/$k.sec"
	for src in poudriere/141amd64-default pkg-versions/pkg-1.21.3 \
	    pkg-versions/pkg-2.7.5 pkg-versions/older-release; do
		r=$T/repo-$k-${src//\//-}
		cp -a "$FX/$src" "$r"
		"$SIGN_REPO" sign -q -t 1700000000 -k "$T/$k.sec" "$r" >/dev/null
		[ -e "$r/.latest" ] && r=$r/.latest
		put "$C/fuzz_index" "$r/filesigs/index"
		for rec in "$r"/filesigs/records/*.rec; do
			while IFS= read -r line; do
				printf '%s' "$line" >"$T/line"
				put "$C/fuzz_record" "$T/line"
			done <"$rec"
		done
	done
done

fp=$(cat "$FX"/keys/fingerprints/*/trusted/* | sed -n 's/.*"\([0-9a-f]\{64\}\)".*/\1/p' | head -1)
put "$C/fuzz_fingerprint" "$(ls "$FX"/keys/fingerprints/*/trusted/* | head -1)"
i=0
for text in \
    "function: \"sha256\"\nfingerprint: \"$fp\"\n" \
    "function = sha256;\nfingerprint = $fp;\n" \
    "# pkg fingerprint\nfunction: sha256\r\nfingerprint: \"$fp\"\r\n" \
    "  function : \"sha256\" ;\n\n\tfingerprint:$fp" \
    "fingerprint: \"$fp\"\nfunction: \"sha256\"\n"; do
	printf "$text" >"$T/fp.$i"
	put "$C/fuzz_fingerprint" "$T/fp.$i"
	i=$((i + 1))
done

for d in "$C"/*; do
	echo "$(basename "$d"): $(ls "$d" | wc -l) seeds, $(du -sk "$d" | cut -f1) KB"
done
