#!/bin/bash
# Sizes a peer chooses never overflow the receiver's arithmetic. With no
# max_size (the default) and one transfer pending (6 bytes reserved), an SI
# offer and a Jingle offer of 2^63-1 bytes are each refused for lack of
# space, the log naming the file's size and the reservation apart, and the
# daemon (the sanitizer build traps a signed overflow) keeps serving: the
# pending transfer then completes intact and a real file follows. An
# offer that fits alone but not beside another's reservation is refused
# on both protocols too.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box" "accept_from = alice@localhost")
mkdir "$T/in"
TO=bob@localhost/box
MAX=9223372036854775807

si_offer() { # si_offer SID NAME SIZE
	echo "<iq type='set' to='$TO'><si xmlns='http://jabber.org/protocol/si' id='$1' profile='http://jabber.org/protocol/si/profile/file-transfer'><file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='$2' size='$3'/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'><field var='stream-method' type='list-single'><option><value>http://jabber.org/protocol/ibb</value></option></field></x></feature></si></iq>"
}
jingle_offer() { # jingle_offer SID NAME SIZE
	echo "<iq type='set' to='$TO'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='alice@localhost/raw' sid='$1'><content creator='initiator' name='f' senders='initiator'><description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><name>$2</name><size>$3</size></file></description><transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='$1-t' block-size='4096'/></content></jingle></iq>"
}
open_ibb() { echo "<iq type='set' to='$TO'><open xmlns='http://jabber.org/protocol/ibb' sid='$1' block-size='4096' stanza='iq'/></iq>"; }
data() { echo "<iq type='set' to='$TO'><data xmlns='http://jabber.org/protocol/ibb' sid='$1' seq='$2'>$3</data></iq>"; }
close_ibb() { echo "<iq type='set' to='$TO'><close xmlns='http://jabber.org/protocol/ibb' sid='$1'/></iq>"; }
run_script() { # run_script NAME: sends $T/NAME.script, replies in $T/NAME.out
	sipeer alice raw --resource raw --script "$T/$1.script" --timeout 30 > "$T/$1.out" 2> "$T/$1.err" ||
		{ cat "$T/$1.err"; fail "the raw peer failed in $1"; }
}
reply() { # reply NAME N EXPECTED: line N of the replies starts with EXPECTED
	grep -qx "reply $2 $3.*" "$T/$1.out" || { cat "$T/$1.out"; fail "$1: reply $2 is not '$3'"; }
}

start_daemon "$cb" -v -d "$T/in"
# Half of what is free, then three quarters: the second fits alone but not
# beside the first's reservation (margins wide enough for other writers).
free=$(( $(stat -f -c '%a * %S' "$T/in") ))
half=$((free / 2)) most=$((free / 4 * 3))
{
	si_offer p1 pending.bin 6
	si_offer s2 huge-si.bin $MAX
	jingle_offer j3 huge-jingle.bin $MAX
	si_offer h4 half.bin $half
	si_offer s5 most-si.bin $most
	jingle_offer j6 most-jingle.bin $most
	echo "sleep 1"
	open_ibb p1
	data p1 0 Zm9vYmFy
	close_ibb p1
	open_ibb h4
	close_ibb h4
} > "$T/sizes.script"
run_script sizes
reply sizes 1 result
reply sizes 2 "error not-acceptable"
reply sizes 3 result		# Jingle acks first, then ends the session
reply sizes 4 result
reply sizes 5 "error not-acceptable"
reply sizes 6 result
reply sizes 7 result
reply sizes 8 result
reply sizes 9 result
reply sizes 10 result
reply sizes 11 "error not-acceptable"	# closed with none of its bytes
wait_log "$T/daemon.err" "received pending.bin" 10 "$DAEMON_PID"
[ "$(cat "$T/in/pending.bin")" = foobar ] || fail "the pending transfer did not complete intact"
wait_log "$T/daemon.err" "the stream ended after 0 of $half bytes" 10 "$DAEMON_PID"

[ "$(count_log "$T/daemon.err" "the file has $MAX bytes")" -eq 2 ] ||
	{ cat "$T/daemon.err"; fail "not both 2^63-1 offers were refused for lack of space"; }
[ "$(count_log "$T/daemon.err" "free, 6 are reserved for other transfers")" -eq 2 ] ||
	{ cat "$T/daemon.err"; fail "the 2^63-1 refusals do not name the 6 reserved bytes apart"; }
[ "$(count_log "$T/daemon.err" "the file has $most bytes")" -eq 2 ] ||
	{ cat "$T/daemon.err"; fail "not both offers beside a reservation were refused"; }
[ "$(count_log "$T/daemon.err" "free, $((half + 6)) are reserved for other transfers")" -eq 2 ] ||
	{ cat "$T/daemon.err"; fail "the refusals beside a reservation do not name it"; }
assert_grep "$T/daemon.err" "accepted half.bin ($half bytes)"
for name in huge-si huge-jingle most-si most-jingle; do
	assert_no_grep "$T/daemon.err" "accepted $name"
done
assert_no_grep "$T/daemon.err" "runtime error"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"

# It still serves: a real file, over Jingle and SI.
head -c 300000 /dev/urandom > "$T/real.bin"
run_xfer 0 send -c "$ca" "$TO" "$T/real.bin"
wait_log "$T/daemon.err" "received real.bin" 10 "$DAEMON_PID"
[ "$(sha "$T/in/real.bin")" = "$(sha "$T/real.bin")" ] || fail "real.bin arrived damaged"
assert_dir "$T/in" pending.bin real.bin
exit 0
