#!/bin/bash
# Interoperability over SOCKS5 bytestreams with slixmpp (tests/interop/sipeer.py):
#  a. slixmpp sends to xfer recv; slixmpp offers only the server's proxy,
#     so the data goes through proxy.localhost;
#  b. xfer send to slixmpp (--prefer s5b): xfer offers its own listener and
#     the proxy, slixmpp takes one and both ends must agree which; then,
#     with the direct streamhost on a closed port, the proxy is the only way;
#  c. plain-SI fallback: the direct streamhost is closed and there is no
#     proxy; slixmpp chose S5B (it does not know si-multiple), S5B fails,
#     and xfer makes a new offer without S5B: the file arrives over IBB.
# Every copy is compared by sha256 on both ends. Each slixmpp receiver has
# its own resource, so that nothing can be mistaken for the previous one.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
closed=$(free_port)
mkdir "$T/x" "$T/s"
head -c 2000001 /dev/urandom > "$T/f.bin"
size=2000001
sum=$(sha "$T/f.bin")

# peer_received DIR: the slixmpp receiver reported f.bin with our size and
# sha256, and its copy in DIR matches.
peer_received() {
	grep -qxF "received $1/f.bin $size $sum" "$T/peer.out" ||
		{ cat "$T/peer.out" "$T/peer.err"; fail "slixmpp did not report f.bin with the right size and sha256"; }
	[ "$(sha "$1/f.bin")" = "$sum" ] || fail "slixmpp's copy in $1 differs"
}

# a. slixmpp -> xfer, through the proxy
cb=$(write_config bob "resource = box")
start_recv "$cb" -vv -d "$T/x" --from alice@localhost
rc=0
# (--timeout bounds the whole slixmpp run)
sipeer alice send --method s5b --to bob@localhost/box --file "$T/f.bin" --timeout 30 \
	> "$T/a.out" 2> "$T/a.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/a.err"; fail "slixmpp send (s5b) exited $rc"; }
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "xfer recv exited $WAIT_RC (a)"; }
[ "$(sha "$T/x/f.bin")" = "$sum" ] || fail "xfer's copy differs (a)"
[ "$(files_in "$T/x")" -eq 1 ] || fail "unexpected files: $(ls -A "$T/x")"
grep -q "^sent $size " "$T/a.out" || { cat "$T/a.out"; fail "slixmpp did not report $size bytes sent"; }
assert_grep "$T/a.err" "s5b via the proxy proxy.localhost"
assert_grep "$T/recv.err" "offers streamhost proxy.localhost at 127.0.0.1 port $PROXY_PORT"
assert_grep "$T/recv.err" "f.bin: connected to streamhost proxy.localhost"
assert_grep "$T/recv.err" "received f.bin from alice@localhost/"
assert_grep "$T/recv.err" " via s5b: $size bytes in "
assert_grep "$T/recv.err" "via s5b"

# b1. xfer -> slixmpp, direct and proxy offered: whichever slixmpp takes,
# xfer and slixmpp must name the same one.
ca=$(write_config alice)
start_sipeer_recv bob peer1 --dir "$T/s" --prefer s5b --from alice@localhost --timeout 60
run_xfer 0 send -v -c "$ca" bob@localhost/peer1 "$T/f.bin"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC (b1)"; }
peer_received "$T/s"
assert_grep "$T/err" "f.bin: 1.9 MiB ($size bytes) in"
assert_grep "$T/err" "via s5b"
assert_grep "$T/peer.err" "accepted f.bin from alice@localhost/"
assert_grep "$T/peer.err" " with s5b (sid "
if grep -qF "direct connection from bob@localhost/peer1" "$T/err"; then
	assert_no_grep "$T/err" "via the proxy"
	assert_no_grep "$T/peer.err" "s5b stream for f.bin from 127.0.0.1 port $PROXY_PORT"
	assert_grep "$T/peer.err" "s5b stream for f.bin from 127.0.0.1 port "
	note "b1: slixmpp took xfer's direct streamhost"
elif grep -qF "via the proxy proxy.localhost" "$T/err"; then
	assert_grep "$T/peer.err" "s5b stream for f.bin from 127.0.0.1 port $PROXY_PORT"
	note "b1: slixmpp took the proxy"
else
	cat "$T/err"
	fail "xfer -v says neither 'direct connection from' nor 'via the proxy' (b1)"
fi

# b2. the direct streamhost is a closed port: only the proxy can work.
rm -f "$T/s/f.bin"
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed")
start_sipeer_recv bob peer2 --dir "$T/s" --prefer s5b --from alice@localhost --timeout 60
run_xfer 0 send -v -c "$ca" bob@localhost/peer2 "$T/f.bin"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC (b2)"; }
peer_received "$T/s"
assert_grep "$T/err" "via the proxy proxy.localhost"
assert_no_grep "$T/err" "direct connection from"
assert_grep "$T/err" "via s5b"
assert_grep "$T/peer.err" "s5b stream for f.bin from 127.0.0.1 port $PROXY_PORT"

# c. S5B cannot work at all; a plain-SI receiver chose it: a new offer, IBB.
rm -f "$T/s/f.bin"
ca=$(write_config alice "s5b_address = 127.0.0.1:$closed" "s5b_proxy = none")
start_sipeer_recv bob peer3 --dir "$T/s" --prefer s5b --from alice@localhost --timeout 60
run_xfer 0 send -v -c "$ca" bob@localhost/peer3 "$T/f.bin"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC (c)"; }
peer_received "$T/s"
assert_grep "$T/err" "s5b did not work"
assert_grep "$T/err" "f.bin: 1.9 MiB ($size bytes) in"
assert_grep "$T/err" "via ibb"
assert_no_grep "$T/err" "via s5b"
s5b_sid=$(sed -n 's/.* with s5b (sid \([^)]*\))$/\1/p' "$T/peer.err")
ibb_sid=$(sed -n 's/.* with ibb (sid \([^)]*\))$/\1/p' "$T/peer.err")
if [ -z "$s5b_sid" ] || [ -z "$ibb_sid" ]; then
	cat "$T/peer.err"
	fail "slixmpp did not accept first S5B, then IBB"
fi
[ "$s5b_sid" != "$ibb_sid" ] || fail "the IBB offer reused the S5B offer's sid $s5b_sid"
[ "$(grep -c " accepted f.bin from " "$T/peer.err")" -eq 2 ] ||
	{ cat "$T/peer.err"; fail "expected exactly two offers (S5B, then IBB)"; }
[ "$(files_in "$T/s")" -eq 1 ] || fail "unexpected files: $(ls -A "$T/s")"
exit 0
