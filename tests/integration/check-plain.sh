#!/bin/bash
# With SASL PLAIN, the only mechanism that puts the password itself on the
# wire, -vvv must still not show it, neither plain nor base64-encoded.
. "$TESTS_SRCDIR/lib.sh"
prosody_start 'disable_sasl_mechanisms = { "SCRAM-SHA-1"; "SCRAM-SHA-1-PLUS" }'
cfg=$(write_config alice)
run_xfer 0 check -vvv -c "$cfg"
assert_grep "$T/err" "SASL PLAIN auth successful"
assert_grep "$T/err" "SASL exchange, content not shown"
assert_no_grep "$T/err" "alice-pw"
assert_no_grep "$T/err" "$(printf '\0alice\0alice-pw' | base64)"
assert_no_grep "$T/err" "$(printf '\0alice\0alice-pw' | base64 | tr -d =)"
exit 0
