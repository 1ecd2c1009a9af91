#!/bin/bash
# Offers recv must refuse, with nothing written: a sender that is not
# allowed (<forbidden/>, and it does not count as handled), a file larger
# than max_size; and an existing file is never overwritten.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb")
cc=$(write_config carol)
cb=$(write_config bob "resource = box" "max_size = 10K")
mkdir "$T/in"
head -c 5000 /dev/urandom > "$T/small.bin"
head -c 20000 /dev/urandom > "$T/large.bin"

start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 69 send -c "$cc" bob@localhost/box "$T/small.bin"
assert_grep "$T/err" "xfer: $T/small.bin: bob@localhost/box declined the file: Offer declined"
assert_grep "$T/recv.err" "refused an offer from carol@localhost/"
[ "$(files_in "$T/in")" -eq 0 ] || fail "something was written: $(ls -A "$T/in")"
kill -0 "$RECV_PID" || fail "a refused stranger's offer ended recv"

run_xfer 69 send -c "$ca" bob@localhost/box "$T/large.bin"
assert_grep "$T/err" "declined the file: the file has 20000 bytes, more than max_size (10240)"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 73 ] || fail "recv did not exit 73 after refusing for size"
assert_grep "$T/recv.err" "more than max_size"
[ "$(files_in "$T/in")" -eq 0 ] || fail "something was written: $(ls -A "$T/in")"

# An existing file keeps its content; the new one gets a numbered name.
echo precious > "$T/in/small.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -c "$ca" bob@localhost/box "$T/small.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || fail "recv failed"
[ "$(cat "$T/in/small.bin")" = precious ] || fail "an existing file was overwritten"
[ "$(sha "$T/small.bin")" = "$(sha "$T/in/small (1).bin")" ] || fail "numbered copy differs"
grep -qxF "$T/in/small (1).bin" "$T/recv.out" || fail "recv printed $(cat "$T/recv.out")"

# recv refuses to start when nobody may send.
run_xfer 64 recv -c "$cb" -d "$T/in"
assert_grep "$T/err" "nobody may send files here: name senders with --from JID or 'accept_from'"
exit 0
