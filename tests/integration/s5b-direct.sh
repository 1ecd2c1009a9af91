#!/bin/bash
# SOCKS5 bytestreams, direct: the receiver connects to the sender's own
# listener. Files of 0, 1 and 3 MB + 1 bytes in one run arrive intact;
# the sender says it used a direct connection, both ends say s5b.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box")
mkdir "$T/in" "$T/src"
: > "$T/src/empty.bin"
head -c 1 /dev/urandom > "$T/src/one.bin"
head -c 3000001 /dev/urandom > "$T/src/big.bin"

start_recv "$cb" -d "$T/in" --from alice@localhost --count 3
run_xfer 0 send -vv -c "$ca" bob@localhost "$T/src/empty.bin" "$T/src/one.bin" "$T/src/big.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
for f in empty one big; do
	[ "$(sha "$T/src/$f.bin")" = "$(sha "$T/in/$f.bin")" ] || fail "$f.bin differs"
done
[ "$(files_in "$T/in")" -eq 3 ] || fail "unexpected files: $(ls -A "$T/in")"
[ "$(grep -c "direct connection from bob@localhost/box" "$T/err")" -eq 3 ] || fail "not direct 3 times"
assert_grep "$T/err" "streamhost 1: alice@localhost/"
assert_grep "$T/err" "at 127.0.0.1 port"
assert_grep "$T/err" "big.bin: 2.9 MiB (3000001 bytes) in"
assert_grep "$T/err" "via s5b"
assert_no_grep "$T/err" "did not work"
assert_grep "$T/recv.err" "received big.bin from alice@localhost/"
assert_grep "$T/recv.err" " via s5b: 3000001 bytes in "
assert_grep "$T/recv.err" " -> $T/in/big.bin"
assert_grep "$T/recv.out" "$T/in/big.bin"

# The JID as a user may type it: the hash uses the server's spelling.
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v --method s5b -c "$ca" Bob@LocalHost/box "$T/src/one.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (case)"; }
[ "$(sha "$T/src/one.bin")" = "$(sha "$T/in/one (1).bin")" ] || fail "one.bin (case) differs"
assert_grep "$T/err" "direct connection from bob@localhost/box"
exit 0
