#!/bin/bash
# A wrong password is an authentication failure, exit 77, naming the JID.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cfg=$(write_config alice)
sed -i 's/^password = .*/password = not-the-password/' "$cfg"
run_xfer 77 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: authentication failed for alice@localhost" ] ||
	fail "unexpected message: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a report was printed for a failed login"
# An unknown user fails the same way.
sed -i 's/^jid = .*/jid = nobody@localhost/' "$cfg"
run_xfer 77 check -c "$cfg"
assert_grep "$T/err" "authentication failed for nobody@localhost"

# With tls = trust the certificate check is overridden; a bad password must
# still be reported as such, not as an untrusted certificate.
sed -i -e 's/^jid = .*/jid = alice@localhost/' -e '/^cafile/d' "$cfg"
echo "tls = trust" >> "$cfg"
run_xfer 77 check -c "$cfg"
assert_grep "$T/err" "xfer: authentication failed for alice@localhost"
assert_no_grep "$T/err" "not trusted"
exit 0
