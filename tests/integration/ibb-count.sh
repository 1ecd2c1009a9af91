#!/bin/bash
# recv --count 1 takes one file: a second offer, in the same session or
# while recv shuts down, is refused at once (not left waiting, no temp
# file), and recv exits 0 for the one it delivered.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in"
echo one > "$T/a.txt"
echo two > "$T/b.txt"
start_recv "$cb" -d "$T/in" --from alice@localhost --count 1
start=$(date +%s)
run_xfer 69 send -c "$ca" bob@localhost/box "$T/a.txt" "$T/b.txt"
took=$(( $(date +%s) - start ))
# recv refuses the second offer, or is already leaving when it arrives and
# its unavailable presence tells the sender: either way at once.
grep -qE "b.txt: bob@localhost/box (declined the file: the receiver takes no more files now|went offline)$" "$T/err" ||
	fail "unexpected: $(cat "$T/err")"
[ "$took" -lt 10 ] || fail "the sender waited $took s for an answer"
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC"
[ "$(cat "$T/in/a.txt")" = one ] || fail "a.txt not delivered"
[ "$(files_in "$T/in")" -eq 1 ] || fail "DIR holds: $(ls -A "$T/in")"
exit 0
