#!/bin/bash
# A server that takes stanzas of at most 10000 bytes (Prosody's
# c2s_stanza_size_limit) ends the stream with policy-violation when an IBB
# data stanza is larger (16384-byte blocks are 22 kB of base64). The
# sender says so at once and names the key to change, instead of "no
# answer within 60 s"; nothing is left at the receiver.
. "$TESTS_SRCDIR/lib.sh"
prosody_start 'c2s_stanza_size_limit = 10000'
ca=$(write_config alice "methods = ibb" "ibb_block_size = 16384")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 100000 /dev/urandom > "$T/f.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost --idle-timeout 5
start=$(date +%s)
run_xfer 69 send -c "$ca" bob@localhost/box "$T/f.bin"
took=$(( $(date +%s) - start ))
assert_grep "$T/err" "sending data: the server closed the stream (policy-violation"
assert_grep "$T/err" "lower ibb_block_size"
[ "$took" -le 20 ] || fail "the sender took $took s to report a closed stream"
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -ne 0 ] || fail "recv exited 0 with no file delivered"
[ "$(files_in "$T/in")" -eq 0 ] || fail "a file was left: $(ls -A "$T/in")"
exit 0
