#!/bin/bash
# A Jingle receiver may acknowledge the whole in-band stream and still
# reject the file: its session-terminate (media-error) arrives before its
# answer to the IBB close. The sender reports the rejection (exit 76), not
# a delivery, whenever the terminate came.
. "$TESTS_SRCDIR/lib.sh"
"$PYTHON" -c 'import slixmpp' 2>/dev/null || skip "python3-slixmpp is not installed"
prosody_start
head -c 50000 /dev/urandom > "$T/f.bin"
ca=$(write_config alice)
timeout 90 "$PYTHON" "$TESTS_SRCDIR/interop/jinglepeer.py" recv --jid bob@localhost \
	--password bob-pw --resource box --host 127.0.0.1 --port "$C2S_PORT" \
	--cafile "$PROSODY_DIR/server.pem" --timeout 40 --reason media-error \
	> "$T/peer.out" 2> "$T/peer.err" < /dev/null &
PEER_PID=$!
at_exit "kill $PEER_PID 2>/dev/null"
wait_log "$T/peer.err" "online as" 20 "$PEER_PID"
run_xfer 76 send -v --protocol jingle --method ibb -c "$ca" bob@localhost/box "$T/f.bin"
assert_grep "$T/err" "bob@localhost/box rejected the file (media-error: the receiver rejects the file)"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "the responder exited $WAIT_RC"; }
assert_grep "$T/peer.out" "received 50000 bytes"
exit 0
