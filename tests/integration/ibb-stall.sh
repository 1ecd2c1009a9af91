#!/bin/bash
# A receiver that stops acknowledging IBB data (SIGSTOP) while it stays
# online: the sender gives up --idle-timeout after the last ack, with exit
# 75 and a message that says so, and leaves nothing behind on its side.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 40000000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost --idle-timeout 60
timeout 60 "$XFER" send -v --idle-timeout 3 -c "$ca" bob@localhost/box "$T/f.bin" \
	> "$T/out" 2> "$T/err" < /dev/null &
SEND_PID=$!
wait_log "$T/recv.err" "accepted f.bin" 20 "$SEND_PID"
sleep 0.5
kill -STOP "$RECV_PID"
at_exit "kill -CONT $RECV_PID 2>/dev/null"
stopped=$(date +%s)
wait_rc "$SEND_PID" 30
took=$(( $(date +%s) - stopped ))
cat "$T/err"
[ "$WAIT_RC" -eq 75 ] || fail "send exited $WAIT_RC, expected 75"
assert_grep "$T/err" "sending data: no answer from bob@localhost/box within 3 s"
[ "$took" -le 10 ] || fail "the sender took $took s to notice a receiver silent for 3 s"
exit 0
