#!/bin/bash
# An allowed sender may name any URL in an out-of-band request, so what goes
# wrong there must not tell it what listens on the receiver's side: a
# closed port, an HTTP 404 and a port that speaks something else (the XMPP
# server's) all get one and the same generic answer, while the receiver's
# log keeps the details.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in" "$T/www"
closed=$(free_port)
start_httpstub "$T/www"

cb=$(write_config bob "resource = box")
start_recv "$cb" -d "$T/in" --from alice@localhost -n 3
oob() { echo "<iq type='set' to='bob@localhost/box'><query xmlns='jabber:iq:oob'><url>http://127.0.0.1:$1/x</url></query></iq>"; }
{ oob "$closed"; oob "$HTTP_PORT"; oob "$C2S_PORT"; } > "$T/script"
sipeer alice raw --script "$T/script" --timeout 60 > "$T/raw.out" 2> "$T/raw.err" ||
	{ cat "$T/raw.err"; fail "the raw peer failed"; }
wait_rc "$RECV_PID"
cat "$T/raw.out" "$T/recv.err"
for n in 1 2 3; do
	grep -qx "reply $n error item-not-found (cancel): the file could not be retrieved" "$T/raw.out" ||
		fail "reply $n is not the generic item-not-found"
done
[ "$(grep -c '^reply ' "$T/raw.out")" -eq 3 ] || fail "not 3 replies"
assert_grep "$T/http.out" "request /x"
assert_grep "$T/recv.err" "cannot connect to 127.0.0.1:$closed: Connection refused"
assert_grep "$T/recv.err" "the server at 127.0.0.1:$HTTP_PORT answered 404"
assert_grep "$T/recv.err" "127.0.0.1:$C2S_PORT"
[ "$WAIT_RC" -ne 0 ] || fail "recv exited 0 with no file delivered"
[ "$(files_in "$T/in")" -eq 0 ] || fail "a file was left: $(ls -A "$T/in")"
exit 0
