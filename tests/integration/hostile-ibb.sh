#!/bin/bash
# In-band bytestream attacks on recv, sent as raw IQs by the slixmpp peer
# (tests/interop/sipeer.py raw): a second offer reusing a running stream's
# id is refused; data out of order, more data than announced, a block
# larger than the negotiated block size, and empty blocks used to keep a
# stream alive each fail that transfer, with nothing left in DIR.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cb=$(write_config bob "resource = box")
mkdir "$T/in"
TO=bob@localhost/box
offer() { # offer SID NAME SIZE
	echo "<iq type='set' to='$TO'><si xmlns='http://jabber.org/protocol/si' id='$1' profile='http://jabber.org/protocol/si/profile/file-transfer'><file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='$2' size='$3'/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'><field var='stream-method' type='list-single'><option><value>http://jabber.org/protocol/ibb</value></option></field></x></feature></si></iq>"
}
open_ibb() { echo "<iq type='set' to='$TO'><open xmlns='http://jabber.org/protocol/ibb' sid='$1' block-size='$2' stanza='iq'/></iq>"; }
data() { echo "<iq type='set' to='$TO'><data xmlns='http://jabber.org/protocol/ibb' sid='$1' seq='$2'>$3</data></iq>"; }
run_script() { # run_script NAME: sends $T/NAME.script, replies in $T/NAME.out
	sipeer alice raw --script "$T/$1.script" --timeout 30 > "$T/$1.out" 2> "$T/$1.err" ||
		{ cat "$T/$1.err"; fail "the raw peer failed in $1"; }
}
reply() { # reply NAME N EXPECTED...: line N of the replies starts with EXPECTED
	grep -qx "reply $2 $3.*" "$T/$1.out" || { cat "$T/$1.out"; fail "$1: reply $2 is not '$3'"; }
}

# Duplicate stream id, then data out of order.
start_recv "$cb" -d "$T/in" --from alice@localhost
{ offer s1 a.bin 6; open_ibb s1 4096; data s1 0 Zm9v; offer s1 b.bin 6; data s1 2 YmFy; } > "$T/order.script"
run_script order
reply order 1 result
reply order 2 result
reply order 3 result
reply order 4 "error not-acceptable (cancel): stream id already in use"
reply order 5 "error unexpected-request (cancel): data out of order (seq 2, expected 1)"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 76 ] || { cat "$T/recv.err"; fail "order: recv exited $WAIT_RC, not 76"; }
[ "$(files_in "$T/in")" -eq 0 ] || fail "order: left $(ls -A "$T/in")"

# More data than the offer announced.
start_recv "$cb" -d "$T/in" --from alice@localhost
{ offer s2 c.bin 3; open_ibb s2 4096; data s2 0 Zm9vYmFy; } > "$T/more.script"
run_script more
reply more 3 "error not-acceptable (cancel): the sender sent more than the 3 bytes it announced"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 76 ] || fail "more: recv exited $WAIT_RC, not 76"
[ "$(files_in "$T/in")" -eq 0 ] || fail "more: left $(ls -A "$T/in")"

# A block larger than the negotiated block size.
start_recv "$cb" -d "$T/in" --from alice@localhost
{ offer s3 d.bin 100; open_ibb s3 4; data s3 0 Zm9vYmFy; } > "$T/big.script"
run_script big
reply big 3 "error bad-request (cancel): invalid base64 or block larger than block-size"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 76 ] || fail "big: recv exited $WAIT_RC, not 76"
[ "$(files_in "$T/in")" -eq 0 ] || fail "big: left $(ls -A "$T/in")"

# Empty blocks every second do not keep a stream alive past --idle-timeout.
start_recv "$cb" -d "$T/in" --from alice@localhost --idle-timeout 2
{ offer s4 e.bin 10; open_ibb s4 4096; for i in 0 1 2 3 4; do data s4 $i ""; echo "sleep 1"; done; } > "$T/empty.script"
run_script empty
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 75 ] || { cat "$T/recv.err"; fail "empty: recv exited $WAIT_RC, not 75"; }
assert_grep "$T/recv.err" "no data for too long (--idle-timeout)"
[ "$(files_in "$T/in")" -eq 0 ] || fail "empty: left $(ls -A "$T/in")"
exit 0
