#!/usr/bin/env bash
# A signing key held in a PKCS#11 token (SoftHSM), named by a pkcs11: URI
# and used through OpenSSL's pkcs11 engine.  Skipped where SoftHSM, the
# engine or pkcs11-tool is not installed.
. "$(dirname "$0")/lib.sh"

MODULE=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
	[ -f "$m" ] && MODULE=$m && break
done
ENGINE=$(find /usr/lib /usr/local/lib -name pkcs11.so -path '*engines*' \
    2>/dev/null | head -1)
if [ -z "$MODULE" ] || [ -z "$ENGINE" ] || ! command -v softhsm2-util \
    >/dev/null || ! command -v pkcs11-tool >/dev/null; then
	echo "SoftHSM, the pkcs11 engine or pkcs11-tool is missing: skipped"
	exit 77
fi

mkdir -p "$T/tokens"
export SOFTHSM2_CONF=$T/softhsm2.conf
echo "directories.tokendir = $T/tokens" >"$SOFTHSM2_CONF"
cat >"$T/openssl.cnf" <<EOF2
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
init = 0
EOF2
export OPENSSL_CONF=$T/openssl.cnf
# The engine never frees the key methods it makes (tests/lsan.supp names
# them); a sanitizer build needs whole stacks to tell those from leaks of
# ours, since OpenSSL's frames carry no frame pointers.
case ${ASAN_OPTIONS:-} in
*detect_leaks=1*) export ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 ;;
esac

softhsm2-util --init-token --free --label filesigs --pin 1234 \
    --so-pin 5678 >/dev/null || fail "softhsm2-util"
pkcs11-tool --module "$MODULE" --login --pin 1234 --keypairgen \
    --key-type EC:prime256v1 --label signkey --id 01 >/dev/null 2>&1 ||
    fail "pkcs11-tool keypairgen"
URI="pkcs11:token=filesigs;object=signkey;type=private;pin-value=1234"
openssl pkey -engine pkcs11 -inform ENGINE -in "$URI" -pubout \
    -out "$T/hsm.pub" 2>/dev/null || fail "public key from the token"

REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
expect_rc 0 "sign with the token" "$SIGN_REPO" sign -q -k "$URI" "$REPO"
expect_rc 0 "mirror check" "$SIGN_REPO" verify -q -p "$T/hsm.pub" "$REPO"
R=$T/root
installed_root "$R"
pv -p "$T/hsm.pub" -c "$REPO" -r "$R" -a
[ "$RC" -eq 0 ] || fail "pkg-verify: exit $RC"
pass "key in a PKCS#11 token signs; the signatures verify"

expect_rc 2 "wrong PIN" "$SIGN_REPO" sign -q -k \
    "pkcs11:token=filesigs;object=signkey;type=private;pin-value=0000" "$REPO"
pass "a token that refuses the key fails the run"

done_testing
