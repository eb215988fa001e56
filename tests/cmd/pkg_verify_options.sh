#!/usr/bin/env bash
# pkg-verify options documented in pkg-verify(8) beyond the basic checks:
# expiry (-x), rollback state (-s), the pkg database (-a, -d), versions
# (VERSION_MISMATCH), JSON output, trust directories (-T), export, -j, -q.
# Each group runs on its own, so one failure does not hide the others.
. "$(dirname "$0")/lib.sh"

signed_setup

expiry() {
	local old=$T/expired/141amd64-default
	copy_repo "$POUDRIERE" "$old"
	sign k "$old" -t 1700000000
	pv -p "$T/k.pub" -c "$old" -r "$R" -P hello-tools
	[ "$RC" -eq 2 ] || fail "expired index: exit $RC, expected 2"
	expect_err 'expired' "expired index message"
	pass "expired index: exit 2"
	pv -x -p "$T/k.pub" -c "$old" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "expired index with -x: exit $RC, expected 0"
	expect_err 'expire' "-x still warns"
	pass "expired index with -x: exit 0 and a warning"
}

rollback() {
	local r=$T/rb/141amd64-default
	copy_repo "$POUDRIERE" "$r"
	sign k "$r"
	cp -a "$r/.real_1700000000/filesigs" "$T/rb-old"
	pv -p "$T/k.pub" -c "$r" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "first index: exit $RC"
	[ -s "$(state_for -c "$r")" ] || fail "no state file written"
	sign k "$r"
	pv -p "$T/k.pub" -c "$r" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "newer index: exit $RC"
	rm -rf "$r/.real_1700000000/filesigs"
	cp -a "$T/rb-old" "$r/.real_1700000000/filesigs"
	pv -p "$T/k.pub" -c "$r" -r "$R" -P hello-tools
	[ "$RC" -eq 2 ] || fail "rolled-back index: exit $RC, expected 2"
	expect_err 'rollback' "rollback message"
	pass "-s: an older index is refused as a rollback"
}

all_installed() {
	installed_root "$R"
	pv -p "$T/k.pub" -c "$REPO" -r "$R" -a
	[ "$RC" -eq 0 ] || fail "-a: exit $RC"
	expect_err '25 checked, 0 problems' "-a summary"
	pass "-a: every package of local.sqlite checked"
	mkdir -p "$T/db"
	cp -a "$R/var/db/pkg" "$T/db/"
	rm -rf "$R/var/db/pkg"
	pv -p "$T/k.pub" -c "$REPO" -r "$R" -d "$T/db/pkg" -a
	[ "$RC" -eq 0 ] || fail "-d: exit $RC"
	expect_err '25 checked' "-d summary"
	installed_root "$R"
	pass "-d: the database elsewhere"
	# The database is never trusted for digests: change both.
	echo x >>"$R/usr/local/bin/hello-which"
	sqlite3 "$R/var/db/pkg/local.sqlite" "UPDATE files SET sha256 = '1\$' || '$(sha256sum <"$R/usr/local/bin/hello-which" | cut -c1-64)' WHERE path = '/usr/local/bin/hello-which'" ||
	    fail "cannot update local.sqlite"
	pv -p "$T/k.pub" -c "$REPO" -r "$R" -a
	[ "$RC" -eq 1 ] || fail "file and database changed: exit $RC"
	expect_verdict MODIFIED /usr/local/bin/hello-which "file and database changed"
	installed_root "$R"
	pass "-a: a file changed together with the database is still found"
}

version_mismatch() {
	installed_root "$R"
	local old=$T/older
	copy_repo "$FIXTURES/pkg-versions/older-release" "$old"
	sign k "$old"
	pv -p "$T/k.pub" -c "$old" -r "$R" -P hello-tools
	[ "$RC" -eq 1 ] || fail "VERSION_MISMATCH: exit $RC, expected 1"
	expect_out '^VERSION_MISMATCH ' "installed 1.0.2, signed 1.0.1"
	expect_out '1\.0\.1' "VERSION_MISMATCH names the signed version"
	expect_out '1\.0\.2' "VERSION_MISMATCH names the installed version"
	pass "installed 1.0.2 against 1.0.1's records: VERSION_MISMATCH"
}

installed_version() {
	installed_root "$R"
	# Both releases signed in one repository; the root has 1.0.2.
	local both=$T/both
	copy_repo "$POUDRIERE" "$both"
	rm -rf "$both/.real_1700000000/filesigs"
	cp "$FIXTURES/pkg-versions/older-release/All/hello-tools-1.0.1.pkg" \
	    "$both/.real_1700000000/All/"
	sign k "$both"
	grep -q '^P hello-tools 1.0.1 ' "$(index_of "$both")" ||
	    fail "1.0.1 not signed"
	pv -p "$T/k.pub" -c "$both" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "-P hello-tools with 1.0.1 and 1.0.2 signed:" \
	    "exit $RC (the installed 1.0.2 must be checked)"
	pv -p "$T/k.pub" -c "$both" -r "$R" -P hello-tools-1.0.1
	[ "$RC" -eq 1 ] || fail "-P hello-tools-1.0.1: exit $RC, expected 1"
	pass "-P name checks the version the pkg database lists"
}

json() {
	installed_root "$R"
	echo x >>"$R/usr/local/bin/hello-which"
	run "$PKG_VERIFY" -s "$T/json-state" --json -p "$T/k.pub" -c "$REPO" -r "$R" \
	    -P hello-tools -P tinyconf
	[ "$RC" -eq 1 ] || fail "--json: exit $RC"
	python3 - "$T/out" <<'PY' || fail "--json output"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "no output"
summary = lines[-1]
assert summary.get("summary") is True, summary
found = [l for l in lines[:-1]]
assert all(set(("verdict", "path", "package", "detail")) <= set(l) for l in found), found
mod = [l for l in found if l["verdict"] == "MODIFIED"]
assert len(mod) == 1 and mod[0]["path"] == "/usr/local/bin/hello-which", found
assert mod[0]["package"] == "hello-tools-1.0.2", mod
counts = summary.get("counts", summary)
assert counts.get("MODIFIED") == 1 and counts.get("OK") == 24, summary
for k in ("packages", "files", "bytes", "seconds"):
    assert k in summary, (k, summary)
PY
	installed_root "$R"
	pass "--json: one object per finding and a summary"
}

trust_dir() {
	installed_root "$R"
	local id
	id=$(sha256sum <"$T/k.pub" | cut -c1-64)
	mkdir -p "$T/fp/trusted" "$T/fp/revoked"
	printf 'function: "sha256"\nfingerprint: "%s"\n' "$id" >"$T/fp/trusted/k"
	pv -T "$T/fp" -c "$REPO" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "-T: exit $RC"
	pass "-T: trusted by fingerprint"
	cp "$T/fp/trusted/k" "$T/fp/revoked/k"
	pv -T "$T/fp" -c "$REPO" -r "$R" -P hello-tools
	[ "$RC" -eq 2 ] || fail "-T revoked: exit $RC, expected 2"
	pv -p "$T/k.pub" -T "$T/fp" -c "$REPO" -r "$R" -P hello-tools
	[ "$RC" -eq 2 ] || fail "-p with the key revoked by -T: exit $RC"
	pass "-T: a revoked key is refused, even when pinned"
}

export_offline() {
	installed_root "$R"
	run "$PKG_VERIFY" export -s "$T/export-state" -p "$T/k.pub" -c "$REPO" -r "$R" \
	    -P hello-tools -o "$T/offline"
	[ "$RC" -eq 0 ] || fail "export: exit $RC"
	[ -f "$T/offline/index" ] || [ -f "$T/offline/filesigs/index" ] ||
	    fail "export: no index"
	pv -p "$T/k.pub" -c "$T/offline" -r "$R" -P hello-tools
	[ "$RC" -eq 0 ] || fail "check from the export: exit $RC"
	pass "export, then check from the copy"
}

jobs_and_quiet() {
	installed_root "$R"
	rm "$R/usr/local/share/hello/LICENSE"
	pv -j 4 -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools -P tinyconf
	[ "$RC" -eq 1 ] || fail "-j 4: exit $RC"
	expect_verdict MISSING /usr/local/share/hello/LICENSE "-j 4"
	only_problems 1 "-j 4"
	pv -q -p "$T/k.pub" -c "$REPO" -r "$R" -P hello-tools
	[ "$RC" -eq 1 ] || fail "-q: exit $RC"
	[ ! -s "$T/err" ] || fail "-q: a summary was printed"
	only_problems 1 "-q"
	installed_root "$R"
	pass "-j 4 and -q"
}

subtest expiry
subtest rollback
subtest all_installed
subtest version_mismatch
subtest installed_version
subtest json
subtest trust_dir
subtest export_offline
subtest jobs_and_quiet

done_testing
