#!/bin/bash
# xfer check against the private server: login, TLS, services, and no
# password in the output even at the highest verbosity.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cfg=$(write_config alice)

run_xfer 0 check -c "$cfg"
assert_grep "$T/out" "account:            default"
grep -qE '^jid: +alice@localhost/xfer-[0-9a-f]{6}$' "$T/out" || fail "no bound JID with a random resource"
assert_grep "$T/out" "server:             127.0.0.1 port $C2S_PORT"
grep -qE '^encryption: +TLSv1\.[23] \(.+\), certificate verified$' "$T/out" || fail "no TLS line"
assert_grep "$T/out" "stream management:  offered (xfer does not use it)"
assert_grep "$T/out" "SOCKS5 proxy:       proxy.localhost: 127.0.0.1 port $PROXY_PORT"
assert_grep "$T/out" "HTTP upload:        upload.localhost (max file size 10485760 bytes)"
[ ! -s "$T/err" ] || fail "unexpected stderr: $(cat "$T/err")"

# A report that cannot be written is an I/O error (74), not a success.
rc=0
timeout 60 "$XFER" check -c "$cfg" >/dev/full 2>"$T/err" || rc=$?
[ "$rc" -eq 74 ] || fail "check >/dev/full exited $rc, not 74"
assert_grep "$T/err" "cannot write the report: No space left on device"

# Two instances of one account get different resources.
run_xfer 0 check -c "$cfg"
r1=$(grep '^jid:' "$T/out")
run_xfer 0 check -c "$cfg"
[ "$r1" != "$(grep '^jid:' "$T/out")" ] || fail "resource is not random"

# A fixed resource, from a named account, found through $XFER_CONFIG.
cat >> "$cfg" <<EOC
[account fixed]
jid = bob@localhost
password = bob-pw
host = 127.0.0.1
port = $C2S_PORT
cafile = $PROSODY_DIR/server.pem
resource = laptop
EOC
XFER_CONFIG=$cfg run_xfer 0 check -a fixed
assert_grep "$T/out" "account:            fixed"
assert_grep "$T/out" "jid:                bob@localhost/laptop"

# -vvv shows the protocol but never the password (SCRAM here; PLAIN is
# covered by check-plain.sh).
run_xfer 0 check -vvv -c "$cfg"
assert_grep "$T/err" "SASL exchange, content not shown"
assert_grep "$T/err" "RECV: <features"
assert_no_grep "$T/err" "alice-pw"
assert_no_grep "$T/out" "alice-pw"

# tls = trust encrypts without verifying, and says so on every run.
cfg2=$(write_config carol "tls = trust")
sed -i '/^cafile/d' "$cfg2"
run_xfer 0 check -c "$cfg2"
assert_grep "$T/err" "warning: the server certificate is not verified (tls = trust)"
assert_grep "$T/out" "certificate NOT verified (tls = trust)"
# -q silences the warning.
run_xfer 0 check -q -c "$cfg2"
[ ! -s "$T/err" ] || fail "-q did not silence warnings"
exit 0
