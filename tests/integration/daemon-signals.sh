#!/bin/bash
# xfer daemon and signals, on a rate-limited server so that transfers are
# slow: (a) SIGHUP during a transfer does not disturb it; SIGTERM lets it
# finish (intact, sender exits 0), refuses a new offer meanwhile ("the
# receiver is shutting down", type wait: that sender exits 75), then exits 0
# ("stopped", pidfile removed); (b) with --grace 1 an unfinished transfer is
# failed after about a second, nothing is left, the sender fails, the exit
# is still 0; (c) a second SIGTERM ends the grace period at once; (d) SIGHUP
# reloads accept_from (carol refused, then allowed) and max_size, and a
# config with a syntax error is refused with "cannot reload" while the old
# one keeps working; (e) SIGINT stops like SIGTERM.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "200kb/s"
ca=$(write_config alice "methods = ibb")
cc=$(write_config carol "methods = ibb")
bob_conf() { write_config bob "resource = box" "drop_dir = $T/in" "$@" >/dev/null; }
bob_conf "accept_from = alice@localhost"
cb=$T/bob.conf
mkdir "$T/in" "$T/src"
TO=bob@localhost/box
LOCK=$DAEMON_LOCK
head -c 1200000 /dev/urandom > "$T/src/slow.bin"   # ~8 s at 200 kB/s in base64
head -c 4000000 /dev/urandom > "$T/src/long.bin"   # ~27 s

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# send_bg FILE: alice sends FILE in the background; SEND_PID, $T/FILE.{out,err}.
send_bg() {
	"$XFER" send -c "$ca" "$TO" "$T/src/$1" >"$T/$1.out" 2>"$T/$1.err" </dev/null &
	SEND_PID=$!
	at_exit "kill $SEND_PID 2>/dev/null"
}
# stopped RC: the daemon has exited with RC after logging "stopped"; no pidfile.
stopped() {
	[ "$WAIT_RC" -eq "$1" ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC, expected $1"; }
	assert_grep "$T/daemon.err" "xfer: stopped"
	[ ! -e "$T/d.pid" ] || fail "the pidfile was left behind"
}

# (a) SIGTERM waits for the running transfer and refuses new offers.
start_daemon "$cb" --pidfile "$T/d.pid"
send_bg slow.bin
slow_pid=$SEND_PID
wait_receiving "$DAEMON_PID" "$T/in" 20000 30
kill -HUP "$DAEMON_PID"
wait_log "$T/daemon.err" "reloaded the configuration from $cb" 5 "$DAEMON_PID"
kill -TERM "$DAEMON_PID"
wait_log "$T/daemon.err" "stopping on signal 15: waiting up to 30 s for 1 transfer" 5
echo late > "$T/src/late.txt"
rc=0
timeout 30 "$XFER" send -c "$ca" "$TO" "$T/src/late.txt" >"$T/late.out" 2>"$T/late.err" </dev/null || rc=$?
kill -0 "$slow_pid" 2>/dev/null ||
	fail "the slow transfer ended before the late offer was answered: this case tested nothing"
# Refused with type=wait <resource-constraint/>: temporary, so exit 75.
[ "$rc" -eq 75 ] || { cat "$T/late.err"; fail "an offer made during the grace period: send exited $rc, not 75"; }
assert_grep "$T/late.err" "the receiver is shutting down"
wait_rc "$slow_pid" 40
[ "$WAIT_RC" -eq 0 ] || { cat "$T/slow.bin.err"; fail "send exited $WAIT_RC during the grace period"; }
wait_rc "$DAEMON_PID" 10
stopped 0
assert_grep "$T/daemon.err" "received slow.bin from alice@localhost/"
[ "$(sha "$T/in/slow.bin")" = "$(sha "$T/src/slow.bin")" ] || fail "slow.bin is corrupt"
assert_dir "$T/in" slow.bin
assert_no_grep "$T/daemon.err" "received late.txt"

# (b) --grace 1: the transfer that cannot finish is failed, nothing stays.
start_daemon "$cb" --pidfile "$T/d.pid" --grace 1
send_bg long.bin
wait_receiving "$DAEMON_PID" "$T/in" 20000 30
t0=$(now_ms)
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 15
dt=$(($(now_ms) - t0))
stopped 0
assert_grep "$T/daemon.err" "stopping on signal 15: waiting up to 1 s for 1 transfer"
{ [ "$dt" -ge 900 ] && [ "$dt" -le 6000 ]; } || fail "--grace 1: the daemon took $dt ms to stop"
grep -qE "^xfer: long\.bin from alice@localhost/[^ :]+: " "$T/daemon.err" ||
	{ cat "$T/daemon.err"; fail "the failed transfer was not logged"; }
wait_rc "$SEND_PID" 30
[ "$WAIT_RC" -ne 0 ] || fail "the sender succeeded although the daemon gave up on the file"
assert_dir "$T/in" slow.bin

# (c) A second SIGTERM ends the (default, 30 s) grace period at once.
start_daemon "$cb" --pidfile "$T/d.pid"
send_bg long.bin
wait_receiving "$DAEMON_PID" "$T/in" 20000 30
kill -TERM "$DAEMON_PID"
wait_log "$T/daemon.err" "stopping on signal 15: waiting up to 30 s for 1 transfer" 5 "$DAEMON_PID"
t0=$(now_ms)
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 15
dt=$(($(now_ms) - t0))
stopped 0
[ "$dt" -le 5000 ] || fail "a second SIGTERM took $dt ms to end the daemon"
wait_rc "$SEND_PID" 30
[ "$WAIT_RC" -ne 0 ] || fail "the sender succeeded although the daemon stopped"
assert_dir "$T/in" slow.bin

# (d) SIGHUP reloads accept_from; a broken config is refused and the old kept.
start_daemon "$cb" --pidfile "$T/d.pid"
echo from-carol > "$T/src/carol1.txt"
rc=0
timeout 30 "$XFER" send -c "$cc" "$TO" "$T/src/carol1.txt" >"$T/out" 2>"$T/err" </dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "carol's file was accepted before she was allowed"
wait_log "$T/daemon.err" "refused an offer from carol@localhost/" 5 "$DAEMON_PID"
assert_grep "$T/daemon.err" "(not allowed; see --from, accept_from)"
bob_conf "accept_from = alice@localhost, carol@localhost"
[ "$(stat -c %a "$cb")" = 600 ] || fail "the rewritten config is not mode 600"
kill -HUP "$DAEMON_PID"
wait_log "$T/daemon.err" "reloaded the configuration from $cb" 5 "$DAEMON_PID"
echo from-carol-again > "$T/src/carol2.txt"
run_xfer 0 send -c "$cc" "$TO" "$T/src/carol2.txt"
wait_log "$T/daemon.err" "received carol2.txt from carol@localhost/" 5 "$DAEMON_PID"
[ "$(sha "$T/in/carol2.txt")" = "$(sha "$T/src/carol2.txt")" ] || fail "carol2.txt is corrupt"
# max_size is reloaded too.
bob_conf "accept_from = alice@localhost, carol@localhost" "max_size = 10"
kill -HUP "$DAEMON_PID"
for ((i = 0; i < 50; i++)); do
	[ "$(count_log "$T/daemon.err" "reloaded the configuration from $cb")" -ge 2 ] && break
	sleep 0.1
done
[ "$(count_log "$T/daemon.err" "reloaded the configuration from $cb")" -eq 2 ] || fail "the second reload was not logged"
echo "more than ten bytes" > "$T/src/big.txt"
run_xfer 69 send -c "$ca" "$TO" "$T/src/big.txt"
assert_grep "$T/err" "more than max_size"
bob_conf "accept_from = alice@localhost, carol@localhost"
kill -HUP "$DAEMON_PID"
for ((i = 0; i < 50; i++)); do
	[ "$(count_log "$T/daemon.err" "reloaded the configuration from $cb")" -ge 3 ] && break
	sleep 0.1
done
[ "$(count_log "$T/daemon.err" "reloaded the configuration from $cb")" -eq 3 ] || fail "the third reload was not logged"
echo "[broken section" >> "$cb"
kill -HUP "$DAEMON_PID"
wait_log "$T/daemon.err" "cannot reload $cb: " 5 "$DAEMON_PID"
assert_grep "$T/daemon.err" "; keeping the old configuration"
[ "$(count_log "$T/daemon.err" "reloaded the configuration")" -eq 3 ] ||
	fail "the broken config was reported as reloaded"
echo after-bad-reload > "$T/src/alice3.txt"
run_xfer 0 send -c "$ca" "$TO" "$T/src/alice3.txt"
wait_log "$T/daemon.err" "received alice3.txt from alice@localhost/" 5 "$DAEMON_PID"
[ "$(sha "$T/in/alice3.txt")" = "$(sha "$T/src/alice3.txt")" ] || fail "alice3.txt is corrupt"
assert_dir "$T/in" slow.bin carol2.txt alice3.txt

# (e) SIGINT stops like SIGTERM.
kill -INT "$DAEMON_PID"
wait_rc "$DAEMON_PID" 15
stopped 0
assert_grep "$T/daemon.err" "stopping on signal 2: waiting up to 30 s for 0 transfer"

# (f) A server that accepts the connection and never answers: SIGTERM
# during that login stops the daemon at once, not after the 30 s login
# budget, and a SIGHUP there does not stop it.
silent=$(free_port)
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try: held.append(s.accept()[0])
    except socket.timeout: pass' "$silent" &
at_exit "kill $! 2>/dev/null"
wait_port "$silent" 5 || fail "the silent listener did not start"
sed "s/^port = .*/port = $silent/" "$(write_config bob "accept_from = alice@localhost" \
	"drop_dir = $T/in")" > "$T/silent.conf"
chmod 600 "$T/silent.conf"
"$XFER" daemon -f -c "$T/silent.conf" --pidfile "$T/silent.pid" >/dev/null 2>"$T/silent.err" </dev/null &
spid=$!
at_exit "kill $spid 2>/dev/null"
sleep 1.5
kill -HUP "$spid"
sleep 0.5
kill -0 "$spid" 2>/dev/null || { cat "$T/silent.err"; fail "SIGHUP during the login stopped the daemon"; }
kill -TERM "$spid"
wait_rc "$spid" 5
[ "$WAIT_RC" -eq 0 ] || { cat "$T/silent.err"; fail "SIGTERM during the login exited $WAIT_RC"; }
assert_no_grep "$T/silent.err" "retrying in"
exit 0
