#!/bin/bash
# 1 GiB through direct SOCKS5 with constant memory: a sparse source
# arrives intact, and neither end's peak RSS grows beyond what a 1 MB
# transfer needs plus a small margin. The peaks are printed for the log.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 1000000 /dev/urandom > "$T/small.bin"
truncate -s 1G "$T/large.bin"
printf 'middle' | dd of="$T/large.bin" bs=1 seek=536870912 conv=notrunc status=none
printf 'end' | dd of="$T/large.bin" bs=1 seek=1073741000 conv=notrunc status=none

# peak PID: VmHWM (KiB) read until the process exits; the last read counts.
peak() {
	local pid=$1 v=0 i l
	for ((i = 0; i < 1800; i++)); do
		l=$(awk '/^VmHWM:/ { print $2 }' /proc/"$pid"/status 2>/dev/null) || break
		[ -n "$l" ] || break
		v=$l
		sleep 0.1
	done
	echo "$v"
}

run_one() { # FILE -> sets SEND_KB RECV_KB
	start_recv "$cb" -d "$T/in" --from alice@localhost
	peak "$RECV_PID" > "$T/recv.peak" &
	local rp=$!
	"$XFER" send -c "$ca" bob@localhost "$1" >"$T/out" 2>"$T/err" </dev/null &
	local sp=$!
	at_exit "kill $sp 2>/dev/null"
	SEND_KB=$(peak "$sp")
	wait "$sp" || { cat "$T/err"; fail "send of $1 failed"; }
	wait_rc "$RECV_PID" 600; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv of $1 exited $WAIT_RC"; }
	wait "$rp"
	RECV_KB=$(cat "$T/recv.peak")
}

run_one "$T/small.bin"
small_send=$SEND_KB small_recv=$RECV_KB
[ "$(sha "$T/small.bin")" = "$(sha "$T/in/small.bin")" ] || fail "small copy differs"
run_one "$T/large.bin"
[ "$(sha "$T/large.bin")" = "$(sha "$T/in/large.bin")" ] || fail "1 GiB copy differs"
echo "peak RSS, 1 MB: sender $small_send KiB, receiver $small_recv KiB"
echo "peak RSS, 1 GiB: sender $SEND_KB KiB, receiver $RECV_KB KiB"
[ "$SEND_KB" -gt 0 ] && [ "$RECV_KB" -gt 0 ] || fail "no RSS measured"
[ "$SEND_KB" -le $((small_send + 16384)) ] || fail "sender memory grew: $small_send -> $SEND_KB KiB"
[ "$RECV_KB" -le $((small_recv + 16384)) ] || fail "receiver memory grew: $small_recv -> $RECV_KB KiB"
exit 0
