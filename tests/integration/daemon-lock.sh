#!/bin/bash
# xfer daemon locks: a second daemon of the same account exits 75 naming the
# first one's pid and pidfile, without disturbing it; a daemon of another
# account into the same drop dir exits 75 naming the pid and the dir; into
# another dir it starts. The locks go with the daemon: after SIGTERM (pidfile
# removed) and after SIGKILL (stale pidfile left) a new daemon starts. The
# default pidfile is $XDG_RUNTIME_DIR/xfer-daemon-<bare JID>.pid. Start-up
# errors: no drop dir at all exits 64, a missing one 73, a bad --grace 64.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box" "accept_from = alice@localhost")
cc=$(write_config carol "resource = desk" "accept_from = alice@localhost")
mkdir "$T/in" "$T/in2" "$T/src"
# pid_in FILE: the pid a pidfile names (all it holds).
pid_in() { head -n 1 "$1" 2>/dev/null; }

# start_d NAME CONFIG ARGS...: a foreground daemon logging to $T/NAME.err,
# online when this returns; sets D_PID.
start_d() {
	start_daemon_as "$@"
	D_PID=$DAEMON_PID
}
# refused NAME CODE CONFIG ARGS...: a daemon that must exit CODE at once.
refused() {
	local name=$1 code=$2 cfg=$3 rc=0
	shift 3
	timeout 20 "$XFER" daemon -f -c "$cfg" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null || rc=$?
	[ "$rc" -eq "$code" ] || { cat "$T/$name.err"; fail "$name: exited $rc, expected $code"; }
	assert_no_grep "$T/$name.err" "online as"
}
# stop_d PID LOG: SIGTERM, exit 0, "stopped".
stop_d() {
	kill -TERM "$1"
	wait_rc "$1" 40
	[ "$WAIT_RC" -eq 0 ] || { cat "$2"; fail "daemon $1 exited $WAIT_RC on SIGTERM"; }
	assert_grep "$2" "xfer: stopped"
}
# deliver NAME DIR: alice sends a new file to bob, it arrives intact in DIR.
deliver() {
	head -c 50000 /dev/urandom > "$T/src/$1"
	run_xfer 0 send -c "$ca" bob@localhost/box "$T/src/$1"
	[ "$(sha "$2/$1" 2>/dev/null)" = "$(sha "$T/src/$1")" ] || fail "$1 did not arrive in $2"
}

# The first daemon, with an explicit pidfile.
start_d bob1 "$cb" -d "$T/in" --from alice@localhost --pidfile "$T/bob.pid"
bob1=$D_PID
[ "$(pid_in "$T/bob.pid")" = "$bob1" ] || fail "the pidfile holds '$(pid_in "$T/bob.pid")', not $bob1"

# Same account, same pidfile: 75.
refused bob2 75 "$cb" -d "$T/in2" --from alice@localhost --pidfile "$T/bob.pid"
assert_grep "$T/bob2.err" "xfer: another xfer daemon (pid $bob1) is running for bob@localhost (pidfile $T/bob.pid)"
[ "$(pid_in "$T/bob.pid")" = "$bob1" ] || fail "the refused daemon changed the pidfile"
# Another account into the same drop dir: 75.
refused carol1 75 "$cc" -d "$T/in" --pidfile "$T/carol.pid"
assert_grep "$T/carol1.err" "xfer: another xfer daemon (pid $bob1) receives into $T/in"
[ ! -e "$T/carol.pid" ] || fail "the refused daemon left its pidfile"
# The same dir spelt relatively is the same dir.
(cd "$T" && refused carol2 75 "$cc" -d in --pidfile "$T/carol.pid")
assert_grep "$T/carol2.err" "receives into $T/in"
# The first daemon was not disturbed (no resource conflict, no reconnect).
kill -0 "$bob1" 2>/dev/null || fail "the first daemon died"
assert_no_grep "$T/bob1.err" "connection to the server lost"
deliver one.bin "$T/in"

# Another account into another dir: fine, at the same time.
start_d carol "$cc" -d "$T/in2" --pidfile "$T/carol.pid"
carol=$D_PID
[ "$(pid_in "$T/carol.pid")" = "$carol" ] || fail "carol's pidfile holds '$(pid_in "$T/carol.pid")'"
stop_d "$carol" "$T/carol.err"
[ ! -e "$T/carol.pid" ] || fail "carol's pidfile was not removed"

# SIGTERM releases both locks and removes the pidfile.
stop_d "$bob1" "$T/bob1.err"
[ ! -e "$T/bob.pid" ] || fail "the pidfile was not removed at exit"
start_d bob3 "$cb" -d "$T/in" --from alice@localhost --pidfile "$T/bob.pid"
bob3=$D_PID
[ "$(pid_in "$T/bob.pid")" = "$bob3" ] || fail "the new pidfile holds '$(pid_in "$T/bob.pid")'"
deliver two.bin "$T/in"

# SIGKILL leaves a stale pidfile; it blocks nothing.
kill -9 "$bob3"
wait "$bob3" 2>/dev/null || true
[ "$(pid_in "$T/bob.pid")" = "$bob3" ] || fail "expected a stale pidfile after SIGKILL"
start_d bob4 "$cb" -d "$T/in" --from alice@localhost --pidfile "$T/bob.pid"
bob4=$D_PID
[ "$(pid_in "$T/bob.pid")" = "$bob4" ] || fail "the stale pidfile was not replaced: '$(pid_in "$T/bob.pid")'"
deliver three.bin "$T/in"
stop_d "$bob4" "$T/bob4.err"

# The default pidfile: $XDG_RUNTIME_DIR/xfer-daemon-<bare JID>.pid.
def=$XDG_RUNTIME_DIR/xfer-daemon-bob@localhost.pid
start_d bob5 "$cb" -d "$T/in" --from alice@localhost
bob5=$D_PID
[ "$(pid_in "$def")" = "$bob5" ] || fail "no default pidfile $def: $(ls -A "$XDG_RUNTIME_DIR")"
refused bob6 75 "$cb" -d "$T/in2"
assert_grep "$T/bob6.err" "xfer: another xfer daemon (pid $bob5) is running for bob@localhost (pidfile $def)"
# The config key pidfile is as --pidfile.
cbp=$(write_config bob "resource = box" "accept_from = alice@localhost" "pidfile = $def")
refused bob7 75 "$cbp" -d "$T/in2"
assert_grep "$T/bob7.err" "(pid $bob5) is running for bob@localhost"
stop_d "$bob5" "$T/bob5.err"
[ ! -e "$def" ] || fail "the default pidfile was not removed"

# Start-up errors.
cb=$(write_config bob "resource = box" "accept_from = alice@localhost")
refused nodir 64 "$cb" --pidfile "$T/x.pid"
[ -s "$T/nodir.err" ] || fail "exit 64 without a message"
grep -qE "drop_dir|--dir|-d" "$T/nodir.err" || { cat "$T/nodir.err"; fail "the message does not say how to name the drop dir"; }
refused missing 73 "$cb" -d "$T/no/such/dir" --pidfile "$T/x.pid"
assert_grep "$T/missing.err" "$T/no/such/dir"
cbd=$(write_config bob "resource = box" "accept_from = alice@localhost" "drop_dir = $T/nope")
refused missing2 73 "$cbd" --pidfile "$T/x.pid"
assert_grep "$T/missing2.err" "$T/nope"
refused grace 64 "$cb" -d "$T/in" --grace 3601 --pidfile "$T/x.pid"
[ ! -e "$T/x.pid" ] || fail "a daemon that did not start left a pidfile"
exit 0
