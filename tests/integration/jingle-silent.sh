#!/bin/bash
# A Jingle receiver that acknowledges the session-initiate and then says
# nothing (a client that crashed): the sender gives up after --timeout
# with exit 75 and a message that says what the receiver did and did not
# do, and ends the session it abandons (session-terminate timeout).
. "$TESTS_SRCDIR/lib.sh"
prosody_start
head -c 5000 /dev/urandom > "$T/f.bin"
ca=$(write_config alice)
start_jinglepeer_recv bob box --silent
run_xfer 75 send --timeout 3 --protocol jingle --method ibb -c "$ca" bob@localhost/box "$T/f.bin"
assert_grep "$T/err" "bob@localhost/box did not accept or decline the offer it acknowledged within 3 s"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "the responder exited $WAIT_RC"; }
assert_grep "$T/peer.out" "got session-terminate timeout"
exit 0
