#!/bin/bash
# A server that shapes each client to 3000 B/s (ejabberd's stock c2s
# shaper in Debian; Prosody's mod_limits here): 120 kB over IBB takes about
# a minute, with an ack every two seconds. The idle limit (20 s) runs from
# the last ack, not from when a data IQ was queued: a full window of 32
# blocks takes longer than that to drain, and the transfer used to fail
# after about 25 s (exit 75, "no answer within 20 s").
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "3kb/s"
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 120000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost --idle-timeout 30
start=$(date +%s)
RUN_XFER_TIMEOUT=150 run_xfer 0 send -v --idle-timeout 20 -c "$ca" bob@localhost/box "$T/f.bin"
took=$(( $(date +%s) - start ))
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "the file differs"
# 120 kB is 160 kB of base64: at 3000 B/s that cannot take less than
# the idle limit, or the test did not test a shaped server.
[ "$took" -ge 25 ] || fail "took only $took s: the rate limit was not in effect"
note "120 kB through a 3000 B/s limit took $took s"
exit 0
