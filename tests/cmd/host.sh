#!/usr/bin/env bash
# pkg-verify -a on a whole root: the sample root as pkg installed it, then
# one change of each kind, each with its own verdict.
. "$(dirname "$0")/lib.sh"

keygen k
REPO=$T/141amd64-default
copy_repo "$POUDRIERE" "$REPO"
sign k "$REPO"
R=$T/root
L=$R/usr/local

scan() {
	pv -p "$T/k.pub" -c "$REPO" -r "$R" -a "$@"
}

installed_root "$R"
scan
[ "$RC" -eq 0 ] || fail "untouched root: exit $RC"
[ ! -s "$T/out" ] || fail "untouched root: findings"
expect_err "25 checked, 0 problems" "summary of the untouched root"
pass "-a on the installed sample root: all OK"

# One change of each kind in one run.
installed_root "$R"
echo tampered >>"$L/share/hello/services.txt"
echo 'extra=1' >>"$L/etc/hello.conf"
chmod 0666 "$L/share/hello/LICENSE"
rm "$L/share/hello/empty.txt"
# A symlink that leads out of the root, in place of a signed file.
echo outside >"$T/outside"
rm "$L/bin/hello-which"
ln -s "$T/outside" "$L/bin/hello-which"
# A directory on the way replaced by a symlink out of the root: the
# path must resolve inside the root, where nothing is.
mv "$L/share/tinyconf" "$T/tinyconf-moved"
ln -s "$T/tinyconf-moved" "$L/share/tinyconf"
# A sparse file of a terabyte fails on its size, without being read.
truncate -s 1T "$L/sbin/hello-suid"
chmod 4755 "$L/sbin/hello-suid"
# A file the database lists but no record signs.
sqlite3 "$R/var/db/pkg/local.sqlite" "INSERT INTO files (path, package_id) \
    SELECT '/usr/local/bin/planted', id FROM packages WHERE name = 'tinyconf'"
echo planted >"$L/bin/planted"
start=$(date +%s)
scan --json
[ "$RC" -eq 1 ] || fail "tampered root: exit $RC"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the sparse file was read"
python3 - "$T/out" <<'PY' || fail "JSON output"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
summary = lines[-1]
assert summary.get("summary") is True, summary
finds = {(f["path"], f["verdict"]) for f in lines[:-1]}
want = {
    ("/usr/local/share/hello/services.txt", "MODIFIED"),
    ("/usr/local/etc/hello.conf", "CONFIG_CHANGED"),
    ("/usr/local/share/hello/LICENSE", "METADATA"),
    ("/usr/local/share/hello/empty.txt", "MISSING"),
    ("/usr/local/bin/hello-which", "METADATA"),
    ("/usr/local/share/tinyconf", "METADATA"),
    ("/usr/local/share/tinyconf/schema.txt", "MISSING"),
    ("/usr/local/sbin/hello-suid", "MODIFIED"),
    ("/usr/local/bin/planted", "NOT_SIGNED"),
}
missing = want - finds
assert not missing, ("missing findings", missing, finds)
extra = finds - want
assert not extra, ("unexpected findings", extra)
counts = summary["counts"]
for v in set(v for _, v in want):
    n = sum(1 for _, w in finds if w == v)
    assert counts[v] == n, (v, counts[v], n)
assert summary["problems"] == len(want) - 1, summary  # config: not tamper
assert summary["files"] == sum(counts.values()), summary
PY
pass "-a: each change with its own verdict; JSON parses, counts match"
grep -q '"/usr/local/etc/hello.conf"' "$T/out" || fail "config finding"

# Downgrade: the database says 1.0.1, its files are in place, 1.0.2 is
# signed.
installed_root "$R"
OLD=$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg
bsdtar -xpf "$OLD" -C "$R" --exclude '+*'
sqlite3 "$R/var/db/pkg/local.sqlite" \
    "UPDATE packages SET version = '1.0.1' WHERE name = 'hello-tools'"
scan
[ "$RC" -eq 1 ] || fail "downgrade: exit $RC"
expect_out "^VERSION_MISMATCH - hello-tools-1.0.1: installed 1.0.1, signed hello-tools-1.0.2$" \
    "downgrade"
only_problems 1 "downgrade"
pass "older version installed: VERSION_MISMATCH naming both"

# A package the repository does not carry at all.
installed_root "$R"
sqlite3 "$R/var/db/pkg/local.sqlite" \
    "UPDATE packages SET name = 'rogue' WHERE name = 'meta-bundle'"
scan
[ "$RC" -eq 1 ] || fail "unknown package: exit $RC"
expect_out "^PACKAGE_NOT_SIGNED - rogue-1.0" "unknown package"
pass "installed package without any record: PACKAGE_NOT_SIGNED"

# A package deleted from the database, its files changed: -a alone
# cannot know it is installed; -w finds its files, which nothing claims.
installed_root "$R"
echo 'echo pwned' >>"$L/bin/hello-which"
sqlite3 "$R/var/db/pkg/local.sqlite" "PRAGMA foreign_keys = ON; \
    DELETE FROM packages WHERE name = 'hello-tools'"
scan -w /usr/local/bin -w /usr/local/sbin -w /nonexistent
[ "$RC" -eq 1 ] || fail "package deleted from the database, -w: exit $RC"
expect_out "^NOT_SIGNED /usr/local/bin/hello-which -: no installed package has this file$" \
    "file of a deleted package"
[ "$(grep -c '^NOT_SIGNED /usr/local/s\?bin/' "$T/out")" -eq 7 ] ||
    fail "-w: $(cat "$T/out")"
installed_root "$R"
scan -w /usr/local
[ "$RC" -eq 0 ] && [ ! -s "$T/out" ] ||
    fail "-w on the untouched root: exit $RC: $(head -3 "$T/out")"
pass "-w: files no installed package claims are NOT_SIGNED"

# Names are printed so that they cannot drive a terminal: C1 controls,
# in UTF-8 or as lone bytes, are escaped; other UTF-8 is not.
installed_root "$R"
touch "$L/bin/$(printf 'c1-\302\233')" "$L/bin/$(printf 'lone-\233')" \
    "$L/bin/$(printf 'caf\303\251')"
scan -w /usr/local/bin
[ "$RC" -eq 1 ] || fail "odd names: exit $RC"
expect_out '^NOT_SIGNED /usr/local/bin/c1-\\xc2\\x9b -' "C1 control in UTF-8"
expect_out '^NOT_SIGNED /usr/local/bin/lone-\\x9b -' "lone C1 byte"
expect_out "^NOT_SIGNED /usr/local/bin/$(printf 'caf\303\251') -" "UTF-8 name"
pass "names: controls escaped, UTF-8 printed"

# What the walk cannot reach is a problem, never a silent pass: a file
# below a path longer than PATH_MAX, and a tree deeper than the
# descriptors allowed.
installed_root "$R"
python3 - "$L/bin" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for _ in range(17):
    os.mkdir('d' * 250)
    os.chdir('d' * 250)
open('hidden', 'w').write('#!/bin/sh\n')
PY
scan -w /usr/local/bin
[ "$RC" -eq 1 ] || fail "-w, path beyond PATH_MAX: exit $RC"
expect_out "^UNREADABLE /usr/local/bin/d.*too long" "-w, path beyond PATH_MAX"
installed_root "$R"
python3 - "$L/bin" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for _ in range(300):
    os.mkdir('d')
    os.chdir('d')
PY
(ulimit -n 128 && scan -w /usr/local/bin; echo "$RC" >"$T/rc")
[ "$(cat "$T/rc")" -eq 1 ] || fail "-w, out of descriptors: exit $(cat "$T/rc")"
expect_out "^UNREADABLE /usr/local/bin/d/d.*: Too many open files" \
    "-w, out of descriptors"
pass "-w: what cannot be walked is UNREADABLE"

# The database must be the root's: a link to another one is refused.
installed_root "$R"
mv "$R/var/db/pkg" "$T/elsewhere-db"
ln -s "$T/elsewhere-db" "$R/var/db/pkg"
scan
[ "$RC" -eq 2 ] || fail "database linked out of the root: exit $RC"
expect_err "resolved inside the root" "database linked out of the root"
pv -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
[ "$RC" -eq 2 ] || fail "database linked out of the root, -P: exit $RC"
rm -f "$T/elsewhere-db"/local.sqlite-*
run "$PKG_VERIFY" export -s "$T/export.state" -p "$T/k.pub" -c "$REPO" \
    -r "$R" -o "$T/offline-out" -a
[ "$RC" -eq 2 ] || fail "database linked out of the root, export: exit $RC"
[ -z "$(ls "$T/elsewhere-db" | grep -v '^local.sqlite$')" ] ||
    fail "export wrote next to a database outside the root"
pass "database linked out of the root: refused by -a, -P and export"

# Offline store for read-only media, then checked from it alone.
installed_root "$R"
run "$PKG_VERIFY" export -s "$T/export.state" -p "$T/k.pub" -c "$REPO" \
    -r "$R" -o "$T/offline" -a
[ "$RC" -eq 0 ] || fail "export: exit $RC: $(cat "$T/err")"
[ -f "$T/offline/index" ] || fail "export wrote no index"
[ "$(ls "$T/offline/records" | wc -l)" -eq 3 ] ||
    fail "export: $(ls "$T/offline/records" | wc -l) record files"
chmod -R a-w "$T/offline"
pv -p "$T/k.pub" -c "$T/offline" -r "$R" -a
chmod -R u+w "$T/offline"
[ "$RC" -eq 0 ] || fail "check from the export: exit $RC"
pass "export -a, then -a from the offline copy alone"

# The database on read-only media (immutable open).
installed_root "$R"
chmod a-w "$R/var/db/pkg"
pv -p "$T/k.pub" -c "$REPO" -r "$R" -a
chmod u+w "$R/var/db/pkg"
[ "$RC" -eq 0 ] || fail "read-only database directory: exit $RC"
[ ! -e "$R/var/db/pkg/local.sqlite-shm" ] || [ "$(id -u)" -eq 0 ] ||
    fail "a -shm file was written"
pass "database in a read-only directory"

done_testing
