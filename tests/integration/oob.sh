#!/bin/bash
# Out-of-band (XEP-0066): a receiver that takes neither SOCKS5 nor IBB gets
# the file over HTTP from the sender (name with spaces and UTF-8, so it is
# percent-encoded in the URL); a URL the receiver cannot reach fails with
# both ends saying so and no file left; max_size refuses before download.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in"
name="été à la plage #1.bin"
head -c 2500000 /dev/urandom > "$T/$name"
closed=$(free_port)

ca=$(write_config alice)
cb=$(write_config bob "resource = box" "methods = oob")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vv -c "$ca" bob@localhost "$T/$name"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
[ "$(sha "$T/$name")" = "$(sha "$T/in/$name")" ] || fail "the copy differs"
assert_grep "$T/err" "s5b did not work: the receiver does not support it"
assert_grep "$T/err" "ibb did not work: the receiver does not support it"
assert_grep "$T/err" "serving $name at http://127.0.0.1:"
assert_grep "$T/err" "/%C3%A9t%C3%A9%20%C3%A0%20la%20plage%20%231.bin"
assert_grep "$T/err" "via oob"
assert_grep "$T/recv.err" "via oob"
assert_grep "$T/recv.out" "$T/in/$name"

# The URL points at a closed port: the receiver cannot fetch it.
ca=$(write_config alice "oob_address = 127.0.0.1:$closed")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 69 send -c "$ca" bob@localhost "$T/$name"
assert_grep "$T/err" "oob: the receiver could not fetch the file"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 69 ] || fail "recv exited $WAIT_RC, expected 69"
assert_grep "$T/recv.err" "127.0.0.1:$closed"
[ "$(files_in "$T/in")" -eq 1 ] || fail "a file was left: $(ls -A "$T/in")"

# Larger than max_size: refused before any byte is stored.
ca=$(write_config alice)
cb=$(write_config bob "resource = box" "methods = oob" "max_size = 1M")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 69 send -c "$ca" bob@localhost "$T/$name"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 73 ] || fail "recv exited $WAIT_RC, expected 73"
assert_grep "$T/recv.err" "max_size"
[ "$(files_in "$T/in")" -eq 1 ] || fail "a file was left: $(ls -A "$T/in")"
exit 0
