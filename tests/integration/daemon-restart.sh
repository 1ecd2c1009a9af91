#!/bin/bash
# xfer daemon and an unreliable server: the server restarts while an IBB
# transfer runs: the daemon logs the lost connection, fails that transfer
# (logged, no file left), logs in again within 30 s and takes the next
# file. Started while the server is down, the daemon keeps retrying
# ("cannot connect: ...; retrying in N s", with growing delays) and comes
# online when the server does. Delays follow 1, 2, 4 ... s, each between
# half and all of it, reset after a login.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/drop"
drop=$T/drop
files_here() { find "$drop" -mindepth 1 ! -name .xfer-daemon.lock | wc -l; }

# check_delays SEGMENT: in the daemon's log cut at its "online as" lines,
# segment SEGMENT (0: before the first) holds at least one "reconnecting in
# N s" or "retrying in N s", and the k-th delay (from 0) is within
# [2^k/2, min(2^k, 60)] give or take the rounding of the printed number.
check_delays() {
	"$PYTHON" - "$T/daemon.err" "$1" <<'PY' || { cat "$T/daemon.err"; fail "reconnect delays are off"; }
import re, sys
seg, want = [[]], int(sys.argv[2])
for line in open(sys.argv[1], errors='replace'):
    if 'xfer: online as ' in line:
        seg.append([])
    m = re.search(r'(?:reconnecting|retrying) in ([0-9.]+) s', line)
    if m:
        seg[-1].append(float(m.group(1)))
d = seg[want] if want < len(seg) else []
print('delays:', d)
assert d, 'no delay logged'
for k, v in enumerate(d):
    hi = min(2 ** k, 60)
    assert hi / 2 - 0.5 <= v <= hi + 0.5, (k, v)
PY
}

# wait_online N: until the log holds N "online as" lines (30 s at most)
wait_online() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(count_log "$T/daemon.err" "xfer: online as ")" -ge "$1" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$T/daemon.err"; fail "the daemon exited"; }
		sleep 0.1
	done
	cat "$T/daemon.err"
	fail "the daemon was not online ($1) within 30 s"
}

head -c 300001 /dev/urandom > "$T/f1.bin"
head -c 200003 /dev/urandom > "$T/f2.bin"
head -c 100007 /dev/urandom > "$T/f3.bin"
# Large enough to be still running when the server goes; sparse, so cheap.
truncate -s 1G "$T/big.bin"
ca=$(write_config alice "resource = a")
cb=$(write_config bob "drop_dir = $drop" "accept_from = alice@localhost")

start_daemon "$cb"
run_xfer 0 send -c "$ca" bob@localhost "$T/f1.bin"
[ "$(sha "$T/f1.bin")" = "$(sha "$drop/f1.bin")" ] || fail "f1.bin differs"

# An IBB transfer (data through the server) is running when it restarts.
"$XFER" send --method ibb -c "$ca" bob@localhost "$T/big.bin" >"$T/big.out" 2>"$T/big.err" </dev/null &
big_pid=$!
at_exit "kill $big_pid 2>/dev/null"
wait_receiving "$DAEMON_PID" "$drop" 200000 30
prosody_restart 2
wait_log "$T/daemon.err" "connection to the server lost; reconnecting in " 10 "$DAEMON_PID"
wait_online 2
wait_rc "$big_pid" 30
[ "$WAIT_RC" -ne 0 ] || fail "the send of big.bin succeeded across a server restart"
wait_log "$T/daemon.err" "xfer: big.bin from alice@localhost/a: " 10
[ "$(files_here)" -eq 1 ] || { ls -A "$drop"; fail "a partial file was left"; }
check_delays 1
assert_no_grep "$T/daemon.err" "xfer: received big.bin"

# The daemon is back: the next file arrives.
run_xfer 0 send --retry 3 -c "$ca" bob@localhost "$T/f2.bin"
[ "$(sha "$T/f2.bin")" = "$(sha "$drop/f2.bin")" ] || fail "f2.bin differs"
assert_grep "$T/daemon.err" "xfer: received f2.bin from alice@localhost/a via "
[ "$(files_here)" -eq 2 ] || { ls -A "$drop"; fail "expected 2 files"; }
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 40
[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC after SIGTERM"; }

# Started while the server is down: retries until it is up.
prosody_stop
: > "$T/daemon.err"
"$XFER" daemon -f -c "$cb" >"$T/daemon.out" 2>"$T/daemon.err" </dev/null &
DAEMON_PID=$!
at_exit "kill $DAEMON_PID 2>/dev/null"
wait_log "$T/daemon.err" "cannot connect: " 10 "$DAEMON_PID"
assert_grep "$T/daemon.err" "; retrying in "
# A second failed try (after at most ~1 s): it keeps retrying.
for ((i = 0; i < 50; i++)); do
	[ "$(count_log "$T/daemon.err" "cannot connect: ")" -ge 2 ] && break
	sleep 0.1
done
[ "$(count_log "$T/daemon.err" "cannot connect: ")" -ge 2 ] || { cat "$T/daemon.err"; fail "no second try"; }
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon gave up"
prosody_restart 0	# the server is stopped: this only starts it
wait_online 1
check_delays 0
run_xfer 0 send --retry 3 -c "$ca" bob@localhost "$T/f3.bin"
[ "$(sha "$T/f3.bin")" = "$(sha "$drop/f3.bin")" ] || fail "f3.bin differs"
assert_grep "$T/daemon.err" "xfer: received f3.bin from alice@localhost/a via "
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 40
[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC after SIGTERM"; }
assert_grep "$T/daemon.err" "xfer: stopped"
exit 0
