#!/bin/bash
# A transfer cut short on either side: the sender killed mid-transfer makes
# recv exit non-zero and leave no file (not even a temp file); the receiver
# killed (SIGKILL: no chance to clean up) makes send exit non-zero, and
# leaves nothing either. Rate-limited so the transfer is slow
# enough to be interrupted.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "200kb/s"
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 4000000 /dev/urandom > "$T/f.bin"

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost/box "$T/f.bin" >"$T/out" 2>"$T/err" &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
wait_receiving "$RECV_PID" "$T/in" 20000
kill -9 "$send_pid"
wait_rc "$RECV_PID" 30; rc=$WAIT_RC
[ "$rc" -eq 69 ] || { cat "$T/recv.err"; fail "recv exited $rc after the sender died, not 69"; }
assert_grep "$T/recv.err" "f.bin from alice@localhost/"
assert_grep "$T/recv.err" "the sender went offline"
[ "$(files_in "$T/in")" -eq 0 ] || fail "left behind: $(ls -A "$T/in")"

start_recv "$cb" -d "$T/in" --from alice@localhost
"$XFER" send -c "$ca" bob@localhost/box "$T/f.bin" >"$T/out" 2>"$T/err" &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
wait_receiving "$RECV_PID" "$T/in" 20000
kill -9 "$RECV_PID"
wait_rc "$send_pid" 30; rc=$WAIT_RC
[ "$rc" -ne 0 ] || fail "send succeeded although the receiver died"
[ "$rc" -eq 69 ] || { cat "$T/err"; fail "send exited $rc, not 69"; }
assert_grep "$T/err" "f.bin: "
# Even SIGKILL leaves no partial file: the temp file has no name until the
# data is verified (O_TMPFILE).
[ "$(files_in "$T/in")" -eq 0 ] || fail "a killed recv left: $(ls -A "$T/in")"
exit 0
