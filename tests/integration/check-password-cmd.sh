#!/bin/bash
# password_cmd: the first line of its output is the password; a failing
# command stops with exit 78 before connecting; a file with only
# password_cmd may be readable by others.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cfg=$(write_config alice)
sed -i '/^password = /d' "$cfg"
echo "password_cmd = printf 'alice-pw\nsecond line\n'" >> "$cfg"
chmod 644 "$cfg"
run_xfer 0 check -c "$cfg"
assert_grep "$T/out" "jid:                alice@localhost/"

sed -i "s|^password_cmd = .*|password_cmd = echo wrong|" "$cfg"
run_xfer 77 check -c "$cfg"
assert_grep "$T/err" "authentication failed for alice@localhost"

sed -i "s|^password_cmd = .*|password_cmd = exit 4|" "$cfg"
run_xfer 78 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: password_cmd of account 'default' failed (exit status 4)" ] ||
	fail "unexpected message: $(cat "$T/err")"

sed -i "s|^password_cmd = .*|password_cmd = true|" "$cfg"
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "password_cmd of account 'default' printed no password"
exit 0
