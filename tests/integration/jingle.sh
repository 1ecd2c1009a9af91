#!/bin/bash
# Jingle file transfer (XEP-0234) between two xfer, chosen by itself:
#  1. direct SOCKS5 (XEP-0260): three files (empty, small, 3 MB + 1), the
#     offer carries the file-transfer:5 description with a sha-256 hash;
#  2. via the proxy, when the direct candidate is a closed port;
#  3. SOCKS5 impossible (closed port, no proxy): transport-replace to IBB
#     (XEP-0261) in the same session, with no second offer;
#  4. IBB only (--method ibb): the offer names IBB, no transport-replace;
#  5. --protocol si still speaks SI to a Jingle-capable xfer;
#  6. a sender that is not allowed, and a file above max_size: refused,
#     nothing written;
#  7. the daemon takes both protocols;
#  8. a Jingle-capable xfer sending to an SI-only peer (slixmpp) picks SI
#     by itself; forced to Jingle, it says the peer does not speak it
#     (and sends nothing).
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/in" "$T/src"
: > "$T/src/empty.bin"
head -c 1000 /dev/urandom > "$T/src/small.bin"
head -c 3000001 /dev/urandom > "$T/src/big.bin"
closed=$(free_port)
cb=$(write_config bob "resource = box")
ca=$(write_config alice)
sessions() { grep "SENT: <iq" "$T/err" | grep -c 'action="session-initiate"' || true; }

# 1. direct
start_recv "$cb" -d "$T/in" --from alice@localhost --count 3
run_xfer 0 send -vvv -c "$ca" bob@localhost "$T/src/empty.bin" "$T/src/small.bin" "$T/src/big.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (1)"; }
for f in empty small big; do
	[ "$(sha "$T/src/$f.bin")" = "$(sha "$T/in/$f.bin")" ] || fail "$f.bin differs (1)"
done
assert_dir "$T/in" big.bin empty.bin small.bin
[ "$(sessions)" -eq 3 ] || fail "$(sessions) Jingle sessions for 3 files"
[ "$(count_log "$T/err" "via s5b over Jingle")" -eq 3 ] || fail "not 3 files via s5b over Jingle"
[ "$(count_log "$T/err" "direct connection from bob@localhost/box")" -eq 3 ] || fail "not direct"
assert_no_grep "$T/err" 'profile="http://jabber.org/protocol/si/profile/file-transfer"'
# The offer of big.bin: ft:5, its sha-256 in base64, and the candidates.
b64=$(openssl dgst -sha256 -binary "$T/src/big.bin" | base64)
offer=$(grep "SENT: <iq" "$T/err" | grep 'action="session-initiate"' | grep '<name>big.bin</name>')
for want in 'xmlns="urn:xmpp:jingle:apps:file-transfer:5"' '<size>3000001</size>' \
	'algo="sha-256" xmlns="urn:xmpp:hashes:2"' ">$b64</hash>" \
	'xmlns="urn:xmpp:jingle:transports:s5b:1"' 'type="direct"' 'type="proxy"' \
	'creator="initiator"' 'senders="initiator"' 'mode="tcp"'; do
	case $offer in *"$want"*) ;; *) echo "$offer"; fail "the session-initiate lacks $want" ;; esac
done
assert_grep "$T/err" 'action="session-terminate"'
[ "$(count_log "$T/recv.err" "(3000001 bytes) from alice@localhost/")" -eq 1 ] || fail "no accept line"
assert_grep "$T/recv.err" "accepted big.bin (3000001 bytes) from alice@localhost/"
[ "$(count_log "$T/recv.err" " over Jingle")" -eq 3 ] || fail "recv did not take 3 Jingle offers"
assert_grep "$T/recv.err" " via s5b: 3000001 bytes in "

# 2. the proxy
rm -f "$T/in"/*
cap=$(write_config alice "s5b_address = 127.0.0.1:$closed")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -v -c "$cap" bob@localhost "$T/src/big.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (2)"; }
[ "$(sha "$T/src/big.bin")" = "$(sha "$T/in/big.bin")" ] || fail "big.bin differs (2)"
assert_grep "$T/err" "via the proxy proxy.localhost"
assert_grep "$T/err" "via s5b over Jingle"
assert_no_grep "$T/err" "transport-replace"

# 3. transport-replace to IBB
rm -f "$T/in"/*
can=$(write_config alice "s5b_address = 127.0.0.1:$closed" "s5b_proxy = none")
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vvv -c "$can" bob@localhost "$T/src/small.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (3)"; }
[ "$(sha "$T/src/small.bin")" = "$(sha "$T/in/small.bin")" ] || fail "small.bin differs (3)"
assert_dir "$T/in" small.bin
assert_grep "$T/err" "s5b did not work: the receiver could not connect to any of 1 candidate"
assert_grep "$T/err" "falling back to ibb (transport-replace)"
assert_grep "$T/err" "via ibb over Jingle"
[ "$(sessions)" -eq 1 ] || fail "$(sessions) sessions: the fallback made a new offer"
assert_grep "$T/err" 'action="transport-replace"'
assert_grep "$T/recv.err" "127.0.0.1 port $closed: Connection refused); waiting for a transport-replace"
assert_grep "$T/recv.err" "falling back to ibb (transport-replace)"
assert_grep "$T/recv.err" " via ibb: 1000 bytes in "

# 4. IBB only
rm -f "$T/in"/*
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vvv --method ibb -c "$ca" bob@localhost "$T/src/small.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (4)"; }
[ "$(sha "$T/src/small.bin")" = "$(sha "$T/in/small.bin")" ] || fail "small.bin differs (4)"
grep "SENT: <iq" "$T/err" | grep 'action="session-initiate"' |
	grep 'xmlns="urn:xmpp:jingle:transports:ibb:1"' | grep -q 'block-size="4096"' ||
	fail "the session-initiate does not offer ibb with 4096-byte blocks"
assert_no_grep "$T/err" 'action="transport-replace"'
assert_grep "$T/err" "via ibb over Jingle"

# 5. --protocol si
rm -f "$T/in"/*
start_recv "$cb" -d "$T/in" --from alice@localhost
run_xfer 0 send -vvv --protocol si -c "$ca" bob@localhost "$T/src/small.bin"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC (5)"; }
[ "$(sha "$T/src/small.bin")" = "$(sha "$T/in/small.bin")" ] || fail "small.bin differs (5)"
[ "$(sessions)" -eq 0 ] || fail "--protocol si sent a Jingle offer"
assert_grep "$T/err" 'profile="http://jabber.org/protocol/si/profile/file-transfer"'
assert_no_grep "$T/recv.err" "over Jingle"
run_xfer 64 send --protocol sctp -c "$ca" bob@localhost "$T/src/small.bin"
assert_grep "$T/err" "--protocol must be auto, jingle or si, not 'sctp'"

# 6. refusals
rm -f "$T/in"/*
start_recv "$cb" -d "$T/in" --from carol@localhost
run_xfer 69 send -c "$ca" bob@localhost/box "$T/src/small.bin"
assert_grep "$T/err" "bob@localhost/box declined the file: Offer declined"
assert_grep "$T/recv.err" "refused an offer from alice@localhost/"
kill "$RECV_PID"; wait_rc "$RECV_PID"
assert_dir "$T/in"
cbs=$(write_config bob "resource = box" "max_size = 2000")
start_recv "$cbs" -d "$T/in" --from alice@localhost
run_xfer 69 send -c "$ca" bob@localhost "$T/src/big.bin"
assert_grep "$T/err" "declined the file: the file has 3000001 bytes, more than max_size (2000)"
wait_rc "$RECV_PID"; [ "$WAIT_RC" -ne 0 ] || fail "recv exited 0 after refusing its only file"
assert_dir "$T/in"

# 7. the daemon takes both
mkdir "$T/drop"
cb=$(write_config bob "resource = box")
start_daemon "$cb" -d "$T/drop" --from alice@localhost
run_xfer 0 send -c "$ca" bob@localhost "$T/src/big.bin"
run_xfer 0 send --protocol si -c "$ca" bob@localhost "$T/src/small.bin"
wait_log "$T/daemon.err" "received small.bin from alice@localhost/" 20 "$DAEMON_PID"
assert_dir "$T/drop" big.bin small.bin
[ "$(sha "$T/src/big.bin")" = "$(sha "$T/drop/big.bin")" ] || fail "big.bin differs (7)"
[ "$(sha "$T/src/small.bin")" = "$(sha "$T/drop/small.bin")" ] || fail "small.bin differs (7)"
assert_grep "$T/daemon.err" "accepted big.bin (3000001 bytes) from alice@localhost/"
[ "$(count_log "$T/daemon.err" " over Jingle")" -eq 1 ] || fail "the daemon did not take 1 Jingle offer"
kill "$DAEMON_PID"; wait_rc "$DAEMON_PID"; [ "$WAIT_RC" -eq 0 ] || fail "daemon exited $WAIT_RC"

# 8. an SI-only peer (slixmpp)
start_sipeer_recv bob peer --dir "$T/in" --count 1 --from alice@localhost --timeout 60
run_xfer 0 send -vvv -c "$ca" bob@localhost/peer "$T/src/small.bin"
wait_rc "$PEER_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/peer.err"; fail "slixmpp recv exited $WAIT_RC"; }
grep -qxF "received $T/in/small.bin 1000 $(sha "$T/src/small.bin")" "$T/peer.out" ||
	{ cat "$T/peer.out"; fail "slixmpp did not report small.bin"; }
[ "$(sessions)" -eq 0 ] || fail "a Jingle offer went to an SI-only peer"
assert_grep "$T/err" "jingle file transfer 0"
rm -f "$T/in"/*
start_sipeer_recv bob peer --dir "$T/in" --count 1 --from alice@localhost --timeout 20
run_xfer 69 send --protocol jingle --method s5b,ibb -c "$ca" bob@localhost/peer "$T/src/small.bin"
assert_grep "$T/err" "bob@localhost/peer does not support a transfer method enabled here (s5b,ibb) with Jingle (--protocol jingle)"
kill "$PEER_PID" 2>/dev/null
assert_dir "$T/in"
exit 0
