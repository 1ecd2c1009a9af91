#!/bin/bash
# selftest.sh - sipeer.py (send) -> sipeer.py (recv) through a private Prosody.
#
# Proves the independent peer works before it is used against xfer: a 1 MiB
# random file, a 0-byte file and a 4097-byte file over IBB with <iq/> data, a
# 4097-byte file over IBB with <message/> data, and an offer from a JID the
# receiver's --from does not allow (must be refused with <forbidden/>); then
# 3 MB + 1 byte over SOCKS5 bytestreams through the server's proxy (send
# --method s5b to recv --prefer s5b).
# Usage: tests/interop/selftest.sh [EXTRA PROSODY LUA LINE...]
# Needs prosody, openssl and python3-slixmpp; loopback only.

HERE=$(cd "$(dirname "$0")" && pwd)
export TESTS_SRCDIR=${TESTS_SRCDIR:-$(dirname "$HERE")}
export XFER=${XFER:-/bin/true}	# lib.sh insists; this test does not run xfer
. "$TESTS_SRCDIR/lib.sh"
SIPEER=("$PYTHON" "$HERE/sipeer.py")

prosody_start "$@"
COMMON=(--host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" --timeout 60)
mkdir "$T/src" "$T/dst"
head -c 1048576 /dev/urandom > "$T/src/one-mib.bin"
: > "$T/src/empty.bin"
head -c 4097 /dev/urandom > "$T/src/odd.bin"
head -c 4097 /dev/urandom > "$T/src/odd-msg.bin"

# bob receives 4 files, only from alice, as bob@localhost/peer.
"${SIPEER[@]}" recv --jid bob@localhost --password bob-pw --resource peer "${COMMON[@]}" \
	--dir "$T/dst" --count 4 --from alice@localhost >"$T/recv.out" 2>"$T/recv.err" </dev/null &
RECV_PID=$!
at_exit "kill $RECV_PID 2>/dev/null"

# Bounded wait until the receiver is online (or dead).
for ((i = 0; i < 150; i++)); do
	grep -qsF "online as bob@localhost/peer" "$T/recv.err" && break
	kill -0 "$RECV_PID" 2>/dev/null || { cat "$T/recv.err"; fail "receiver died"; }
	sleep 0.1
done
grep -qF "online as bob@localhost/peer" "$T/recv.err" || { cat "$T/recv.err"; fail "receiver not online"; }

# send USER FILE [ARGS...]: run the sender with a bound, output in $T/send.{out,err}.
send() {
	local user=$1 file=$2 rc=0
	shift 2
	timeout 90 "${SIPEER[@]}" send --jid "$user@localhost" --password "$user-pw" "${COMMON[@]}" \
		--to bob@localhost/peer --file "$T/src/$file" "$@" >"$T/send.out" 2>"$T/send.err" </dev/null || rc=$?
	return "$rc"
}

# carol is not --from: the offer must be refused, and the receiver keep going.
rc=0; send carol odd.bin || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/send.err"; fail "carol's send exited $rc, expected 1"; }
assert_grep "$T/send.err" "offer declined: forbidden"
note "carol refused: $(grep declined "$T/send.err")"

send alice one-mib.bin || { cat "$T/send.err"; fail "sending one-mib.bin"; }
note "one-mib.bin: $(cat "$T/send.out")"
send alice empty.bin || { cat "$T/send.err"; fail "sending empty.bin"; }
note "empty.bin: $(cat "$T/send.out")"
send alice odd.bin --block-size 4096 || { cat "$T/send.err"; fail "sending odd.bin"; }
note "odd.bin: $(cat "$T/send.out")"
send alice odd-msg.bin --block-size 1000 --stanza message --no-meta ||
	{ cat "$T/send.err"; fail "sending odd-msg.bin as messages"; }
note "odd-msg.bin (message stanzas): $(cat "$T/send.out")"

# The receiver must exit 0 by itself after 4 files (bounded wait).
for ((i = 0; i < 100; i++)); do
	kill -0 "$RECV_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$RECV_PID" 2>/dev/null && { cat "$T/recv.err"; fail "receiver still running"; }
rc=0; wait "$RECV_PID" || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/recv.err"; fail "receiver exited $rc"; }

for f in one-mib.bin empty.bin odd.bin odd-msg.bin; do
	sum=$(sha256sum < "$T/src/$f" | cut -d' ' -f1)
	size=$(stat -c %s "$T/src/$f")
	assert_grep "$T/recv.out" "received $T/dst/$f $size $sum"
	[ "$(sha256sum < "$T/dst/$f" | cut -d' ' -f1)" = "$sum" ] || fail "$f differs"
done
assert_grep "$T/recv.err" "refused offer from carol@localhost/"

# SOCKS5 through proxy.localhost, with a receiver that prefers it.
head -c 3000001 /dev/urandom > "$T/src/s5b.bin"
"${SIPEER[@]}" recv --jid bob@localhost --password bob-pw --resource s5b "${COMMON[@]}" \
	--dir "$T/dst" --prefer s5b >"$T/recv.out" 2>"$T/recv-s5b.err" </dev/null &
RECV_PID=$!
at_exit "kill $RECV_PID 2>/dev/null"
for ((i = 0; i < 150; i++)); do
	grep -qF "online as bob@localhost/s5b" "$T/recv-s5b.err" && break
	kill -0 "$RECV_PID" 2>/dev/null || break
	sleep 0.1
done
grep -qF "online as bob@localhost/s5b" "$T/recv-s5b.err" || { cat "$T/recv-s5b.err"; fail "s5b receiver not online"; }
timeout 90 "${SIPEER[@]}" send --jid alice@localhost --password alice-pw "${COMMON[@]}" \
	--to bob@localhost/s5b --file "$T/src/s5b.bin" --method s5b >"$T/send.out" 2>"$T/send.err" </dev/null ||
	{ cat "$T/send.err"; fail "sending s5b.bin over S5B"; }
note "s5b.bin (S5B via the proxy): $(cat "$T/send.out")"
wait_rc "$RECV_PID" 10
[ "$WAIT_RC" -eq 0 ] || { cat "$T/recv-s5b.err"; fail "s5b receiver exited $WAIT_RC"; }
sum=$(sha "$T/src/s5b.bin")
assert_grep "$T/recv.out" "received $T/dst/s5b.bin 3000001 $sum"
[ "$(sha "$T/dst/s5b.bin")" = "$sum" ] || fail "s5b.bin differs"
assert_grep "$T/recv-s5b.err" "with s5b (sid "
assert_grep "$T/recv-s5b.err" "s5b stream for s5b.bin from 127.0.0.1 port $PROXY_PORT"
assert_grep "$T/send.err" "s5b via the proxy proxy.localhost"
echo "PASS: $TEST_NAME"
