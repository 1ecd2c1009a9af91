#!/bin/bash
# bench.sh - time a transfer sipeer.py (alice) -> sipeer.py (bob) on a
# private Prosody: the baseline to compare xfer against. METHOD=ibb (the
# default) uses In-Band Bytestreams with BLOCK_SIZE; METHOD=s5b uses SOCKS5
# bytestreams through the server's proxy65 (the receiver prefers S5B).
# Usage: [METHOD=ibb|s5b] tests/interop/bench.sh [MIB [BLOCK_SIZE [EXTRA PROSODY LUA LINE...]]]
# e.g.   bench.sh 64 4096 'network_settings = { nagle = false; read_size = 65536; min_wait = 0.00001 }'
#        METHOD=s5b bench.sh 256
# Prints the sender's "sent <size> <seconds> <MB/s>" line. Loopback only.
# scripts/bench runs these next to xfer and raw TCP.

HERE=$(cd "$(dirname "$0")" && pwd)
export TESTS_SRCDIR=${TESTS_SRCDIR:-$(dirname "$HERE")}
export XFER=${XFER:-/bin/true}	# lib.sh insists; not run here
MIB=${1:-64}
BLOCK=${2:-4096}
METHOD=${METHOD:-ibb}
case $METHOD in ibb) PREFER=() ;; s5b) PREFER=(--prefer s5b) ;; *) echo "METHOD must be ibb or s5b" >&2; exit 64 ;; esac
shift $(($# < 2 ? $# : 2))
. "$TESTS_SRCDIR/lib.sh"

prosody_start "$@"
COMMON=(--host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" --timeout 900)
mkdir "$T/src" "$T/dst"
head -c "$((MIB * 1048576))" /dev/urandom > "$T/src/bench.bin"

"$PYTHON" "$HERE/sipeer.py" recv --jid bob@localhost --password bob-pw --resource bench "${COMMON[@]}" \
	--dir "$T/dst" "${PREFER[@]}" >"$T/recv.out" 2>"$T/recv.err" </dev/null &
RECV_PID=$!
at_exit "kill $RECV_PID 2>/dev/null"
for ((i = 0; i < 150; i++)); do
	grep -qsF "online as bob@localhost/bench" "$T/recv.err" && break
	kill -0 "$RECV_PID" 2>/dev/null || break
	sleep 0.1
done
grep -qF "online as bob@localhost/bench" "$T/recv.err" || { cat "$T/recv.err"; fail "receiver not online"; }

timeout 960 "$PYTHON" "$HERE/sipeer.py" send --jid alice@localhost --password alice-pw "${COMMON[@]}" \
	--to bob@localhost/bench --file "$T/src/bench.bin" --method "$METHOD" --block-size "$BLOCK" \
	>"$T/send.out" 2>"$T/send.err" </dev/null ||
	{ cat "$T/send.err"; fail "sender failed"; }
rc=0; timeout 30 tail --pid="$RECV_PID" -f /dev/null || true
wait "$RECV_PID" || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/recv.err"; fail "receiver exited $rc"; }
sum=$(sha256sum < "$T/src/bench.bin" | cut -d' ' -f1)
assert_grep "$T/recv.out" " $((MIB * 1048576)) $sum"
assert_grep "$T/recv.err" "with $METHOD (sid "
note "method $METHOD; prosody extra config: ${*:-none}"
cat "$T/send.out"
