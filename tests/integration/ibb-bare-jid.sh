#!/bin/bash
# Sending to a bare JID: without a subscription (xfer asks, recv approves
# for an allowed sender), then again with the subscription in place; and
# a contact that is offline is an error naming the JID, exit 69.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob)
mkdir "$T/in"
head -c 100000 /dev/urandom > "$T/f.bin"

start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v -c "$ca" bob@localhost "$T/f.bin"
assert_grep "$T/err" "asking bob@localhost for a presence subscription"
assert_grep "$T/err" "sending to bob@localhost/xfer-"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv failed"
assert_grep "$T/recv.err" "approving the presence subscription of alice@localhost"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "first copy differs"

start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v -c "$ca" bob@localhost "$T/f.bin"
assert_no_grep "$T/err" "asking bob@localhost for a presence subscription"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv failed (2)"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f (1).bin")" ] || fail "second copy differs"

# bob is offline now (subscription in place): exit 69 naming bob.
run_xfer 69 send --timeout 3 -c "$ca" bob@localhost "$T/f.bin"
assert_grep "$T/err" "xfer: bob@localhost is not available (no online resource within 3 s)"

# carol does not allow alice: her subscription request is refused.
cc=$(write_config carol)
start_recv "$cc" -d "$T/in" --from bob@localhost
run_xfer 69 send --timeout 10 -c "$ca" carol@localhost "$T/f.bin"
assert_grep "$T/err" "carol@localhost refused the presence subscription"
assert_grep "$T/recv.err" "refusing the presence subscription of alice@localhost (not allowed)"
exit 0
