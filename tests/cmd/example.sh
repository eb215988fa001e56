#!/usr/bin/env bash
# The libverify example program: one file, and a whole package.
. "$(dirname "$0")/lib.sh"
: "${CHECK_FILE:?CHECK_FILE must name the built example}"

signed_setup

expect_rc 0 "one file" "$CHECK_FILE" -p "$T/k.pub" -c "$REPO" -r "$R" \
    /usr/local/bin/hello-true
expect_out "^OK /usr/local/bin/hello-true hello-tools-1.0.2$" "one file"
expect_rc 0 "one package" "$CHECK_FILE" -p "$T/k.pub" -c "$REPO" -r "$R" \
    -P tinyconf
[ "$(grep -c '^OK ' "$T/out")" -eq 5 ] || fail "one package: 5 OK lines"
pass "example: a file and a package verify"

echo changed >>"$R/usr/local/share/tinyconf/schema.txt"
expect_rc 1 "changed file" "$CHECK_FILE" -p "$T/k.pub" -c "$REPO" -r "$R" \
    -P tinyconf
expect_out "^MODIFIED /usr/local/share/tinyconf/schema.txt tinyconf-0.3_1" \
    "changed file"
expect_rc 2 "wrong key" "$CHECK_FILE" -p "$FIXTURES/keys/repo.pub" \
    -c "$REPO" -r "$R" -P tinyconf
pass "example: a change is reported, a wrong key refused"

done_testing
