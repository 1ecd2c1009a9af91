#!/bin/bash
# An out-of-band send whose XMPP connection is lost while the receiver has
# not answered must fail: only the receiver's result says the file arrived
# (the sender used to read the answer that never came as delivered).
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in"
head -c 100000 /dev/urandom > "$T/f.bin"

ca=$(write_config alice)
cb=$(write_config bob "resource = box" "methods = oob")
start_recv "$cb" -d "$T/in" --from alice@localhost
# A receiver that takes the request but never answers it, nor fetches.
kill -STOP "$RECV_PID"
at_exit "kill -CONT $RECV_PID 2>/dev/null"
timeout 60 "$XFER" send -vv --timeout 4 --method oob -c "$ca" bob@localhost/box "$T/f.bin" \
	> "$T/out" 2> "$T/err" < /dev/null &
SEND_PID=$!
wait_log "$T/err" "serving f.bin at http://127.0.0.1:" 20 "$SEND_PID"
prosody_stop
wait_rc "$SEND_PID" 30
cat "$T/err"
[ "$WAIT_RC" -eq 69 ] || fail "send exited $WAIT_RC after the connection was lost, expected 69"
assert_grep "$T/err" "f.bin: connection to the server lost"
assert_no_grep "$T/err" "via oob"
exit 0
