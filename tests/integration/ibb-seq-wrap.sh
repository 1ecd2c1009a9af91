#!/bin/bash
# More than 65536 blocks, so seq wraps from 65535 to 0 (512-byte blocks,
# 65,540 of them); the receiver checks every seq and the sha256 matches.
. "$TESTS_SRCDIR/lib.sh"
# 65,540 round trips: minutes under the sanitizers on a loaded 2-core machine.
RUN_XFER_TIMEOUT=400
prosody_start 'network_settings = { read_size = 65536 }'
ca=$(write_config alice "methods = ibb" "ibb_block_size = 512" "ibb_window = 32")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c $((512 * 65540 - 100)) /dev/urandom > "$T/wrap.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vv -c "$ca" bob@localhost/box "$T/wrap.bin"
assert_grep "$T/err" "block size 512"
wait_rc "$RECV_PID" 120; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
[ "$(sha "$T/wrap.bin")" = "$(sha "$T/in/wrap.bin")" ] || fail "the file differs"
exit 0
