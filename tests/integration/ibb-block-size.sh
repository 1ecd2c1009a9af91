#!/bin/bash
# A receiver that accepts at most 1024-byte blocks answers a larger open
# with <resource-constraint/>; the sender halves the block size until it is
# accepted (8192 -> 4096 -> 2048 -> 1024) and the file arrives intact.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb" "ibb_block_size = 8192")
cb=$(write_config bob "resource = box" "ibb_block_size = 1024")
mkdir "$T/in"
head -c 50000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vv -c "$ca" bob@localhost/box "$T/f.bin"
assert_grep "$T/err" "bob@localhost/box wants smaller IBB blocks; trying 4096 bytes"
assert_grep "$T/err" "trying 1024 bytes"
assert_grep "$T/err" "open, block size 1024"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "the file differs"
exit 0
