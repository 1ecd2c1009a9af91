#!/bin/bash
# A sender that stalls without going offline (SIGSTOP): recv gives up after
# --idle-timeout with exit 75 and leaves nothing; the sender, once it runs
# again, learns the stream was closed and fails too.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "100kb/s"
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 2000000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost --idle-timeout 2
"$XFER" send -c "$ca" bob@localhost/box "$T/f.bin" >"$T/out" 2>"$T/err" &
send_pid=$!
at_exit "kill -CONT $send_pid 2>/dev/null; kill $send_pid 2>/dev/null"
wait_receiving "$RECV_PID" "$T/in" 10000
kill -STOP "$send_pid"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 75 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC, not 75"; }
assert_grep "$T/recv.err" "no data for too long (--idle-timeout)"
[ "$(files_in "$T/in")" -eq 0 ] || fail "left behind: $(ls -A "$T/in")"
kill -CONT "$send_pid"
wait_rc "$send_pid" 30
[ "$WAIT_RC" -ne 0 ] || fail "send succeeded"
assert_grep "$T/err" "f.bin: "
exit 0
