#!/bin/bash
# SOCKS5 bytestreams through the server's proxy65: the direct streamhost
# is advertised on a closed loopback port, so the receiver can only use
# the proxy; the sender activates it and the file arrives intact. With
# s5b_proxy naming the proxy, discovery is skipped and the same happens.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
closed=$(free_port)
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 2000000 /dev/urandom > "$T/f.bin"

start_recv "$cb" -vv -d "$T/in" --from alice@localhost
run_xfer 0 send -vv -c "$ca" bob@localhost "$T/f.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "the copy differs"
assert_grep "$T/err" "streamhost 1: alice@localhost/"
assert_grep "$T/err" "at 127.0.0.1 port $closed"
assert_grep "$T/err" "streamhost 2: proxy.localhost"
assert_grep "$T/err" "via the proxy proxy.localhost"
assert_grep "$T/err" "via s5b"
assert_grep "$T/recv.err" "connected to streamhost proxy.localhost"
assert_grep "$T/recv.err" "127.0.0.1 port $closed"

# The proxy named in the config.
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed" "s5b_proxy = proxy.localhost")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vv -c "$ca" bob@localhost "$T/f.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC (s5b_proxy)"
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f (1).bin")" ] || fail "the second copy differs"
assert_grep "$T/err" "via the proxy proxy.localhost"
exit 0
