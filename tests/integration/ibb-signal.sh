#!/bin/bash
# Stopping either side with a signal ends the transfer cleanly: recv on
# SIGTERM exits 143 and leaves no file (the sender is told and fails);
# send on SIGINT exits 130 and tells recv, which fails and leaves no file.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "200kb/s"
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 4000000 /dev/urandom > "$T/f.bin"

started() { wait_receiving "$RECV_PID" "$T/in" 20000; }

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost/box "$T/f.bin" >"$T/out" 2>"$T/err" &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
started
kill -TERM "$RECV_PID"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 143 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC on SIGTERM, not 143"; }
[ "$(files_in "$T/in")" -eq 0 ] || fail "recv left: $(ls -A "$T/in")"
# The sender learns it from recv's <close/> (76) or, when the server's
# errors for data already in flight come first, from those (69): a race.
wait_rc "$send_pid" 20
case "$WAIT_RC" in
76) assert_grep "$T/err" "the receiver closed the stream" ;;
69) grep -qE "answered (service|recipient)-unavailable|the receiver went offline" "$T/err" ||
	fail "send exited 69 without saying the receiver left: $(cat "$T/err")" ;;
*) cat "$T/err"; fail "send exited $WAIT_RC, not 76 or 69" ;;
esac

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost/box "$T/f.bin" >"$T/out" 2>"$T/err" &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
started
kill -INT "$send_pid"
wait_rc "$send_pid" 20
[ "$WAIT_RC" -eq 130 ] || { cat "$T/err"; fail "send exited $WAIT_RC on SIGINT, not 130"; }
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 76 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC, not 76"; }
assert_grep "$T/recv.err" "the stream ended after"
[ "$(files_in "$T/in")" -eq 0 ] || fail "recv left: $(ls -A "$T/in")"
exit 0
