#!/bin/bash
# A Jingle transport-replace may not take the transport sid of another
# live stream of the same sender: IBB data names only that sid, so the
# other stream's data would land in the wrong file. It is refused with
# <conflict/> as a session-initiate with such a sid is, and each file
# then arrives with its own data. Sent as raw IQs by the slixmpp peer.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cb=$(write_config bob "resource = box" "accept_from = alice@localhost")
mkdir "$T/in"
TO=bob@localhost/box

jingle() { # jingle ACTION SID NAME SIZE TSID: a session-initiate, or a transport-replace
	local desc=
	[ "$1" = session-initiate ] && desc="<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><name>$3</name><size>$4</size></file></description>"
	echo "<iq type='set' to='$TO'><jingle xmlns='urn:xmpp:jingle:1' action='$1' initiator='alice@localhost/raw' sid='$2'><content creator='initiator' name='f' senders='initiator'>$desc<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='$5' block-size='4096'/></content></jingle></iq>"
}
open_ibb() { echo "<iq type='set' to='$TO'><open xmlns='http://jabber.org/protocol/ibb' sid='$1' block-size='4096' stanza='iq'/></iq>"; }
data() { echo "<iq type='set' to='$TO'><data xmlns='http://jabber.org/protocol/ibb' sid='$1' seq='0'>$2</data></iq>"; }
close_ibb() { echo "<iq type='set' to='$TO'><close xmlns='http://jabber.org/protocol/ibb' sid='$1'/></iq>"; }
reply() { # reply N EXPECTED: line N of the replies starts with EXPECTED
	grep -qx "reply $1 $2.*" "$T/raw.out" || { cat "$T/raw.out"; fail "reply $1 is not '$2'"; }
}

start_daemon "$cb" -v -d "$T/in"
{
	jingle session-initiate j1 a.bin 6 t1
	jingle session-initiate j2 b.bin 6 t2
	jingle transport-replace j2 - - t1
	open_ibb t1
	data t1 Zm9vYmFy		# foobar
	close_ibb t1
	open_ibb t2
	data t2 YmFyYmF6		# barbaz
	close_ibb t2
} > "$T/raw.script"
sipeer alice raw --resource raw --script "$T/raw.script" --timeout 30 > "$T/raw.out" 2> "$T/raw.err" ||
	{ cat "$T/raw.err"; fail "the raw peer failed"; }
reply 1 result
reply 2 result
reply 3 "error conflict"
for n in 4 5 6 7 8 9; do reply $n result; done
wait_log "$T/daemon.err" "received b.bin" 10 "$DAEMON_PID"
[ "$(cat "$T/in/a.bin")" = foobar ] || fail "a.bin holds '$(cat "$T/in/a.bin")', not its own data"
[ "$(cat "$T/in/b.bin")" = barbaz ] || fail "b.bin holds '$(cat "$T/in/b.bin")', not its own data"
assert_dir "$T/in" a.bin b.bin
exit 0
