#!/bin/bash
# on_receive in xfer daemon: the command gets XFER_PATH, XFER_NAME,
# XFER_SENDER, XFER_SIZE and XFER_METHOD exactly (for a file name full of
# shell metacharacters; over s5b, ibb and oob; for a file saved under another
# name than offered, the saved one), runs in the drop dir with stdin
# /dev/null and its output in the daemon's log, and no shell ever interprets
# the name. A command that exits 3 or is killed is logged as a warning and
# the daemon goes on; a new on_receive takes effect on SIGHUP. A slow command
# (sleep 20) blocks nothing: the next files arrive at once, SIGTERM ends the
# daemon promptly, and the command is neither waited for nor killed; it holds
# no descriptor of the daemon's, so a new daemon starts while it runs.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "resource = phone")
mkdir "$T/in" "$T/src" "$T/src/again" "$T/rec"
TO=bob@localhost/box
bob_conf() { write_config bob "resource = box" "drop_dir = $T/in" "accept_from = alice@localhost" "$@" >/dev/null; }
cb=$T/bob.conf

# The recording hook: one directory per run under $T/rec, a file per value
# (printf %s: byte-exact, no trailing newline), "done" last.
cat > "$T/record.sh" <<'EOF'
d=$(mktemp -d "$REC/r.XXXXXX")
printf %s "$XFER_PATH" > "$d/path"
printf %s "$XFER_NAME" > "$d/name"
printf %s "$XFER_SENDER" > "$d/sender"
printf %s "$XFER_SIZE" > "$d/size"
printf %s "$XFER_METHOD" > "$d/method"
pwd -P > "$d/cwd"
readlink /proc/self/fd/0 > "$d/stdin"
echo "hook-output-for $XFER_NAME"
: > "$d/done"
EOF
# record_of NAME: the record directory of the delivered file NAME (waits 10 s).
record_of() {
	local i d
	for ((i = 0; i < 100; i++)); do
		for d in "$T"/rec/r.*; do
			[ -e "$d/done" ] && [ "$(cat "$d/name")" = "$1" ] && { echo "$d"; return 0; }
		done
		sleep 0.1
	done
	return 1
}
# check_record NAME METHOD [SOURCE [SENDER]]: the hook saw exactly what it
# should for the delivered file NAME (sent from $T/src/SOURCE, default NAME,
# by SENDER, default alice@localhost/phone).
check_record() {
	local name=$1 src=$T/src/${3:-$1} d
	d=$(record_of "$name") || { cat "$T/daemon.err"; fail "on_receive did not run for '$name'"; }
	[ "$(cat "$d/path")" = "$T/in/$name" ] || fail "XFER_PATH is '$(cat "$d/path")'"
	[ "$(cat "$d/name")" = "$name" ] || fail "XFER_NAME is '$(cat "$d/name")'"
	[ "$(cat "$d/sender")" = "${4:-alice@localhost/phone}" ] || fail "XFER_SENDER is '$(cat "$d/sender")'"
	[ "$(cat "$d/size")" = "$(stat -c %s "$src")" ] || fail "XFER_SIZE is '$(cat "$d/size")'"
	[ "$(sha "$T/in/$name")" = "$(sha "$src")" ] || fail "'$name' is not the file sent"
	[ "$(cat "$d/method")" = "$2" ] || fail "XFER_METHOD is '$(cat "$d/method")', not $2"
	[ "$(cat "$d/cwd")" = "$(cd "$T/in" && pwd -P)" ] || fail "on_receive ran in '$(cat "$d/cwd")'"
	[ "$(cat "$d/stdin")" = /dev/null ] || fail "on_receive's stdin is '$(cat "$d/stdin")'"
	assert_grep "$T/daemon.err" "hook-output-for $name"
}
# send METHOD NAME [BYTES]: alice sends a new file NAME with METHOD; it arrives.
send() {
	head -c "${3:-3000}" /dev/urandom > "$T/src/$2"
	run_xfer 0 send -c "$ca" --method "$1" "$TO" "$T/src/$2"
	wait_log "$T/daemon.err" "received $2 from alice@localhost/phone via $1: " 10 "$DAEMON_PID"
	[ "$(sha "$T/in/$2" 2>/dev/null)" = "$(sha "$T/src/$2")" ] || fail "'$2' did not arrive intact"
}
stop() {
	kill -TERM "$DAEMON_PID"
	wait_rc "$DAEMON_PID" "${1:-40}"
	[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC on SIGTERM"; }
	assert_grep "$T/daemon.err" "xfer: stopped"
}

# 1. Exact values, nothing interpreted. The name would create files in the
# drop dir (on_receive's cwd) or next to it if any shell ever saw it.
bob_conf "on_receive = REC='$T/rec' sh '$T/record.sh'"
start_daemon "$cb" --pidfile "$T/d.pid"
evil='a$(touch pwned1);b "c" '\''d'\'' `touch pwned2` $HOME ${IFS}|touch pwned3&.txt'
send s5b "$evil" 4321
check_record "$evil" s5b
send ibb plain-ibb.bin 5000
check_record plain-ibb.bin ibb
send oob plain-oob.bin 7000
check_record plain-oob.bin oob
# The values are those of the file as delivered: a second plain-ibb.bin is
# saved as "plain-ibb (1).bin"; an offered "../up.txt" as "up.txt".
head -c 999 /dev/urandom > "$T/src/again/plain-ibb.bin"
run_xfer 0 send -c "$ca" --method ibb "$TO" "$T/src/again/plain-ibb.bin"
check_record "plain-ibb (1).bin" ibb again/plain-ibb.bin
echo "uploaded" > "$T/src/up.txt"
sipeer alice send --resource peer --to "$TO" --file "$T/src/up.txt" --name ../up.txt > "$T/p" 2>&1 ||
	{ cat "$T/p"; fail "the slixmpp send failed"; }
check_record up.txt ibb up.txt alice@localhost/peer
# Where a shell would have run "touch pwnedN": the hook's cwd, the daemon's
# and the test's, $HOME, /.
hits=$(ls -d "$T"/in/pwned* "$T"/pwned* "$T"/rec/pwned* "$PWD"/pwned* "$HOME"/pwned* /pwned* 2>/dev/null || true)
[ -z "$hits" ] || fail "a shell interpreted the file name: $hits"
stop

# 2. A command that fails, one killed by a signal: warnings, nothing else.
bob_conf "on_receive = exit 3"
start_daemon "$cb" --pidfile "$T/d.pid"
send s5b fails.bin
wait_log "$T/daemon.err" "on_receive for $T/in/fails.bin exited with status 3" 10 "$DAEMON_PID"
send ibb after-fail.bin
wait_log "$T/daemon.err" "on_receive for $T/in/after-fail.bin exited with status 3" 10 "$DAEMON_PID"
# on_receive is reloaded on SIGHUP.
bob_conf "on_receive = kill -KILL \$\$"
kill -HUP "$DAEMON_PID"
wait_log "$T/daemon.err" "reloaded the configuration from $cb" 5 "$DAEMON_PID"
send s5b killed.bin
wait_log "$T/daemon.err" "on_receive for $T/in/killed.bin was killed by signal 9" 10 "$DAEMON_PID"
send s5b after-kill.bin
stop

# 3. A slow command blocks nothing and is not waited for at exit.
cat > "$T/slow.sh" <<'EOF'
echo $$ >> "$REC/slow.pids"
exec sleep 20
EOF
bob_conf "on_receive = REC='$T/rec' sh '$T/slow.sh'"
start_daemon "$cb" --pidfile "$T/d.pid"
send s5b slow1.bin
for ((i = 0; i < 50; i++)); do [ -s "$T/rec/slow.pids" ] && break; sleep 0.1; done
[ -s "$T/rec/slow.pids" ] || fail "the slow on_receive did not start"
at_exit "kill \$(cat '$T/rec/slow.pids') 2>/dev/null"
t0=$(date +%s)
send s5b slow2.bin
send ibb slow3.bin
[ $(($(date +%s) - t0)) -le 10 ] || fail "files after a slow on_receive took $(($(date +%s) - t0)) s"
for ((i = 0; i < 50; i++)); do [ "$(wc -l < "$T/rec/slow.pids")" -ge 3 ] && break; sleep 0.1; done
[ "$(wc -l < "$T/rec/slow.pids")" -eq 3 ] || fail "on_receive ran $(wc -l < "$T/rec/slow.pids") times, not 3"
t0=$(date +%s)
stop 15
[ $(($(date +%s) - t0)) -le 5 ] || fail "SIGTERM took $(($(date +%s) - t0)) s with on_receive still running"
running=0
while read -r p; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done < "$T/rec/slow.pids"
[ "$running" -eq 3 ] || fail "$running of 3 slow on_receive commands survived the daemon, expected all (not killed)"
assert_no_grep "$T/daemon.err" "on_receive for $T/in/slow1.bin"
# The commands inherited no descriptor but 0, 1 and 2 (no lock, no socket):
# a new daemon starts at once while they still run.
while read -r p; do
	fds=$(find "/proc/$p/fd" -mindepth 1 -printf '%f\n' | sort -n | tr '\n' ' ')
	[ "$fds" = "0 1 2 " ] || fail "on_receive (pid $p) inherited descriptors: $(find "/proc/$p/fd" -mindepth 1 -printf '%f -> %l; ')"
done < "$T/rec/slow.pids"
start_daemon "$cb" --pidfile "$T/d.pid"
send s5b slow4.bin
stop 15
xargs kill < "$T/rec/slow.pids" 2>/dev/null || true
exit 0
