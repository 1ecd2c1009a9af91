#!/bin/bash
# xfer daemon, long-running: after 12 warm-up transfers (10 s5b, 1 ibb,
# 1 oob: every code path has run once) the daemon's open descriptors and
# RSS are measured; then 100 files in one `xfer send` (one login, default
# method) and 3 each via ibb and oob, all checked by sha256. The
# descriptor count must not grow at all; RSS at most 1.5 x + 2 MB.
# SIGTERM must end it with 0: under the sanitizer build (CI runs the suite
# again with ASan/LSan, ASAN_OPTIONS=detect_leaks=1), a leak makes the
# process exit non-zero at the end (1, ASan's exitcode; 23 with standalone
# LSan), so that exit-0 assertion is the leak check.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
mkdir "$T/src" "$T/drop"
drop=$T/drop
files_here() { find "$drop" -mindepth 1 ! -name .xfer-daemon.lock | wc -l; }
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
# settled_fds: the descriptor count once it has not changed for 0.5 s
# (bytestream sockets of a finished transfer may take a moment to close);
# after 5 s, whatever it is.
settled_fds() {
	local i n last=-1 same=0
	for ((i = 0; i < 50; i++)); do
		n=$(fds)
		if [ "$n" -eq "$last" ]; then same=$((same + 1)); else same=0; fi
		[ "$same" -ge 5 ] && break
		last=$n
		sleep 0.1
	done
	echo "$n"
}

: > "$T/warm.list" && : > "$T/main.list"
for ((i = 1; i <= 10; i++)); do
	head -c $((i * 997)) /dev/urandom > "$T/src/w$i.bin"
	echo "$T/src/w$i.bin" >> "$T/warm.list"
done
for ((i = 1; i <= 100; i++)); do
	head -c $(( (i * 7919) % 20000 + 1 )) /dev/urandom > "$T/src/m$i.bin"
	echo "$T/src/m$i.bin" >> "$T/main.list"
done
for n in wi1 wo1 i1 i2 i3 o1 o2 o3; do head -c 30011 /dev/urandom > "$T/src/$n.bin"; done

ca=$(write_config alice)
cb=$(write_config bob "drop_dir = $drop" "accept_from = alice@localhost")
start_daemon "$cb"

# Warm-up: 10 + 1 + 1.
run_xfer 0 send -c "$ca" --files-from "$T/warm.list" bob@localhost
run_xfer 0 send -c "$ca" --method ibb bob@localhost "$T/src/wi1.bin"
run_xfer 0 send -c "$ca" --method oob bob@localhost "$T/src/wo1.bin"
[ "$(files_here)" -eq 12 ] || { ls -A "$drop"; fail "expected 12 files after the warm-up"; }
fd10=$(settled_fds)
rss10=$(rss)
ls -l "/proc/$DAEMON_PID/fd" > "$T/fd10"

# 100 in one login, then a few through the other methods.
start=$(date +%s)
RUN_XFER_TIMEOUT=120 run_xfer 0 send -vv -c "$ca" --files-from "$T/main.list" bob@localhost
[ "$(grep -c "logged in as alice@localhost" "$T/err")" -eq 1 ] || fail "not one login for 100 files"
run_xfer 0 send -c "$ca" --method ibb bob@localhost "$T/src/i1.bin" "$T/src/i2.bin" "$T/src/i3.bin"
run_xfer 0 send -c "$ca" --method oob bob@localhost "$T/src/o1.bin" "$T/src/o2.bin" "$T/src/o3.bin"
note "100 + 6 transfers took $(( $(date +%s) - start )) s"
for f in "$T"/src/*.bin; do
	n=$(basename "$f")
	[ -f "$drop/$n" ] || fail "$n did not arrive"
	[ "$(sha "$f")" = "$(sha "$drop/$n")" ] || fail "$n differs"
done
[ "$(files_here)" -eq 118 ] || { ls -A "$drop"; fail "expected 118 files"; }
[ "$(count_log "$T/daemon.err" "xfer: received ")" -eq 118 ] || fail "not 118 'received' lines"
[ "$(count_log "$T/daemon.err" " via s5b: ")" -eq 110 ] || fail "not 110 files via s5b"
[ "$(count_log "$T/daemon.err" " via ibb: ")" -eq 4 ] || fail "not 4 files via ibb"
[ "$(count_log "$T/daemon.err" " via oob: ")" -eq 4 ] || fail "not 4 files via oob"

fd100=$(settled_fds)
rss100=$(rss)
note "open descriptors: $fd10 after the warm-up, $fd100 after 118 transfers;" \
	"RSS $rss10 kB, then $rss100 kB"
if [ "$fd100" -ne "$fd10" ]; then
	echo "--- after the warm-up:"; cat "$T/fd10"
	echo "--- now:"; ls -l "/proc/$DAEMON_PID/fd"
	fail "the daemon holds $fd100 descriptors, $fd10 after the warm-up"
fi
# Under ASan, freed memory sits in its quarantine (up to 256 MB), so RSS
# says nothing there; LeakSanitizer's exit status below does the job.
if ldd "$XFER" 2>/dev/null | grep -q libasan; then
	note "sanitizer build: RSS not compared (LeakSanitizer checks leaks at exit)"
else
	[ "$rss100" -le $((rss10 * 3 / 2 + 2048)) ] || fail "RSS grew from $rss10 kB to $rss100 kB"
fi

# Exit 0, also under ASan/LSan: a leak would make it 1 or 23 (see above).
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 40
[ "$WAIT_RC" -eq 0 ] || { tail -n 60 "$T/daemon.err"; fail "the daemon exited $WAIT_RC after SIGTERM (sanitizer build: a leak?)"; }
assert_grep "$T/daemon.err" "xfer: stopped"
exit 0
