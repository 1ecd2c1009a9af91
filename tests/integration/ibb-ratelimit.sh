#!/bin/bash
# A server that limits clients to 10 kB/s (Prosody's mod_limits, as in
# Debian's stock config): a small file still arrives, just slowly.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "10kb/s"
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 40000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost
start=$(date +%s)
run_xfer 0 send -v -c "$ca" bob@localhost/box "$T/f.bin"
took=$(( $(date +%s) - start ))
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "the file differs"
# 40 kB of data is ~54 kB of base64: the limit must have slowed it down,
# or the test did not test a limited server.
[ "$took" -ge 2 ] || fail "took only $took s: the rate limit was not in effect"
note "40 kB through a 10 kB/s limit took $took s"
exit 0
