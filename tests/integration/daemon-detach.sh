#!/bin/bash
# xfer daemon without -f detaches: the starter exits 0 once the daemon is
# online, quickly, without keeping its stdout/stderr open; the pidfile holds
# the live daemon's pid (not the starter's); --log FILE gets lines
# "YYYY-MM-DDTHH:MM:SSZ xfer[PID]: MSG" in UTC whatever TZ says; a second
# start exits 75; a file arrives; SIGHUP after the log was moved away
# (logrotate) makes the daemon write to a new file at the log path
# (on_receive's output too); SIGTERM stops it and removes the pidfile. A
# wrong password or an untrusted certificate exits 77, a config error 78,
# leaving no process and no pidfile; an unreachable server still exits 0,
# saying the daemon keeps retrying.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box" "drop_dir = $T/in" "accept_from = alice@localhost" \
	"on_receive = echo \"hook saw \$XFER_NAME\"")
mkdir "$T/in" "$T/src"
TS='[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# detach NAME CONFIG ARGS...: `xfer daemon -c CONFIG ARGS` (no -f) with its
# stdout and stderr on a pipe: returns when the pipe is closed, i.e. when
# the starter AND the daemon let go of it (20 s at most). Sets START_RC,
# STARTER (the starter's pid), START_MS; output in $T/NAME.start.
detach() {
	local name=$1 cfg=$2 t0
	shift 2
	t0=$(now_ms)
	{
		TZ=EST5EDT timeout 30 sh -c 'echo $$ > "$0"; exec "$@"' "$T/$name.starter" \
			"$XFER" daemon -c "$cfg" "$@" 2>&1 </dev/null
		echo "rc=$?"
	} | timeout 20 cat > "$T/$name.start" || true
	START_MS=$(($(now_ms) - t0))
	START_RC=$(sed -n 's/^rc=//p' "$T/$name.start")
	STARTER=$(cat "$T/$name.starter")
	[ -n "$START_RC" ] || { cat "$T/$name.start"; fail "$name: the starter's output pipe stayed open (daemon kept stdout/stderr?)"; }
	[ "$START_MS" -le 15000 ] || fail "$name: starting took $START_MS ms"
}
# wait_gone PID SECS: until PID (not a child of ours) has exited.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process $1 still runs after $2 s"
}
# procs_with TEXT: pids of processes whose command line contains TEXT.
procs_with() {
	local f c
	for f in /proc/[0-9]*/cmdline; do
		c=$(tr '\0' ' ' 2>/dev/null < "$f") || continue
		case "$c" in *"$1"*) f=${f#/proc/}; echo "${f%/cmdline}" ;; esac
	done
}
# log_ok FILE PID: every line of FILE has the timestamped format of PID.
log_ok() {
	local bad
	bad=$(grep -vE "^($TS xfer\[$2\]: |hook saw )" "$1" || true)
	[ -z "$bad" ] || { cat "$1"; fail "$(basename "$1") has lines not in the log format: $bad"; }
}

detach main "$cb" --pidfile "$T/d.pid" --log "$T/d.log"
[ -s "$T/d.pid" ] || fail "no pidfile once the starter returned (exit $START_RC)"
pid=$(head -n 1 "$T/d.pid")    # line 2 is the account's JID
at_exit "kill $pid 2>/dev/null"
[ "$START_RC" -eq 0 ] || { cat "$T/main.start"; fail "the detached start exited $START_RC"; }
[ "$pid" != "$STARTER" ] || fail "the pidfile holds the starter's pid"
kill -0 "$pid" 2>/dev/null || fail "the pid in the pidfile ($pid) is not running"
[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" != "" ] || fail "pid $pid is not a process"
assert_no_grep "$T/d.log" "cannot connect"
grep -qE "^$TS xfer\[$pid\]: online as bob@localhost/box; receiving into $T/in$" "$T/d.log" ||
	{ cat "$T/d.log"; fail "no timestamped 'online as' line for pid $pid"; }
# The timestamp is UTC (the daemon ran with TZ=EST5EDT) and current.
stamp=$(grep -m1 -oE "^$TS" "$T/d.log")
diff=$(($(date -u +%s) - $(date -u -d "${stamp%Z}" +%s)))
{ [ "$diff" -ge -5 ] && [ "$diff" -le 60 ]; } || fail "log time $stamp is ${diff} s off UTC now"

# A second detached start for the account: 75, and no second daemon.
detach second "$cb" --pidfile "$T/d.pid" --log "$T/second.log"
[ "$START_RC" -eq 75 ] || { cat "$T/second.start"; fail "a second detached daemon exited $START_RC, not 75"; }
assert_grep "$T/second.start" "another xfer daemon (pid $pid) is running for bob@localhost"
left=$(procs_with "$T/second.log")
[ -z "$left" ] || { echo "$left" | xargs kill; fail "a second daemon stayed: $left"; }
[ "$(head -n 1 "$T/d.pid")" = "$pid" ] || fail "the pidfile changed"

head -c 200000 /dev/urandom > "$T/src/one.bin"
run_xfer 0 send -c "$ca" bob@localhost/box "$T/src/one.bin"
[ "$(sha "$T/in/one.bin")" = "$(sha "$T/src/one.bin")" ] || fail "one.bin did not arrive intact"
wait_log "$T/d.log" "xfer[$pid]: received one.bin from alice@localhost/" 5
# on_receive's output goes to the log file too.
wait_log "$T/d.log" "hook saw one.bin" 5

# logrotate: move the file away, SIGHUP, a new file at the same path.
mv "$T/d.log" "$T/d.log.1"
kill -HUP "$pid"
for ((i = 0; i < 50; i++)); do
	[ -e "$T/d.log" ] && grep -qF "reloaded the configuration from $cb" "$T/d.log" "$T/d.log.1" && break
	sleep 0.1
done
[ -e "$T/d.log" ] || fail "no new log file after SIGHUP"
grep -qF "reloaded the configuration from $cb" "$T/d.log" "$T/d.log.1" || fail "no 'reloaded' line after SIGHUP"
head -c 100000 /dev/urandom > "$T/src/two.bin"
run_xfer 0 send -c "$ca" bob@localhost/box "$T/src/two.bin"
[ "$(sha "$T/in/two.bin")" = "$(sha "$T/src/two.bin")" ] || fail "two.bin did not arrive intact"
wait_log "$T/d.log" "xfer[$pid]: received two.bin from alice@localhost/" 5
wait_log "$T/d.log" "hook saw two.bin" 5
assert_no_grep "$T/d.log.1" "two.bin"

kill -TERM "$pid"
wait_gone "$pid" 40
[ ! -e "$T/d.pid" ] || fail "the pidfile was not removed"
wait_log "$T/d.log" "xfer[$pid]: stopped" 2
log_ok "$T/d.log" "$pid"
log_ok "$T/d.log.1" "$pid"

# A wrong password: 77, no daemon left, no pidfile.
sed 's/^password = .*/password = wrong/' "$cb" > "$T/bad.conf"
chmod 600 "$T/bad.conf"
detach bad "$T/bad.conf" --pidfile "$T/bad.pid" --log "$T/bad.log"
[ "$START_RC" -eq 77 ] || { cat "$T/bad.start"; fail "a wrong password exited $START_RC, not 77"; }
grep -qv '^rc=' "$T/bad.start" || fail "exit 77 without a message"
for ((i = 0; i < 30; i++)); do [ -z "$(procs_with "$T/bad.pid")" ] && break; sleep 0.1; done
left=$(procs_with "$T/bad.pid")
[ -z "$left" ] || { echo "$left" | xargs kill; fail "a daemon was left running after exit 77: $left"; }
[ ! -e "$T/bad.pid" ] || fail "a pidfile was left after exit 77"

# An untrusted certificate: 77 too. A config error: 78. Neither leaves a daemon.
mkdir "$T/other"
make_cert "$T/other" other
sed "s|^cafile = .*|cafile = $T/other/other.pem|" "$cb" > "$T/untrusted.conf"
chmod 600 "$T/untrusted.conf"
detach untrusted "$T/untrusted.conf" --pidfile "$T/untrusted.pid" --log "$T/untrusted.log"
[ "$START_RC" -eq 77 ] || { cat "$T/untrusted.start"; fail "an untrusted certificate exited $START_RC, not 77"; }
cp "$cb" "$T/broken.conf"
echo "no_such_key = 1" >> "$T/broken.conf"
detach broken "$T/broken.conf" --pidfile "$T/broken.pid" --log "$T/broken.log"
[ "$START_RC" -eq 78 ] || { cat "$T/broken.start"; fail "a config error exited $START_RC, not 78"; }
assert_grep "$T/broken.start" "no_such_key"
for n in untrusted broken; do
	left=$(procs_with "$T/$n.pid")
	[ -z "$left" ] || { echo "$left" | xargs kill; fail "$n: a daemon was left running: $left"; }
	[ ! -e "$T/$n.pid" ] || fail "$n: a pidfile was left"
done

# An unreachable server (a closed port): 0, and the daemon keeps trying.
sed "s/^port = .*/port = $(free_port)/" "$cb" > "$T/down.conf"
chmod 600 "$T/down.conf"
detach down "$T/down.conf" --pidfile "$T/down.pid" --log "$T/down.log"
[ -s "$T/down.pid" ] || fail "no pidfile for the retrying daemon"
dpid=$(head -n 1 "$T/down.pid")
at_exit "kill $dpid 2>/dev/null"
[ "$START_RC" -eq 0 ] || { cat "$T/down.start"; fail "an unreachable server exited $START_RC, not 0"; }
grep -qiE "retry|keeps trying" "$T/down.start" || { cat "$T/down.start"; fail "the starter did not say that the daemon keeps retrying"; }
kill -0 "$dpid" 2>/dev/null || fail "the retrying daemon is not running"
wait_log "$T/down.log" "cannot connect: " 5
grep -qE "^$TS xfer\[$dpid\]: .*cannot connect: " "$T/down.log" || fail "the retries are not logged by $dpid"
assert_grep "$T/down.log" "; retrying in "
# SIGTERM ends it promptly, also while it waits to retry.
kill -TERM "$dpid"
wait_gone "$dpid" 5
[ ! -e "$T/down.pid" ] || fail "the retrying daemon's pidfile was not removed"
log_ok "$T/down.log" "$dpid"

# Started from $T with a relative cafile (the detached daemon works from /,
# the name means $T/prosody/server.pem) and with a descriptor of the
# starter's caller open on the output pipe: it comes online, lets go of
# that pipe (a daemon holding it would hang an ssh session or a CI step),
# and takes a SIGHUP.
sed "s|^cafile = .*|cafile = prosody/server.pem|" "$cb" > "$T/rel.conf"
chmod 600 "$T/rel.conf"
t0=$(now_ms)
{
	(cd "$T" && timeout 30 "$XFER" daemon -c "$T/rel.conf" --pidfile "$T/rel.pid" \
		--log "$T/rel.log" 5>&1 >/dev/null 2>&1 </dev/null)
	echo "rc=$?"
} | timeout 20 cat > "$T/rel.start" || true
[ -s "$T/rel.pid" ] && rpid=$(head -n 1 "$T/rel.pid") && at_exit "kill $rpid 2>/dev/null"
[ "$(($(now_ms) - t0))" -le 15000 ] || fail "the daemon kept an inherited descriptor on the pipe"
assert_grep "$T/rel.start" "rc=0"
wait_log "$T/rel.log" "online as bob@localhost/box" 5
# A reload there (the cafile is not read again: it needs a restart) works.
kill -HUP "$rpid"
wait_log "$T/rel.log" "reloaded the configuration from $T/rel.conf" 5
assert_no_grep "$T/rel.log" "cannot reload"
kill -TERM "$rpid"
wait_gone "$rpid" 10
exit 0
