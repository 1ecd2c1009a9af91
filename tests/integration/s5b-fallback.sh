#!/bin/bash
# When SOCKS5 cannot work, xfer falls back by itself:
#  1. the direct streamhost refuses and there is no proxy: the receiver
#     (si-multiple) says so and the same stream continues over IBB, with
#     no second offer;
#  2. the direct streamhost accepts but never answers SOCKS5: the
#     receiver gives up after s5b_connect_timeout, then IBB;
#  3. a SOCKS5 client asking the sender's listener for a wrong hash gets
#     the failure reply, and the transfer still succeeds via the proxy;
#  4. everything fails: exit 69 and one message naming every method.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in"
head -c 300000 /dev/urandom > "$T/f.bin"
closed=$(free_port)
cb=$(write_config bob "resource = box")

# 1. refused direct, no proxy
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed" "s5b_proxy = none")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vvv --protocol si -c "$ca" bob@localhost "$T/f.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (1)"; }
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "copy 1 differs"
assert_grep "$T/err" "accepted f.bin with s5b (si-multiple)"
assert_grep "$T/err" "s5b did not work: the receiver could not connect to any of 1 streamhost (item-not-found"
assert_grep "$T/err" "accepted f.bin with ibb (si-multiple)"
assert_grep "$T/err" "via ibb"
offers=$(grep "SENT: <iq" "$T/err" | grep -c 'profile="http://jabber.org/protocol/si/profile/file-transfer"')
[ "$offers" -eq 1 ] || fail "$offers SI offers, expected 1"
assert_grep "$T/recv.err" "127.0.0.1 port $closed: Connection refused); waiting for the next method"

# 2. a streamhost that accepts and then says nothing
tarpit=$(free_port)
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$tarpit" &
at_exit "kill $! 2>/dev/null"
wait_port "$tarpit" || fail "tarpit did not start"
ca=$(write_config alice "s5b_address = 127.0.0.1:$tarpit" "s5b_proxy = none")
cb=$(write_config bob "resource = box" "s5b_connect_timeout = 2")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v --protocol si -c "$ca" bob@localhost "$T/f.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (2)"; }
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f (1).bin")" ] || fail "copy 2 differs"
assert_grep "$T/recv.err" "127.0.0.1 port $tarpit: no SOCKS5 answer in time"
assert_grep "$T/err" "via ibb"

# 3. a wrong hash at the sender's listener
read -r listen relay < <(free_ports 2)
"$PYTHON" "$TESTS_SRCDIR/interop/s5b_rogue.py" "$relay" "$listen" "$T/rogue" &
at_exit "kill $! 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -e "$T/rogue.ready" ] && break; sleep 0.1; done
ca=$(write_config alice "s5b_listen = 127.0.0.1:$listen" "s5b_address = 127.0.0.1:$relay")
cb=$(write_config bob "resource = box")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v --protocol si -c "$ca" bob@localhost "$T/f.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (3)"; }
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f (2).bin")" ] || fail "copy 3 differs"
for ((i = 0; i < 50; i++)); do [ -s "$T/rogue" ] && break; sleep 0.1; done
[ "$(cat "$T/rogue")" = "rep 2" ] || fail "wrong hash: expected SOCKS5 reply 2, got '$(cat "$T/rogue")'"
assert_grep "$T/err" "via the proxy proxy.localhost"

# 4. nothing works: the receiver takes only s5b, which cannot connect
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed" "s5b_proxy = none")
cb=$(write_config bob "resource = box" "methods = s5b")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 69 send --protocol si -c "$ca" bob@localhost "$T/f.bin"
assert_grep "$T/err" "xfer: $T/f.bin: no transfer method worked with bob@localhost/box; s5b: the receiver could not connect to any of 1 streamhost (item-not-found: no streamhost could be reached); a firewall or NAT may be in the way: see s5b_address and s5b_proxy; ibb: the receiver does not support it; oob: the receiver does not support it"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 69 ] || fail "recv exited $WAIT_RC, expected 69 (4)"
assert_grep "$T/recv.err" "127.0.0.1 port $closed: Connection refused"
[ "$(files_in "$T/in")" -eq 3 ] || fail "a partial file was left: $(ls -A "$T/in")"
exit 0
