#!/bin/bash
# A SOCKS5 transfer cut short: the sender killed mid-stream makes recv
# fail (exit 76, the stream ended early) and leave no file; the receiver
# killed mid-stream makes send fail (non-zero, naming the cause); a
# signal to the sender ends it with 128 + signal and the receiver keeps
# nothing.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box")
mkdir "$T/in"
# Large enough to be cut mid-stream at loopback speed; sparse, so cheap.
truncate -s 2G "$T/f.bin"

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost "$T/f.bin" >"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
wait_receiving "$RECV_PID" "$T/in" 1000000 60
kill -9 "$send_pid"
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 76 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC, expected 76"; }
assert_grep "$T/recv.err" "the sender closed the bytestream after"
[ "$(files_in "$T/in")" -eq 0 ] || fail "a partial file was left: $(ls -A "$T/in")"

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost "$T/f.bin" >"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
wait_receiving "$RECV_PID" "$T/in" 1000000 60
kill -9 "$RECV_PID"
wait_rc "$send_pid" 60
[ "$WAIT_RC" -ne 0 ] || fail "send succeeded although the receiver was killed"
assert_grep "$T/err" "f.bin: "
[ "$(files_in "$T/in")" -eq 0 ] || fail "a partial file was left: $(ls -A "$T/in")"

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost "$T/f.bin" >"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
wait_receiving "$RECV_PID" "$T/in" 1000000 60
kill -INT "$send_pid"
wait_rc "$send_pid" 30
[ "$WAIT_RC" -eq 130 ] || { cat "$T/err"; fail "send exited $WAIT_RC after SIGINT, expected 130"; }
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -ne 0 ] || fail "recv succeeded with a cut stream"
[ "$(files_in "$T/in")" -eq 0 ] || fail "a partial file was left: $(ls -A "$T/in")"
exit 0
