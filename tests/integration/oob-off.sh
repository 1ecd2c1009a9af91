#!/bin/bash
# oob_fetch = no: the receiver does not announce jabber:iq:oob in
# disco#info, refuses an out-of-band request with <not-acceptable/> and
# fetches nothing (the HTTP server sees no connection). With the key set to
# yes (the default) the same receiver announces it.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in" "$T/www"
echo "hello" > "$T/www/f.txt"
start_httpstub "$T/www"
disco="<iq type='get' to='bob@localhost/box'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
oob="<iq type='set' to='bob@localhost/box'><query xmlns='jabber:iq:oob'><url>http://127.0.0.1:$HTTP_PORT/f.txt</url></query></iq>"
printf '%s\n' "$disco" "$oob" > "$T/script"

cb=$(write_config bob "resource = box" "oob_fetch = no")
start_recv "$cb" -d "$T/in" --from alice@localhost
sipeer alice raw --show --script "$T/script" --timeout 60 > "$T/raw.out" 2> "$T/raw.err" ||
	{ cat "$T/raw.err"; fail "the raw peer failed"; }
cat "$T/raw.out"
grep '^reply 1 result ' "$T/raw.out" > "$T/disco" || fail "no disco#info result"
assert_grep "$T/disco" "http://jabber.org/protocol/ibb"
assert_no_grep "$T/disco" "jabber:iq:oob"
grep -qx "reply 2 error not-acceptable (cancel): .*" "$T/raw.out" || fail "the OOB request was not refused"
sleep 0.5
assert_no_grep "$T/http.out" "connection"
[ "$(files_in "$T/in")" -eq 0 ] || fail "a file was stored: $(ls -A "$T/in")"
kill "$RECV_PID"
wait_rc "$RECV_PID"

# The same receiver with oob_fetch = yes announces it and fetches.
cb=$(write_config bob "resource = box" "oob_fetch = yes")
start_recv "$cb" -d "$T/in" --from alice@localhost
sipeer alice raw --show --script "$T/script" --timeout 60 > "$T/raw.out" 2> "$T/raw.err" ||
	{ cat "$T/raw.err"; fail "the raw peer failed"; }
cat "$T/raw.out"
grep '^reply 1 result .*jabber:iq:oob' "$T/raw.out" >/dev/null || fail "jabber:iq:oob is not announced"
grep -qx "reply 2 result.*" "$T/raw.out" || fail "the OOB request failed"
wait_rc "$RECV_PID"
[ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC"
cmp -s "$T/www/f.txt" "$T/in/f.txt" || fail "f.txt was not delivered"
exit 0
