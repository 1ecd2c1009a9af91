#!/bin/bash
# A receiver that accepts at most 1024-byte blocks answers a larger open
# with <resource-constraint/>; the sender halves the block size until it is
# accepted (8192 -> 4096 -> 2048 -> 1024) and the file arrives intact.
# Over Jingle (XEP-0261) the receiver lowers the block size in its
# session-accept, so the first open is already accepted.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb" "ibb_block_size = 8192")
cb=$(write_config bob "resource = box" "ibb_block_size = 1024")
mkdir "$T/in"
head -c 50000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vv --protocol si -c "$ca" bob@localhost/box "$T/f.bin"
assert_grep "$T/err" "bob@localhost/box wants smaller IBB blocks; trying 4096 bytes"
assert_grep "$T/err" "trying 1024 bytes"
assert_grep "$T/err" "open, block size 1024"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "the file differs"

start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vvv -c "$ca" bob@localhost/box "$T/f.bin"
grep "RECV: <iq" "$T/err" | grep 'action="session-accept"' |
	grep 'xmlns="urn:xmpp:jingle:transports:ibb:1"' | grep -q 'block-size="1024"' ||
	fail "the session-accept did not lower the block size to 1024"
assert_grep "$T/err" "open, block size 1024"
assert_no_grep "$T/err" "wants smaller IBB blocks"
assert_grep "$T/err" "via ibb over Jingle"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC (Jingle)"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f (1).bin")" ] || fail "the file differs (Jingle)"
exit 0
