#!/bin/bash
# A plain-SI sender (no si-multiple; here a scripted raw peer) whose
# bytestream fails: the receiver answers <item-not-found/>, keeps no file,
# and takes the sender's new offer over IBB although --count is 1 (the
# failed stream does not count as a handled file). A second bytestream
# request for the failed stream is refused: S5B is off that stream.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cb=$(write_config bob "resource = box")
mkdir "$T/in"
TO=bob@localhost/box
closed=$(free_port)
offer() { # offer SID NAME SIZE METHODS...
	local sid=$1 name=$2 size=$3; shift 3; local opts="" m
	for m in "$@"; do opts="$opts<option><value>$m</value></option>"; done
	echo "<iq type='set' to='$TO'><si xmlns='http://jabber.org/protocol/si' id='$sid' profile='http://jabber.org/protocol/si/profile/file-transfer'><file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='$name' size='$size'/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'><field var='stream-method' type='list-single'>$opts</field></x></feature></si></iq>"
}
S5B=http://jabber.org/protocol/bytestreams IBB=http://jabber.org/protocol/ibb
bs() { echo "<iq type='set' to='$TO'><query xmlns='$S5B' sid='$1' mode='tcp'><streamhost jid='alice@localhost/x' host='127.0.0.1' port='$closed'/></query></iq>"; }
open_ibb() { echo "<iq type='set' to='$TO'><open xmlns='$IBB' sid='$1' block-size='$2' stanza='iq'/></iq>"; }
data() { echo "<iq type='set' to='$TO'><data xmlns='$IBB' sid='$1' seq='$2'>$3</data></iq>"; }
close_ibb() { echo "<iq type='set' to='$TO'><close xmlns='$IBB' sid='$1'/></iq>"; }
start_recv "$cb" -d "$T/in" --from alice@localhost
{ offer s1 a.bin 3 $S5B $IBB; bs s1; bs s1; offer s2 a.bin 3 $IBB; open_ibb s2 4096
  data s2 0 Zm9v; close_ibb s2; } > "$T/x.script"
sipeer alice raw --script "$T/x.script" --timeout 30 > "$T/x.out" 2> "$T/x.err" ||
	{ cat "$T/x.err"; fail "the raw peer failed"; }
wait_rc "$RECV_PID" 20
[ "$WAIT_RC" -eq 0 ] || { cat "$T/x.out" "$T/recv.err"; fail "recv exited $WAIT_RC"; }
assert_grep "$T/x.out" "reply 1 result"
assert_grep "$T/x.out" "reply 2 error item-not-found"
assert_grep "$T/x.out" "reply 3 error not-acceptable"
for i in 4 5 6 7; do assert_grep "$T/x.out" "reply $i result"; done
assert_grep "$T/recv.err" "127.0.0.1 port $closed: Connection refused"
[ "$(cat "$T/in/a.bin")" = "foo" ] || fail "a.bin does not hold the IBB data"
[ "$(files_in "$T/in")" -eq 1 ] || fail "unexpected files: $(ls -A "$T/in")"
exit 0
