#!/usr/bin/env bash
# Owner and group changes, which only root can make: skipped (exit 77)
# otherwise.  Names are resolved through the root's own etc/passwd and
# etc/group.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: chown needs root"
	exit 77
fi

keygen k
REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
sign k "$REPO"
R=$T/root
L=$R/usr/local

check() {
	pv -p "$T/k.pub" -c "$REPO" -r "$R" "$@" \
	    -P hello-tools -P tinyconf -P meta-bundle
}

case_of() {
	local verdict=$1 path=$2 what=$3
	check
	[ "$RC" -eq 1 ] || fail "$what: exit $RC, expected 1"
	expect_verdict "$verdict" "$path" "$what"
	only_problems 1 "$what"
	pass "$what: $verdict"
}

installed_root "$R"
[ "$(stat -c %u:%g "$L/share/hello/sub/owned.txt")" = 65534:65534 ] ||
    fail "installed-root.tar did not keep owners"
check
[ "$RC" -eq 0 ] || fail "untouched root: exit $RC"
pass "untouched root with real owners: OK"

installed_root "$R"
chown nobody "$L/share/hello/LICENSE"
case_of METADATA /usr/local/share/hello/LICENSE "owner changed with chown"

installed_root "$R"
chown :65534 "$L/bin/hello-which"
case_of METADATA /usr/local/bin/hello-which "group changed"

installed_root "$R"
chown 0:0 "$L/share/hello/sub/owned.txt"
case_of METADATA /usr/local/share/hello/sub/owned.txt "nobody's file given to root"

installed_root "$R"
chown -h nobody "$L/bin/hello-link"
case_of METADATA /usr/local/bin/hello-link "symlink owner changed"

installed_root "$R"
chown nobody "$L/share/hello/empty-dir"
case_of METADATA /usr/local/share/hello/empty-dir "directory owner changed"

# The root's names count, not the host's: in this root "nobody" is 4242.
installed_root "$R"
sed -i 's/^nobody:\*:65534:65534:/nobody:*:4242:65534:/' "$R/etc/passwd"
case_of METADATA /usr/local/share/hello/sub/owned.txt \
    "the root's passwd gives nobody another uid"
chown 4242 "$L/share/hello/sub/owned.txt"
check
[ "$RC" -eq 0 ] || fail "owner 4242 per the root's passwd: exit $RC"
pass "owner resolved through the root's etc/passwd"

# A file nobody may read: as root it is still read; the content counts.
installed_root "$R"
chmod 0000 "$L/etc/hello.secret"
case_of METADATA /usr/local/etc/hello.secret "mode 0000"

done_testing
