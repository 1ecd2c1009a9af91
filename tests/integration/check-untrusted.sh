#!/bin/bash
# A certificate that does not verify (self-signed, no cafile) is refused with
# exit 77 and a message that names the cafile key; a cafile for another
# certificate is refused too; with the right cafile it works.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cfg=$(write_config alice)
sed -i '/^cafile/d' "$cfg"
run_xfer 77 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: TLS certificate of 127.0.0.1 port $C2S_PORT is not trusted (self-signed certificate); if this is the right server, set 'cafile' in the config to its certificate or CA" ] ||
	fail "unexpected message: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a report was printed"

make_cert "$T" other
echo "cafile = $T/other.pem" >> "$cfg"
run_xfer 77 check -c "$cfg"
assert_grep "$T/err" "is not trusted"
assert_grep "$T/err" "set 'cafile'"

sed -i "s|^cafile = .*|cafile = $PROSODY_DIR/server.pem|" "$cfg"
run_xfer 0 check -c "$cfg"
assert_grep "$T/out" "certificate verified"
exit 0
