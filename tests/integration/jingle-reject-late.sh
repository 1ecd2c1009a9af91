#!/bin/bash
# A Jingle receiver may acknowledge the whole in-band stream and still
# reject the file: its session-terminate (media-error) arrives before its
# answer to the IBB close. The sender reports the rejection (exit 76), not
# a delivery, whenever the terminate came.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
head -c 50000 /dev/urandom > "$T/f.bin"
ca=$(write_config alice)
start_jinglepeer_recv bob box --reason media-error
run_xfer 76 send -v --protocol jingle --method ibb -c "$ca" bob@localhost/box "$T/f.bin"
assert_grep "$T/err" "bob@localhost/box rejected the file (media-error: the receiver rejects the file)"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "the responder exited $WAIT_RC"; }
assert_grep "$T/peer.out" "received 50000 bytes"
exit 0
