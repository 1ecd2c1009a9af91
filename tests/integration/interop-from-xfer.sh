#!/bin/bash
# Interoperability: xfer send to a slixmpp receiver over SI + IBB: 3 MiB,
# empty and 4097 bytes, compared by sha256; then a block size slixmpp does
# not accept (16384 > its 4096 limit here): it answers resource-constraint
# and refuses a second open of the stream, so xfer makes a new offer with
# smaller blocks, and the file still arrives.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
mkdir "$T/in"
head -c 3145728 /dev/urandom > "$T/three.bin"
: > "$T/empty.bin"
head -c 4097 /dev/urandom > "$T/odd.bin"
start_sipeer_recv bob peer --dir "$T/in" --count 3 --from alice@localhost --timeout 120
run_xfer 0 send -c "$ca" bob@localhost/peer "$T/three.bin" "$T/empty.bin" "$T/odd.bin"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC"; }
for f in three.bin empty.bin odd.bin; do
	grep -qxF "received $T/in/$f $(stat -c %s "$T/$f") $(sha "$T/$f")" "$T/peer.out" ||
		{ cat "$T/peer.out"; fail "slixmpp did not report $f with the right sha256"; }
	[ "$(sha "$T/$f")" = "$(sha "$T/in/$f")" ] || fail "$f differs"
done

rm -f "$T/in"/*
ca16=$(write_config carol "ibb_block_size = 16384")
start_sipeer_recv bob peer2 --dir "$T/in" --count 1 --from carol@localhost --max-block-size 4096 --timeout 60
run_xfer 0 send -v -c "$ca16" bob@localhost/peer2 "$T/odd.bin"
assert_grep "$T/err" "wants smaller IBB blocks; trying 8192 bytes"
assert_grep "$T/err" "refused a second open of the stream; offering odd.bin again with 8192-byte blocks"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC"; }
[ "$(sha "$T/odd.bin")" = "$(sha "$T/in/odd.bin")" ] || fail "odd.bin differs"
exit 0
