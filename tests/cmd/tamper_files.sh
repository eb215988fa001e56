#!/usr/bin/env bash
# Installed files changed after installation: each change is caught by
# pkg-verify with its own verdict and exit status 1.  Every case starts
# from a fresh copy of the installed root.
. "$(dirname "$0")/lib.sh"

keygen k
REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
sign k "$REPO"
R=$T/root
L=$R/usr/local

# check ARGS...: pkg-verify of the three packages in $R.
check() {
	pv -p "$T/k.pub" -c "$REPO" -r "$R" "$@" \
	    -P hello-tools -P tinyconf -P meta-bundle
}

# case_of EXIT VERDICT PATH DESCRIPTION [ARGS...]
case_of() {
	local rc=$1 verdict=$2 path=$3 what=$4
	shift 4
	check "$@"
	[ "$RC" -eq "$rc" ] || fail "$what: exit $RC, expected $rc"
	expect_verdict "$verdict" "$path" "$what"
	only_problems 1 "$what"
	pass "$what: $verdict"
}

installed_root "$R"
check
[ "$RC" -eq 0 ] || fail "untouched root: exit $RC"
[ ! -s "$T/out" ] || fail "untouched root: findings"
pass "untouched root: exit 0, no findings"

installed_root "$R"
echo 'echo pwned' >>"$L/bin/hello-which"
case_of 1 MODIFIED /usr/local/bin/hello-which "changed content"

installed_root "$R"
# Same size, one byte different.
python3 - "$L/share/hello/services.txt" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
d[len(d) // 2] ^= 1
open(p, 'r+b').write(d)
EOF
case_of 1 MODIFIED /usr/local/share/hello/services.txt \
    "one byte changed, same size"

installed_root "$R"
chmod u+s "$L/share/hello/LICENSE"
case_of 1 METADATA /usr/local/share/hello/LICENSE "setuid bit added"

installed_root "$R"
chmod 0644 "$L/sbin/hello-suid"
case_of 1 METADATA /usr/local/sbin/hello-suid "setuid bit removed"

installed_root "$R"
chmod 0644 "$L/etc/hello.secret"
case_of 1 METADATA /usr/local/etc/hello.secret "secret made readable"

installed_root "$R"
ln -sfn hello-which "$L/bin/hello-link"
case_of 1 MODIFIED /usr/local/bin/hello-link "symlink retargeted"

installed_root "$R"
# Same length as "hello-true": only the digest tells.
ln -sfn hello-fals "$L/bin/hello-link"
case_of 1 MODIFIED /usr/local/bin/hello-link "symlink retargeted, same length"

installed_root "$R"
ln -sfn /usr/local/bin/hello-which "$L/bin/hello-abslink"
case_of 1 MODIFIED /usr/local/bin/hello-abslink "absolute symlink retargeted"

installed_root "$R"
rm "$L/share/hello/services.txt"
case_of 1 MISSING /usr/local/share/hello/services.txt "file deleted"

installed_root "$R"
rm "$L/bin/hello-dangling"
case_of 1 MISSING /usr/local/bin/hello-dangling "symlink deleted"

installed_root "$R"
rmdir "$L/share/hello/empty-dir"
case_of 1 MISSING /usr/local/share/hello/empty-dir "directory deleted"

installed_root "$R"
# Another file of the same package, same mode and owner.
cp -p "$L/share/hello/LICENSE" "$L/share/hello/services.txt"
case_of 1 MODIFIED /usr/local/share/hello/services.txt \
    "replaced by another signed file"

installed_root "$R"
# A signed file of another package.
cp -p "$L/bin/hello-which" "$L/libexec/tinyconf-run"
case_of 1 MODIFIED /usr/local/libexec/tinyconf-run \
    "replaced by another package's file"

installed_root "$R"
rm "$L/share/hello/LICENSE"
ln -s services.txt "$L/share/hello/LICENSE"
case_of 1 METADATA /usr/local/share/hello/LICENSE "file replaced by a symlink"

installed_root "$R"
rm "$L/bin/hello-link"
cp -p "$L/bin/hello-true" "$L/bin/hello-link"
case_of 1 METADATA /usr/local/bin/hello-link "symlink replaced by a file"

installed_root "$R"
rmdir "$L/share/hello/empty-dir"
mkfifo "$L/share/hello/empty-dir"
case_of 1 METADATA /usr/local/share/hello/empty-dir \
    "directory replaced by a FIFO"

# A configuration file: reported, a problem only with -C.
installed_root "$R"
echo 'debug = yes' >>"$L/etc/hello.conf"
case_of 0 CONFIG_CHANGED /usr/local/etc/hello.conf "config edited, without -C"
case_of 1 CONFIG_CHANGED /usr/local/etc/hello.conf "config edited, with -C" -C
installed_root "$R"
echo 'debug = yes' >>"$L/etc/tinyconf/tinyconf.conf"
case_of 0 CONFIG_CHANGED /usr/local/etc/tinyconf/tinyconf.conf \
    "tinyconf config edited, without -C"
# An edit of a configuration file must not hide a mode change with it.
installed_root "$R"
echo 'debug = yes' >>"$L/etc/hello.conf"
chmod 4755 "$L/etc/hello.conf"
case_of 1 METADATA /usr/local/etc/hello.conf "config edited and made setuid"
# The sample beside it is not a configuration file.
installed_root "$R"
echo 'debug = yes' >>"$L/etc/hello.conf.sample"
case_of 1 MODIFIED /usr/local/etc/hello.conf.sample "config sample edited"

# Paths: signed ones, an unsigned one, one that is nowhere.
installed_root "$R"
pv -p "$T/k.pub" -c "$REPO" -r "$R" -v /usr/local/bin/hello-which \
    /usr/local/share/hello/sub/owned.txt "/usr/local/share/hello/file with spaces.txt"
[ "$RC" -eq 0 ] || fail "signed paths: exit $RC"
expect_verdict OK /usr/local/bin/hello-which "signed path"
expect_verdict OK /usr/local/share/hello/sub/owned.txt "signed path"
pass "signed paths: OK"
echo '#!/bin/sh' >"$L/bin/unsigned-tool"
pv -p "$T/k.pub" -c "$REPO" -r "$R" /usr/local/bin/unsigned-tool
[ "$RC" -eq 1 ] || fail "unsigned path: exit $RC"
expect_verdict NOT_SIGNED /usr/local/bin/unsigned-tool "unsigned path"
pass "unsigned path: NOT_SIGNED"
pv -p "$T/k.pub" -c "$REPO" -r "$R" /var/db/pkg/local.sqlite
[ "$RC" -eq 1 ] || fail "database path: exit $RC"
expect_verdict NOT_SIGNED /var/db/pkg/local.sqlite "database path"
pass "package database: NOT_SIGNED"
expect_rc 2 "relative path" \
    "$PKG_VERIFY" -s "$(state_for -c "$REPO")" -p "$T/k.pub" -c "$REPO" -r "$R" usr/local/bin/hello-which
pass "relative path: exit 2"

# A package the index does not know.
pv -p "$T/k.pub" -c "$REPO" -r "$R" -P no-such-package
[ "$RC" -eq 1 ] || fail "unknown package: exit $RC"
expect_out '^PACKAGE_NOT_SIGNED ' "unknown package"
pass "unknown package: PACKAGE_NOT_SIGNED"

# A name that could fake a line of output is escaped.
installed_root "$R"
pv -p "$T/k.pub" -c "$REPO" -r "$R" "$(printf '/usr/local/bin/x\nOK /usr/local/bin/y')"
[ "$RC" -eq 1 ] || fail "newline in a path: exit $RC"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "newline in a path: output split"
expect_out '^NOT_SIGNED /usr/local/bin/x\\x0aOK /usr/local/bin/y ' \
    "newline in a path"
pass "control bytes in names are escaped"

# Several changes at once: each reported, in one run.
installed_root "$R"
echo x >>"$L/bin/hello-which"
chmod 0600 "$L/share/hello/LICENSE"
rm "$L/share/tinyconf/schema.txt"
check
[ "$RC" -eq 1 ] || fail "three changes: exit $RC"
only_problems 3 "three changes"
expect_verdict MODIFIED /usr/local/bin/hello-which "three changes"
expect_verdict METADATA /usr/local/share/hello/LICENSE "three changes"
expect_verdict MISSING /usr/local/share/tinyconf/schema.txt "three changes"
expect_err "25 checked, 3 problems" "three changes summary"
pass "three changes in one run"

done_testing
